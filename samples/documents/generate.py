"""Render sample certificates of the seven document types, each with its ground truth.

    python -m samples.documents.generate --out DIR [--per-type N] [--variants clean,photo,...]
                                         [--seed S] [--dpi D]

Without ``--per-type`` and ``--variants`` it writes the curated set committed as
``samples/documents/set/``: one file per type × variant that matters, plus the documents of
the demo cases (samples/demo_cases.json), and ``index.json``. With either option it renders
N subjects of every type in every listed variant (``all`` for every variant).

Each ``NAME.ext`` gets ``NAME.json``::

    {"type", "variant", "layout", "file", "media_type", "fields": {...design §4 names...},
     "boxes": {field: [x0, y0, x1, y1]}, "printed": {field: text as printed}, "unit": "px"|"pt",
     "width", "height", "page": 1, "text": [printed lines], "source": {...registry row...}, ...}

``fields`` holds only what the document prints, normalised (ISO dates, half-width numbers,
``valid_until`` null for 长期). The subjects are the world's (samples/world/), the same as
samples/registry/ for the same seed.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from samples.documents import content as contents
from samples.documents import screens
from samples.documents.layouts import LAYOUTS, lay_out
from samples.documents.page import page_chars, pdf_font, seeded
from samples.documents.variants import DESCRIPTIONS, VARIANTS, render
from samples.world import (
    DEFAULT_DEVICES,
    DEFAULT_ENTERPRISES,
    DEFAULT_SEED,
    World,
    anchor_device,
    build_world,
)

DEFAULT_DPI = 150
DOC_TYPES = contents.DOC_TYPES


@dataclass
class Spec:
    """One file to render."""

    name: str
    doc_type: str
    variant: str
    subject: object  # Enterprise, Licence or Device
    layout: str
    overrides: dict = field(default_factory=dict)
    case: str = ""
    note: str = ""


# --- subjects -----------------------------------------------------------------------------------------------------------


def subjects(world: World, doc_type: str) -> list:
    """Candidate subjects of a type, the demo's anchors first, then the rest of the world in order."""
    if doc_type == "business_licence":
        return [e for e in world.enterprises if e.uscc and e.place is not None and e.place.province.mainland]
    if doc_type in ("registration_certificate", "class1_filing"):
        kind = "registration" if doc_type == "registration_certificate" else "filing"
        return [d for d in world.devices if d.kind == kind]
    return [lic for lic in world.licences() if lic.kind == doc_type]


def _licence(world: World, key: str, kind: str):
    return world.enterprise(key).licence(kind)


def curated(world: World) -> list[Spec]:
    """The committed set: every type in the main variants, the rest on a few types, and the demo's cases."""
    good = {
        "business_licence": world.enterprise("kangning"),
        "device_business_licence": _licence(world, "kangning", "device_business_licence"),
        "class2_business_filing": _licence(world, "kangning", "class2_business_filing"),
        "online_sales_filing": _licence(world, "kangning", "online_sales_filing"),
        "production_licence": _licence(world, "ruihe", "production_licence"),
        "registration_certificate": anchor_device(world, "ruihe", "syringe"),
        "class1_filing": anchor_device(world, "ruihe", "cold_patch"),
    }
    everywhere = ("clean", "photo", "seal", "textpdf", "scanpdf")
    some = {
        "rotated90": ("business_licence", "registration_certificate"),
        "rotated180": ("device_business_licence", "class1_filing"),
        "rotated90-exif": ("business_licence", "class2_business_filing"),
        "rotated180-exif": ("registration_certificate", "online_sales_filing"),
        "tiff": ("production_licence", "registration_certificate"),
        "webp": ("online_sales_filing", "business_licence"),
        "watermark": ("business_licence", "device_business_licence", "registration_certificate"),
        "watermark-photo": ("class2_business_filing", "online_sales_filing"),
        "screenshot": ("business_licence", "device_business_licence"),
        "query-screenshot": ("registration_certificate", "production_licence"),
        "two-up": ("device_business_licence",),
    }
    specs = []
    for doc_type in DOC_TYPES:
        variants = list(everywhere) + [v for v, types in some.items() if doc_type in types]
        for i, variant in enumerate(variants):
            specs.append(Spec(f"{doc_type}__{variant}", doc_type, variant, good[doc_type],
                              layout_for(doc_type, variant, LAYOUTS[doc_type][i % len(LAYOUTS[doc_type])])))
    specs += demo_specs(world)
    return specs


#: A valid credit code (checksum and organisation check pass) that belongs to nobody in the
#: world: printed on the altered licence of the USCC-mismatch case.
def mismatch_uscc(world: World) -> str:
    import random as _random

    from samples import numbers

    liankang = world.enterprise("liankang")
    rng = _random.Random("uscc-mismatch")
    taken = {e.uscc for e in world.enterprises}
    while True:
        code = numbers.uscc(liankang.place.division, rng, liankang.established_on)
        if code not in taken:
            return code


def demo_specs(world: World) -> list[Spec]:
    """The documents of the demo's merchants beyond the good one (samples/demo_cases.json)."""
    ruihe = world.enterprise("ruihe")
    return [
        Spec("maker__business_licence__clean", "business_licence", "clean", ruihe, "licence_portrait", case="maker"),
        Spec("maker__online_sales_filing__photo", "online_sales_filing", "photo",
             ruihe.licence("online_sales_filing"), "certificate", case="maker"),
        Spec("expired__business_licence__clean", "business_licence", "clean", world.enterprise("ruifeng"),
             "licence_landscape", case="expired"),
        Spec("expired__device_business_licence__photo", "device_business_licence", "photo",
             _licence(world, "ruifeng", "device_business_licence"), "certificate", case="expired",
             note="valid until 2024-05-19; the registry lists it as expired"),
        Spec("revoked__business_licence__clean", "business_licence", "clean", world.enterprise("boyuan"),
             "licence_landscape", case="revoked"),
        Spec("revoked__device_business_licence__clean", "device_business_licence", "clean",
             _licence(world, "boyuan", "device_business_licence"), "table", case="revoked",
             note="looks valid; the registry lists it as revoked"),
        Spec("mismatch__business_licence__clean", "business_licence", "clean", world.enterprise("liankang"),
             "licence_landscape", case="uscc-mismatch"),
        Spec("mismatch__device_business_licence__photo", "device_business_licence", "photo",
             _licence(world, "liankang", "device_business_licence"), "certificate",
             overrides={"uscc": mismatch_uscc(world)}, case="uscc-mismatch",
             note="prints a credit code that is valid but not the holder's (the business licence's)"),
        Spec("notfound__business_licence__clean", "business_licence", "clean", world.enterprise("hengan"),
             "licence_portrait", case="licence-not-found"),
        Spec("notfound__device_business_licence__clean", "device_business_licence", "clean",
             _licence(world, "hengan", "device_business_licence"), "certificate", case="licence-not-found",
             note="a licence number the registry does not hold"),
        Spec("class2only__business_licence__clean", "business_licence", "clean", world.enterprise("jiahe"),
             "licence_landscape", case="class2-only"),
        Spec("class2only__class2_business_filing__clean", "class2_business_filing", "clean",
             _licence(world, "jiahe", "class2_business_filing"), "certificate", case="class2-only"),
        Spec("class2only__online_sales_filing__clean", "online_sales_filing", "clean",
             _licence(world, "jiahe", "online_sales_filing"), "table", case="class2-only"),
        Spec("cancelled__registration_certificate__clean", "registration_certificate", "clean",
             anchor_device(world, "ruihe", "infusion"), "table", case="regno-cancelled",
             note="looks valid; the registry lists the registration as cancelled"),
        Spec("expiredreg__registration_certificate__photo", "registration_certificate", "photo",
             anchor_device(world, "ruihe", "respirator"), "certificate", case="regno-expired"),
        Spec("tampered__business_licence__clean", "business_licence", "clean", world.enterprise("liankang"),
             "licence_landscape", overrides={"uscc": mismatch_uscc(world)}, case="tampered",
             note="the printed credit code was altered; the QR code still names the holder's own"),
        Spec("thermometer__registration_certificate__clean", "registration_certificate", "clean",
             anchor_device(world, "antai", "ear_thermo"), "table", case="listing"),
    ]


def layout_for(doc_type: str, variant: str, layout: str) -> str:
    """Screens show certificates upright (portrait); a query page has its own layout."""
    if variant == "screenshot":
        return "licence_portrait" if doc_type == "business_licence" else "table"
    if variant == "query-screenshot":
        return "query_page"
    return layout


def full_product(world: World, per_type: int, variants: list[str]) -> list[Spec]:
    specs = []
    for doc_type in DOC_TYPES:
        pool = subjects(world, doc_type)
        for index, subject in enumerate(pool[:per_type]):
            for j, variant in enumerate(variants):
                layout = layout_for(doc_type, variant, LAYOUTS[doc_type][(index + j) % len(LAYOUTS[doc_type])])
                specs.append(Spec(f"{doc_type}__{variant}__{index + 1:03d}", doc_type, variant, subject, layout))
    return specs


# --- rendering ---------------------------------------------------------------------------------------------------------


def _printed_fields(content_fields: dict, boxes: dict) -> dict:
    """Only the fields the page prints, in design §4's order."""
    order = ("number", "name", "uscc", "legal_representative", "manager", "address", "scope", "issuer", "issued_on",
             "valid_until", "registrant", "product_name", "models")
    return {k: content_fields[k] for k in order if k in content_fields and k in boxes}


def render_specs(world: World, specs: list[Spec], out: Path, seed: int, dpi: float = DEFAULT_DPI,
                 log=None) -> list[dict]:
    out.mkdir(parents=True, exist_ok=True)
    laid = []
    for spec in specs:
        rng = seeded(seed, spec.name)
        content = contents.build(spec.doc_type, spec.subject, world, rng, spec.overrides)
        second = None
        if spec.variant == "query-screenshot":
            page = screens.query_page(content, rng)
        else:
            page = lay_out(content, spec.layout, rng)
        if spec.variant == "screenshot":
            page = screens.app_screen(page, content, rng)
        elif spec.variant == "two-up":
            second = partner(world, spec, content, page, rng)
            second = (*second, page.lines())
            page = screens.two_up(page, second[1])
        laid.append((spec, content, page, second))
    font = None
    pdf_pages = [page for spec, _, page, _ in laid if spec.variant == "textpdf"]
    if pdf_pages:
        font = pdf_font(page_chars(pdf_pages))
    entries = []
    for spec, content, page, second in laid:
        rendered = render(page, spec.variant, dpi, seeded(seed, spec.name, "variant"), font)
        file_name = f"{spec.name}.{rendered.ext}"
        (out / file_name).write_bytes(rendered.data)
        fields = _printed_fields(content.fields, rendered.boxes)
        printed = page.field_texts()
        truth = {
            "type": spec.doc_type, "variant": spec.variant, "fields": fields,
            "layout": spec.layout, "file": file_name, "media_type": rendered.media_type, "page": 1,
            "unit": rendered.unit, "width": rendered.width, "height": rendered.height,
            "boxes": {k: rendered.boxes[k] for k in fields},
            "printed": {k: printed[k] for k in fields},
            "text": page.lines(), "source": content.source, **rendered.extra,
        }
        if second is not None:
            truth.update(_two_up_truth(truth, rendered.boxes, printed, second))
        if spec.case:
            truth["case"] = spec.case
        if spec.note:
            truth["note"] = spec.note
        (out / f"{spec.name}.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        entries.append({"file": file_name, "truth": f"{spec.name}.json", "type": spec.doc_type,
                        "variant": spec.variant, "layout": spec.layout, "case": spec.case or None,
                        "source": content.source, "bytes": len(rendered.data)})
        if log:
            log(f"{file_name}  {len(rendered.data) // 1024} KiB")
    return entries


def partner(world: World, spec: Spec, content, page, rng):
    """The second document on a two-up sheet: the business licence of the enterprise the
    first names or, for a business licence, one of the enterprise's licences; laid out in
    the first one's orientation. Returns (content, page)."""
    from samples.documents.layouts import LAYOUTS as ALL

    landscape = page.width > page.height
    if spec.doc_type == "business_licence":
        held = [lic for kind in ("device_business_licence", "class2_business_filing", "production_licence",
                                 "online_sales_filing") if (lic := spec.subject.licence(kind)) is not None]
        subject = held[0] if held else world.enterprises[0]
        doc_type = held[0].kind if held else "business_licence"
    else:
        ent = (spec.subject.registrant if spec.doc_type in ("registration_certificate", "class1_filing")
               else world.enterprise(spec.subject.enterprise_key))
        subject, doc_type = (ent if ent.uscc else world.enterprises[0]), "business_licence"
    second = contents.build(doc_type, subject, world, rng)
    layouts = {"business_licence": ("licence_landscape", "licence_portrait")}.get(doc_type, ("certificate", "table"))
    layout = layouts[0] if landscape else layouts[1]
    assert layout in ALL[doc_type]
    return second, lay_out(second, layout, rng)


def _two_up_truth(truth: dict, boxes: dict, printed: dict, second) -> dict:
    """Ground truth of both documents on a two-up sheet (``documents``, top or left first)."""
    content, page, first_lines = second
    prefix = screens.SECOND
    own_boxes = {k[len(prefix):]: v for k, v in boxes.items() if k.startswith(prefix)}
    own_printed = {k[len(prefix):]: v for k, v in printed.items() if k.startswith(prefix)}
    fields = _printed_fields(content.fields, own_boxes)
    first = {k: truth[k] for k in ("type", "fields", "boxes", "printed", "layout")}
    return {"documents": [first, {"type": content.doc_type, "fields": fields,
                                  "boxes": {k: own_boxes[k] for k in fields},
                                  "printed": {k: own_printed[k] for k in fields}, "source": content.source}],
            "text": first_lines + page.lines()}


def generate(out: Path, per_type: int | None = None, variants: list[str] | None = None, seed: int = DEFAULT_SEED,
             dpi: float = DEFAULT_DPI, world: World | None = None, log=None) -> list[dict]:
    world = world or build_world(seed=seed, enterprises=DEFAULT_ENTERPRISES, devices=DEFAULT_DEVICES)
    if per_type is None and variants is None:
        specs = curated(world)
    else:
        variants = list(variants or VARIANTS)
        unknown = [v for v in variants if v not in VARIANTS]
        if unknown:
            raise ValueError(f"unknown variant(s) {', '.join(unknown)}; choose from {', '.join(VARIANTS)}")
        specs = full_product(world, per_type or 1, variants)
    entries = render_specs(world, specs, out, seed, dpi, log)
    index = {"seed": seed, "dpi": dpi, "registry": "samples/registry (same seed)",
             "variants": {v: DESCRIPTIONS[v] for v in sorted({e["variant"] for e in entries})},
             "files": entries}
    (out / "index.json").write_text(json.dumps(index, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m samples.documents.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--per-type", type=int, default=None, help="subjects per document type (full product mode)")
    parser.add_argument("--variants", default=None,
                        help=f"comma-separated, or 'all': {','.join(VARIANTS)} (full product mode)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--dpi", type=float, default=DEFAULT_DPI, help="scan resolution (default %(default)s)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    variants = None
    if args.variants:
        variants = list(VARIANTS) if args.variants == "all" else [v.strip() for v in args.variants.split(",") if v.strip()]
    started = time.perf_counter()
    try:
        entries = generate(args.out, args.per_type, variants, args.seed, args.dpi,
                           log=None if args.quiet else print)
    except ValueError as exc:
        parser.error(str(exc))
    total = sum(e["bytes"] for e in entries)
    print(f"{len(entries)} documents, {total / 1e6:.1f} MB, in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
