"""Reading a page the right way up.

Phone photos and scans arrive turned by 90 or 180 degrees (EXIF is applied on intake,
but many files carry none). The first reading, as the page lies, tells which way:

- mostly upright boxes (taller than wide) mean the lines run vertically, so the page is
  turned a quarter. The recogniser turns tall crops a quarter anticlockwise before
  reading them, so if it still read them well the page is turned clockwise, otherwise
  anticlockwise;
- wide boxes read badly mean the page is upside down.

The page is then read once more the right way up. Only if that reading is poor too are
the remaining turns tried, keeping the best. An upright page costs one reading.
"""
from __future__ import annotations

import numpy as np

from verifiers.documents.model import Line
from verifiers.documents.ocr import OcrEngine

#: np.rot90 ``k`` (anticlockwise quarter turns) to try, in order, for each verdict.
_NEXT = {"quarter_clockwise": (1, 3, 2), "quarter_anticlockwise": (3, 1, 2), "upside_down": (2, 1, 3)}


def _wide(line: Line) -> bool:
    return (line.x1 - line.x0) > (line.y1 - line.y0)


def _mean_confidence(lines: list[Line]) -> float:
    chars = sum(len(ln.text) for ln in lines)
    return sum(ln.confidence * len(ln.text) for ln in lines) / max(chars, 1)


def _score(lines: list[Line]) -> float:
    """Confidence-weighted amount of text on horizontal lines: the right way up reads
    the most text, most surely, in rows."""
    return sum(len(ln.text) * ln.confidence ** 2 for ln in lines if _wide(ln))


def _is_upright(lines: list[Line]) -> bool:
    words = [ln for ln in lines if len(ln.text) >= 2]
    if len(words) < 3:
        return bool(lines) and _mean_confidence(lines) >= 0.85
    wide = sum(1 for ln in words if _wide(ln))
    return wide >= len(words) * 0.6 and _mean_confidence(words) >= 0.85


def _verdict(lines: list[Line]) -> str:
    words = [ln for ln in lines if len(ln.text) >= 2]
    tall = [ln for ln in words if not _wide(ln)]
    if len(tall) > len(words) / 2:
        return "quarter_clockwise" if _mean_confidence(tall) >= 0.8 else "quarter_anticlockwise"
    return "upside_down"


def read_upright(image: np.ndarray, engine: OcrEngine) -> tuple[list[Line], int, tuple[int, int]]:
    """Lines of the page read upright, the rotation applied (degrees anticlockwise),
    and the (width, height) of the image the boxes refer to."""
    lines = engine.read(image)
    # No text boxes at all: the detector finds text at any rotation, so turning won't help.
    if not lines or _is_upright(lines):
        return lines, 0, (image.shape[1], image.shape[0])
    best = (_score(lines), lines, 0, image)
    for k in _NEXT[_verdict(lines)]:
        turned = np.ascontiguousarray(np.rot90(image, k))
        candidate = engine.read(turned)
        if _score(candidate) > best[0]:
            best = (_score(candidate), candidate, 90 * k, turned)
        if _is_upright(candidate):
            break
    _, lines, rotation, used = best
    return lines, rotation, (used.shape[1], used.shape[0])
