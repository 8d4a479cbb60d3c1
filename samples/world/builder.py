"""Enterprises, licences and devices made one at a time, with unique names, numbers and GS1 prefixes."""
from __future__ import annotations

import random
from datetime import date, timedelta
from functools import partial

from samples import numbers
from samples.places import Place
from samples.products import Product
from samples.world.anchors import FOREIGN
from samples.world.model import (
    SNAPSHOT_DATE,
    Device,
    Enterprise,
    Licence,
    add_years,
    date_between,
    five_years_less_a_day,
)
from samples.world.people import COMPANY_TYPES, address, capital, company_name, person

NMPA = "国家药品监督管理局"


class Serials:
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


class Builder:
    """Makes enterprises, licences and devices, keeping names, serials and GS1 prefixes unique."""

    def __init__(self, seed: int):
        self.seed = seed
        self.rng = random.Random(f"qingwang-world:{seed}")
        self.serials = Serials(self.rng)
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

    def _gs1_prefix(self, rng: random.Random) -> str:
        while True:
            prefix = "69" + "".join(rng.choice("0123456789") for _ in range(7))
            if prefix not in self.gs1:
                self.gs1.add(prefix)
                return prefix

    def enterprise(self, key: str, place: Place, role: str, rng: random.Random, name: str | None = None,
                   established: date | None = None, people: tuple[str, str, str] | None = None,
                   term_end: date | None | str = "draw", maker: str | None = None) -> Enterprise:
        name = name or self._unique_name(lambda: company_name(rng, place, role, maker))
        self.names.add(name)
        established = established or date_between(rng, date(1998, 1, 1), date(2022, 12, 31))
        legal, manager, quality = people or (person(rng), person(rng), person(rng))
        if people is None and rng.random() < 0.35:
            manager = legal
        if term_end == "draw":
            term_end = None if rng.random() < 0.6 else add_years(established, rng.choice((20, 30, 50))) - timedelta(1)
        street = address(rng, place)
        premises = street if rng.random() < 0.6 else address(rng, place)
        warehouse = address(rng, place, "（仓库）") if role in ("distributor", "retailer") else ""
        production = address(rng, place, "") if role in ("manufacturer", "overseas") else ""
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
        registered_on = date_between(rng, max(established, date(2019, 1, 1)), SNAPSHOT_DATE - timedelta(days=30))
        return Enterprise(
            key=key, name=name, uscc=uscc, place=place, role=role, address=street, premises=premises,
            warehouse=warehouse, production_address=production, legal_representative=legal, manager=manager,
            quality_manager=quality, established_on=established, business_term_end=term_end,
            licence_registered_on=registered_on, company_type=company_type, registered_capital=capital(rng),
            business_scope=scope_text, gs1_prefix=self._gs1_prefix(rng))

    def foreign(self, index: int) -> Enterprise:
        country, name, english, head_office, line = FOREIGN[index % len(FOREIGN)]
        rng = random.Random(f"foreign:{index}")
        if index >= len(FOREIGN):
            name = f"{name[:2]}{index}{name[2:]}"
        self.names.add(name)
        return Enterprise(
            key=f"foreign:{index}", name=name, uscc=None, place=None, role="foreign", address=head_office, premises="",
            warehouse="", production_address=head_office, legal_representative="", manager="", quality_manager="",
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
            make = partial(numbers.business_licence_number, place, year)
            issuer, valid_until = place.market_regulator(year), five_years_less_a_day(issued_on)
        elif kind == "class2_business_filing":
            key = ("经营备", place.prefix, year)
            make = partial(numbers.business_filing_number, place, year)
            issuer, valid_until = place.market_regulator(year), None
        elif kind == "production_licence":
            key = ("生产许", place.province.abbr, year)
            make = partial(numbers.production_licence_number, place.province, year)
            issuer, valid_until = place.province.drug_regulator(year), five_years_less_a_day(issued_on)
        elif kind == "online_sales_filing":
            key = ("网备", place.prefix, issued_on)
            make = partial(numbers.online_sales_number, place, issued_on)
            issuer, valid_until = place.market_regulator(max(year, 2019)), None
        elif kind == "platform_filing":
            key = ("平台备", place.province.abbr, year)
            make = partial(numbers.platform_filing_number, place.province, year)
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

