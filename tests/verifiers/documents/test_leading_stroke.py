"""A value's leading 一, which the text detector tends to leave out of its box (issue 15:
regulator query-page screenshots read 一诺… as 诺…, 一陈志明 as 陈志明)."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from samples.documents.page import pil_font
from verifiers.documents.ocr.rapid import reach_leading_stroke

SIZE = 56  # px: a phone screenshot's text at a large font scale


def _canvas(text: str, x: int = 300, y: int = 100) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The text drawn on white, and the ink box of its first character."""
    canvas = Image.new("RGB", (1200, 260), "white")
    draw = ImageDraw.Draw(canvas)
    font = pil_font("sans", SIZE)
    draw.text((x, y), text, font=font, fill=(20, 20, 20))
    return np.asarray(canvas).copy(), draw.textbbox((x, y), text[0], font=font)


def _box(x0: float, x1: float, y0: float = 92.0, y1: float = 170.0) -> np.ndarray:
    """A detector's box (clockwise from top-left), with the margin it adds above and below."""
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)


def test_box_starting_after_a_leading_yi_is_widened_to_take_it_in():
    image, first = _canvas("一诺医疗器械有限公司")
    boxes = np.stack([_box(first[2] + 6, 900)])
    keep, widened = reach_leading_stroke(image, boxes)
    assert keep == [0] and widened == {0}
    assert boxes[0][0][0] < first[0] and boxes[0][3][0] < first[0]  # the bar is inside now
    assert boxes[0][0][0] > first[0] - SIZE  # and not much more
    assert boxes[0][1][0] == 900  # the right end is left alone


def test_box_starting_on_the_bar_is_widened():
    image, first = _canvas("一环路科学大道215号")
    boxes = np.stack([_box((first[0] + first[2]) / 2, 900)])
    keep, widened = reach_leading_stroke(image, boxes)
    assert keep == [0] and widened == {0} and boxes[0][0][0] < first[0]


def test_a_box_holding_the_bar_alone_is_dropped_into_its_neighbour():
    image, first = _canvas("一品广州瑞和医疗用品有限公司")
    boxes = np.stack([_box(first[0] - 12, first[2] + 12), _box(first[2] + 4, 1000)])
    keep, widened = reach_leading_stroke(image, boxes)
    assert keep == [1] and widened == {1}
    assert boxes[1][0][0] < first[0]


@pytest.mark.parametrize("text", ["二诺医疗器械", "三诺医疗器械", "诺医疗器械"])
def test_other_first_characters_leave_the_box_alone(text):
    image, first = _canvas(text)
    start = first[2] + 6 if text[0] in "二三" else first[0] - 6
    boxes = np.stack([_box(start, 900)])
    before = boxes.copy()
    assert reach_leading_stroke(image, boxes) == ([0], set())
    assert np.array_equal(boxes, before)


def test_a_form_rule_or_an_underline_is_not_a_character():
    image, _ = _canvas("诺医疗器械有限公司", x=400)
    draw = Image.fromarray(image)
    pen = ImageDraw.Draw(draw)
    pen.line([(40, 130), (385, 130)], fill=(20, 20, 20), width=3)  # a table's rule running into the cell
    ruled = np.asarray(draw)
    boxes = np.stack([_box(394, 950)])
    assert reach_leading_stroke(ruled, boxes) == ([0], set())
    image, _ = _canvas("诺医疗器械有限公司", x=400)
    draw = Image.fromarray(image)
    ImageDraw.Draw(draw).line([(345, 166), (385, 166)], fill=(20, 20, 20), width=3)  # low: an underline
    assert reach_leading_stroke(np.asarray(draw), np.stack([_box(394, 950)])) == ([0], set())


def test_default_engine_keeps_a_values_leading_yi():
    """End to end through the detector and recogniser: a query page's rows, label and value,
    on a phone-sized screen at a large font (the detector sees it scaled down, where without
    the widening it read 诺医疗器械, 陈志明 and -环路…)."""
    from verifiers.documents.ocr import create_engine

    canvas = Image.new("RGB", (1080, 2340), "white")
    draw = ImageDraw.Draw(canvas)
    font = pil_font("sans", 60)
    rows = [("企业名称", "一诺医疗器械"), ("法定代表人", "一陈志明"), ("企业负责人", "一林晓燕"),
            ("住所", "一环路科学大道215号"), ("产品名称", "一次性使用注射器")]
    for i, (label, value) in enumerate(rows):
        y = 300 + i * 144
        draw.line([(40, y - 30), (1040, y - 30)], fill=(230, 230, 230), width=2)  # the page's row rule
        draw.text((50, y), label, font=font, fill=(110, 110, 110))
        draw.text((480, y), value, font=font, fill=(20, 20, 20))
    texts = ["".join(line.text.split()) for line in create_engine("rapidocr").read(np.asarray(canvas))]
    assert [t for t in texts if t not in {label for label, _ in rows}] == [value for _, value in rows]
