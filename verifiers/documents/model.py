"""The plain data that flows through document reading."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class DocumentStatus(StrEnum):
    """Where an uploaded document is: presigned and not yet confirmed, being read, read, or
    given up on (with a reason)."""

    AWAITING_UPLOAD = "awaiting_upload"
    PROCESSING = "processing"
    PROCESSED = "processed"
    FAILED = "failed"

#: [x0, y0, x1, y1] in page coordinates (pixels for images, points for PDF text layers).
Box = tuple[float, float, float, float]


@dataclass
class Line:
    """One line of text as read, with where it was and how sure the reader is."""

    text: str
    confidence: float
    box: Box
    #: The four corners as read (clockwise from top-left), when the engine gives them;
    #: their slope tells the page's skew (phone photos are seldom level).
    quad: tuple[tuple[float, float], ...] | None = None
    #: Left and right edge of each character, when known exactly (PDF text layers).
    char_x: tuple[tuple[float, float], ...] | None = None

    @property
    def cx(self) -> float:
        return (self.box[0] + self.box[2]) / 2

    @property
    def slope(self) -> float | None:
        """dy/dx along the top edge, from the quad; None without one."""
        if not self.quad or len(self.quad) < 2:
            return None
        (x0, y0), (x1, y1) = self.quad[0], self.quad[1]
        return (y1 - y0) / (x1 - x0) if x1 - x0 > 1 else None

    @property
    def x0(self) -> float:
        return self.box[0]

    @property
    def y0(self) -> float:
        return self.box[1]

    @property
    def x1(self) -> float:
        return self.box[2]

    @property
    def y1(self) -> float:
        return self.box[3]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def cy(self) -> float:
        return (self.box[1] + self.box[3]) / 2


@dataclass
class Page:
    number: int  # 1-based
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    source: str = "ocr"  # "ocr" or "text_layer"
    rotation: int = 0  # degrees the image was turned to read upright
    #: A platform watermark seen over the page and read through (watermark.Overlay.as_dict()).
    overlay: dict | None = None
    #: QR codes decoded on the page (verifiers.documents.qr.Code.as_dict()), on licences.
    codes: list[dict] | None = None
    #: Where on the page this document lies, when the page holds several (split.py).
    region: Box | None = None

    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass
class Field:
    """An extracted field (design §4): normalised value, confidence, page and box."""

    value: Any
    confidence: float
    page: int | None
    box: Box | None
    raw: str | None = None
    valid: bool = True
    problem: dict | None = None  # {"code", "message"} when the value failed validation
    corrections: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        out = {"value": self.value, "raw": self.raw, "confidence": round(self.confidence, 4), "page": self.page,
               "box": [round(v, 1) for v in self.box] if self.box else None, "valid": self.valid}
        if self.problem:
            out["problem"] = self.problem
        if self.corrections:
            out["corrections"] = self.corrections
        return out


@dataclass
class Document:
    """One of several documents found on a file's pages (verifiers.documents.split)."""

    page: int
    region: Box | None
    type: str | None
    type_confidence: float
    fields: dict[str, Field]

    def as_dict(self) -> dict:
        return {"page": self.page, "region": [round(v, 1) for v in self.region] if self.region else None,
                "type": self.type, "type_confidence": self.type_confidence,
                "fields": {name: f.as_dict() for name, f in self.fields.items()}}


@dataclass
class Reading:
    """Everything read from one document."""

    pages: list[Page]
    type: str | None
    type_confidence: float
    fields: dict[str, Field]
    engine: str | None = None
    #: Every document found when the file holds more than one (the reading's own type and
    #: fields are one of them); empty for a file holding one document.
    documents: list[Document] = field(default_factory=list)

    def fields_dict(self) -> dict:
        return {name: f.as_dict() for name, f in self.fields.items()}

    def ocr_dict(self) -> dict:
        return {"engine": self.engine, "pages": [
            {"page": p.number, "width": p.width, "height": p.height, "source": p.source, "rotation": p.rotation,
             **({"overlay": p.overlay} if p.overlay else {}), **({"codes": p.codes} if p.codes else {}),
             "lines": [{"text": ln.text, "confidence": round(ln.confidence, 4), "box": [round(v, 1) for v in ln.box]}
                       for ln in p.lines]} for p in self.pages],
            **({"documents": [d.as_dict() for d in self.documents]} if self.documents else {})}


class DocumentError(Exception):
    """A document that cannot be read; ``code`` is stable, messages are zh and en."""

    def __init__(self, code: str, zh: str, en: str):
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.zh, "message_en": self.en}
