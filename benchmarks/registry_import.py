"""Registry import throughput and lookup latency.

    python benchmarks/registry_import.py [--devices 1000000] [--pg-admin-url URL] [--skip-sqlite]

Generates the device records with ``samples.make_registry`` (same data every run),
imports them as one snapshot into a fresh PostgreSQL database and a fresh SQLite file
(first import into an empty registry, then the same snapshot again: nothing changes),
and measures lookups by number through the in-process cache (cold, then warm).
Results go to stdout as a table and, with --json, to a file.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import generate, machine


def run_import(url: str, path: Path) -> dict:
    from gateway import migrations
    from gateway.db import Database
    from gateway.registry.importer import import_snapshot

    migrations.upgrade(url)
    db = Database(url)
    out = {}
    for label in ("first import (empty registry)", "same snapshot again (no changes)"):
        started = time.perf_counter()
        result = import_snapshot(db, path)
        seconds = time.perf_counter() - started
        out[label] = {"records": result.devices, "seconds": round(seconds, 1),
                      "records_per_second": int(result.devices / seconds), "changed": result.changed_devices}
    out["lookups"] = lookups(db, path)
    db.dispose()
    return out


def lookups(db, path: Path, samples: int = 20000) -> dict:
    from gateway.registry.lookup import RegistryLookup

    numbers = []
    with open(path, "rb") as fh:
        for i, line in enumerate(fh):
            if i % 50 == 0:
                numbers.append(json.loads(line)["number"])
    random.Random(1).shuffle(numbers)
    numbers = numbers[:samples]
    registry = RegistryLookup(db, version_ttl=3600)
    registry.version()

    def timed():
        times = []
        for number in numbers:
            t = time.perf_counter()
            assert registry.device(number) is not None
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        return {"p50_ms": round(times[len(times) // 2], 4), "p99_ms": round(times[int(len(times) * 0.99)], 4),
                "mean_ms": round(statistics.mean(times), 4)}

    return {"cold (database)": timed(), "warm (cache)": timed(), "lookups": len(numbers)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=1_000_000)
    parser.add_argument("--pg-admin-url", default=os.environ.get(
        "QW_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@localhost:5432/postgres"))
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgresql", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    from sqlalchemy import create_engine, text

    work = Path(tempfile.mkdtemp(prefix="qw-bench-import-"))
    started = time.perf_counter()
    path = generate(args.devices, work / "data")
    results = {"machine": machine(), "devices": args.devices,
               "generation_seconds": round(time.perf_counter() - started, 1)}
    if not args.skip_postgresql:
        name = f"qingwang_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.pg_admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            results["postgresql"] = run_import(args.pg_admin_url.rsplit("/", 1)[0] + f"/{name}", path)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    if not args.skip_sqlite:
        results["sqlite"] = run_import(f"sqlite:///{work / 'bench.sqlite3'}", path)
    print(json.dumps(results, ensure_ascii=False, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
