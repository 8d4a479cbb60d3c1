"""The process's OCR engine, created once and kept warm (model loading takes seconds)."""
from __future__ import annotations

import os
import threading

_engine = None
_lock = threading.Lock()


def ocr_engine(settings=None):
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                from verifiers.documents.ocr import create_engine

                _engine = create_engine(os.environ.get("OCR_ENGINE", "rapidocr"),
                                        threads=int(os.environ.get("OCR_THREADS", "2")))
    return _engine
