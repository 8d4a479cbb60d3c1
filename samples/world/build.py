"""``build_world``: the anchors, then enterprises, licences and devices drawn from the seed."""
from __future__ import annotations

import random
from datetime import date, timedelta

from samples.places import PLACES, PLACES_BY_PROVINCE, PROVINCES, Place
from samples.products import PRODUCTS, PRODUCTS_BY_KEY, Product
from samples.world.anchors import ANCHOR_DEVICES, ANCHOR_LICENCES, ANCHORS, FOREIGN
from samples.world.builder import Builder
from samples.world.model import (
    DEFAULT_DEVICES,
    DEFAULT_ENTERPRISES,
    DEFAULT_SEED,
    SNAPSHOT_DATE,
    Device,
    Enterprise,
    World,
    add_years,
    date_between,
)
from samples.world.people import DOMAINS, WEB_WORDS


def _licence_dates(rng: random.Random, established: date, status: str) -> date:
    """An issue date for a five-year licence in the given status, against the snapshot."""
    earliest = max(established + timedelta(days=60), date(2015, 1, 1))
    if status == "expired":  # ended before the snapshot
        return date_between(rng, earliest, add_years(SNAPSHOT_DATE, -5) - timedelta(days=30))
    if status == "active":  # still running at the snapshot
        return date_between(rng, max(earliest, add_years(SNAPSHOT_DATE, -5) + timedelta(days=20)),
                             SNAPSHOT_DATE - timedelta(days=14))
    return date_between(rng, earliest, SNAPSHOT_DATE - timedelta(days=60))


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
        first = date_between(rng, max(earliest, date(2014, 6, 1)), snapshot - timedelta(days=20))
        return first, first
    if status == "expired":  # the current certificate ran out before the snapshot
        approved = date_between(rng, earliest, add_years(snapshot, -5) - timedelta(days=10))
    elif status == "active":
        approved = date_between(rng, max(earliest, add_years(snapshot, -5) + timedelta(days=5)),
                                 snapshot - timedelta(days=10))
    else:
        approved = date_between(rng, earliest, snapshot - timedelta(days=30))
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
    b = Builder(seed)
    rng = b.rng
    all_enterprises: list[Enterprise] = []
    by_key: dict[str, Enterprise] = {}

    # Anchors.
    foreign = [b.foreign(i) for i in range(len(FOREIGN))]
    for f in foreign:
        by_key[f.key] = f
    for anchor in ANCHORS:
        arng = random.Random(f"anchor:{anchor.key}")
        ent = b.enterprise(anchor.key, place_of(anchor.division), anchor.role, arng, name=anchor.name,
                           established=anchor.established, people=anchor.people, term_end=anchor.term_end)
        ent.anchor = True
        if anchor.website:
            ent.website = dict(anchor.website)
        all_enterprises.append(ent)
        by_key[ent.key] = ent
    for lic in ANCHOR_LICENCES:
        b.licence(by_key[lic.enterprise], lic.kind, lic.issued_on, lic.scope, lic.status, serial=lic.serial,
                  in_registry=lic.in_registry)
    anchor_devices: list[Device] = []
    for d in ANCHOR_DEVICES:
        anchor_devices.append(b.device(by_key[d.registrant], PRODUCTS_BY_KEY[d.product], d.route,
                                       d.first_registered_on, d.approved_on, d.models, d.status, serial=d.serial,
                                       agent=by_key[d.agent] if d.agent else None))
    # A registrant of anchor devices makes exactly those products.
    for key in dict.fromkeys(d.registrant.key for d in anchor_devices):
        by_key[key].product_line = tuple(dict.fromkeys(d.product.key for d in anchor_devices
                                                       if d.registrant.key == key))

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

    # An anchor maker's production licence is fixed, so it registers only its anchor devices
    # (a drawn one could fall outside that scope).
    makers = [e for e in all_enterprises if e.role == "manufacturer" and not e.anchor]
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
    distributors = [e for e in all_enterprises if e.role == "distributor"]
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


def _random_licences(b: Builder, rng: random.Random, ent: Enterprise) -> None:
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
        b.licence(ent, "platform_filing", date_between(rng, max(established, date(2018, 3, 1)), date(2024, 12, 31)),
                  (), "active" if rng.random() < 0.9 else "cancelled")
    if ent.role in ("distributor", "retailer") and rng.random() < 0.8:
        word = rng.choice(WEB_WORDS)
        ent.website = {"name": f"{word}商城", "domain": f"www.{rng.choice(DOMAINS)}{rng.randint(1, 99)}.cn",
                       "ip": f"{rng.randint(36, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                       "platform": "", "shop": ent.name.replace("有限公司", "") + "旗舰店"}


def _online_date(rng: random.Random, ent: Enterprise) -> date:
    """Online-sales filings exist since Order 38 (2018-03-01) and follow the licence or filing they rest on."""
    after = max([lic.issued_on for lic in ent.licences] + [date(2018, 3, 1), ent.established_on])
    return date_between(rng, after + timedelta(days=3), SNAPSHOT_DATE - timedelta(days=7))


def _filing_date(rng: random.Random, established: date) -> date:
    return date_between(rng, max(established + timedelta(days=30), date(2014, 10, 1)), SNAPSHOT_DATE - timedelta(days=7))


# --- used by make_registry and the document generator ---------------------------------------------------------------


def anchor_device(world: World, registrant_key: str, product_key: str) -> Device:
    return next(d for d in world.devices
                if d.registrant.key == registrant_key and d.product.key == product_key)


def place_of(division: str) -> Place:
    return next(p for p in PLACES if p.division == division)
