"""The sample world's model: enterprises, the licences they hold and the devices registered to them.

Dates are coherent against ``SNAPSHOT_DATE``, the day the sample regulator data is "taken":
registrations run ``approved_on`` + 5 years − 1 day; a licence whose validity ended before the
snapshot is ``expired``; filings have no end date.
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from samples.places import Place
from samples.products import Product
from verifiers.identifiers import lookup_key
from verifiers.registry.records import DeviceRecord, EnterpriseRecord

SNAPSHOT_DATE = date(2026, 11, 1)
DEFAULT_SEED = 7
DEFAULT_ENTERPRISES = 160
DEFAULT_DEVICES = 420


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def five_years_less_a_day(day: date) -> date:
    """Validity of a registration or licence: 5 years from the day of approval, less one day."""
    return add_years(day, 5) - timedelta(days=1)


def date_between(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randrange((end - start).days + 1))


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

    def record(self) -> EnterpriseRecord:
        return EnterpriseRecord(key=lookup_key(self.number), number=self.number, kind=self.kind, holder=self.holder,
                                uscc=self.uscc, region=self.region, scope=self.scope, issued_on=self.issued_on,
                                valid_until=self.valid_until, issuer=self.issuer, status=self.status,
                                address=self.address)

    def row(self) -> dict:
        """The ``enterprises`` row: the record's canonical form (design §6)."""
        return self.record().canonical()


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
    anchor: bool = False  # one of the anchors (world/anchors.py): the same for every seed, licences fixed

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

    def record(self) -> DeviceRecord:
        return DeviceRecord(key=lookup_key(self.number), number=self.number, kind=self.kind,
                            device_class=self.device_class, product_name=self.product.name,
                            registrant=self.registrant.name, registrant_uscc=self.registrant.uscc,
                            models=tuple(self.models), category_code=self.product.category,
                            approved_on=self.approved_on, valid_until=self.valid_until, status=self.status,
                            issuer=self.issuer)

    def row(self) -> dict:
        """The ``devices`` row: the record's canonical form (design §6)."""
        return self.record().canonical()


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

