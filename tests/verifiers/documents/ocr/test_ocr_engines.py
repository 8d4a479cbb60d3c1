"""Both OCR engines read a rendered licence page; neither ever downloads a model."""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from verifiers.documents.ocr import create_engine

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


def test_unknown_engine():
    with pytest.raises(ValueError, match="unknown OCR engine"):
        create_engine("tesseract")


