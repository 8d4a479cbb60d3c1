"""PP-OCR models on onnxruntime through RapidOCR (the default engine).

The models are the ones shipped inside the ``rapidocr`` wheel; RapidOCR only downloads
when a model file is missing, and we check that it is not.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from verifiers.documents.model import Line


class RapidOcrEngine:
    name = "rapidocr"

    def __init__(self, threads: int = 2):
        import rapidocr
        from rapidocr import RapidOCR

        models = Path(rapidocr.__file__).parent / "models"
        det = models / "PP-OCRv6_det_small.onnx"
        rec = models / "PP-OCRv6_rec_small.onnx"
        for path in (det, rec):
            if not path.is_file():
                raise RuntimeError(f"OCR model missing from the installed rapidocr package: {path}")
        logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        self._ocr = RapidOCR(params={
            "Global.use_cls": False,  # orientation is fixed before OCR; the classifier only costs time
            "Global.log_level": "warning",
            "Det.model_path": str(det),
            "Rec.model_path": str(rec),
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
        })
        self.name = f"rapidocr/{det.stem}+{rec.stem}"
        # One inference at a time per engine: onnxruntime already uses every core we give
        # it, and RapidOCR keeps per-call state.
        self._lock = threading.Lock()

    def read(self, image: np.ndarray) -> list[Line]:
        with self._lock:
            result = self._ocr(image)
        if result.boxes is None or result.txts is None:
            return []
        lines = []
        for quad, text, score in zip(result.boxes, result.txts, result.scores):
            xs = [float(p[0]) for p in quad]
            ys = [float(p[1]) for p in quad]
            lines.append(Line(text=text, confidence=float(score), box=(min(xs), min(ys), max(xs), max(ys))))
        return lines
