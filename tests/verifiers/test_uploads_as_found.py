"""What merchants really upload: watermarked copies, screenshots, two documents on a
sheet, licences whose QR code names another credit code. Pure parts on made-up lines and
pixels; the pipeline on the committed samples (samples/documents/set) with the real engine."""
import json
from pathlib import Path

import numpy as np
import pytest

from verifiers.documents.model import Line
from verifiers.documents.qr import credit_code_in, read_codes
from verifiers.documents.split import split_lines
from verifiers.documents.watermark import (
    box_lines,
    drop_overlay_lines,
    find_overlay,
    flatten,
    lift_overlay,
    line_angle,
    sense_overlay,
    turned,
)

SET = Path(__file__).resolve().parents[2] / "samples" / "documents" / "set"
MEDIA = {".png": "image/png", ".jpg": "image/jpeg", ".pdf": "application/pdf"}


def level(text, x, y, w=300, h=30):
    return Line(text, 0.98, (x, y, x + w, y + h), quad=((x, y), (x + w, y), (x + w, y + h), (x, y + h)))


def angled(text, x, y, degrees, length=400, h=30):
    import math

    a = math.radians(degrees)
    dx, dy = length * math.cos(a), length * math.sin(a)
    nx, ny = -h * math.sin(a), h * math.cos(a)
    quad = ((x, y), (x + dx, y + dy), (x + dx + nx, y + dy + ny), (x + nx, y + ny))
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    return Line(text, 0.9, (min(xs), min(ys), max(xs), max(ys)), quad=quad)


def test_a_mark_is_several_lines_at_one_angle_off_the_page():
    form = [level("名称：深圳市示例医疗器械有限公司", 100, 100 + 40 * i) for i in range(8)]
    marks = [angled("仅供京东平台入驻审核使用", 50 + 200 * i, 900, -30) for i in range(4)]
    overlay = find_overlay(form + marks)
    assert overlay is not None and abs(overlay.angle + 30) < 1 and overlay.lines == 4
    kept = drop_overlay_lines(form + marks, overlay)
    assert kept == form and overlay.dropped == 4
    # a page of level lines, or two stray angled ones (a seal's ring text), has none
    assert find_overlay(form) is None
    assert find_overlay(form + marks[:2]) is None
    assert line_angle(marks[0]) == pytest.approx(-30, abs=0.5)


def test_a_mark_is_seen_in_the_detectors_boxes_before_anything_is_read():
    form = [level("", 100, 100 + 40 * i, w=500) for i in range(8)]
    marks = [angled("", 50 + 200 * i, 900, -30) for i in range(4)]
    overlay = sense_overlay(form + marks)
    assert overlay is not None and abs(overlay.angle + 30) < 1 and overlay.lines == 4
    assert sense_overlay(form) is None
    assert sense_overlay(form + marks[:2]) is None  # a seal's ring text is not a mark
    # short boxes (a character or two) at an angle are not rows of a mark
    assert sense_overlay(form + [angled("", 50 + 200 * i, 900, -30, length=60) for i in range(4)]) is None
    # a page lying a quarter turned: its own lines are upright, and are not a mark
    upright = [angled("", 100 + 40 * i, 100, 90, length=500) for i in range(8)]
    assert sense_overlay(upright) is None
    overlay = sense_overlay(upright + [angled("", 50 + 200 * i, 900, 60) for i in range(4)])
    assert overlay is not None and abs(overlay.angle - 60) < 1
    # the same mark once the page is turned upright (np.rot90 k=1: 90 degrees anticlockwise)
    assert turned(overlay, 90).angle == pytest.approx(overlay.angle - 90)
    assert turned(overlay, 270).angle == pytest.approx(overlay.angle - 270 + 180)
    # boxes as a detector gives them: four corners each
    [line] = box_lines([np.array([[10, 20], [110, 20], [110, 50], [10, 50]], dtype=np.float32)])
    assert line.box == (10.0, 20.0, 110.0, 50.0) and line_angle(line) == 0


def test_lifting_turns_the_mark_to_paper_and_keeps_print():
    page = np.full((60, 80, 3), 250, np.uint8)
    page[10:50, 5:15] = 30  # print
    page[10:50, 30:40] = 190  # a grey mark's stroke
    page[10:50, 55:65] = (150, 190, 250)  # a light blue mark's stroke
    flat = flatten(page)
    lifted = lift_overlay(flat, 185)
    assert lifted[30, 10, 0] < 60
    assert lifted[30, 35, 0] == 255 and lifted[30, 60, 0] == 255


def test_the_credit_code_in_a_qr_payload():
    assert credit_code_in("http://www.gsxt.gov.cn/corp-query-entprise-info.html?uniscid=91440305840092550F") == \
        "91440305840092550F"
    assert credit_code_in("http://www.gsxt.gov.cn/index.html") is None
    # a run of the right shape whose check character disagrees is no credit code
    assert credit_code_in("uniscid=91440305840092550A") is None


def test_two_documents_stacked_on_a_sheet_are_cut_between_them():
    top = [Line("医疗器械经营许可证", 0.99, (300, 50, 700, 110))] + [
        level(t, 100, 150 + 40 * i) for i, t in enumerate(("许可证编号：粤深药监械经营许20240627号", "经营方式：批零兼营",
                                                            "库房地址：深圳市", "经营场所：深圳市"))]
    bottom = [level("统一社会信用代码", 100, 700), level("91440305840092550F", 100, 740),
              Line("营业执照", 0.99, (300, 800, 700, 870))] + [
        level(t, 100, 900 + 40 * i) for i, t in enumerate(("注册资本：200万元", "成立日期：2012年06月18日",
                                                            "营业期限：长期", "类型：有限责任公司"))]
    parts = split_lines(top + bottom)
    assert [sorted(ln.text for ln in p.lines) for p in parts] == [sorted(ln.text for ln in top),
                                                                   sorted(ln.text for ln in bottom)]
    # one document: one part, even with its title twice (an app's title bar above the certificate)
    app = [Line("电子营业执照", 0.99, (300, 0, 700, 60))] + bottom
    assert len(split_lines(app)) == 1


# --- the pipeline on the committed samples ----------------------------------------------------------------------


def _sample(name):
    truth = json.loads((SET / f"{name}.json").read_text(encoding="utf-8"))
    path = SET / truth["file"]
    return path.read_bytes(), MEDIA[path.suffix], truth


@pytest.fixture(scope="module")
def engine():
    from verifiers.documents.ocr import create_engine

    return create_engine("rapidocr")


def _read(name, engine, **kwargs):
    from verifiers.documents.pipeline import read_document

    data, media, truth = _sample(name)
    return read_document(data, media, engine=engine, **kwargs), truth


def _values(fields):
    return {k: f.value for k, f in fields.items()}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["business_licence__watermark", "class2_business_filing__watermark-photo"])
def test_fields_on_a_watermarked_copy_read_as_on_a_clean_one(name, engine):
    reading, truth = _read(name, engine)
    assert reading.type == truth["type"]
    got = _values(reading.fields)
    for field, expected in truth["fields"].items():
        if field in ("scope",):
            assert {(i["class"], i["category"]) for i in got[field]} == {(i["class"], i["category"]) for i in expected}
        else:
            assert "".join(str(got.get(field)).split()) == "".join(str(expected).split()), field
    [page] = reading.ocr_dict()["pages"]
    assert page["overlay"]["dropped"] >= 0 and page["overlay"]["level"] is not None
    assert not any("他用无效" in ln["text"] or "复印无效" in ln["text"] for ln in page["lines"])


class _Counting:
    """The real engine, counting what the pipeline asks of it."""

    def __init__(self, engine, monkeypatch):
        self.inner, self.name, self.reads, self.detects, self.detections = engine, engine.name, 0, 0, 0
        original = engine._detect_and_crop

        def counted(*args):
            self.detections += 1
            return original(*args)

        monkeypatch.setattr(engine, "_detect_and_crop", counted)

    def detect(self, image):
        self.detects += 1
        return self.inner.detect(image)

    def read(self, image):
        self.reads += 1
        return self.inner.read(image)


@pytest.mark.slow
def test_a_watermarked_page_is_read_once_and_a_clean_page_detected_once(engine, monkeypatch):
    from verifiers.documents.pipeline import read_document

    data, media, truth = _sample("business_licence__watermark")
    counting = _Counting(engine, monkeypatch)
    reading = read_document(data, media, engine=counting)
    # the mark seen in the boxes: the page recognised once, already lifted
    assert (counting.detects, counting.reads, counting.detections) == (1, 1, 2)
    assert reading.pages[0].overlay["level"] is not None
    assert _values(reading.fields)["name"] == truth["fields"]["name"]
    data, media, _ = _sample("business_licence__clean")
    counting = _Counting(engine, monkeypatch)
    reading = read_document(data, media, engine=counting)
    # no mark: the reading uses the detection the check made
    assert (counting.detects, counting.reads, counting.detections) == (1, 1, 1)
    assert reading.pages[0].overlay is None


@pytest.mark.slow
def test_a_sheet_with_two_documents_gives_each_its_type_and_fields(engine):
    reading, truth = _read("device_business_licence__two-up", engine, type_hint="business_licence")
    assert [d.type for d in reading.documents] == [d["type"] for d in truth["documents"]]
    assert reading.type == "business_licence"  # the one the upload was for
    for document, expected in zip(reading.documents, truth["documents"]):
        got = _values(document.fields)
        for field in ("name", "uscc"):
            assert got[field] == expected["fields"][field]
        assert document.region is not None
    assert reading.documents[0].fields["number"].value == truth["documents"][0]["fields"]["number"]
    assert reading.ocr_dict()["documents"][1]["type"] == "business_licence"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["business_licence__screenshot", "registration_certificate__query-screenshot"])
def test_screenshots_of_e_certificates_and_query_pages(name, engine):
    reading, truth = _read(name, engine)
    assert reading.type == truth["type"] and not reading.documents
    got = _values(reading.fields)
    # (product_name is left out: on the query page's sans font the detector misses a leading 一,
    # "一次性使用…" reads "次性使用…"; docs/ocr.md lists it)
    for field in ("uscc", "name", "number", "registrant", "address"):
        if field in truth["fields"]:
            assert "".join(str(got.get(field)).split()) == "".join(str(truth["fields"][field]).split()), field


@pytest.mark.slow
def test_the_qr_code_of_a_licence_is_read_and_an_altered_copy_shows(engine):
    reading, truth = _read("tampered__business_licence__clean", engine)
    printed, encoded = reading.fields["uscc"].value, reading.fields["qr_uscc"].value
    assert printed == truth["fields"]["uscc"] and encoded == truth["source"]["uscc"] and printed != encoded
    assert reading.ocr_dict()["pages"][0]["codes"][0]["uscc"] == encoded
    honest, truth = _read("business_licence__clean", engine)
    assert honest.fields["qr_uscc"].value == honest.fields["uscc"].value == truth["fields"]["uscc"]


def test_qr_codes_decode_on_a_phone_photo():
    from verifiers.documents.intake import load_pages

    data, media, truth = _sample("business_licence__photo")
    [page] = load_pages(data, media)
    codes = read_codes(np.asarray(page.image))
    assert [c.uscc for c in codes] == [truth["source"]["uscc"]]


def test_recognition_batches_hold_fewer_crops_where_they_are_wide():
    from verifiers.documents.ocr.rapid import _Recogniser

    class Rec:  # what _Recogniser reads of RapidOCR's recogniser before any batch is run
        postprocess_op = type("P", (), {"character": ["blank", "a"]})()

    recogniser = _Recogniser(Rec(), batch=6, width=96)
    ratios = [4.0] * 7 + [20.0, 30.0, 40.0, 45.0]
    batches = recogniser._batches(list(range(len(ratios))), ratios, 320 / 48)
    # six narrow crops; then the seventh with the 20 and the 30 (3 x 30 <= 96); the 40 and the 45 (2 x 45)
    assert batches == [[0, 1, 2, 3, 4, 5], [6, 7, 8], [9, 10]]
    # without a cap: batches of 6 whatever the width (RapidOCR's own)
    assert [len(b) for b in _Recogniser(Rec(), batch=6)._batches(list(range(len(ratios))), ratios, 320 / 48)] == [6, 5]


def test_the_heap_is_compacted_where_glibc_allows():
    from verifiers.documents.ocr.rapid import compact_heap

    assert compact_heap() in (True, False)  # never raises; True on glibc
    import platform

    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert compact_heap() is True
