"""More than one document on a page: two certificates copied onto one sheet.

Merchants photocopy a business licence and a licence onto one A4 sheet, one above the
other (or side by side), and upload the sheet as one file. Each is found by its title:
a row that spells a document type's full title (营业执照, 医疗器械经营许可证, ...) printed
larger than the text around it or standing alone on its row. With two or more such titles the page is cut between
them where the cut leaves each side the most labels of its own type (a licence's credit
code printed above its title stays with it), the widest gap winning a tie; each side is
then classified and read on its own. A page with one title, or whose sides would not
each carry their own labels (an app's title bar naming the certificate it shows), is
one document.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from verifiers.documents.classify import SIGNATURES
from verifiers.documents.layout import Geometry, compact, reading_order
from verifiers.documents.model import Line, Page

#: A type's full title, as printed at the head of the document (the first title pattern).
TITLES = {doc_type: re.compile(titles[0]) for doc_type, titles, _ in SIGNATURES}
LABELS = {doc_type: tuple(re.compile(label) for label in labels) for doc_type, _, labels in SIGNATURES}
#: A title is printed at least this much taller than the page's typical line.
TITLE_HEIGHT = 1.25
#: ...or stand alone on its row, with at most this many more characters (（副本）, 信息).
TITLE_EXTRA = 4
#: Each side of a cut must carry this many labels of its own type.
MIN_LABELS = 2


@dataclass
class Part:
    """One document found on a page: its lines and the region they cover (page coordinates)."""

    lines: list[Line]
    box: tuple[float, float, float, float]


def _rows(lines: list[Line]) -> list[list[Line]]:
    g = Geometry(lines)
    rows: list[list[Line]] = []
    for line in reading_order(lines, g):
        if rows and g.same_row(rows[-1][0], line):
            rows[-1].append(line)
        else:
            rows.append([line])
    return rows


def titles(lines: list[Line]) -> list[tuple[str, Line]]:
    """(type, a line of the title) for every title row on the page."""
    if not lines:
        return []
    typical = statistics.median(ln.height for ln in lines)
    found = []
    for row in (piece for whole in _rows(lines) for piece in _title_pieces(whole)):
        text = compact("".join(ln.text for ln in row))
        for doc_type, pattern in TITLES.items():
            match = pattern.search(text)
            if not match:
                continue
            # printed large, or alone on its row (a title box's height grows less than its type)
            tall = [ln for ln in row if ln.height >= typical * TITLE_HEIGHT]
            alone = len(text) - len(match.group(0)) <= TITLE_EXTRA and not re.search(r"\d", text)
            if tall or alone:
                found.append((doc_type, max(tall or row, key=lambda ln: ln.height)))
            break
    return found


def _title_count(lines: list[Line]) -> int:
    text = compact("".join(ln.text for ln in lines))
    return sum(1 for pattern in TITLES.values() if pattern.search(text))


def _title_pieces(row: list[Line]) -> list[list[Line]]:
    """The row, cut at its widest gaps until no piece holds two documents' titles. Copies side
    by side put both titles on one row; read whole, only the first title counted, and with the
    other's line, so such a sheet was never cut."""
    if _title_count(row) < 2:
        return [row]
    pieces, out = [sorted(row, key=lambda ln: ln.x0)], []
    while pieces:
        piece = pieces.pop(0)
        if len(piece) < 2 or _title_count(piece) < 2:
            out.append(piece)
            continue
        _, at = max((piece[i + 1].x0 - piece[i].x1, i) for i in range(len(piece) - 1))
        pieces[:0] = [piece[:at + 1], piece[at + 1:]]
    return out


def _label_hits(lines: list[Line], doc_type: str) -> int:
    text = compact("".join(ln.text for ln in lines))
    return sum(1 for label in LABELS[doc_type] if label.search(text))


def _best_type(lines: list[Line]) -> tuple[str | None, int]:
    heads = titles(lines)
    if not heads:
        return None, 0
    doc_type = heads[0][0]
    return doc_type, _label_hits(lines, doc_type)


def _cut(lines: list[Line], axis: int) -> tuple[int, float, list[Line], list[Line]] | None:
    """The best cut across ``axis`` (1: a horizontal line at some y; 0: a vertical one at
    some x) between title rows: (labels kept, gap, before, after), or None."""
    heads = sorted(titles(lines), key=lambda t: (t[1].box[axis] + t[1].box[axis + 2]) / 2)
    if len(heads) < 2:
        return None
    spans = sorted((ln.box[axis], ln.box[axis + 2]) for ln in lines)
    best = None
    for (_, a), (_, b) in zip(heads, heads[1:]):
        low, high = a.box[axis + 2], b.box[axis]
        if high <= low:
            continue  # titles overlap along this axis: not cut this way
        # gaps: stretches of [low, high] no line crosses
        reach = low
        gaps = []
        for start, end in spans:
            if end <= reach:
                continue
            if start > reach and start > low:
                gaps.append((reach, min(start, high)))
            reach = max(reach, end)
            if reach >= high:
                break
        for g0, g1 in gaps:
            if g1 <= g0:
                continue
            at = (g0 + g1) / 2
            before = [ln for ln in lines if (ln.box[axis] + ln.box[axis + 2]) / 2 < at]
            after = [ln for ln in lines if (ln.box[axis] + ln.box[axis + 2]) / 2 >= at]
            (ta, ha), (tb, hb) = _best_type(before), _best_type(after)
            if ta is None or tb is None or ha < MIN_LABELS or hb < MIN_LABELS:
                continue
            candidate = (ha + hb, g1 - g0, before, after)
            if best is None or candidate[:2] > best[:2]:
                best = candidate
    return best


def _extent(lines: list[Line]) -> tuple[float, float, float, float]:
    return (min(ln.x0 for ln in lines), min(ln.y0 for ln in lines), max(ln.x1 for ln in lines),
            max(ln.y1 for ln in lines))


def split_lines(lines: list[Line], depth: int = 0) -> list[Part]:
    """The documents on a page, in reading order (top to bottom, left to right)."""
    cuts = [c for c in (_cut(lines, 1), _cut(lines, 0)) if c is not None] if depth < 3 else []
    if not cuts:
        return [Part(lines, _extent(lines))] if lines else []
    _, _, before, after = max(cuts, key=lambda c: c[:2])
    return split_lines(before, depth + 1) + split_lines(after, depth + 1)


def split_page(page: Page) -> list[Page]:
    """The page as one page per document on it (the same page when it holds one); each
    part keeps the page's number and coordinates, and the QR codes that lie in it."""
    if page.source != "ocr":
        return [page]
    parts = split_lines(page.lines)
    if len(parts) < 2:
        return [page]
    out = []
    for part in parts:
        x0, y0, x1, y1 = part.box
        codes = [c for c in page.codes or () if x0 <= (c["box"][0] + c["box"][2]) / 2 <= x1
                 and y0 - (y1 - y0) * 0.1 <= (c["box"][1] + c["box"][3]) / 2 <= y1 + (y1 - y0) * 0.1]
        sub = Page(number=page.number, width=page.width, height=page.height, lines=part.lines, source=page.source,
                   rotation=page.rotation, overlay=page.overlay, codes=codes or None, region=part.box)
        out.append(sub)
    return out
