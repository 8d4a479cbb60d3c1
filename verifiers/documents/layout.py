"""Finding label/value pairs in recognised lines.

Certificates print fields as ``标签：值`` on one line, or as a table with the label in
one cell and the value in the next (OCR then returns separate boxes on one row), and
long values (addresses, scopes, model lists) wrap onto further lines. Labels are often
letter-spaced (``名　　称``), and OCR may drop or double the colon.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from verifiers.documents.model import Box, Line, Page

_SPACES = re.compile(r"[\s\u3000]+")
SEPARATORS = "：:;；|丨"


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
    line_index: int  # index of the label's line in the page's reading order


def _sub_box(line: Line, start: int, end: int, total: int) -> Box:
    """The part of a line's box covering characters [start, end) (proportional)."""
    if total <= 0:
        return line.box
    width = line.x1 - line.x0
    return (line.x0 + width * start / total, line.y0, line.x0 + width * end / total, line.y1)


def union(boxes: list[Box]) -> Box | None:
    boxes = [b for b in boxes if b]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def reading_order(lines: list[Line]) -> list[Line]:
    """Lines sorted into rows (vertical overlap) then left to right."""
    if not lines:
        return []
    heights = sorted(ln.height for ln in lines)
    tolerance = max(heights[len(heights) // 2] * 0.5, 1.0)
    ordered = sorted(lines, key=lambda ln: ln.cy)
    rows: list[list[Line]] = []
    for line in ordered:
        if rows and abs(line.cy - sum(ln.cy for ln in rows[-1]) / len(rows[-1])) <= tolerance:
            rows[-1].append(line)
        else:
            rows.append([line])
    return [ln for row in rows for ln in sorted(row, key=lambda ln: ln.x0)]


def label_pattern(labels: list[str]) -> re.Pattern:
    # Longest first so 注册人名称 wins over 名称; spaces may appear between label characters.
    alternatives = sorted(set(labels), key=len, reverse=True)
    body = "|".join("[\\s\u3000]*".join(map(re.escape, label)) for label in alternatives)
    return re.compile(f"({body})[\\s\u3000]*[{SEPARATORS}]?[\\s\u3000]*")


def find_segments(page: Page, labels: list[str], stop_labels: list[str] | None = None) -> list[Segment]:
    """Every occurrence of a label at the start of a line (or, after a separator,
    further along it), with the value that follows it.

    A label with nothing after it takes the next box on the same row; values continue
    onto the following lines that are not themselves labels and start at or right of
    the value's left edge (wrapped addresses, scopes and model lists).
    """
    pattern = label_pattern(labels)
    any_label = label_pattern(labels + (stop_labels or []))
    lines = reading_order(page.lines)
    segments: list[Segment] = []
    for i, line in enumerate(lines):
        text = line.text
        starts = [m for m in pattern.finditer(text)
                  if m.start() == 0 or text[m.start() - 1] in " \u3000" + SEPARATORS or
                  (m.end() > m.start() and text[m.end() - 1] in SEPARATORS)]
        for k, match in enumerate(starts):
            label = compact(match.group(1))
            end = starts[k + 1].start() if k + 1 < len(starts) else len(text)
            value = text[match.end():end].strip(" \u3000" + SEPARATORS)
            boxes = [_sub_box(line, match.end(), end, len(text))] if value else []
            confidences = [line.confidence]
            consumed = i
            if not value:
                # Table layout: the value is the next box on the same row.
                for j in range(i + 1, len(lines)):
                    nxt = lines[j]
                    if abs(nxt.cy - line.cy) > max(line.height, nxt.height) * 0.6:
                        break
                    if any_label.match(nxt.text) and not nxt.text.startswith(value):
                        break
                    value = nxt.text.strip(" \u3000" + SEPARATORS)
                    boxes.append(nxt.box)
                    confidences.append(nxt.confidence)
                    consumed = j
                    break
            segments.append(Segment(label=label, value=value, confidence=min(confidences), page=page.number,
                                    box=union(boxes), line_index=consumed))
    return segments


def continuation(page: Page, segment: Segment, stop: re.Pattern, max_lines: int = 4) -> Segment:
    """Extend a value with the wrapped lines below it."""
    lines = reading_order(page.lines)
    if segment.box is None:
        return segment
    x0, _, _, y1 = segment.box
    heights = sorted(ln.height for ln in lines) or [10.0]
    line_h = heights[len(heights) // 2]
    value, boxes, conf = segment.value, [segment.box], segment.confidence
    last_bottom = y1
    for nxt in lines[segment.line_index + 1:]:
        if len(boxes) > max_lines:
            break
        if nxt.y0 - last_bottom > line_h * 1.2:
            break
        if nxt.cy <= last_bottom - line_h * 0.3:
            continue  # same row, to the right
        if stop.match(compact(nxt.text)):
            break
        if nxt.x0 < x0 - line_h * 1.5:
            break
        value += nxt.text.strip()
        boxes.append(nxt.box)
        conf = min(conf, nxt.confidence)
        last_bottom = nxt.y1
    return Segment(segment.label, value, conf, segment.page, union(boxes), segment.line_index)
