"""Field-level accuracy of document reading on the sample certificates.

    python benchmarks/ocr_accuracy.py [--set samples/documents/set] [--engine rapidocr] [--json OUT]

For every document with ground truth (``NAME.json`` beside ``NAME.ext``) it runs the full
pipeline (intake, orientation, OCR or text layer, classification, extraction) and
compares each ground-truth field with what was extracted, exactly after the design's
normalisation: numbers by registry key (so the optional 号 does not count), dates as
ISO strings, scope as a set of (class, category), models as a list, free text without
its whitespace. It prints the
exact-match rate per document type and per variant, the type-detection rate, and the
per-page time.

Watermarked copies (variants ``watermark``, ``watermark-photo``): ``--ignore-watermarks``
reads them as they are, without verifiers/documents/watermark.py, to show what it gains::

    python -m samples.documents.generate --out /tmp/wm --per-type 2 --variants clean,watermark,watermark-photo
    python benchmarks/ocr_accuracy.py --set /tmp/wm --ignore-watermarks     # before
    python benchmarks/ocr_accuracy.py --set /tmp/wm                         # after
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from verifiers.documents.intake import Limits  # noqa: E402
from verifiers.documents.model import DocumentError  # noqa: E402
from verifiers.documents.ocr import create_engine  # noqa: E402
from verifiers.documents.pipeline import read_document  # noqa: E402
from verifiers.identifiers import lookup_key  # noqa: E402

MEDIA = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".tif": "image/tiff",
         ".tiff": "image/tiff", ".webp": "image/webp", ".pdf": "application/pdf"}


def comparable(name: str, value):
    if value is None:
        return None
    if name == "number":
        return lookup_key(str(value))
    if name == "scope":
        return sorted((int(i["class"]), str(i["category"])) for i in value)
    if name == "models":
        return [_compact(str(m)) for m in value]
    if name in FREE_TEXT:
        return _compact(str(value))
    return str(value)


#: Free text is compared without its whitespace: OCR does not see the spaces a printer
#: leaves inside a product name, and every later use (name matching, the registry)
#: ignores them too.
FREE_TEXT = {"product_name", "address", "name", "registrant", "issuer", "legal_representative", "manager"}


def _compact(text: str) -> str:
    return "".join(text.split())


def documents(set_dir: Path):
    for truth_path in sorted(set_dir.glob("*.json")):
        if truth_path.name == "index.json":
            continue
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        if "fields" not in truth:
            continue
        files = [p for p in set_dir.glob(truth_path.stem + ".*") if p.suffix.lower() in MEDIA]
        if files:
            yield files[0], truth


def evaluate(set_dir: Path, engine_name: str, verbose: bool = False, overlays: bool = True) -> dict:
    engine = create_engine(engine_name)
    per_type = defaultdict(lambda: [0, 0])
    per_variant = defaultdict(lambda: [0, 0])
    per_field = defaultdict(lambda: [0, 0])
    type_hits, docs, times, misses = 0, 0, defaultdict(list), []
    for path, truth in documents(set_dir):
        started = time.perf_counter()
        try:
            reading = read_document(path.read_bytes(), MEDIA[path.suffix.lower()], engine=engine, limits=Limits(),
                                    overlays=overlays)
            found = [(d.type, d.fields) for d in reading.documents] or [(reading.type, reading.fields)]
        except DocumentError as exc:
            found = [(f"failed:{exc.code}", {})]
        times[truth["variant"]].append(time.perf_counter() - started)
        # a sheet holding several documents lists each in "documents"; each is looked for
        # among the documents read, by type
        everything = list(found)
        for expected_doc in truth.get("documents") or [truth]:
            match = next((f for f in found if f[0] == expected_doc["type"]), None)
            detected, fields = match if match else (everything[0][0], everything[0][1] if len(everything) == 1 else {})
            if match:
                found.remove(match)
            docs += 1
            type_hits += detected == expected_doc["type"]
            for name, expected in expected_doc["fields"].items():
                got = fields[name].value if name in fields else None
                ok = comparable(name, got) == comparable(name, expected)
                for bucket in (per_type[expected_doc["type"]], per_variant[truth["variant"]], per_field[name]):
                    bucket[0] += ok
                    bucket[1] += 1
                if not ok:
                    misses.append({"file": path.name, "field": name, "expected": expected, "got": got})
                    if verbose:
                        print(f"  MISS {path.name} {expected_doc['type']} {name}: expected {expected!r} got {got!r}")
    all_times = [t for ts in times.values() for t in ts]
    total = [sum(v[0] for v in per_field.values()), sum(v[1] for v in per_field.values())]
    return {
        "engine": getattr(engine, "name", engine_name), "documents": docs, "type_accuracy": type_hits / max(docs, 1),
        "field_accuracy": total[0] / max(total[1], 1), "fields": total,
        "per_type": {k: v[0] / v[1] for k, v in sorted(per_type.items())},
        "per_variant": {k: v[0] / v[1] for k, v in sorted(per_variant.items())},
        "per_field": {k: v[0] / v[1] for k, v in sorted(per_field.items())},
        "seconds_median": statistics.median(all_times) if all_times else None,
        "seconds_by_variant": {k: statistics.median(v) for k, v in sorted(times.items())},
        "misses": misses,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", default=str(ROOT / "samples" / "documents" / "set"))
    parser.add_argument("--engine", default="rapidocr")
    parser.add_argument("--json", help="write the full result here")
    parser.add_argument("--ignore-watermarks", action="store_true",
                        help="read watermarked pages as they are (the 'before' of verifiers/documents/watermark.py)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every wrong field")
    args = parser.parse_args(argv)
    result = evaluate(Path(args.set), args.engine, args.verbose, overlays=not args.ignore_watermarks)
    print(f"engine {result['engine']}: {result['documents']} documents, type {result['type_accuracy']:.1%}, "
          f"fields {result['field_accuracy']:.1%} ({result['fields'][0]}/{result['fields'][1]}), "
          f"median {result['seconds_median']:.2f} s/document")
    for title, table in (("per type", result["per_type"]), ("per variant", result["per_variant"]),
                         ("per field", result["per_field"])):
        print(f"\n{title}:")
        for key, rate in table.items():
            extra = f"  {result['seconds_by_variant'][key]:.2f} s" if title == "per variant" else ""
            print(f"  {key:28s} {rate:6.1%}{extra}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
