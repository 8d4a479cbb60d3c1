"""OCR engines behind one small interface.

An engine turns an upright page image (RGB numpy array) into :class:`Line` objects.
Engines load their models from installed packages only; nothing is downloaded: a missing
model file raises :class:`OcrModelMissing`.

Engines (setting ``OCR_ENGINE``; ``OCR_THREADS`` gives the threads):

``rapidocr`` (default)
    PP-OCR ONNX models on onnxruntime through RapidOCR; configuration and the reasons for
    it in :mod:`verifiers.documents.ocr.rapid`.
``paddle``
    PaddleOCR 3.x itself on Paddle Inference (install extra ``qingwang[paddle]``), see
    :mod:`verifiers.documents.ocr.paddle`.

``benchmarks/ocr_engines.py`` compares them on the sample pages (docs/benchmarks.md).
"""
from __future__ import annotations

from typing import Protocol

import numpy as np

from verifiers.documents.model import Line

ENGINES = ("rapidocr", "paddle")


class OcrEngine(Protocol):
    name: str

    def read(self, image: np.ndarray) -> list[Line]:
        """All text lines on an upright RGB image, top to bottom, left to right."""


class OcrModelMissing(RuntimeError):
    """A model file the engine needs is not installed; nothing is ever downloaded."""


class OcrEngineUnavailable(RuntimeError):
    """The engine's packages are not installed (an install extra)."""


_LINE_HAS_QUAD = "quad" in getattr(Line, "__dataclass_fields__", {})


def make_line(text: str, score: float, quad, width: int, height: int) -> Line:
    """A :class:`Line` from an engine's four-corner box: the box clipped to the page, the
    confidence clipped to [0, 1], and the corners kept (clockwise from top-left)."""
    pts = [(float(p[0]), float(p[1])) for p in quad]
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    box = (max(0.0, min(xs)), max(0.0, min(ys)), min(float(width), max(xs)), min(float(height), max(ys)))
    confidence = min(1.0, max(0.0, float(score)))
    if _LINE_HAS_QUAD:
        return Line(text=str(text), confidence=confidence, box=box, quad=tuple(pts))
    return Line(text=str(text), confidence=confidence, box=box)


def create_engine(name: str = "rapidocr", threads: int = 2) -> OcrEngine:
    """The OCR engine called ``name`` (setting ``OCR_ENGINE``)."""
    if name == "rapidocr":
        from verifiers.documents.ocr.rapid import RapidOcrEngine

        return RapidOcrEngine(threads=threads)
    if name == "paddle":
        from verifiers.documents.ocr.paddle import PaddleOcrEngine

        return PaddleOcrEngine(threads=threads)
    raise ValueError(f"unknown OCR engine {name!r}; known: {', '.join(ENGINES)}")
