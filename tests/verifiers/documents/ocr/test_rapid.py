"""The default engine (RapidOCR on PP-OCR ONNX models): never downloads a model, reads rare name
characters with its second recogniser, batches wide crops, gives memory back."""
from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from PIL import Image

from verifiers.documents.ocr import OcrModelMissing, create_engine


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


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


@pytest.mark.slow
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
