"""Pages built line by line, as a reader would return them, for the document-reading units."""
from __future__ import annotations

from verifiers.documents.model import Line, Page

ROW_H = 30.0


def line(text: str, x0: float, row: int, width: float | None = None, confidence: float = 0.98) -> Line:
    """A horizontal line of text whose box grows with its length (20 px a character)."""
    y0 = 40.0 + row * 50.0
    width = width if width is not None else 20.0 * len(text)
    return Line(text=text, confidence=confidence, box=(x0, y0, x0 + width, y0 + ROW_H))


def page(*lines: Line, width: float = 1200.0, height: float = 1600.0) -> Page:
    return Page(number=1, width=width, height=height, lines=list(lines))
