"""The sample certificates: every type and variant, ground truth that matches what is printed."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image, ImageOps

from samples.documents import generate
from samples.documents.variants import VARIANTS

REPO = Path(__file__).resolve().parents[2]
DESIGN_FIELDS = {"number", "name", "uscc", "legal_representative", "manager", "address", "scope", "issuer",
                 "issued_on", "valid_until", "registrant", "product_name", "models"}
TYPES = {"business_licence", "device_business_licence", "class2_business_filing", "registration_certificate",
         "class1_filing", "production_licence", "online_sales_filing"}
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FULL_WIDTH = re.compile(r"[\uff01-\uff5e\u3000\s]")
LOW_DPI = 48  # enough for structure; keeps the whole product fast


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    out = tmp_path_factory.mktemp("documents")
    entries = generate.generate(out, per_type=1, variants=list(VARIANTS), dpi=LOW_DPI)
    return out, entries


def _truths(out: Path, entries):
    for entry in entries:
        yield entry, json.loads((out / entry["truth"]).read_text(encoding="utf-8"))


def printed_forms(name: str, value) -> list[str]:
    """How a normalised value appears on the page (whitespace aside)."""
    if value is None:
        return ["长期"]
    if name in ("issued_on", "valid_until"):
        year, month, day = value.split("-")
        return [f"{year}年{month}月{day}日"]
    if name == "scope":
        return [item["category"] for item in value] + [{3: "Ⅲ", 2: "Ⅱ", 1: "Ⅰ"}[item["class"]] for item in value]
    if name == "models":
        return list(value)
    return [value]


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_type_and_variant_is_rendered(product):
    out, entries = product
    assert {(e["type"], e["variant"]) for e in entries} == {(t, v) for t in TYPES for v in VARIANTS}
    for entry in entries:
        assert (out / entry["file"]).stat().st_size > 1000
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert len(index["files"]) == len(entries)


def test_ground_truth_uses_design_field_names_and_normal_forms(product):
    out, entries = product
    for entry, truth in _truths(out, entries):
        assert truth["type"] == entry["type"] and truth["variant"] == entry["variant"]
        fields = truth["fields"]
        assert fields and set(fields) <= DESIGN_FIELDS, truth["file"]
        assert set(truth["boxes"]) == set(fields)
        for name in ("issued_on", "valid_until"):
            if fields.get(name) is not None:
                assert ISO.match(fields[name])
        for name in ("number", "uscc"):
            if name in fields:
                assert not FULL_WIDTH.search(fields[name]), fields[name]
        if "scope" in fields:
            assert all(set(item) == {"class", "category"} and re.fullmatch(r"\d\d", item["category"])
                       for item in fields["scope"])
        if "models" in fields:
            assert isinstance(fields["models"], list) and fields["models"]
        if truth["type"] in ("class2_business_filing", "online_sales_filing", "class1_filing"):
            assert "valid_until" not in fields  # filings print no end date
        if truth["type"] == "registration_certificate":
            assert {"number", "registrant", "product_name", "models", "valid_until"} <= set(fields)


def test_values_are_printed_on_the_page(product):
    out, entries = product
    for entry, truth in _truths(out, entries):
        page_text = _compact("".join(truth["text"]))
        for name, value in truth["fields"].items():
            printed = truth["printed"][name]
            for line in printed.split("\n"):
                assert _compact(line) in page_text, (truth["file"], name, line)
            for form in printed_forms(name, value):
                assert _compact(form) in _compact(printed), (truth["file"], name, form)


def _chars_in(page, box, slack=1.5):
    x0, y0, x1, y1 = box
    chars = [c for c in page.chars
             if x0 - slack <= (c["x0"] + c["x1"]) / 2 <= x1 + slack and y0 - slack <= (c["top"] + c["bottom"]) / 2 <= y1 + slack]
    return "".join(c["text"] for c in sorted(chars, key=lambda c: (round(c["top"]), c["x0"])))


def test_text_pdfs_read_back_with_pdfplumber(product):
    out, entries = product
    checked = 0
    for entry, truth in _truths(out, entries):
        if truth["variant"] != "textpdf":
            continue
        with pdfplumber.open(out / truth["file"]) as pdf:
            assert len(pdf.pages) == 1
            page = pdf.pages[0]
            whole = _compact(page.extract_text())
            for name, value in truth["fields"].items():
                inside = _compact(_chars_in(page, truth["boxes"][name]))
                for form in printed_forms(name, value):
                    assert _compact(form) in whole, (truth["file"], name, form)
                    assert _compact(form) in inside, (truth["file"], name, form, inside)
            checked += 1
    assert checked == len(TYPES)


def test_scanned_pdfs_have_no_text_layer(product):
    out, entries = product
    for entry, truth in _truths(out, entries):
        if truth["variant"] == "scanpdf":
            with pdfplumber.open(out / truth["file"]) as pdf:
                assert not pdf.pages[0].chars and pdf.pages[0].images


def test_images_open_with_the_recorded_size_and_orientation(product):
    out, entries = product
    for entry, truth in _truths(out, entries):
        if truth["unit"] != "px":
            continue
        with Image.open(out / truth["file"]) as image:
            assert image.format == {"png": "PNG", "jpg": "JPEG", "tif": "TIFF", "webp": "WEBP"}[truth["file"].rsplit(".", 1)[1]]
            shown = ImageOps.exif_transpose(image)
            assert shown.size == (truth["width"], truth["height"]), truth["file"]
            if truth["variant"].endswith("-exif"):
                assert image.getexif().get(0x0112) in (3, 8) and image.size == (
                    (truth["height"], truth["width"]) if truth["exif_orientation"] == 8 else (truth["width"], truth["height"]))
            else:
                assert image.getexif().get(0x0112) in (None, 1)
            if truth["variant"] in ("rotated90", "rotated180"):
                assert truth["rotated_cw"] == int(truth["variant"][7:])
        for box in truth["boxes"].values():
            assert 0 <= box[0] < box[2] <= truth["width"] + 1 and 0 <= box[1] < box[3] <= truth["height"] + 1, truth["file"]


def _digests(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def test_generation_is_deterministic(tmp_path, world):
    specs = [s for s in generate.curated(world) if s.doc_type in ("device_business_licence", "registration_certificate")
             and s.variant in ("clean", "photo", "textpdf", "scanpdf", "seal", "rotated180-exif", "tiff")]
    assert len(specs) >= 10
    for name in ("a", "b"):
        generate.render_specs(world, specs, tmp_path / name, seed=7, dpi=LOW_DPI)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")


def test_committed_set_belongs_to_the_committed_registry():
    documents = REPO / "samples" / "documents" / "set"
    registry = REPO / "samples" / "registry"
    if not (documents / "index.json").exists() or not (registry / "devices.jsonl").exists():
        pytest.skip("the committed sample set is not generated")
    rows = {}
    for name in ("devices.jsonl", "enterprises.jsonl"):
        for line in (registry / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            rows[row["number"]] = row
    index = json.loads((documents / "index.json").read_text(encoding="utf-8"))
    assert 40 <= len(index["files"]) <= 80
    total = 0
    for entry in index["files"]:
        total += (documents / entry["file"]).stat().st_size
        truth = json.loads((documents / entry["truth"]).read_text(encoding="utf-8"))
        number = truth["fields"].get("number")
        if number is None:
            continue
        if entry["case"] == "licence-not-found":
            assert number not in rows
            continue
        row = rows[number]
        for name, value in truth["fields"].items():
            key = {"name": "holder"}.get(name, name)
            if name == "issued_on" and "approved_on" in row:
                key = "approved_on"
            if name == "uscc" and "registrant_uscc" in row:
                key = "registrant_uscc"
            if key not in row:  # printed but not in the registry (legal representative, manager, ...)
                continue
            if name == "uscc" and entry["case"] == "uscc-mismatch":
                assert value != row[key]
                continue
            assert value == row[key], (entry["file"], name)
    assert total < 12_000_000


def test_demo_cases_point_at_committed_files():
    cases = REPO / "samples" / "demo_cases.json"
    documents = REPO / "samples" / "documents" / "set"
    if not cases.exists() or not (documents / "index.json").exists():
        pytest.skip("the demo is not generated")
    demo = json.loads(cases.read_text(encoding="utf-8"))
    ids = {m["id"] for m in demo["merchants"]}
    for merchant in demo["merchants"]:
        assert merchant["expected"]["status"] in ("approved", "rejected", "needs_review")
        for name in merchant["documents"]:
            assert (documents / name).exists(), name
    for listing in demo["listings"]:
        assert listing["merchant"] in ids
        assert listing["expected"]["outcome"] in ("allow", "block", "review")
    assert {"LICENCE_EXPIRED", "USCC_MISMATCH", "LICENCE_REVOKED", "REGNO_CANCELLED", "REGNO_NOT_FOUND",
            "BANNED_CLAIM"} <= {code for case in demo["merchants"] + demo["listings"] for code in case["expected"]["reasons"]}
