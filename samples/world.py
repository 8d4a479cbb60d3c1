"""A deterministic sample world of Chinese medical-device enterprises, licences and devices.

``build_world(seed, enterprises, devices)`` returns a :class:`World`: enterprises in every
province and region of domain.md §9, the licences and filings they hold (the registry's
``enterprises`` rows, design §6) and the devices registered or filed to them (the
``devices`` rows), with the extra facts their certificates print (legal representative,
addresses, models, structure, intended use ...).

A fixed set of *anchor* enterprises and devices (``ANCHORS``) is the same for every seed:
the demo (samples/demo_cases.json) and the committed document set are built on them. Everything
else is drawn from the seed. All names, people and numbers are fictional; any likeness to
a real enterprise is chance.

Dates are coherent against ``SNAPSHOT_DATE``, the day the sample regulator data is "taken":
registrations run ``approved_on`` + 5 years − 1 day; a licence whose validity ended before the
snapshot is ``expired``; filings have no end date.
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from samples import numbers
from samples.places import PLACES, PLACES_BY_PROVINCE, PROVINCES, Place, generic_roads
from samples.products import MAKER_WORDS, PRODUCTS, PRODUCTS_BY_KEY, Product

SNAPSHOT_DATE = date(2026, 11, 1)
DEFAULT_SEED = 7
DEFAULT_ENTERPRISES = 160
DEFAULT_DEVICES = 420

DEVICE_KEYS = ("number", "kind", "class", "product_name", "registrant", "registrant_uscc", "models",
               "category_code", "approved_on", "valid_until", "status", "issuer")
ENTERPRISE_KEYS = ("number", "kind", "holder", "uscc", "region", "scope", "issued_on", "valid_until", "issuer",
                   "status", "address")
NMPA = "国家药品监督管理局"


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def five_years_less_a_day(day: date) -> date:
    """Validity of a registration or licence: 5 years from the day of approval, less one day."""
    return add_years(day, 5) - timedelta(days=1)


# --- the model ----------------------------------------------------------------------------------------------------


@dataclass
class Licence:
    """One licence or filing an enterprise holds: a row of the registry's ``enterprises`` file."""

    number: str
    kind: str
    holder: str
    uscc: str | None
    region: str
    scope: tuple[tuple[int, str], ...]
    issued_on: date
    valid_until: date | None
    issuer: str
    status: str
    address: str
    enterprise_key: str = ""
    in_registry: bool = True  # False for a document whose number the regulator never issued (demo)

    def row(self) -> dict:
        return {"number": self.number, "kind": self.kind, "holder": self.holder, "uscc": self.uscc,
                "region": self.region, "scope": [{"class": c, "category": cat} for c, cat in self.scope],
                "issued_on": self.issued_on.isoformat(),
                "valid_until": self.valid_until.isoformat() if self.valid_until else None,
                "issuer": self.issuer, "status": self.status, "address": self.address}


@dataclass
class Enterprise:
    key: str
    name: str
    uscc: str | None  # None for foreign registrants
    place: Place | None
    role: str  # manufacturer, distributor, retailer, platform, overseas (HK/Macao/Taiwan), foreign
    address: str  # 住所
    premises: str  # 经营场所
    warehouse: str  # 库房地址
    production_address: str
    legal_representative: str
    manager: str  # 企业负责人
    quality_manager: str
    established_on: date
    business_term_end: date | None  # None: 长期
    licence_registered_on: date  # the date printed under 登记机关 on the business licence
    company_type: str
    registered_capital: str
    business_scope: str  # 营业执照 经营范围, free text
    english_name: str = ""
    country: str = ""  # foreign registrants
    website: dict = field(default_factory=dict)  # online sellers: name, domain, ip, platform
    licences: list[Licence] = field(default_factory=list)
    gs1_prefix: str = ""
    product_line: tuple[str, ...] = ()  # product keys a maker registers (samples/products.py)

    @property
    def region(self) -> str:
        return self.place.division if self.place else ""

    def licence(self, kind: str) -> Licence | None:
        return next((lic for lic in self.licences if lic.kind == kind), None)


@dataclass
class Device:
    """A registration certificate or Class I filing: a row of the registry's ``devices`` file."""

    number: str
    kind: str  # registration, filing
    device_class: int
    product: Product
    registrant: Enterprise
    models: tuple[str, ...]
    approved_on: date
    valid_until: date | None
    first_registered_on: date
    status: str
    issuer: str
    agent: Enterprise | None = None  # 代理人 of an imported or HK/Macao/Taiwan device
    udi_items: tuple[int, ...] = ()  # GS1 item references, one per model

    @property
    def product_name(self) -> str:
        return self.product.name

    @property
    def category_code(self) -> str:
        return self.product.category

    def row(self) -> dict:
        return {"number": self.number, "kind": self.kind, "class": self.device_class,
                "product_name": self.product.name, "registrant": self.registrant.name,
                "registrant_uscc": self.registrant.uscc, "models": list(self.models),
                "category_code": self.product.category, "approved_on": self.approved_on.isoformat(),
                "valid_until": self.valid_until.isoformat() if self.valid_until else None,
                "status": self.status, "issuer": self.issuer}


@dataclass
class World:
    seed: int
    enterprises: list[Enterprise]
    devices: list[Device]
    platforms: list[Enterprise]

    def enterprise(self, key: str) -> Enterprise:
        return self._by_key()[key]

    def device(self, number: str) -> Device:
        return next(d for d in self.devices if d.number == number)

    def licences(self) -> Iterator[Licence]:
        for enterprise in self.enterprises:
            yield from enterprise.licences

    def registry_licences(self) -> Iterator[Licence]:
        return (lic for lic in self.licences() if lic.in_registry)

    def manufacturers(self) -> list[Enterprise]:
        return [e for e in self.enterprises if e.role == "manufacturer"]

    def _by_key(self) -> dict[str, Enterprise]:
        if not hasattr(self, "_index"):
            self._index = {e.key: e for e in self.enterprises}
        return self._index


# --- vocabulary ---------------------------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文辉力斌宇浩凯鹏飞俊峰亮晨欣怡雪婷琳倩颖玲丹萍梅莉琴云慧宁涵睿博晓东海波春燕晖璐嘉豪泽瑞"
TRADE_FIRST = "康瑞华正博安普德卓乐迈惠嘉恒益仁天永长福佳明鑫百宏远盛泰信达诚润健和祥凯澳新悦聚创汇"
TRADE_SECOND = "宁康信和远达泰润越康德民禾安生丰和青瑞嘉明源川晟昌泽辉瀚宇弘诚邦健美捷科"
DISTRIBUTOR_WORDS = ("医疗器械", "医疗科技", "医药", "医疗用品", "健康科技")
RETAILER_WORDS = ("大药房连锁", "医药连锁", "大药房", "眼镜", "健康药房")
PLATFORM_WORDS = ("网络科技", "电子商务", "信息技术")
COMPANY_TYPES = ("有限责任公司（自然人投资或控股）", "有限责任公司（法人独资）", "股份有限公司（非上市、自然人投资或控股）",
                 "有限责任公司（台港澳法人独资）", "其他有限责任公司")
BUILDINGS = ("", "A座", "B栋", "1号楼", "2号楼", "科技大厦", "创新中心", "产业园3栋", "综合楼", "医疗器械产业园5栋")
FOREIGN = (  # (country, Chinese name, English name, address, product line)
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
WEB_WORDS = ("康宁健康", "优选医疗", "瑞康商城", "安心购", "健康到家", "医械优品", "康乐购", "百姓健康")
DOMAINS = ("kangjian", "yxyl", "rkmall", "axgou", "jkdj", "yxyp", "klgou", "bxjk", "meditrade", "healthmall")


def _person(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _date_between(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _address(rng: random.Random, place: Place, suffix: str = "") -> str:
    road = rng.choice(place.roads or generic_roads())
    building = rng.choice(BUILDINGS)
    room = f"{rng.randint(1, 28)}{rng.randint(1, 20):02d}室" if building and rng.random() < 0.7 else ""
    return f"{place.locality}{road}{rng.randint(1, 999)}号{building}{room}{suffix}"


def _capital(rng: random.Random) -> str:
    return f"{rng.choice((100, 200, 300, 500, 800, 1000, 2000, 3000, 5000, 10000))}万元人民币"


# --- anchors: the fixed part of the world the demo is built on ------------------------------------------------------


@dataclass(frozen=True)
class AnchorEnterprise:
    key: str
    name: str
    division: str
    role: str
    established: date
    people: tuple[str, str, str]  # legal representative, manager, quality manager
    term_end: date | None = None


ANCHORS = (
    AnchorEnterprise("kangning", "深圳市康宁医疗器械有限公司", "440305", "distributor", date(2012, 6, 18),
                     ("陈志明", "林晓燕", "王丽娟")),
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

#: The anchors' licences: (enterprise, kind, number args, issued_on, scope, status, in_registry).
#: Dates are chosen so the good records stay valid until 2028 or later.
ANCHOR_LICENCES = (
    ("kangning", "device_business_licence", 627, date(2024, 6, 20), ((3, "14"), (3, "16")), "active", True),
    ("kangning", "class2_business_filing", 153, date(2021, 9, 8),
     ((2, "07"), (2, "09"), (2, "14"), (2, "18"), (2, "19"), (2, "22")), "active", True),
    ("kangning", "online_sales_filing", 21, date(2021, 9, 15), (), "active", True),
    ("ruihe", "production_licence", 112, date(2024, 2, 26), ((3, "14"), (2, "14")), "active", True),
    ("ruihe", "online_sales_filing", 7, date(2022, 5, 10), (), "active", True),
    ("antai", "production_licence", 283, date(2024, 3, 5), ((3, "07"), (2, "07")), "active", True),
    ("ruifeng", "device_business_licence", 158, date(2019, 5, 20), ((3, "14"), (3, "16")), "expired", True),
    ("ruifeng", "class2_business_filing", 301, date(2019, 5, 28), ((2, "07"), (2, "14")), "active", True),
    ("ruifeng", "online_sales_filing", 12, date(2019, 6, 3), (), "active", True),
    ("boyuan", "device_business_licence", 46, date(2023, 2, 14), ((3, "14"), (3, "16"), (3, "08")), "revoked", True),
    ("boyuan", "class2_business_filing", 88, date(2023, 2, 20), ((2, "07"), (2, "08"), (2, "14")), "active", True),
    ("boyuan", "online_sales_filing", 5, date(2023, 3, 1), (), "active", True),
    ("liankang", "device_business_licence", 512, date(2023, 8, 1), ((3, "14"), (3, "16")), "active", True),
    ("liankang", "class2_business_filing", 731, date(2021, 3, 16), ((2, "07"), (2, "14"), (2, "19")), "active", True),
    ("liankang", "online_sales_filing", 44, date(2021, 4, 2), (), "active", True),
    ("jiahe", "class2_business_filing", 217, date(2020, 4, 9), ((2, "07"), (2, "14"), (2, "18"), (2, "22")),
     "active", True),
    ("jiahe", "online_sales_filing", 31, date(2020, 4, 20), (), "active", True),
    # A licence number the regulator never issued: the document exists, the registry has no row.
    ("hengan", "device_business_licence", 399, date(2024, 7, 8), ((3, "14"),), "active", False),
    ("hengan", "class2_business_filing", 1206, date(2019, 6, 12), ((2, "14"), (2, "07")), "active", True),
    ("youxuan", "platform_filing", 18, date(2019, 8, 16), (), "active", True),
)

#: The anchors' devices: (registrant, product, authority/form, first registered, approved, serial, models, status).
ANCHOR_DEVICES = (
    ("ruihe", "syringe", "国准", date(2019, 4, 2), date(2024, 5, 10), 412, ("1ml", "2ml", "5ml", "10ml", "20ml"),
     "active"),
    ("ruihe", "infusion", "国准", date(2023, 3, 2), date(2023, 3, 2), 188, ("0.55×20TWLB", "0.7×25TWLB"), "cancelled"),
    ("ruihe", "surgical_mask", "省准", date(2020, 1, 21), date(2025, 1, 20), 361,
     ("17.5cm×9.5cm 平面耳挂式", "14.5cm×9cm 平面耳挂式"), "active"),
    ("ruihe", "respirator", "省准", date(2018, 3, 12), date(2018, 3, 12), 95, ("折叠式 耳挂型", "拱形 头戴型"), "active"),
    ("ruihe", "cold_patch", "备", date(2021, 5, 11), date(2021, 5, 11), 88, ("10cm×12cm", "7cm×10cm"), "active"),
    ("antai", "ear_thermo", "省准", date(2024, 9, 12), date(2024, 9, 12), 416, ("ET-100", "ET-200"), "active"),
    ("antai", "cgm", "国准", date(2024, 11, 5), date(2024, 11, 5), 155, ("CG-14",), "active"),
    ("mingshi", "contact_lens", "国许", date(2022, 12, 1), date(2022, 12, 1), 6,
     ("日抛型 -0.50D～-8.00D", "月抛型 -0.50D～-10.00D"), "active"),
    ("foreign:0", "hearing_aid", "国进", date(2017, 6, 20), date(2022, 6, 8), 318, ("HA-B10 耳背式", "HA-C20 耳内式"),
     "active"),
)


# --- the builder ------------------------------------------------------------------------------------------------------


class _Serials:
    """Unique serial numbers per number prefix (e.g. per authority, year, class and category)."""

    def __init__(self, rng: random.Random, low: int = 1, high: int = 4999):
        self.rng, self.low, self.high = rng, low, high
        self.used: dict[tuple, set[int]] = {}

    def reserve(self, key: tuple, serial: int) -> int:
        self.used.setdefault(key, set()).add(serial)
        return serial

    def draw(self, key: tuple) -> int:
        taken = self.used.setdefault(key, set())
        while True:
            serial = self.rng.randint(self.low, self.high)
            if serial not in taken:
                taken.add(serial)
                return serial


class _Builder:
    def __init__(self, seed: int):
        self.seed = seed
        self.rng = random.Random(f"qingwang-world:{seed}")
        self.serials = _Serials(self.rng)
        self.names: set[str] = set()
        self.gs1: set[str] = set()

    # -- enterprises --

    def _unique_name(self, make) -> str:
        for _ in range(1000):
            name = make()
            if name not in self.names:
                self.names.add(name)
                return name
        raise RuntimeError("ran out of enterprise names")

    def _trade(self, rng: random.Random) -> str:
        first = rng.choice(TRADE_FIRST)
        second = rng.choice(TRADE_SECOND.replace(first, ""))
        return first + second

    def _company_name(self, rng: random.Random, place: Place, role: str, maker: str | None = None) -> str:
        if role in ("manufacturer", "overseas"):
            words = MAKER_WORDS.get(maker or "医疗科技", ("医疗科技",))
            form = rng.choice(("有限公司", "有限公司", "股份有限公司"))
        elif role == "retailer":
            words, form = RETAILER_WORDS, "有限公司"
        elif role == "platform":
            words, form = PLATFORM_WORDS, "有限公司"
        else:
            words, form = DISTRIBUTOR_WORDS, rng.choice(("有限公司", "有限公司", "有限公司", "股份有限公司"))
        if role == "overseas":
            suffix = {"71": "股份有限公司", "81": "（香港）有限公司", "82": "（澳门）有限公司"}[place.province.code]
            return self._trade(rng) + rng.choice(MAKER_WORDS.get(maker or "医疗科技", ("医疗科技",))) + suffix
        city = place.city
        if place.province.municipality:
            city = place.province.short
        elif city and rng.random() < 0.4:
            city = place.city_short
        return city + self._trade(rng) + rng.choice(words) + form

    def _gs1_prefix(self, rng: random.Random) -> str:
        while True:
            prefix = "69" + "".join(rng.choice("0123456789") for _ in range(7))
            if prefix not in self.gs1:
                self.gs1.add(prefix)
                return prefix

    def enterprise(self, key: str, place: Place, role: str, rng: random.Random, name: str | None = None,
                   established: date | None = None, people: tuple[str, str, str] | None = None,
                   term_end: date | None | str = "draw", maker: str | None = None) -> Enterprise:
        name = name or self._unique_name(lambda: self._company_name(rng, place, role, maker))
        self.names.add(name)
        established = established or _date_between(rng, date(1998, 1, 1), date(2022, 12, 31))
        legal, manager, quality = people or (_person(rng), _person(rng), _person(rng))
        if people is None and rng.random() < 0.35:
            manager = legal
        if term_end == "draw":
            term_end = None if rng.random() < 0.6 else add_years(established, rng.choice((20, 30, 50))) - timedelta(1)
        address = _address(rng, place)
        premises = address if rng.random() < 0.6 else _address(rng, place)
        warehouse = _address(rng, place, "（仓库）") if role in ("distributor", "retailer") else ""
        production = _address(rng, place, "") if role in ("manufacturer", "overseas") else ""
        uscc = numbers.uscc(place.division, rng, established)
        if role == "overseas":
            company_type = ""
        elif name.endswith("股份有限公司"):
            company_type = COMPANY_TYPES[2]
        else:
            company_type = rng.choice(COMPANY_TYPES[:2])
        scope_text = {
            "manufacturer": "第二类、第三类医疗器械生产；第一类医疗器械生产；医疗器械研发；技术进出口；货物进出口。",
            "distributor": "第三类医疗器械经营；第二类医疗器械销售；第一类医疗器械销售；互联网销售（除销售需要许可的商品）；技术服务。",
            "retailer": "药品零售；第三类医疗器械经营；第二类医疗器械零售；第一类医疗器械销售；保健食品（预包装）销售；日用百货销售。",
            "platform": "网络技术服务；互联网信息服务；第二类增值电信业务；软件开发；广告设计、代理。",
        }.get(role, "")
        registered_on = _date_between(rng, max(established, date(2019, 1, 1)), SNAPSHOT_DATE - timedelta(days=30))
        return Enterprise(
            key=key, name=name, uscc=uscc, place=place, role=role, address=address, premises=premises,
            warehouse=warehouse, production_address=production, legal_representative=legal, manager=manager,
            quality_manager=quality, established_on=established, business_term_end=term_end,
            licence_registered_on=registered_on, company_type=company_type, registered_capital=_capital(rng),
            business_scope=scope_text, gs1_prefix=self._gs1_prefix(rng))

    def foreign(self, index: int) -> Enterprise:
        country, name, english, address, line = FOREIGN[index % len(FOREIGN)]
        rng = random.Random(f"foreign:{index}")
        if index >= len(FOREIGN):
            name = f"{name[:2]}{index}{name[2:]}"
        self.names.add(name)
        return Enterprise(
            key=f"foreign:{index}", name=name, uscc=None, place=None, role="foreign", address=address, premises="",
            warehouse="", production_address=address, legal_representative="", manager="", quality_manager="",
            established_on=date(1990, 1, 1), business_term_end=None, licence_registered_on=date(1990, 1, 1),
            company_type="", registered_capital="", business_scope="", english_name=english, country=country,
            gs1_prefix=self._gs1_prefix(rng), product_line=line)

    # -- licences --

    def licence(self, enterprise: Enterprise, kind: str, issued_on: date, scope, status: str,
                serial: int | None = None, in_registry: bool = True) -> Licence:
        place = enterprise.place
        year = issued_on.year
        if kind == "device_business_licence":
            key = ("经营许", place.prefix, year)
            make = lambda s: numbers.business_licence_number(place, year, s)
            issuer, valid_until = place.market_regulator(year), numbers_valid(issued_on)
        elif kind == "class2_business_filing":
            key = ("经营备", place.prefix, year)
            make = lambda s: numbers.business_filing_number(place, year, s)
            issuer, valid_until = place.market_regulator(year), None
        elif kind == "production_licence":
            key = ("生产许", place.province.abbr, year)
            make = lambda s: numbers.production_licence_number(place.province, year, s)
            issuer, valid_until = place.province.drug_regulator(year), numbers_valid(issued_on)
        elif kind == "online_sales_filing":
            key = ("网备", place.prefix, issued_on)
            make = lambda s: numbers.online_sales_number(place, issued_on, s)
            issuer, valid_until = place.market_regulator(max(year, 2019)), None
        elif kind == "platform_filing":
            key = ("平台备", place.province.abbr, year)
            make = lambda s: numbers.platform_filing_number(place.province, year, s)
            issuer, valid_until = place.province.drug_regulator(year), None
        else:
            raise ValueError(kind)
        serial = self.serials.reserve(key, serial) if serial is not None else self.serials.draw(key)
        licence = Licence(number=make(serial), kind=kind, holder=enterprise.name, uscc=enterprise.uscc,
                          region=place.division, scope=tuple(scope), issued_on=issued_on, valid_until=valid_until,
                          issuer=issuer, status=status, address=enterprise.address, enterprise_key=enterprise.key,
                          in_registry=in_registry)
        enterprise.licences.append(licence)
        return licence

    # -- devices --

    def device(self, registrant: Enterprise, product: Product, route: str, first: date, approved: date,
               models: tuple[str, ...], status: str, serial: int | None = None,
               agent: Enterprise | None = None) -> Device:
        """``route``: 国准 (national Class III), 省准 (provincial Class II), 国进 (imported),
        国许 (Hong Kong/Macao/Taiwan), 备 (domestic Class I filing), 国备 (imported Class I filing)."""
        cls = product.device_class
        if route in ("备", "国备"):
            place = registrant.place
            prefix = "国" if route == "国备" else place.prefix
            key = ("械备", prefix, first.year)
            serial = self.serials.reserve(key, serial) if serial is not None else self.serials.draw(key)
            number = numbers.class1_filing_number(prefix, first.year, serial)
            issuer = NMPA if route == "国备" else place.market_regulator(first.year)
            kind, valid_until, approved = "filing", None, first
        else:
            authority = registrant.place.province.abbr if route == "省准" else "国"
            form = route[1]
            segment = numbers.registration_segment(product.category, product.old_code, first)
            key = ("械注", authority, form, first.year, cls, segment)
            serial = self.serials.reserve(key, serial) if serial is not None else self.serials.draw(key)
            number = numbers.registration_number(authority, form, first.year, cls, segment, serial)
            issuer = (registrant.place.province.drug_regulator(approved.year) if route == "省准"
                      else ("国家食品药品监督管理总局" if approved < date(2018, 4, 10) else NMPA))
            kind, valid_until = "registration", five_years_less_a_day(approved)
        items = tuple(self.rng.randint(0, 999) for _ in models)
        return Device(number=number, kind=kind, device_class=cls, product=product, registrant=registrant,
                      models=models, approved_on=approved, valid_until=valid_until, first_registered_on=first,
                      status=status, issuer=issuer, agent=agent, udi_items=items)


def numbers_valid(issued_on: date) -> date:
    return five_years_less_a_day(issued_on)


def _licence_dates(rng: random.Random, established: date, status: str) -> date:
    """An issue date for a five-year licence in the given status, against the snapshot."""
    earliest = max(established + timedelta(days=60), date(2015, 1, 1))
    if status == "expired":  # ended before the snapshot
        return _date_between(rng, earliest, add_years(SNAPSHOT_DATE, -5) - timedelta(days=30))
    if status == "active":  # still running at the snapshot
        return _date_between(rng, max(earliest, add_years(SNAPSHOT_DATE, -5) + timedelta(days=20)),
                             SNAPSHOT_DATE - timedelta(days=14))
    return _date_between(rng, earliest, SNAPSHOT_DATE - timedelta(days=60))


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


LICENCE_STATUS = {"active": 0.82, "expired": 0.09, "cancelled": 0.06, "revoked": 0.03}
FILING_STATUS = {"active": 0.9, "cancelled": 0.08, "revoked": 0.02}
DEVICE_STATUS = {"active": 0.80, "expired": 0.09, "cancelled": 0.08, "revoked": 0.03}

#: Extra enterprises per province beyond the minimum of three, by weight (device industry size).
PROVINCE_WEIGHTS = {"44": 12, "31": 8, "11": 8, "33": 8, "32": 8, "37": 5, "42": 4, "51": 4, "41": 3, "43": 3,
                    "35": 3, "34": 3, "50": 2, "61": 2, "21": 2, "12": 2, "13": 2, "36": 2, "45": 2}


def _product_line(rng: random.Random, role: str) -> tuple[Product, ...]:
    """What a maker registers: a main product and up to three of the same trade or category."""
    pool = PRODUCTS if role == "manufacturer" else tuple(
        p for p in PRODUCTS if p.imported_ok and (p.device_class > 1 or role == "foreign"))
    main = rng.choice(pool)
    related = [p for p in pool if p is not main and (p.maker == main.maker or p.category == main.category)]
    return (main, *rng.sample(related, min(len(related), rng.randint(1, 3))))


def _models(rng: random.Random, product: Product) -> tuple[str, ...]:
    pool = product.models
    count = rng.randint(1, min(len(pool), 4))
    chosen = sorted(rng.sample(range(len(pool)), count))
    return tuple(pool[i] for i in chosen)


def _scope_for(rng: random.Random, role: str, cls: int) -> tuple[tuple[int, str], ...]:
    """A plausible scope: business scopes list sub-catalogues, never the IVD 40 (see README)."""
    if cls == 3:
        pool = ("14", "16", "07", "08", "13", "09", "06", "02", "03", "17", "22")
        picks = {"14", "16"} if rng.random() < 0.6 else set()
    else:
        pool = ("07", "08", "09", "14", "18", "19", "20", "22", "06", "11", "17")
        picks = {"07", "14"} if rng.random() < 0.7 else set()
    picks |= set(rng.sample(pool, rng.randint(1, 4)))
    return tuple((cls, c) for c in sorted(picks))


def _device_dates(rng: random.Random, product: Product, status: str, filing: bool) -> tuple[date, date]:
    """(first registered, approved_on) for a device in ``status``, coherent with the snapshot."""
    earliest = date(max(2014, product.first_year), 1, 1)
    snapshot = SNAPSHOT_DATE
    if filing:
        first = _date_between(rng, max(earliest, date(2014, 6, 1)), snapshot - timedelta(days=20))
        return first, first
    if status == "expired":  # the current certificate ran out before the snapshot
        approved = _date_between(rng, earliest, add_years(snapshot, -5) - timedelta(days=10))
    elif status == "active":
        approved = _date_between(rng, max(earliest, add_years(snapshot, -5) + timedelta(days=5)),
                                 snapshot - timedelta(days=10))
    else:
        approved = _date_between(rng, earliest, snapshot - timedelta(days=30))
    first = approved
    # Renewals (延续注册) keep the first year and serial; the certificate is re-issued shortly
    # before the old one runs out.
    while rng.random() < 0.45:
        previous = add_years(first, -5) + timedelta(days=rng.randint(0, 150))
        if previous < earliest:
            break
        first = previous
    return first, approved


def build_world(seed: int = DEFAULT_SEED, enterprises: int = DEFAULT_ENTERPRISES,
                devices: int = DEFAULT_DEVICES) -> World:
    """The sample world for ``seed``: about ``enterprises`` enterprises and ``devices`` devices.

    The anchors come first and are the same for every seed. With 130 or more enterprises every
    province and region gets at least three; fewer are spread by weight.
    """
    b = _Builder(seed)
    rng = b.rng
    all_enterprises: list[Enterprise] = []
    by_key: dict[str, Enterprise] = {}

    # Anchors.
    foreign = [b.foreign(i) for i in range(len(FOREIGN))]
    for f in foreign:
        by_key[f.key] = f
    for anchor in ANCHORS:
        place = next(p for p in PLACES if p.division == anchor.division)
        arng = random.Random(f"anchor:{anchor.key}")
        ent = b.enterprise(anchor.key, place, anchor.role, arng, name=anchor.name, established=anchor.established,
                           people=anchor.people, term_end=anchor.term_end)
        if anchor.key == "kangning":
            ent.website = {"name": "康宁健康商城", "domain": "www.kangning-health.cn", "ip": "119.23.45.106",
                           "platform": "优选医疗商城", "shop": "康宁医疗器械旗舰店"}
        all_enterprises.append(ent)
        by_key[ent.key] = ent
    for key, kind, serial, issued, scope, status, in_registry in ANCHOR_LICENCES:
        b.licence(by_key[key], kind, issued, scope, status, serial=serial, in_registry=in_registry)
    anchor_devices: list[Device] = []
    for reg_key, pkey, route, first, approved, serial, models, status in ANCHOR_DEVICES:
        agent = by_key["kangning"] if route in ("国进", "国许") else None
        anchor_devices.append(b.device(by_key[reg_key], PRODUCTS_BY_KEY[pkey], route, first, approved, models, status,
                                       serial=serial, agent=agent))

    # The rest of the world, by province.
    mainland = [code for code, p in PROVINCES.items() if p.mainland]
    overseas = [code for code, p in PROVINCES.items() if not p.mainland]
    wanted = max(0, enterprises - len(all_enterprises))
    plan: list[tuple[str, str]] = []  # (province code, role)
    if wanted >= 3 * len(mainland) + 3 * len(overseas) + 6:
        for code in mainland:
            plan += [(code, "manufacturer"), (code, "distributor"), (code, "retailer")]
        for code in overseas:
            plan += [(code, "overseas")] * 3
        plan += [(code, "platform") for code in ("11", "33", "31", "44", "32", "51")]
    roles = {"manufacturer": 0.35, "distributor": 0.4, "retailer": 0.2, "platform": 0.05}
    codes = mainland
    weights = [PROVINCE_WEIGHTS.get(c, 1) for c in codes]
    while len(plan) < wanted:
        plan.append((rng.choices(codes, weights=weights)[0], _pick(rng, roles)))
    plan = plan[:wanted]

    for index, (code, role) in enumerate(plan):
        place = rng.choice(PLACES_BY_PROVINCE[code])
        line = _product_line(rng, role) if role in ("manufacturer", "overseas") else ()
        ent = b.enterprise(f"e{index + 1:05d}", place, role, rng, maker=line[0].maker if line else None)
        ent.product_line = tuple(p.key for p in line)
        all_enterprises.append(ent)
        by_key[ent.key] = ent
        _random_licences(b, rng, ent)

    makers = [e for e in all_enterprises if e.role == "manufacturer" and e.key not in ("ruihe", "antai")]
    # Production licences must cover what each maker registers (Class II/III, IVD aside).
    for maker in makers:
        line = [PRODUCTS_BY_KEY[k] for k in maker.product_line]
        scope = sorted({(p.device_class, p.category) for p in line if p.device_class > 1 and p.category != "40"},
                       key=lambda item: (-item[0], item[1]))
        if not scope:  # an IVD-only maker: reagents are left out of scopes (README), its analysers are not
            scope = [(2, "22")]
        status = _pick(rng, LICENCE_STATUS)
        issued = _licence_dates(rng, maker.established_on, status)
        b.licence(maker, "production_licence", issued, scope, status)
        if rng.random() < 0.4:
            b.licence(maker, "online_sales_filing", _online_date(rng, maker), (), _pick(rng, FILING_STATUS))
    # Devices: anchors first, then registrations and filings spread over the manufacturers.
    world_devices = list(anchor_devices)
    overseas_makers = [e for e in all_enterprises if e.role == "overseas"]
    distributors = [e for e in all_enterprises if e.role == "distributor"] or [by_key["kangning"]]
    for key in ("ruihe", "antai", "mingshi", "foreign:0"):
        by_key[key].product_line = tuple(dict.fromkeys(d.product.key for d in anchor_devices
                                                       if d.registrant.key == key))
    product_lines = {m.key: [PRODUCTS_BY_KEY[k] for k in m.product_line] for m in makers + overseas_makers + foreign}
    index = 0
    while len(world_devices) < devices and (makers or overseas_makers):
        index += 1
        roll = rng.random()
        if roll < 0.08 and overseas_makers:
            registrant = rng.choice(overseas_makers)
        elif roll < 0.18:
            registrant = rng.choice(foreign)
        else:
            registrant = rng.choice(makers) if makers else rng.choice(overseas_makers)
        product = rng.choice(product_lines[registrant.key])
        if registrant.role in ("overseas", "foreign"):
            if product.device_class == 1:
                route = "国备" if registrant.role == "foreign" else None
            else:
                route = "国进" if registrant.role == "foreign" else "国许"
            if route is None or not product.imported_ok:
                continue
        else:
            route = {3: "国准", 2: "省准", 1: "备"}[product.device_class]
        status = _pick(rng, DEVICE_STATUS)
        first, approved = _device_dates(rng, product, status, route in ("备", "国备"))
        if route in ("备", "国备"):
            status = "cancelled" if status in ("cancelled", "revoked") and rng.random() < 0.7 else "active"
        device_status = "active" if status == "expired" else status
        agent = rng.choice(distributors) if route in ("国进", "国许", "国备") else None
        world_devices.append(b.device(registrant, product, route, first, approved, _models(rng, product),
                                      device_status, agent=agent))

    world = World(seed=seed, enterprises=all_enterprises + foreign, devices=world_devices,
                  platforms=[e for e in all_enterprises if e.role == "platform"])
    return world


def _random_licences(b: _Builder, rng: random.Random, ent: Enterprise) -> None:
    """Licences and filings for a distributor, retailer or platform (makers get theirs later)."""
    established = ent.established_on
    if ent.role == "distributor":
        status = _pick(rng, LICENCE_STATUS)
        issued = _licence_dates(rng, established, status)
        b.licence(ent, "device_business_licence", issued, _scope_for(rng, "distributor", 3), status)
        if rng.random() < 0.8:
            b.licence(ent, "class2_business_filing", _filing_date(rng, established),
                      _scope_for(rng, "distributor", 2), _pick(rng, FILING_STATUS))
        if rng.random() < 0.7:
            b.licence(ent, "online_sales_filing", _online_date(rng, ent), (), _pick(rng, FILING_STATUS))
    elif ent.role == "retailer":
        b.licence(ent, "class2_business_filing", _filing_date(rng, established), _scope_for(rng, "retailer", 2),
                  _pick(rng, FILING_STATUS))
        if rng.random() < 0.2:  # optical shops and chains selling contact lenses
            status = _pick(rng, LICENCE_STATUS)
            b.licence(ent, "device_business_licence", _licence_dates(rng, established, status), ((3, "16"),), status)
        if rng.random() < 0.9:
            b.licence(ent, "online_sales_filing", _online_date(rng, ent), (), _pick(rng, FILING_STATUS))
    elif ent.role == "platform":
        b.licence(ent, "platform_filing", _date_between(rng, max(established, date(2018, 3, 1)), date(2024, 12, 31)),
                  (), "active" if rng.random() < 0.9 else "cancelled")
    if ent.role in ("distributor", "retailer") and rng.random() < 0.8:
        word = rng.choice(WEB_WORDS)
        ent.website = {"name": f"{word}商城", "domain": f"www.{rng.choice(DOMAINS)}{rng.randint(1, 99)}.cn",
                       "ip": f"{rng.randint(36, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                       "platform": "", "shop": ent.name.replace("有限公司", "") + "旗舰店"}


def _online_date(rng: random.Random, ent: Enterprise) -> date:
    """Online-sales filings exist since Order 38 (2018-03-01) and follow the licence or filing they rest on."""
    after = max([lic.issued_on for lic in ent.licences] + [date(2018, 3, 1), ent.established_on])
    return _date_between(rng, after + timedelta(days=3), SNAPSHOT_DATE - timedelta(days=7))


def _filing_date(rng: random.Random, established: date) -> date:
    return _date_between(rng, max(established + timedelta(days=30), date(2014, 10, 1)), SNAPSHOT_DATE - timedelta(days=7))


# --- used by make_registry and the document generator ---------------------------------------------------------------


def anchor_device(world: World, registrant_key: str, product_key: str) -> Device:
    return next(d for d in world.devices
                if d.registrant.key == registrant_key and d.product.key == product_key)


def place_of(division: str) -> Place:
    return next(p for p in PLACES if p.division == division)
