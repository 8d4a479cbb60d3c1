"""Report facts at any scale: a platform, its sellers, their violations and the bureaus' leads.

For the report benchmark (100,000 violations), the renderers' volume tests and the demo. Sellers
are spread over one province's prefectures with valid credit codes; every violation type, tier,
action and lead source occurs. Output is identical for identical arguments.

    from samples.report_world import make_report_world
    world = make_report_world(violations=100_000)
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from samples.numbers import uscc
from samples.products import PRODUCTS
from verifiers.reports.model import (ActionFacts, EvidenceRefs, LeadFacts, LicenceRef, MerchantFacts,
                                     PlatformFacts, ProductFacts, ReasonFacts, ViolationFacts, tier_for_code)
from verifiers.reports.periods import parse_period
from verifiers.reports.routing import default_directory

#: Reason codes each generated violation draws from, with weights (serious ones are rarer).
_CODES = (("REGNO_NOT_FOUND", 8), ("REGNO_EXPIRED", 6), ("LICENCE_EXPIRED", 5), ("ONLINE_SALES_NOT_FILED", 3),
          ("LICENCE_SCOPE_EXCLUDES", 4), ("PRODUCT_MISMATCH", 12), ("CERTIFICATE_MISMATCH", 6),
          ("DOC_MISSING", 5), ("BANNED_CLAIM", 14), ("MODEL_MISMATCH", 6))
_WORDS = "康宁仁和安泰百康华健瑞德恒信博爱佳美正元同济天使明光永康益生福润嘉禾长青优品国泰惠民"
_KINDS = ("医疗器械", "医疗用品", "医疗科技", "健康科技", "医药")
_ENDINGS = ("有限公司", "有限责任公司", "经营部", "商行")


@dataclass(frozen=True)
class ReportWorld:
    platform: PlatformFacts
    merchants: tuple[MerchantFacts, ...]
    violations: tuple[ViolationFacts, ...]
    leads: tuple[LeadFacts, ...]
    merchants_checked: int
    region: str  # the province the sellers are in
    period: str


def _hex(rng: random.Random) -> str:
    return hashlib.sha256(rng.getrandbits(64).to_bytes(8, "big")).hexdigest()


def _merchants(rng: random.Random, province: str, count: int) -> list[MerchantFacts]:
    directory = default_directory()
    prefectures = [code for code in (f"{province}{n:02d}00" for n in range(1, 100))
                   if (d := directory.division(code)) is not None and d.level == "prefecture"]
    out = []
    for n in range(count):
        prefecture = rng.choice(prefectures)
        region = prefecture[:4] + f"{rng.randint(2, 12):02d}"  # a district or county code under it
        city = directory.division(prefecture).name.removesuffix("市")
        name = f"{city}{''.join(rng.sample(_WORDS, 2))}{rng.choice(_KINDS)}{rng.choice(_ENDINGS)}"
        established = date(2010, 1, 1) + timedelta(days=rng.randrange(5000))
        code = uscc(region, rng, established)
        licences = (LicenceRef("device_business_licence", f"{province}{n:05d}经营许可"),
                    LicenceRef("online_sales_filing", f"{province}网械备{2019 + n % 6}{n:05d}号"))
        out.append(MerchantFacts(id=f"m-{n:05d}", name=name, uscc=code, external_id=f"shop-{100000 + n}",
                                 region=region, address=f"{city}市某区{rng.randint(1, 999)}号",
                                 shop_name=f"{name[:6]}旗舰店", shop_url=f"https://shop.example.com/{100000 + n}",
                                 licences=licences))
    return out


def _products(rng: random.Random, count: int) -> list[ProductFacts]:
    out = []
    for n in range(count):
        template = rng.choice(PRODUCTS)
        authority = "国" if template.device_class == 3 else "粤"
        number = f"{authority}械注准{rng.randint(2015, 2025)}{template.device_class}{template.category}{n:04d}"
        out.append(ProductFacts(name=template.name, model=rng.choice(template.models), registration_number=number,
                                registry_match=rng.random() < 0.3, snapshot_id=f"snap-{rng.randint(1, 40):03d}",
                                listing_external_id=f"item-{n:06d}"))
    return out


def _actions(rng: random.Random, tier: str, detected: datetime) -> tuple[ActionFacts, ...]:
    later = detected + timedelta(minutes=rng.randint(1, 90))
    if tier == "stop_and_report":
        actions = [ActionFacts(rng.choice(("listing_removed", "listing_blocked", "service_stopped")), later),
                   ActionFacts("reported", later + timedelta(minutes=30))]
    else:
        actions = [ActionFacts("rectification_ordered", later, deadline=later + timedelta(days=3))]
    extra = rng.random()
    if extra < 0.03:
        actions.append(ActionFacts("referred_police", later + timedelta(days=2)))
    elif extra < 0.05:
        actions.append(ActionFacts("referred_cyberspace", later + timedelta(days=2)))
    elif extra < 0.08:
        actions.append(ActionFacts("interviewed", later + timedelta(days=1)))
    elif extra < 0.09:
        actions.append(ActionFacts("exposed", later + timedelta(days=5)))
    return tuple(actions)


def make_report_world(violations: int = 1000, *, province: str = "44", merchants: int | None = None,
                      period: str = "2026-11", seed: int = 7) -> ReportWorld:
    """``violations`` violations detected in ``period`` by sellers in ``province`` (two-digit code)."""
    rng = random.Random(seed)
    span = parse_period(period)
    seconds = int((span.end_at - span.start_at).total_seconds())
    sellers = _merchants(rng, province, merchants or max(10, min(5000, violations // 20)))
    products = _products(rng, max(10, min(2000, violations // 50)))
    codes, weights = zip(*_CODES)
    platform = PlatformFacts(name="示例健康商城（杭州）网络科技有限公司", uscc=uscc("330106", rng, date(2016, 5, 1)),
                             filing_number="（浙）网械平台备字[2019]第00099号", region="330106",
                             contact_person="王质安", contact_phone="0571-88880000")
    facts = []
    for n in range(violations):
        detected = span.start_at + timedelta(seconds=rng.randrange(seconds))
        picked = rng.choices(codes, weights, k=rng.choice((1, 1, 1, 2)))
        reasons = tuple(ReasonFacts(code, "block", tier_for_code(code)) for code in dict.fromkeys(picked))
        tier = "stop_and_report" if any(r.tier == "stop_and_report" for r in reasons) else "correct_then_report"
        merchant = rng.choice(sellers)
        product = rng.choice(products)
        evidence = EvidenceRefs(listing_url=f"https://item.example.com/{rng.randrange(10**7)}",
                                document_sha256s=(_hex(rng),), snapshot_id=product.snapshot_id,
                                decision_ids=(f"D-{n:07d}",), chain_hashes=(_hex(rng),))
        rectification = "not_required" if tier == "stop_and_report" else rng.choice(("pending", "rectified", "overdue"))
        facts.append(ViolationFacts(id=f"V-{n:07d}", detected_at=detected, merchant=merchant, product=product,
                                    reasons=reasons, evidence=evidence, actions=_actions(rng, tier, detected),
                                    rectification_status=rectification,
                                    status="reported" if tier == "stop_and_report" else "open"))
    leads = []
    sources = ("nmpa_transfer", "provincial_monitoring", "other_province", "platform_monitoring", "complaint")
    for n in range(max(5, violations // 20)):
        found = [facts[rng.randrange(len(facts))] for _ in range(rng.choice((0, 1, 1, 2)))] if facts else []
        merchant = found[0].merchant if found else rng.choice(sellers)  # a lead names one seller
        found = [v for v in found if v.merchant is merchant]
        answered = rng.random() < 0.7
        leads.append(LeadFacts(id=f"L-{n:06d}", source=sources[n % len(sources)],
                               received_at=span.start_at + timedelta(seconds=rng.randrange(seconds)),
                               state="answered" if answered else rng.choice(("received", "assigned", "verifying")),
                               answered=answered, region=merchant.region, merchant_id=merchant.id,
                               violation_ids=tuple(v.id for v in found), key_case=rng.random() < 0.02))
    return ReportWorld(platform=platform, merchants=tuple(sellers), violations=tuple(facts), leads=tuple(leads),
                       merchants_checked=len(sellers) + rng.randrange(len(sellers)), region=province + "0000",
                       period=period)
