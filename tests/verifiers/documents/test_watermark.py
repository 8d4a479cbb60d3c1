"""Watermarks across a copy: found as several lines at one angle off the page, lifted to paper
while the print stays."""
import numpy as np
import pytest

from verifiers.documents.model import Line
from verifiers.documents.watermark import drop_overlay_lines, find_overlay, flatten, lift_overlay, line_angle


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


def test_lifting_turns_the_mark_to_paper_and_keeps_print():
    page = np.full((60, 80, 3), 250, np.uint8)
    page[10:50, 5:15] = 30  # print
    page[10:50, 30:40] = 190  # a grey mark's stroke
    page[10:50, 55:65] = (150, 190, 250)  # a light blue mark's stroke
    flat = flatten(page)
    lifted = lift_overlay(flat, 185)
    assert lifted[30, 10, 0] < 60
    assert lifted[30, 35, 0] == 255 and lifted[30, 60, 0] == 255
