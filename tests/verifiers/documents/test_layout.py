"""Labels and their values on a page: beside the label, in the cell to its right, or beneath it."""
from __future__ import annotations

from tests.verifiers.documents.helpers import line, page
from verifiers.documents.layout import (compact, continuation, find_segments, label_pattern, reading_order,
                                        row_neighbours, union)
from verifiers.documents.model import Line


def test_compact_drops_ascii_and_ideographic_spaces():
    assert compact("住 \u3000所： 广州市") == "住所：广州市"


def test_union_covers_every_box_and_none_of_nothing():
    assert union([(10, 20, 30, 40), (5, 25, 50, 35)]) == (5, 20, 50, 40)
    assert union([]) is None


def test_reading_order_is_rows_top_to_bottom_then_left_to_right():
    right, left, below = line("右", 600, 0), line("左", 100, 0), line("下", 100, 1)
    assert [ln.text for ln in reading_order([below, right, left])] == ["左", "右", "下"]


def test_reading_order_keeps_a_tilted_photo_row_together():
    # A phone photo tilts each row: boxes drift down to the right by a tenth of their run.
    def tilted(text, x0, row):
        y0 = 40 + row * 50 + x0 * 0.1
        return Line(text, 0.95, (x0, y0, x0 + 400, y0 + 30 + 40), quad=((x0, y0), (x0 + 400, y0 + 40),
                                                                       (x0 + 400, y0 + 70), (x0, y0 + 30)))
    lines = [tilted("名称", 100, 0), tilted("某某医疗器械有限公司", 520, 0), tilted("住所", 100, 1),
             tilted("广州市天河区", 520, 1)]
    assert [ln.text for ln in reading_order(lines)] == ["名称", "某某医疗器械有限公司", "住所", "广州市天河区"]


def test_a_value_on_the_labels_own_line_after_a_separator():
    segments = find_segments(page(line("法定代表人：张三", 100, 0)), ["法定代表人"])
    assert [(s.label, s.value) for s in segments] == [("法定代表人", "张三")]
    assert segments[0].box[0] > segments[0].label_box[2] - 1  # the value's box starts after the label's


def test_two_fields_on_one_line_are_split_at_the_second_label():
    segments = find_segments(page(line("法定代表人：张三 企业负责人：李四", 100, 0)), ["法定代表人", "企业负责人"])
    assert [(s.label, s.value) for s in segments] == [("法定代表人", "张三"), ("企业负责人", "李四")]


def test_a_value_in_the_cell_to_the_right_of_the_label():
    segments = find_segments(page(line("统一社会信用代码", 100, 0), line("91440101MA5CXXXX0X", 500, 0)),
                             ["统一社会信用代码"])
    assert [(s.label, s.value) for s in segments] == [("统一社会信用代码", "91440101MA5CXXXX0X")]


def test_a_value_printed_beneath_its_label():
    segments = find_segments(page(line("发证部门", 100, 0), line("广州市市场监督管理局", 100, 1)), ["发证部门"])
    assert segments[0].value == "广州市市场监督管理局"


def test_a_letter_spaced_label_is_still_a_label():
    assert label_pattern(["住所"]).match("住 所：广州市").group(1) == "住 所"
    assert label_pattern(["住所"]).match("住☑所 广州市").group(1) == "住☑所"
    segments = find_segments(page(line("住  所", 100, 0), line("广州市天河区珠江新城", 500, 0)), ["住所"])
    assert segments[0].label == "住所" and segments[0].value == "广州市天河区珠江新城"


def test_longer_labels_win_over_their_tails():
    segments = find_segments(page(line("注册人名称：某某科技有限公司", 100, 0)), ["名称", "注册人名称"])
    assert [(s.label, s.value) for s in segments] == [("注册人名称", "某某科技有限公司")]


def test_a_label_with_nothing_after_it_is_found_empty():
    segments = find_segments(page(line("备注", 100, 0)), ["备注"])
    assert [(s.label, s.value, s.box) for s in segments] == [("备注", "", None)]


def test_row_neighbours_are_to_the_right_nearest_first():
    label, far, near, other_row = (line("住所", 100, 0), line("远", 900, 0), line("近", 500, 0), line("下", 500, 1))
    assert [ln.text for ln in row_neighbours(page(label, far, near, other_row), label)] == ["近", "远"]


def test_continuation_joins_wrapped_lines_and_stops_at_the_next_field():
    p = page(line("住所", 100, 0), line("广州市天河区珠江新城", 500, 0), line("花城大道18号", 500, 1),
             line("经营方式", 100, 2), line("批零兼营", 500, 2))
    segment = find_segments(p, ["住所"], ["经营方式"])[0]
    longer = continuation(p, segment, label_pattern(["经营方式"]))
    assert longer.value == "广州市天河区珠江新城花城大道18号"
    assert longer.box == union([segment.box, p.lines[2].box])
