"""Reading a page the right way up.

Phone photos and scans arrive turned by 90 or 180 degrees (EXIF is applied on intake,
but many files carry none). Reading the page as-is and judging the result is cheap
when it is upright, the common case; only when the text looks wrong are the other
rotations tried, and the best-scoring reading wins.
"""
from __future__ import annotations

import numpy as np

from verifiers.documents.model import Line
from verifiers.documents.ocr import OcrEngine


def _score(lines: list[Line]) -> float:
    """Confidence-weighted amount of text: wrong rotations read little, and badly."""
    return sum(len(ln.text) * ln.confidence ** 2 for ln in lines)


def _is_confident(lines: list[Line], image: np.ndarray) -> bool:
    if not lines:
        return False
    chars = sum(len(ln.text) for ln in lines)
    mean_conf = sum(ln.confidence * len(ln.text) for ln in lines) / max(chars, 1)
    wide = sum(1 for ln in lines if (ln.x1 - ln.x0) > 1.5 * (ln.y1 - ln.y0))
    return chars >= 20 and mean_conf >= 0.85 and wide >= len(lines) * 0.6


def read_upright(image: np.ndarray, engine: OcrEngine) -> tuple[list[Line], int, tuple[int, int]]:
    """Lines of the page read upright, the rotation applied (degrees counter-clockwise),
    and the (width, height) of the image the boxes refer to."""
    lines = engine.read(image)
    # No text boxes at all: the detector finds text at any rotation, so turning won't help.
    if not lines or _is_confident(lines, image):
        return lines, 0, (image.shape[1], image.shape[0])
    best = (_score(lines), lines, 0, image)
    for k in (1, 2, 3):
        turned = np.ascontiguousarray(np.rot90(image, k))
        candidate = engine.read(turned)
        score = _score(candidate)
        if score > best[0]:
            best = (score, candidate, 90 * k, turned)
        if _is_confident(candidate, turned) and score >= best[0]:
            break
    _, lines, rotation, used = best
    return lines, rotation, (used.shape[1], used.shape[0])
