"""Watermarks across a copy: found as several lines at one angle off the page (a photo's own skew
allowed for), their level measured, lifted to paper while the print stays."""
import numpy as np
import pytest

from verifiers.documents.model import Line
from verifiers.documents.watermark import (INK_LEVEL, Overlay, box_lines, drop_overlay_lines, find_overlay, flatten,
                                          lift_overlay, line_angle, mark_level, page_skew, sense_overlay, turned)


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


def test_line_angles_from_the_longer_side():
    assert line_angle(level("名称", 0, 0)) == 0.0
    assert line_angle(angled("仅供审核", 0, 0, 45)) == pytest.approx(45)
    # text set vertically: the longer side runs down the page
    assert abs(line_angle(Line("竖排", 0.9, (0, 0, 30, 300), quad=((0, 0), (30, 0), (30, 300), (0, 300))))) == 90
    assert line_angle(Line("x", 0.9, (0, 0, 10, 10))) is None  # no corners
    assert line_angle(Line("x", 0.9, (0, 0, 0, 0), quad=((5, 5),) * 4)) is None  # no extent


def test_a_photos_own_skew_is_not_a_mark():
    tilted = [angled("名称：深圳市示例医疗器械有限公司", 100, 100 + 40 * i, 6) for i in range(8)]
    assert page_skew(tilted) == pytest.approx(6)
    assert find_overlay(tilted) is None
    assert page_skew([]) == 0.0
    marks = [angled("仅供京东平台入驻审核使用", 50 + 200 * i, 900, -24) for i in range(3)]
    assert find_overlay(tilted + marks).angle == pytest.approx(-24)
    # short scraps at an angle (a seal's ring letters) are no mark
    assert find_overlay(tilted + [angled("审核", 50 + 200 * i, 900, -24) for i in range(3)]) is None


def test_the_marks_level_lies_between_print_and_paper():
    marks = [angled("仅供京东平台入驻审核使用", 40, 60 + 120 * i, -30, length=300) for i in range(3)]
    overlay = Overlay(angle=-30, lines=3)
    flat = np.full((500, 400), 255, np.uint8)
    for line in marks:
        x0, y0, x1, y1 = (int(v) for v in line.box)
        flat[y0:y1, x0:x1:3] = 190  # the mark's strokes
    found = mark_level(flat, marks, overlay)
    assert found is not None and INK_LEVEL < found <= 190
    # a mark as dark as print cannot be told from it by level
    assert mark_level(np.where(flat == 190, 60, 255).astype(np.uint8), marks, overlay) is None
    # no line of the mark among the lines read
    assert mark_level(flat, [level("名称：示例", 0, 0)], overlay) is None


def test_an_overlay_as_stored():
    overlay = Overlay(angle=-29.96, lines=4, level=185)
    drop_overlay_lines([angled("仅供审核使用", 0, 0, -30), level("名称：示例", 0, 100)], overlay)
    assert overlay.as_dict() == {"angle": -30.0, "lines": 4, "level": 185, "dropped": 1}
