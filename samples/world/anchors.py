"""The fixed part of the world, the same for every seed: the demo and the committed documents are built on it.

Every special case of the demo lives here as data: which enterprise sells online from which
website, which distributor is the agent of an imported device, which licence number the
regulator never issued. The builder treats every anchor alike.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

#: The foreign registrants: (country, Chinese name, English name, address, product line).
FOREIGN = (
    ("丹麦", "诺声听力有限公司", "Norsound Hearing A/S", "Lautrupvang 12, 2750 Ballerup, Denmark", ("hearing_aid",)),
    ("德国", "博泰医疗技术有限公司", "Boltec Medizintechnik GmbH", "Leopoldstraße 180, 80804 München, Germany",
     ("ventilator", "oxygen", "nebuliser")),
    ("日本", "晴和医疗器械株式会社", "Seiwa Medical Instruments Co., Ltd.", "2-14-7 Doshomachi, Chuo-ku, Osaka, Japan",
     ("bp_monitor", "thermometer", "nebuliser")),
    ("美国", "克莱顿诊断公司", "Clayton Diagnostics, Inc.", "4550 Towne Centre Court, San Diego, CA 92121, USA",
     ("hiv", "antigen", "glucose_meter")),
    ("瑞士", "阿尔塔医疗股份公司", "Alta Medical AG", "Seestrasse 340, 8038 Zürich, Switzerland", ("filler",)),
    ("爱尔兰", "维斯塔视光有限公司", "Vista Optics Ltd.", "Raheen Business Park, Limerick V94 K8N2, Ireland",
     ("contact_lens", "ortho_k")),
    ("泰国", "暹罗乳胶制品有限公司", "Siam Latex Products Co., Ltd.", "88 Moo 4, Kanjanavanich Road, Hat Yai, Songkhla 90110, Thailand",
     ("condom",)),
    ("韩国", "韩美医疗器械株式会社", "Hanmi Medical Devices Co., Ltd.", "45 Gasan digital 1-ro, Geumcheon-gu, Seoul, Korea",
     ("collagen_dressing", "tens", "plaster")),
)


@dataclass(frozen=True)
class AnchorEnterprise:
    key: str
    name: str
    division: str
    role: str
    established: date
    people: tuple[str, str, str]  # legal representative, manager, quality manager
    term_end: date | None = None
    website: dict | None = None  # the shop an online seller's documents and listings name


@dataclass(frozen=True)
class AnchorLicence:
    """A licence or filing an anchor holds, with the serial its number is made from."""

    enterprise: str
    kind: str
    serial: int
    issued_on: date
    scope: tuple[tuple[int, str], ...]
    status: str
    in_registry: bool = True  # False: a number the regulator never issued (the document exists, the row does not)


@dataclass(frozen=True)
class AnchorDevice:
    """A device registered or filed to an anchor."""

    registrant: str
    product: str  # a key of samples/products.py
    route: str  # 国准, 省准, 国进, 国许, 备 or 国备 (see Builder.device)
    first_registered_on: date
    approved_on: date
    serial: int
    models: tuple[str, ...]
    status: str
    agent: str | None = None  # the 代理人 of an imported or Hong Kong/Macao/Taiwan device


ANCHORS = (
    AnchorEnterprise("kangning", "深圳市康宁医疗器械有限公司", "440305", "distributor", date(2012, 6, 18),
                     ("陈志明", "林晓燕", "王丽娟"),
                     website={"name": "康宁健康商城", "domain": "www.kangning-health.cn", "ip": "119.23.45.106",
                              "platform": "优选医疗商城", "shop": "康宁医疗器械旗舰店"}),
    AnchorEnterprise("ruihe", "广州瑞和医疗用品有限公司", "440112", "manufacturer", date(2009, 3, 26),
                     ("黄建国", "黄建国", "刘敏"), date(2039, 3, 25)),
    AnchorEnterprise("antai", "深圳市安泰电子有限公司", "440306", "manufacturer", date(2016, 11, 8),
                     ("周文辉", "郑海波", "吴婷")),
    AnchorEnterprise("ruifeng", "杭州瑞丰医疗器械有限公司", "330106", "distributor", date(2014, 4, 2),
                     ("沈国平", "沈国平", "徐静")),
    AnchorEnterprise("boyuan", "北京博远医疗科技有限公司", "110105", "distributor", date(2017, 9, 12),
                     ("赵晨", "孙浩", "马丽")),
    AnchorEnterprise("liankang", "上海联康医疗器械有限公司", "310115", "distributor", date(2011, 1, 20),
                     ("顾志强", "陆嘉", "朱琳")),
    AnchorEnterprise("jiahe", "南京嘉禾大药房连锁有限公司", "320106", "retailer", date(2008, 7, 15),
                     ("钱伟", "钱伟", "蒋雪")),
    AnchorEnterprise("hengan", "武汉恒安医疗器械有限公司", "420111", "distributor", date(2019, 5, 6),
                     ("胡涛", "胡涛", "曾慧")),
    AnchorEnterprise("youxuan", "深圳市优选网络科技有限公司", "440305", "platform", date(2015, 2, 10),
                     ("李俊峰", "李俊峰", "许倩")),
    AnchorEnterprise("mingshi", "明视光学股份有限公司", "710000", "overseas", date(1998, 5, 4),
                     ("林志豪", "林志豪", "陈怡")),
)

#: The anchors' licences. Dates are chosen so the good records stay valid until 2028 or later.
ANCHOR_LICENCES = (
    AnchorLicence("kangning", "device_business_licence", 627, date(2024, 6, 20), ((3, "14"), (3, "16")), "active"),
    AnchorLicence("kangning", "class2_business_filing", 153, date(2021, 9, 8),
                  ((2, "07"), (2, "09"), (2, "14"), (2, "18"), (2, "19"), (2, "22")), "active"),
    AnchorLicence("kangning", "online_sales_filing", 21, date(2021, 9, 15), (), "active"),
    AnchorLicence("ruihe", "production_licence", 112, date(2024, 2, 26), ((3, "14"), (2, "14")), "active"),
    AnchorLicence("ruihe", "online_sales_filing", 7, date(2022, 5, 10), (), "active"),
    AnchorLicence("antai", "production_licence", 283, date(2024, 3, 5), ((3, "07"), (2, "07")), "active"),
    AnchorLicence("ruifeng", "device_business_licence", 158, date(2019, 5, 20), ((3, "14"), (3, "16")), "expired"),
    AnchorLicence("ruifeng", "class2_business_filing", 301, date(2019, 5, 28), ((2, "07"), (2, "14")), "active"),
    AnchorLicence("ruifeng", "online_sales_filing", 12, date(2019, 6, 3), (), "active"),
    AnchorLicence("boyuan", "device_business_licence", 46, date(2023, 2, 14), ((3, "14"), (3, "16"), (3, "08")),
                  "revoked"),
    AnchorLicence("boyuan", "class2_business_filing", 88, date(2023, 2, 20), ((2, "07"), (2, "08"), (2, "14")),
                  "active"),
    AnchorLicence("boyuan", "online_sales_filing", 5, date(2023, 3, 1), (), "active"),
    AnchorLicence("liankang", "device_business_licence", 512, date(2023, 8, 1), ((3, "14"), (3, "16")), "active"),
    AnchorLicence("liankang", "class2_business_filing", 731, date(2021, 3, 16), ((2, "07"), (2, "14"), (2, "19")),
                  "active"),
    AnchorLicence("liankang", "online_sales_filing", 44, date(2021, 4, 2), (), "active"),
    AnchorLicence("jiahe", "class2_business_filing", 217, date(2020, 4, 9),
                  ((2, "07"), (2, "14"), (2, "18"), (2, "22")), "active"),
    AnchorLicence("jiahe", "online_sales_filing", 31, date(2020, 4, 20), (), "active"),
    # A licence number the regulator never issued: the document exists, the registry has no row.
    AnchorLicence("hengan", "device_business_licence", 399, date(2024, 7, 8), ((3, "14"),), "active",
                  in_registry=False),
    AnchorLicence("hengan", "class2_business_filing", 1206, date(2019, 6, 12), ((2, "14"), (2, "07")), "active"),
    AnchorLicence("youxuan", "platform_filing", 18, date(2019, 8, 16), (), "active"),
)

#: The anchors' devices.
ANCHOR_DEVICES = (
    AnchorDevice("ruihe", "syringe", "国准", date(2019, 4, 2), date(2024, 5, 10), 412,
                 ("1ml", "2ml", "5ml", "10ml", "20ml"), "active"),
    AnchorDevice("ruihe", "infusion", "国准", date(2023, 3, 2), date(2023, 3, 2), 188, ("0.55×20TWLB", "0.7×25TWLB"),
                 "cancelled"),
    AnchorDevice("ruihe", "surgical_mask", "省准", date(2020, 1, 21), date(2025, 1, 20), 361,
                 ("17.5cm×9.5cm 平面耳挂式", "14.5cm×9cm 平面耳挂式"), "active"),
    AnchorDevice("ruihe", "respirator", "省准", date(2018, 3, 12), date(2018, 3, 12), 95, ("折叠式 耳挂型", "拱形 头戴型"),
                 "active"),
    AnchorDevice("ruihe", "cold_patch", "备", date(2021, 5, 11), date(2021, 5, 11), 88, ("10cm×12cm", "7cm×10cm"),
                 "active"),
    AnchorDevice("antai", "ear_thermo", "省准", date(2024, 9, 12), date(2024, 9, 12), 416, ("ET-100", "ET-200"),
                 "active"),
    AnchorDevice("antai", "cgm", "国准", date(2024, 11, 5), date(2024, 11, 5), 155, ("CG-14",), "active"),
    AnchorDevice("mingshi", "contact_lens", "国许", date(2022, 12, 1), date(2022, 12, 1), 6,
                 ("日抛型 -0.50D～-8.00D", "月抛型 -0.50D～-10.00D"), "active", agent="kangning"),
    AnchorDevice("foreign:0", "hearing_aid", "国进", date(2017, 6, 20), date(2022, 6, 8), 318,
                 ("HA-B10 耳背式", "HA-C20 耳内式"), "active", agent="kangning"),
)

