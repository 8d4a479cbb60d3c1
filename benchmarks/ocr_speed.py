"""Licence pages end to end: speed, peak memory and accuracy, engines side by side in one run.

    python benchmarks/ocr_speed.py                               # default vs RapidOCR as shipped
    python benchmarks/ocr_speed.py --configs default,stock,fast --limit 10 --repeat 2
    python benchmarks/ocr_speed.py --set /tmp/gen --json /tmp/speed.json

Pages: the image documents of the licence types (营业执照, 经营许可证, 二类备案, 生产许可证,
网络销售备案) in ``--set`` (default the committed samples/documents/set): scans, photos,
seals, scanned PDFs, watermarked copies, screenshots; text-layer PDFs need no OCR and are
left out. Each configuration runs in its own process, as a worker would: the engine is
built there, and each page is read with ``verifiers.documents.pipeline.read_document``
(decode, orientation, seal and watermark handling, OCR, QR code, extraction). Pages go to
the processes in turn (page 1 to every configuration, then page 2, ...), so a machine
whose load changes during the run slows every configuration alike.

Reported per configuration: the median and p90 seconds a page (each page's time the
median of ``--repeat`` reads), the median CPU seconds a page (all the process's threads:
on a machine shared with other work this moves far less than the wall time, which a
busy neighbour stretches), the peak resident memory of the process (``ru_maxrss``,
engine and all), and the share of ground-truth fields read exactly (benchmarks/ocr_accuracy.py's
comparison). The machine's CPU model and load average are printed with the results.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LICENCE_TYPES = ("business_licence", "device_business_licence", "class2_business_filing", "production_licence",
                 "online_sales_filing")
MEDIA = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".tif": "image/tiff",
         ".tiff": "image/tiff", ".webp": "image/webp", ".pdf": "application/pdf"}


def _engine(config: str, threads: int):
    from dataclasses import replace

    from verifiers.documents.ocr.rapid import DEFAULT_SETTINGS, STOCK_SETTINGS, RapidOcrEngine

    if config == "default":
        return RapidOcrEngine(threads=threads)
    if config == "stock":  # RapidOCR's own configuration and models (v6 small, det min 736), classifier off
        return RapidOcrEngine(settings=replace(STOCK_SETTINGS, threads=threads))
    if config == "fast":  # v6 tiny throughout, doubtful lines read again by v6 small
        return RapidOcrEngine(settings=replace(DEFAULT_SETTINGS, models="v6-tiny", recheck="v6-small",
                                               threads=threads))
    overrides = {}
    for part in config.split(";"):
        key, _, value = part.partition("=")
        current = getattr(DEFAULT_SETTINGS, key)
        if isinstance(current, bool):
            overrides[key] = value.lower() in ("1", "true", "yes")
        else:
            overrides[key] = type(current)(value) if current is not None else value
    return RapidOcrEngine(settings=replace(DEFAULT_SETTINGS, threads=threads, **overrides))


def _worker(config: str, threads: int, repeat: int, inbox, outbox) -> None:
    import resource

    from benchmarks.ocr_accuracy import comparable
    from verifiers.documents.model import DocumentError
    from verifiers.documents.pipeline import read_document

    started = time.perf_counter()
    engine = _engine(config, threads)
    outbox.put({"loaded_s": time.perf_counter() - started, "label": getattr(engine, "name", config)})
    while (job := inbox.get()) is not None:
        path, truth = job
        data = Path(path).read_bytes()
        times, cpu, reading = [], [], None
        for _ in range(repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                reading = read_document(data, MEDIA[Path(path).suffix.lower()], engine=engine)
            except DocumentError:
                reading = None
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        fields = reading.fields if reading else {}
        right = sum(comparable(k, fields[k].value if k in fields else None) == comparable(k, v)
                    for k, v in truth["fields"].items())
        outbox.put({"seconds": statistics.median(times), "cpu": statistics.median(cpu), "right": right,
                    "fields": len(truth["fields"]), "type_ok": bool(reading and reading.type == truth["type"])})
    outbox.put({"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def licence_pages(set_dir: Path, limit: int | None) -> list[tuple[str, dict]]:
    pages = []
    for truth_path in sorted(set_dir.glob("*.json")):
        if truth_path.name == "index.json":
            continue
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        if truth.get("type") not in LICENCE_TYPES or truth.get("variant") in ("textpdf", "two-up"):
            continue
        files = [p for p in set_dir.glob(truth_path.stem + ".*") if p.suffix.lower() in MEDIA]
        if files:
            pages.append((str(files[0]), truth))
    return pages[:limit] if limit else pages


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=ROOT / "samples" / "documents" / "set")
    parser.add_argument("--configs", default="default,stock",
                        help="default, stock, fast, or DEFAULT_SETTINGS overrides such as 'det_limit_side_len=800'")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("OCR_THREADS", "2")))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None, help="at most this many pages")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    from benchmarks.ocr_engines import loadavg, machine

    pages = licence_pages(args.set, args.limit)
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    ctx = mp.get_context("spawn")
    workers = {}
    for config in configs:
        inbox, outbox = ctx.Queue(), ctx.Queue()
        process = ctx.Process(target=_worker, args=(config, args.threads, args.repeat, inbox, outbox), daemon=True)
        process.start()
        workers[config] = (process, inbox, outbox, outbox.get())
    load_before = loadavg()
    results = {c: [] for c in configs}
    for path, truth in pages:
        for config in configs:
            _, inbox, outbox, _ = workers[config]
            inbox.put((path, truth))
            results[config].append(outbox.get())
    summary = {"machine": machine(), "load_before": load_before, "load_after": loadavg(), "pages": len(pages),
               "configs": {}}
    for config in configs:
        process, inbox, outbox, hello = workers[config]
        inbox.put(None)
        peak = outbox.get()["peak_mb"]
        process.join()
        rows = results[config]
        seconds = [r["seconds"] for r in rows]
        summary["configs"][config] = {
            "engine": hello["label"], "load_s": round(hello["loaded_s"], 2),
            "median_s": round(statistics.median(seconds), 3), "p90_s": round(pct(seconds, 0.9), 3),
            "median_cpu_s": round(statistics.median(r["cpu"] for r in rows), 3),
            "peak_mb": round(peak), "fields": [sum(r["right"] for r in rows), sum(r["fields"] for r in rows)],
            "types": sum(r["type_ok"] for r in rows)}
    info = summary["machine"]
    print(f"{len(pages)} licence pages; {info.get('cpu')}, {info.get('nproc')} CPUs, {args.threads} threads per "
          f"engine; load average {summary['load_before']} -> {summary['load_after']}")
    print(f"{'config':12s} {'median s':>9s} {'p90 s':>7s} {'cpu s':>7s} {'peak MB':>8s} {'fields':>14s} {'types':>6s}"
          "  engine")
    for config, s in summary["configs"].items():
        right, total = s["fields"]
        print(f"{config:12s} {s['median_s']:9.3f} {s['p90_s']:7.3f} {s['median_cpu_s']:7.3f} {s['peak_mb']:8d} "
              f"{right:5d}/{total:<4d}{right / max(total, 1):5.1%} {s['types']:3d}/{len(pages):<3d} {s['engine']}")
    if args.json:
        args.json.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
