"""The registry's rows from the sample world: its own devices and licences, then generated devices.

Generated devices are drawn one at a time from templates (a registrant, one of its products
and the route it is registered by), so a million of them stream in bounded memory. Each
generated row comes with its template: the values a template fixes (``Template.fixed``) are
the same in all its rows, which lets the writers encode them once.
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from samples import numbers
from samples.products import PRODUCTS_BY_KEY, Product
from samples.world import SNAPSHOT_DATE, Device, Enterprise, World, add_years
from verifiers.registry.records import DEVICE_KEYS


class _Dates:
    """ISO strings and five-year ends per day ordinal, computed once: the hot loop is all lookups."""

    def __init__(self):
        self.iso: dict[int, str] = {}
        self.end: dict[int, str] = {}

    def get(self, ordinal: int) -> tuple[str, str]:
        iso = self.iso.get(ordinal)
        if iso is None:
            day = date.fromordinal(ordinal)
            iso = self.iso[ordinal] = day.isoformat()
            self.end[ordinal] = (add_years(day, 5) - timedelta(days=1)).isoformat()
        return iso, self.end[ordinal]


class Template:
    """One (registrant, product, route) a generated device is drawn from, with its strings ready."""

    __slots__ = (
        "authority",
        "base",
        "cls",
        "earliest",
        "fixed",
        "form",
        "heads",
        "issuer_new",
        "issuer_old",
        "kind",
        "model_sets",
        "prefix",
        "product",
        "registrant",
        "route",
        "segment_new",
        "segment_old",
    )

    def __init__(self, registrant: Enterprise, product: Product, route: str):
        self.registrant, self.product, self.route = registrant, product, route
        self.cls = product.device_class
        self.kind = "filing" if route in ("备", "国备") else "registration"
        place = registrant.place
        if self.kind == "filing":
            self.prefix = "国" if route == "国备" else place.prefix
            self.issuer_new = "国家药品监督管理局" if route == "国备" else place.market_regulator(2019)
            self.issuer_old = "国家食品药品监督管理总局" if route == "国备" else place.market_regulator(2018)
            self.authority = self.form = ""
        else:
            self.authority = place.province.abbr if route == "省准" else "国"
            self.form = route[1]
            self.prefix = ""
            if route == "省准":
                self.issuer_new, self.issuer_old = place.province.drug_regulator(2019), place.province.drug_regulator(2018)
            else:
                self.issuer_new, self.issuer_old = "国家药品监督管理局", "国家食品药品监督管理总局"
        self.segment_new = product.category
        self.segment_old = "40" if product.category == "40" else product.old_code[-2:]
        pool = product.models
        self.model_sets = [list(pool[i:i + n]) for n in (1, 2, 3) for i in range(len(pool) - n + 1)]
        self.earliest = date(max(2014, product.first_year), 1, 1).toordinal()
        self.heads: dict[tuple[str, bool], tuple[tuple, str, str]] = {}
        #: The values every row of this template has; the rest (number, models, dates, status,
        #: issuer) are drawn per row.
        self.fixed = {"kind": self.kind, "class": self.cls, "product_name": product.name,
                      "registrant": registrant.name, "registrant_uscc": registrant.uscc,
                      "category_code": product.category}
        #: A row in design §6's key order with the fixed values filled in, to copy per row.
        self.base = {key: self.fixed.get(key) for key in DEVICE_KEYS}


def _templates(world: World) -> list[Template]:
    out = []
    for ent in world.enterprises:
        if ent.anchor or not ent.product_line:  # the anchors' registrations stay as the demo knows them
            continue
        for key in ent.product_line:
            product = PRODUCTS_BY_KEY[key]
            if ent.role == "manufacturer":
                route = {3: "国准", 2: "省准", 1: "备"}[product.device_class]
            elif ent.role == "foreign":
                route = "国备" if product.device_class == 1 else "国进"
            elif product.device_class > 1:
                route = "国许"
            else:
                continue
            out.append(Template(ent, product, route))
    return out


def device_rows(world: World, count: int, seed: int) -> Iterator[tuple[dict, Device | None, Template | None]]:
    """``count`` device rows: the world's devices first, then generated ones.

    Yields (row, the world's Device or None, the template a generated row came from or None).
    """
    for device in world.devices[:count]:
        yield device.row(), device, None
    remaining = count - min(count, len(world.devices))
    if remaining <= 0:
        return
    rng = random.Random(f"qingwang-registry:{seed}")
    templates = _templates(world)
    if not templates:
        raise SystemExit("no manufacturer in the world to register generated devices to; raise --enterprises")
    taken = {d.number for d in world.devices}
    counters: dict[tuple, int] = {}
    dates = _Dates()
    snapshot = SNAPSHOT_DATE.toordinal()
    five_years = snapshot - add_years(SNAPSHOT_DATE, -5).toordinal()
    cutover = numbers.CATALOGUE_2017_FROM.toordinal()
    reform = date(2018, 4, 10).toordinal()
    n_templates = len(templates)
    random_ = rng.random
    randrange = rng.randrange
    for _ in range(remaining):
        t = templates[randrange(n_templates)]
        roll = random_()
        status = "active" if roll < 0.89 else ("cancelled" if roll < 0.97 else "revoked")
        if t.kind == "filing":
            first = t.earliest + randrange(snapshot - 20 - t.earliest)
            approved = first
            if status == "revoked":
                status = "cancelled"
        else:
            if roll < 0.80:  # in force at the snapshot
                low = max(t.earliest, snapshot - five_years + 5)
                approved = low + randrange(max(1, snapshot - 10 - low))
            else:  # expired (status stays active: NMPA lists the date), cancelled or revoked
                approved = t.earliest + randrange(max(1, snapshot - 30 - t.earliest))
            first = approved
            if random_() < 0.4 and approved - 1826 >= t.earliest:
                first = approved - 1826 + randrange(150)
        # Fast path: the next serial of this (authority, form, year, class, category); the slow
        # path handles a used-up year and the world's own numbers.
        first_iso = dates.get(first)[0]
        head_key = (first_iso[:4], first >= cutover)
        head = t.heads.get(head_key)
        if head is None:
            head = t.heads[head_key] = _head(t, int(first_iso[:4]), first >= cutover)
        serial = counters.get(head[0], 0) + 1
        number = f"{head[1]}{serial:04d}{head[2]}" if serial <= 9999 else None
        if number is None or number in taken:
            number, first, approved = _allocate(t, first, approved, counters, taken, cutover)
        else:
            counters[head[0]] = serial
        approved_iso, end_iso = dates.get(approved)
        models = t.model_sets[randrange(len(t.model_sets))]
        # Unpacking the template's base row keeps design §6's key order; the keys after it
        # only change values.
        row = {**t.base, "number": number, "models": models, "approved_on": approved_iso,
               "valid_until": None if t.kind == "filing" else end_iso, "status": status,
               "issuer": t.issuer_new if approved >= reform else t.issuer_old}
        yield row, None, t


def _head(t: Template, year: int, catalogue_2017: bool) -> tuple[tuple, str, str]:
    """(counter key, number up to the serial, what follows the serial) for a first-registration year."""
    if t.kind == "filing":
        return (t.prefix, year), f"{t.prefix}械备{year}", "号"
    segment = t.segment_new if catalogue_2017 else t.segment_old
    return (t.authority, t.form, year, t.cls, segment), f"{t.authority}械注{t.form}{year}{t.cls}{segment}", ""


def _allocate(t: Template, first: int, approved: int, counters: dict, taken: set, cutover: int) -> tuple[str, int, int]:
    """The next free number for a device first registered (or filed) on day ``first``.

    Each (authority, form, year, class, category) or (prefix, year) has 9999 serials. When a
    year is used up the device is taken to have been first registered in an earlier year (a
    longer renewal history); a filing moves with its number, since its date is the filing's.
    Returns (number, first, approved) as day ordinals.
    """
    day = date.fromordinal(first)
    earliest_year = date.fromordinal(t.earliest).year
    for year in range(day.year, earliest_year - 1, -1):
        try:
            first_day = day.replace(year=year)
        except ValueError:
            first_day = day.replace(year=year, day=28)
        key, head, suffix = _head(t, year, first_day.toordinal() >= cutover)
        serial = counters.get(key, 0)
        while serial < 9999:
            serial += 1
            number = f"{head}{serial:04d}{suffix}"
            if number not in taken:
                counters[key] = serial
                if t.kind == "filing":
                    return number, first_day.toordinal(), first_day.toordinal()
                return number, min(first_day.toordinal(), first), approved
        counters[key] = serial
    raise SystemExit(f"serial numbers for {t.product.name} ({t.route}) are used up; generate fewer devices")


def enterprise_rows(world: World) -> Iterator[dict]:
    for licence in world.registry_licences():
        yield licence.row()

