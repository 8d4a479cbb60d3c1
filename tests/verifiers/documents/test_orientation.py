"""Pages read the right way up: an upright page costs one reading; a turned one is turned back."""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from verifiers.documents.model import Line
from verifiers.documents.orientation import read_upright

SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "documents" / "set" / "device_business_licence__clean"


def wide(text, row, confidence=0.97):
    return Line(text, confidence, (100, 50 * row, 100 + 20 * len(text), 50 * row + 30))


def tall(text, col, confidence):
    return Line(text, confidence, (50 * col, 100, 50 * col + 30, 100 + 20 * len(text)))


class ScriptedEngine:
    """Answers each reading by how far the image lies from upright.

    Stands in for the recogniser only to show which turns are tried and in what order; the
    real recogniser reads a turned page in the last test. The test image marks its upright
    top-left corner, so the engine knows how far any turn of it lies from upright."""

    name = "scripted"

    def __init__(self, as_read: dict):
        self.as_read = as_read  # quarter turns (np.rot90 k) still needed -> lines read
        self.readings: list[int] = []

    def read(self, image):
        k = next(k for k in range(4) if np.rot90(image, k)[0, 0] == 1)
        self.readings.append(k)
        return UPRIGHT if k == 0 else self.as_read.get(k, [wide("乱码", 1, 0.2)])


def page_turned(k: int):
    """A 4x6 upright page with its top-left corner marked, turned k quarters anticlockwise."""
    upright = np.zeros((4, 6), dtype=np.uint8)
    upright[0, 0] = 1
    return np.ascontiguousarray(np.rot90(upright, k))


UPRIGHT = [wide("医疗器械经营许可证", 1), wide("许可证编号：粤穗食药监械经营许20190123号", 2), wide("企业名称：某某公司", 3)]


def test_an_upright_page_is_read_once():
    engine = ScriptedEngine({})
    lines, rotation, size = read_upright(page_turned(0), engine)
    assert (lines, rotation, size) == (UPRIGHT, 0, (6, 4)) and engine.readings == [0]


def test_a_page_turned_clockwise_is_turned_back_on_the_second_reading():
    # Tall boxes read well: the page lies a quarter clockwise; one anticlockwise quarter rights it.
    as_read = [tall("医疗器械经营许可证", 1, 0.93), tall("许可证编号粤穗食药监", 2, 0.9), tall("企业名称某某公司", 3, 0.92)]
    engine = ScriptedEngine({1: as_read})
    lines, rotation, size = read_upright(page_turned(-1), engine)
    assert lines == UPRIGHT and rotation == 90 and size == (6, 4)
    assert engine.readings == [1, 0]


def test_a_page_turned_anticlockwise_is_turned_back_on_the_second_reading():
    # Tall boxes read badly: the recogniser's own quarter turn made them worse, so anticlockwise.
    as_read = [tall("器械许可", 1, 0.4), tall("编号粤穗", 2, 0.35), tall("名称某某", 3, 0.3)]
    engine = ScriptedEngine({3: as_read})
    lines, rotation, _ = read_upright(page_turned(1), engine)
    assert lines == UPRIGHT and rotation == 270 and engine.readings == [3, 0]


def test_an_upside_down_page_tries_the_half_turn_first():
    garbled = [wide("号321", 1, 0.4), wide("证可许", 2, 0.5), wide("司公某", 3, 0.45)]
    engine = ScriptedEngine({2: garbled})
    lines, rotation, _ = read_upright(page_turned(2), engine)
    assert lines == UPRIGHT and rotation == 180 and engine.readings == [2, 0]


def test_a_page_with_no_text_is_not_turned():
    engine = ScriptedEngine({1: []})
    assert read_upright(page_turned(-1), engine)[:2] == ([], 0) and engine.readings == [1]


@pytest.mark.slow
def test_the_real_recogniser_reads_a_licence_photographed_sideways():
    from verifiers.documents.ocr import create_engine

    truth = json.loads(SAMPLE.with_suffix(".json").read_text(encoding="utf-8"))
    image = np.asarray(Image.open(SAMPLE.with_suffix(".png")).convert("RGB"))
    sideways = np.ascontiguousarray(np.rot90(image, -1))  # a quarter turn clockwise
    lines, rotation, size = read_upright(sideways, create_engine("rapidocr", threads=2))
    assert rotation == 90 and size == (image.shape[1], image.shape[0])
    text = "".join(unicodedata.normalize("NFKC", ln.text) for ln in lines).replace(" ", "")
    assert truth["fields"]["uscc"] in text
