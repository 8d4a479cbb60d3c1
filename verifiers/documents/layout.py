"""Finding label/value pairs in recognised lines.

Certificates print fields three ways: ``标签：值`` on one line; a table with the label
in one cell and the value in the cell to its right (OCR returns separate boxes on one
row); or the value under its label (the credit code on a landscape 营业执照). Long
values (addresses, scopes, model lists) wrap onto further lines in the value's column.
Labels are often letter-spaced (``名　　称``), and OCR may drop or double the colon.

Phone photos are rarely level: a few degrees of tilt put a table's value cell half a
line below its label. Rows are therefore compared on levelled coordinates, using the
slope of the text lines themselves.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from verifiers.documents.model import Box, Line, Page

_SPACES = re.compile(r"[\s\u3000]+")
SEPARATORS = "：:;；|丨"
#: Text made of Chinese words ending in a colon is a label, even one we do not know.
_ENDS_AS_LABEL = re.compile(r"^[\u4e00-\u9fff（）()、/]{2,16}[：:]")


def compact(text: str) -> str:
    return _SPACES.sub("", text)


@dataclass
class Segment:
    """A label found on a page, and the value text that follows it."""

    label: str
    value: str
    confidence: float
    page: int
    box: Box | None  # the value's box
    line: Line | None = None  # the (last) line the value was read from
    label_box: Box | None = None  # where the label itself is printed


class Geometry:
    """Levelled row positions for one page's lines."""

    def __init__(self, lines: list[Line]):
        slopes = [ln.slope for ln in lines if ln.slope is not None and (ln.x1 - ln.x0) > 3 * ln.height]
        self.slope = statistics.median(slopes) if len(slopes) >= 3 else 0.0
        heights = sorted(self.height(ln) for ln in lines) or [10.0]
        self.line_h = max(heights[len(heights) // 2], 1.0)

    def height(self, line: Line) -> float:
        # An axis-aligned box around a tilted line is taller than the text by its run.
        return max(line.height - abs(self.slope) * (line.x1 - line.x0), line.height * 0.3)

    def y(self, line: Line) -> float:
        return line.cy - line.cx * self.slope

    def top(self, line: Line) -> float:
        return self.y(line) - self.height(line) / 2

    def bottom(self, line: Line) -> float:
        return self.y(line) + self.height(line) / 2

    def same_row(self, a: Line, b: Line) -> bool:
        return abs(self.y(a) - self.y(b)) <= max(self.height(a), self.height(b)) * 0.6


def _advance(ch: str) -> float:
    # Printed width relative to a CJK character: Latin letters, digits and punctuation
    # are about half as wide.
    return 0.55 if ord(ch) < 0x2E80 or "\uff61" <= ch <= "\uff9f" else 1.0


def _sub_box(line: Line, start: int, end: int, total: int) -> Box:
    """The part of a line's box covering characters [start, end): exact where the text
    layer gave each character's edges, else estimated from character widths."""
    if line.char_x and len(line.char_x) == len(line.text) and start < end <= len(line.text):
        return (line.char_x[start][0], line.y0, line.char_x[end - 1][1], line.y1)
    widths = [_advance(ch) for ch in line.text]
    full = sum(widths)
    if total <= 0 or full <= 0:
        return line.box
    scale = (line.x1 - line.x0) / full
    return (line.x0 + sum(widths[:start]) * scale, line.y0, line.x0 + sum(widths[:end]) * scale, line.y1)


def union(boxes: list[Box]) -> Box | None:
    boxes = [b for b in boxes if b]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def reading_order(lines: list[Line], geometry: Geometry | None = None) -> list[Line]:
    """Lines sorted into (levelled) rows, then left to right."""
    if not lines:
        return []
    geometry = geometry or Geometry(lines)
    rows: list[list[Line]] = []
    for line in sorted(lines, key=geometry.y):
        if rows and abs(geometry.y(line) - sum(map(geometry.y, rows[-1])) / len(rows[-1])) <= geometry.line_h * 0.5:
            rows[-1].append(line)
        else:
            rows.append([line])
    return [ln for row in rows for ln in sorted(row, key=lambda ln: ln.x0)]


#: What recognisers with large dictionaries print for the gap of a letter-spaced label
#: (住☑所, 住·所): never part of a label, so allowed between its characters.
_GAP_MARKS = "☑☐□■▪●•·・°'\"`_~"
_NO_GAP_MARKS = str.maketrans("", "", _GAP_MARKS)


def label_pattern(labels: list[str]) -> re.Pattern:
    # Longest first so 注册人名称 wins over 名称; spaces (or a stray mark) may appear between
    # label characters.
    alternatives = sorted(set(labels), key=len, reverse=True)
    gap = f"[\\s\u3000]*[{re.escape(_GAP_MARKS)}]?[\\s\u3000]*"
    body = "|".join(gap.join(map(re.escape, label)) for label in alternatives)
    return re.compile(f"({body})[\\s\u3000]*[{SEPARATORS}]?[\\s\u3000]*")


def is_label(line: Line, any_label: re.Pattern) -> bool:
    text = compact(line.text)
    return bool(any_label.fullmatch(text) or _ENDS_AS_LABEL.match(text))


def _value_right_of(label_line: Line, lines: list[Line], any_label: re.Pattern, g: Geometry,
                    page_width: float) -> Line | None:
    """The nearest box on the label's row to its right, if close enough to be its cell
    (a table's value column can sit a quarter of the page away from short labels)."""
    # Boxes of a tight table, or of a photo taken at an angle, may overlap by up to a
    # character: what counts is lying to the right.
    candidates = [ln for ln in lines if ln is not label_line and g.same_row(ln, label_line)
                  and ln.x0 >= label_line.x1 - g.line_h and ln.cx > label_line.x1]
    if not candidates:
        return None
    nearest = min(candidates, key=lambda ln: ln.x0)
    if nearest.x0 - label_line.x1 > max(g.line_h * 12, page_width * 0.25) or is_label(nearest, any_label):
        return None
    return nearest


def _value_below(label_line: Line, lines: list[Line], any_label: re.Pattern, g: Geometry) -> Line | None:
    """The box just under the label, overlapping its column (values printed beneath)."""
    below = [ln for ln in lines if ln is not label_line and g.top(ln) >= g.bottom(label_line) - g.line_h * 0.3
             and g.top(ln) - g.bottom(label_line) < g.line_h * 1.2
             and ln.x0 < label_line.x1 and ln.x1 > label_line.x0]
    if not below:
        return None
    nearest = min(below, key=g.top)
    return None if is_label(nearest, any_label) else nearest


def _join_spaced_labels(lines: list[Line], labels: list[str], g: Geometry) -> list[Line]:
    """Letter-spaced labels (``名　　称``) often come back as one box per character: join
    neighbouring boxes on a row when together they spell a label."""
    wanted = {label for label in labels if len(label) >= 2}
    prefixes = {label[:i] for label in wanted for i in range(1, len(label))}
    ordered = reading_order(lines, g)
    out, i = [], 0
    while i < len(ordered):
        line = ordered[i]
        text = compact(line.text).rstrip(SEPARATORS)
        j, joined, parts = i, text, [line]
        while joined in prefixes and j + 1 < len(ordered):
            nxt = ordered[j + 1]
            if not g.same_row(line, nxt) or nxt.x0 - parts[-1].x1 > g.line_h * 3:
                break
            joined += compact(nxt.text)
            parts.append(nxt)
            j += 1
            if joined.rstrip(SEPARATORS) in wanted or any(joined.startswith(w) for w in wanted):
                break
        if len(parts) > 1 and (joined.rstrip(SEPARATORS) in wanted or any(joined.startswith(w) for w in wanted)):
            out.append(Line(text=joined, confidence=min(p.confidence for p in parts),
                            box=union([p.box for p in parts]), quad=line.quad))
            i = j + 1
            continue
        out.append(line)
        i += 1
    return out


def find_segments(page: Page, labels: list[str], stop_labels: list[str] | None = None) -> list[Segment]:
    """Every occurrence of a label at the start of a line (or further along it after a
    separator), with the value that follows it: on the same line, in the cell to its
    right, or beneath it."""
    pattern = label_pattern(labels)
    any_label = label_pattern(labels + (stop_labels or []))
    g = Geometry(page.lines)
    page = Page(number=page.number, width=page.width, height=page.height,
                lines=_join_spaced_labels(page.lines, labels + (stop_labels or []), g), source=page.source,
                rotation=page.rotation)
    segments: list[Segment] = []
    for line in reading_order(page.lines, g):
        text = line.text
        starts = [m for m in pattern.finditer(text)
                  if m.start() == 0 or text[m.start() - 1] in " \u3000" + SEPARATORS or
                  (m.end() > m.start() and text[m.end() - 1] in SEPARATORS)]
        for k, match in enumerate(starts):
            label = compact(match.group(1)).translate(_NO_GAP_MARKS)
            end = starts[k + 1].start() if k + 1 < len(starts) else len(text)
            value = text[match.end():end].strip(" \u3000" + SEPARATORS)
            label_box = _sub_box(line, match.start(), match.end(), len(text))
            if value:
                segments.append(Segment(label, value, line.confidence, page.number,
                                        _sub_box(line, match.end(), end, len(text)), line, label_box))
                continue
            cell = (_value_right_of(line, page.lines, any_label, g, page.width)
                    or _value_below(line, page.lines, any_label, g))
            if cell is not None:
                segments.append(Segment(label, cell.text.strip(" \u3000" + SEPARATORS),
                                        min(line.confidence, cell.confidence), page.number, cell.box, cell, label_box))
            else:
                segments.append(Segment(label, "", line.confidence, page.number, None, line, label_box))
    return segments


def row_neighbours(page: Page, line: Line) -> list[Line]:
    """The boxes to the right of ``line`` on its (levelled) row, nearest first."""
    g = Geometry(page.lines)
    return sorted((ln for ln in page.lines if ln is not line and g.same_row(ln, line) and ln.x0 >= line.x1 - 2),
                  key=lambda ln: ln.x0)


def continuation(page: Page, segment: Segment, stop: re.Pattern, max_lines: int = 4) -> Segment:
    """Extend a value with the lines wrapped beneath it in the same column, stopping at a
    row that starts another field: a label, or anything printed in the label's column
    (the label cell of the next table row). Lines further left belong to another column
    of a two-column form and do not stop it."""
    if segment.box is None or segment.line is None:
        return segment
    lines = page.lines
    g = Geometry(lines)
    value, boxes, conf = segment.value, [segment.box], segment.confidence
    column_x0, last = segment.box[0], segment.line
    for _ in range(max_lines):
        below = [ln for ln in lines if ln is not last and g.top(ln) >= g.bottom(last) - g.line_h * 0.4
                 and g.top(ln) - g.bottom(last) < g.line_h * 0.9 and abs(ln.x0 - column_x0) < g.line_h * 1.5]
        if not below:
            break
        nxt = min(below, key=g.top)
        label_x0, label_x1 = (segment.label_box[0], segment.label_box[2]) if segment.label_box else (0, column_x0)
        starts_field = any(g.same_row(ln, nxt) and ln.x1 <= column_x0 + g.line_h * 0.5
                           and ln.x1 > label_x0 - g.line_h and ln.x0 < label_x1 + g.line_h
                           for ln in lines if ln is not nxt)
        if starts_field or is_label(nxt, stop) or stop.match(compact(nxt.text)):
            break
        value += nxt.text.strip()
        boxes.append(nxt.box)
        conf = min(conf, nxt.confidence)
        last = nxt
    return Segment(segment.label, value, conf, segment.page, union(boxes), last, segment.label_box)
