"""Seeing through a platform's watermark.

Copies handed to a platform are marked "仅供××平台入驻审核使用 他用无效", the phrase
repeated in diagonal rows across the page in a light grey or colour. OCR then reads the
mark as lines of its own and, where a row crosses a field, reads the field wrongly or
not at all: a third of the names, representatives and dates were lost on such copies.

The first reading gives the mark away: several lines running at one angle, well off the
page's own lines. Two things are then done:

* **colour and contrast separation**: the page is turned to its lightest channel (a
  coloured mark, like a red seal, is nearly paper there), its lighting flattened, and the
  levels stretched so that everything as light as the mark's strokes becomes paper while
  print, far darker, stays dark. The page is read again.
* **line filtering**: lines still running at the mark's angle are dropped; where the
  mark is as dark as print and cannot be separated, this is all that is done.

The mark is looked for before anything is recognised, in the detector's text boxes (an
engine with ``detect``): a marked page is then read once, already lifted. A page without a
mark costs nothing beyond looking at the angles of its boxes (the detection is reused for
its reading). Where the boxes do not show the mark, the first reading's lines still can, and
the page is read a second time as before.
"""
from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass

import numpy as np

from verifiers.documents.model import Line

#: A watermark line runs at least this many degrees off the page's own lines...
MIN_ANGLE = 12.0
#: ...and a mark is this many such lines (of at least MIN_CHARS characters) at one angle.
MIN_LINES = 3
MIN_CHARS = 4
#: Lines within this many degrees of the mark's angle are the mark's.
TOLERANCE = 7.0
#: The mark's strokes must be at least this much lighter than print (0-255, after the
#: lighting is flattened) for the two to be separated by level.
MIN_GAP = 45
#: Print at its core is darker than this; the mark is looked for above it.
INK_LEVEL = 110

_SPACES = re.compile(r"\s+")


@dataclass
class Overlay:
    """A watermark found on a page: its angle (degrees, image coordinates, clockwise
    positive), the lines of the first reading that were its, and the level above which
    the page was turned to paper (None when the mark was too dark to separate)."""

    angle: float
    lines: int
    level: int | None = None
    dropped: int = 0

    def as_dict(self) -> dict:
        return {"angle": round(self.angle, 1), "lines": self.lines, "level": self.level, "dropped": self.dropped}


def line_angle(line: Line) -> float | None:
    """The direction of a line's longer side, in degrees within (-90, 90]; None without corners."""
    if not line.quad or len(line.quad) < 4:
        return None
    (x0, y0), (x1, y1), (x2, y2) = line.quad[0], line.quad[1], line.quad[2]
    top = math.hypot(x1 - x0, y1 - y0)
    side = math.hypot(x2 - x1, y2 - y1)
    dx, dy = (x1 - x0, y1 - y0) if top >= side else (x2 - x1, y2 - y1)
    if dx == 0 and dy == 0:
        return None
    angle = math.degrees(math.atan2(dy, dx))
    if angle <= -90:
        angle += 180
    elif angle > 90:
        angle -= 180
    return angle


def _difference(a: float, b: float) -> float:
    d = abs(a - b) % 180
    return min(d, 180 - d)


def page_skew(lines: list[Line]) -> float:
    """The angle of the page's own text: the median of its nearly level lines."""
    level = [a for ln in lines if (a := line_angle(ln)) is not None and abs(a) < MIN_ANGLE]
    return statistics.median(level) if level else 0.0


def find_overlay(lines: list[Line]) -> Overlay | None:
    """The watermark the lines show, if any: at least MIN_LINES lines of MIN_CHARS or more
    characters running at one angle, MIN_ANGLE or more off the page's own lines."""
    skew = page_skew(lines)
    return _common_angle([a for ln in lines if (a := line_angle(ln)) is not None
                          and _difference(a, skew) >= MIN_ANGLE and len(_SPACES.sub("", ln.text)) >= MIN_CHARS])


def box_lines(quads) -> list[Line]:
    """A detector's text boxes (four corners each, clockwise from top-left) as lines without text."""
    out = []
    for quad in quads:
        pts = tuple((float(x), float(y)) for x, y in quad)
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        out.append(Line(text="", confidence=0.0, box=(min(xs), min(ys), max(xs), max(ys)), quad=pts))
    return out


def _elongation(line: Line) -> float:
    (x0, y0), (x1, y1), (x2, y2) = line.quad[0], line.quad[1], line.quad[2]
    a, b = math.hypot(x1 - x0, y1 - y0), math.hypot(x2 - x1, y2 - y1)
    return max(a, b) / max(min(a, b), 1.0)


def sense_overlay(boxes: list[Line]) -> Overlay | None:
    """The watermark the detector's boxes show, before anything is recognised: the test of
    :func:`find_overlay` with a box's length (MIN_CHARS character heights, less the
    detector's margin) for its characters. The page's own direction is that of most of its
    boxes, level or upright, so a page lying turned a quarter is not taken for a mark."""
    angled = [(a, ln) for ln in boxes if (a := line_angle(ln)) is not None and _elongation(ln) >= MIN_CHARS - 0.5]
    level = [a for a, _ in angled if abs(a) < MIN_ANGLE]
    upright = [a for a, _ in angled if abs(a) > 90 - MIN_ANGLE]
    if len(upright) > len(level):
        skew = statistics.median(a if a > 0 else a + 180 for a in upright)
    else:
        skew = statistics.median(level) if level else 0.0
    return _common_angle([a for a, _ in angled if _difference(a, skew) >= MIN_ANGLE
                          and _difference(a, skew + 90) >= MIN_ANGLE])


def _common_angle(angled: list[float]) -> Overlay | None:
    if len(angled) < MIN_LINES:
        return None
    # the angle most of them share
    best = max(angled, key=lambda a: sum(1 for b in angled if _difference(a, b) <= TOLERANCE / 2))
    members = [a for a in angled if _difference(a, best) <= TOLERANCE / 2]
    if len(members) < MIN_LINES:
        return None
    return Overlay(angle=statistics.median(members), lines=len(members))


def turned(overlay: Overlay, rotation: int) -> Overlay:
    """The overlay as it lies on the page turned ``rotation`` degrees anticlockwise."""
    angle = overlay.angle - rotation
    while angle <= -90:
        angle += 180
    while angle > 90:
        angle -= 180
    return Overlay(angle=angle, lines=overlay.lines, level=overlay.level, dropped=overlay.dropped)


def is_overlay_line(line: Line, overlay: Overlay) -> bool:
    angle = line_angle(line)
    return angle is not None and _difference(angle, overlay.angle) <= TOLERANCE


def drop_overlay_lines(lines: list[Line], overlay: Overlay) -> list[Line]:
    kept = [ln for ln in lines if not is_overlay_line(ln, overlay)]
    overlay.dropped += len(lines) - len(kept)
    return kept


def flatten(image: np.ndarray) -> np.ndarray:
    """The page's lightest channel (coloured ink is nearly paper there) divided by its
    local paper level, so that uneven light on a photo does not shift the levels."""
    import cv2

    from verifiers.documents.qr import lightest_channel

    light = lightest_channel(image)
    # paper level: the brightest pixel nearby (text strokes are thinner than the window),
    # taken on a quarter-size copy for speed and smoothed
    small = cv2.resize(light, (max(1, light.shape[1] // 4), max(1, light.shape[0] // 4)),
                       interpolation=cv2.INTER_AREA)
    paper = cv2.dilate(small, np.ones((9, 9), np.uint8))
    paper = cv2.GaussianBlur(paper, (0, 0), 4)
    paper = cv2.resize(paper, (light.shape[1], light.shape[0]), interpolation=cv2.INTER_LINEAR)
    return np.clip(light.astype(np.float32) * 255.0 / np.maximum(paper, 64), 0, 255).astype(np.uint8)


def mark_level(flat: np.ndarray, lines: list[Line], overlay: Overlay) -> int | None:
    """The level of the mark's strokes: the commonest shade under its lines, between
    print and paper; None when the mark is not clearly lighter than print."""
    values = []
    height, width = flat.shape[:2]
    for line in lines:
        if not is_overlay_line(line, overlay):
            continue
        x0, y0, x1, y1 = (int(max(0, line.x0)), int(max(0, line.y0)), int(min(width, line.x1)),
                          int(min(height, line.y1)))
        if x1 > x0 and y1 > y0:
            values.append(flat[y0:y1:2, x0:x1:2].ravel())
    if not values:
        return None
    pixels = np.concatenate(values)
    shades = pixels[(pixels > INK_LEVEL - 30) & (pixels < 240)]
    if shades.size < 200:
        return None
    counts = np.bincount(shades, minlength=256).astype(np.float32)
    counts = np.convolve(counts, np.ones(9, np.float32) / 9, mode="same")
    mode = int(counts.argmax())
    # the darker edge of the stroke distribution: a tenth of the mark's pixels are darker
    strokes = shades[shades >= mode - 40]
    level = int(np.percentile(strokes, 10)) if strokes.size else mode
    if level - INK_LEVEL < MIN_GAP - 30 or mode < INK_LEVEL:
        return None
    return level


def lift_overlay(flat: np.ndarray, level: int) -> np.ndarray:
    """Levels stretched so that ``level`` and lighter is paper; print keeps its shape."""
    white = max(level - 8, INK_LEVEL)
    out = np.clip(flat.astype(np.float32) * (255.0 / white), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(np.stack([out, out, out], axis=-1))
