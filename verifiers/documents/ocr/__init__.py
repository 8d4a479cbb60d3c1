"""OCR engines behind one small interface.

An engine turns an upright page image (RGB numpy array) into :class:`Line` objects.
Engines load their models from installed packages only; nothing is downloaded.
"""
from __future__ import annotations

from typing import Protocol

import numpy as np

from verifiers.documents.model import Line


class OcrEngine(Protocol):
    name: str

    def read(self, image: np.ndarray) -> list[Line]:
        """All text lines on an upright RGB image, top to bottom, left to right."""


def create_engine(name: str = "rapidocr", threads: int = 2) -> OcrEngine:
    """The OCR engine called ``name`` (setting ``OCR_ENGINE``)."""
    if name == "rapidocr":
        from verifiers.documents.ocr.rapid import RapidOcrEngine

        return RapidOcrEngine(threads=threads)
    raise ValueError(f"unknown OCR engine {name!r}")
