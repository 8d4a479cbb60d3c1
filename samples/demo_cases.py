"""The demo's merchants and listings with their expected decisions: samples/demo_cases.json.

    python -m samples.demo_cases [--out samples/demo_cases.json]

Every merchant's documents are files of samples/documents/set/ and every number is in (or,
on purpose, missing from) samples/registry/, all built from the default world. ``reasons``
are the codes (design §5) a decision must carry with block or review severity;
``may_also`` lists codes that may appear besides them (an info-level FOCUS_CATEGORY, or
DOC_EXPIRED next to LICENCE_EXPIRED).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from samples.documents.generate import mismatch_uscc
from samples.world import DEFAULT_SEED, SNAPSHOT_DATE, anchor_device, build_world

OUT = Path(__file__).with_name("demo_cases.json")
RETAIL_NOTICE = "请仔细阅读产品说明书或者在医务人员的指导下购买和使用。"


def cases(seed: int = DEFAULT_SEED) -> dict:
    world = build_world(seed=seed)
    ent = world.enterprise
    syringe = anchor_device(world, "ruihe", "syringe")
    infusion = anchor_device(world, "ruihe", "infusion")
    mask = anchor_device(world, "ruihe", "surgical_mask")
    respirator = anchor_device(world, "ruihe", "respirator")
    cold = anchor_device(world, "ruihe", "cold_patch")
    thermo = anchor_device(world, "antai", "ear_thermo")
    cgm = anchor_device(world, "antai", "cgm")
    lens = anchor_device(world, "mingshi", "contact_lens")
    hearing = anchor_device(world, "foreign:0", "hearing_aid")
    numbers = {d.number for d in world.devices}
    missing = "国械注准20233149999"
    assert missing not in numbers
    youxuan = ent("youxuan")

    def merchant(key, case_id, external_id, documents, status, reasons, why, may_also=(), uscc=None):
        e = ent(key)
        online = e.licence("online_sales_filing")
        return {"id": case_id, "external_id": external_id, "name": e.name, "uscc": uscc or e.uscc,
                "region": e.region, "online_sales_filing_number": online.number if online else None,
                "documents": documents, "expected": {"status": status, "reasons": list(reasons),
                                                     "may_also": list(may_also)}, "why": why}

    def listing(case_id, merchant_id, external_id, device, title, description, outcome, reasons, why,
                number=None, product_name=None, manufacturer=None, model=None, may_also=()):
        return {"id": case_id, "merchant": merchant_id, "external_id": external_id, "title": title,
                "description": description,
                "registration_number": number if number is not None else device.number,
                "product_name": product_name or device.product.name,
                "manufacturer": manufacturer or device.registrant.name,
                "model": model or device.models[0], "device_class": device.device_class,
                "expected": {"outcome": outcome, "reasons": list(reasons), "may_also": list(may_also)}, "why": why}

    merchants = [
        merchant("kangning", "good", "M-0001",
                 ["business_licence__clean.png", "device_business_licence__clean.png",
                  "class2_business_filing__photo.jpg", "online_sales_filing__textpdf.pdf"],
                 "approved", [],
                 "Class III licence (scope Ⅲ类 14, 16), Class II filing and online-sales filing all active, "
                 "the same credit code on every document and in the registry."),
        merchant("ruihe", "maker", "M-0002",
                 ["maker__business_licence__clean.png", "production_licence__clean.png",
                  "maker__online_sales_filing__photo.jpg"],
                 "approved", [],
                 "A registrant selling its own registered products needs no business licence: its production "
                 "licence (active, scope Ⅲ类 14; Ⅱ类 14) is what it shows (REG21 Art 43, GSP-NET Art 11)."),
        merchant("ruifeng", "expired-licence", "M-0003",
                 ["expired__business_licence__clean.png", "expired__device_business_licence__photo.jpg"],
                 "rejected", ["LICENCE_EXPIRED"],
                 f"The Class III licence {ent('ruifeng').licence('device_business_licence').number} ran out on "
                 f"{ent('ruifeng').licence('device_business_licence').valid_until}; the registry lists it as expired.",
                 may_also=["DOC_EXPIRED"]),
        merchant("boyuan", "revoked-licence", "M-0004",
                 ["revoked__business_licence__clean.png", "revoked__device_business_licence__clean.png"],
                 "rejected", ["LICENCE_REVOKED"],
                 f"The licence {ent('boyuan').licence('device_business_licence').number} looks valid until "
                 f"{ent('boyuan').licence('device_business_licence').valid_until}, but the registry lists it as revoked."),
        merchant("liankang", "uscc-mismatch", "M-0005",
                 ["mismatch__business_licence__clean.png", "mismatch__device_business_licence__photo.jpg"],
                 "rejected", ["USCC_MISMATCH"],
                 f"The business licence and the registry say {ent('liankang').uscc}; the device business licence "
                 f"uploaded prints {mismatch_uscc(world)} (a valid code, not the holder's)."),
        merchant("hengan", "licence-not-found", "M-0006",
                 ["notfound__business_licence__clean.png", "notfound__device_business_licence__clean.png"],
                 "rejected", ["LICENCE_NOT_FOUND"],
                 f"The licence number {ent('hengan').licence('device_business_licence').number} is well formed "
                 "but the regulator's data has no such licence."),
        merchant("jiahe", "class2-only", "M-0007",
                 ["class2only__business_licence__clean.png", "class2only__class2_business_filing__clean.png",
                  "class2only__online_sales_filing__clean.png"],
                 "approved", [],
                 "A pharmacy chain with a Class II business filing only: approved for Class I and II products."),
    ]
    claims = ("【国家级品质】医用外科口罩，阻菌率100%，无任何副作用，专家推荐、医生推荐，家庭必备，"
              "无效退款！热销抢购中。")
    listings = [
        listing("allow-class3", "good", "L-0001", syringe, "一次性使用无菌注射器 带针 5ml 100支/盒",
                f"注册证编号：{syringe.number}。{RETAIL_NOTICE}", "allow", [],
                "Active national Class III registration; model listed; Class III 14 is in the licence scope.",
                model="5ml"),
        listing("allow-class2", "good", "L-0002", thermo, "红外耳温计 ET-100 家用耳温枪",
                f"医疗器械注册证编号：{thermo.number}。{RETAIL_NOTICE}", "allow", [],
                "Active provincial Class II registration; Class II 07 is in the business filing's scope."),
        listing("allow-class1", "good", "L-0003", cold, "医用冷敷贴 10cm×12cm 6贴/盒",
                f"第一类医疗器械备案编号：{cold.number}。{RETAIL_NOTICE}", "allow", [],
                "Class I filing, active; Class I products need no business licence or filing.",
                model="10cm×12cm"),
        listing("allow-focus-lens", "good", "L-0004", lens, "软性亲水接触镜 日抛型 30片装",
                f"注册证编号：{lens.number}。配戴本产品，应由眼视光专业人士进行验配。{RETAIL_NOTICE}", "allow", [],
                "Taiwan-made Class III lens (国械注许), registration active, Class III 16 in the licence scope; "
                "contact lenses are a focus category, so an info reason may accompany the allow.",
                may_also=["FOCUS_CATEGORY"]),
        listing("allow-imported", "good", "L-0005", hearing, "助听器 HA-B10 耳背式",
                f"注册证编号：{hearing.number}。验配助听器前应经过专业的检查及听力测试，并在助听器验配师调试并试听试戴和"
                f"验配师指导下使用。{RETAIL_NOTICE}", "allow", [],
                "Imported Class II hearing aid (国械注进, first registered 2017 under the 2002 catalogue: segment 46), "
                "renewed 2022; Class II 19 in the filing's scope.", may_also=["FOCUS_CATEGORY"]),
        listing("regno-cancelled", "good", "L-0006", infusion, "一次性使用输液器 带针 0.7×25TWLB",
                f"注册证编号：{infusion.number}。", "block", ["REGNO_CANCELLED"],
                "The registration is cancelled in the registry although its printed validity runs to "
                f"{infusion.valid_until}.", model="0.7×25TWLB"),
        listing("regno-not-found", "good", "L-0007", infusion, "一次性使用输液器 带针",
                f"注册证编号：{missing}。", "block", ["REGNO_NOT_FOUND"],
                "A well-formed national Class III number that the registry does not hold.", number=missing),
        listing("regno-expired", "good", "L-0008", respirator, "医用防护口罩 折叠式 耳挂型",
                f"注册证编号：{respirator.number}。", "review", ["REGNO_EXPIRED"],
                f"Registered 2018 (segment 64 = 6864, the 2002 catalogue), valid until {respirator.valid_until}, "
                "never renewed. A review, not a block: REGM Art 112 counts masks made while the certificate was "
                "valid as registered, so the stock may still be sold; staff ask for its production date."),
        listing("banned-claim", "good", "L-0009", mask, "医用外科口罩 国家级品质 阻菌率100%", claims, "block",
                ["BANNED_CLAIM"],
                "Valid registration, but the text makes claims ADL Art 9/16 and SAMR Order 21 ban "
                "(国家级, 100%, 无任何副作用, 专家推荐/医生推荐, 家庭必备, 无效退款, 热销, 抢购)."),
        listing("scope-excludes", "good", "L-0010", cgm, "持续葡萄糖监测系统 CG-14 免扎手指",
                f"注册证编号：{cgm.number}。{RETAIL_NOTICE}", "block", ["LICENCE_SCOPE_EXCLUDES"],
                "Class III sub-catalogue 07 is not in the merchant's licence scope (Ⅲ类 14, 16)."),
        listing("class3-without-licence", "class2-only", "L-0011", lens, "彩色软性亲水接触镜 日抛 10片",
                f"注册证编号：{lens.number}。配戴本产品，应由眼视光专业人士进行验配。", "block",
                ["CLASS3_REQUIRES_LICENCE"],
                "A Class III product offered by a merchant that holds only a Class II business filing.",
                may_also=["FOCUS_CATEGORY"]),
        listing("regno-invalid", "good", "L-0012", syringe, "一次性使用无菌注射器 2ml", "注册证编号：国械注准2019314041。",
                "block", ["REGNO_INVALID"], "The serial has three digits where the format (REGM Art 115) has four.",
                number="国械注准2019314041", model="2ml"),
        listing("product-mismatch", "good", "L-0013", thermo, "医用防护口罩 N95 级 50只装",
                f"注册证编号：{thermo.number}。", "block", ["PRODUCT_MISMATCH"],
                "The number is an ear thermometer's registration; the listing sells masks under it.",
                product_name="医用防护口罩", model="折叠式 耳挂型"),
        listing("registrant-mismatch", "good", "L-0014", syringe, "一次性使用无菌注射器 带针 10ml",
                f"注册证编号：{syringe.number}。", "review", ["REGISTRANT_MISMATCH"],
                "Number, product and model match, but the manufacturer named is not the registrant.",
                manufacturer="深圳市安康医疗器械有限公司", model="10ml"),
        listing("maker-own-product", "maker", "L-0015", syringe, "一次性使用无菌注射器 带针 1ml 厂家直供",
                f"注册证编号：{syringe.number}。生产许可证编号：{ent('ruihe').licence('production_licence').number}。"
                f"{RETAIL_NOTICE}", "allow", [], "The registrant selling its own registered product.", model="1ml"),
        listing("merchant-not-approved", "expired-licence", "L-0016", syringe, "一次性使用无菌注射器 带针 5ml",
                f"注册证编号：{syringe.number}。", "block", ["MERCHANT_NOT_APPROVED"],
                "The merchant was rejected (expired licence), so none of its listings may go live.", model="5ml"),
    ]
    return {
        "description": "Demo merchants and listings on the sample world; see samples/README.md.",
        "snapshot_date": SNAPSHOT_DATE.isoformat(),
        "registry": "samples/registry",
        "documents": "samples/documents/set",
        "platform": {"name": youxuan.name, "uscc": youxuan.uscc, "region": youxuan.region,
                     "filing_number": youxuan.licence("platform_filing").number},
        "merchants": merchants,
        "listings": listings,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m samples.demo_cases", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    args.out.write_text(json.dumps(cases(args.seed), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
