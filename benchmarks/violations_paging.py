"""Paging GET /v1/violations over many violations: p50 and p99 per filter, through the HTTP stack.

    python benchmarks/violations_paging.py [--count 1000000] [--database sqlite|postgresql]
                                           [--requests 200] [--json out.json]

Seeds --count violations (and their reason-code rows) in bulk for one platform, spread over two
years, 30 regions in 10 provinces, 5,000 merchants, four statuses, two tiers and ten reason
codes; another platform gets a tenth as many. Then, through the Flask test client (auth,
validation, query, serialisation; no network), it asks for --requests pages per scenario, each
starting at a random place in the results (a cursor taken from a random row), and prints the
p50 and p99 in milliseconds, wall and this process's CPU (the steadier figure on a shared
machine; with SQLite it includes the database's work, with PostgreSQL not). The issue's target is p99 under 50 ms at 1,000,000 rows.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import PG_ADMIN_URL, bulk_insert, machine, scratch_database  # noqa: E402

REGIONS = [f"{p}{c:02d}{d:02d}" for p in ("11", "31", "32", "33", "35", "37", "42", "44", "50", "51")
           for c, d in ((1, 1), (2, 3), (3, 5))]
CODES = ["REGNO_NOT_FOUND", "REGNO_EXPIRED", "LICENCE_EXPIRED", "LICENCE_REVOKED", "LICENCE_SCOPE_EXCLUDES",
         "BANNED_CLAIM", "NOTICE_MISSING", "PRODUCT_MISMATCH", "MODEL_MISMATCH", "CLASS3_REQUIRES_LICENCE"]
STATUSES = ["open", "reported", "corrected", "closed"]
START = datetime(2025, 1, 1, tzinfo=UTC)
SPAN_S = 2 * 365 * 86400


VIOLATION_COLUMNS = ("id", "platform_id", "merchant_id", "listing_id", "subject_type", "region", "province",
                     "prefecture", "bureau_code", "bureaus", "codes", "reasons", "tier", "violation_type", "action",
                     "actions", "status", "decision_ids", "detected_at", "updated_at")
CODE_COLUMNS = ("violation_id", "code", "platform_id", "detected_at")


def seed(engine, platform_id: str, count: int, rng: random.Random, batch: int = 50_000) -> None:
    """``count`` violations of ``platform_id`` in bulk: plain tuples, JSON pre-serialised, COPY on
    PostgreSQL and the driver's executemany on SQLite (benchmarks/common.bulk_insert), one
    transaction. Ids have the gateway's shape (prefix, 26 characters, increasing like its
    time-ordered ids) without its per-id cost."""
    import orjson

    from gateway.violations.models import Violation, ViolationCode
    from gateway.violations.services import region_levels

    levels = {region: region_levels(region) for region in REGIONS}
    combos = [tuple(sorted(set(pick))) for pick in ([c] for c in CODES)] + \
        [tuple(sorted((a, b))) for a in CODES for b in CODES if a < b]
    # The reasons and tier of each code set, serialised once (they repeat across rows).
    shapes = {}
    for codes in combos:
        tier = "correct_then_report" if set(codes) <= {"BANNED_CLAIM", "NOTICE_MISSING", "MODEL_MISMATCH"} \
            else "stop_and_report"
        shapes[codes] = (orjson.dumps(list(codes)).decode(),
                         orjson.dumps([{"code": c, "severity": "block", "tier": tier} for c in codes]).decode(), tier,
                         "blocked" if tier == "stop_and_report" else "rectification_ordered")
    singles, pairs = combos[:len(CODES)], combos[len(CODES):]
    prefix = f"{rng.getrandbits(40):010x}"  # tells apart the ids of the two platforms' seedings
    # In detection order, as a platform records them: each index then grows at the end of its
    # ranges instead of at random places (random order made SQLite's seeding grow faster than the
    # row count once the indexes outgrew its cache).
    moments = sorted(rng.randrange(SPAN_S * 10**6) for _ in range(count))
    rows, code_rows = [], []
    with engine.begin() as conn:
        for n, moment in enumerate(moments):
            detected = START + timedelta(microseconds=moment)
            region = REGIONS[rng.randrange(len(REGIONS))]
            province, prefecture = levels[region]
            codes = pairs[rng.randrange(len(pairs))] if rng.randrange(3) == 2 else singles[rng.randrange(len(singles))]
            codes_json, reasons, tier, action = shapes[codes]
            ident = f"vio_{prefix}{n:016x}"
            rows.append((ident, platform_id, f"mer_{rng.randrange(5000):05d}", f"lst_{n:08d}", "listing", region,
                         province, prefecture, prefecture, "[]", codes_json, reasons, tier, "unregistered_product",
                         action, "[]", STATUSES[rng.randrange(4)], f'["dec_{prefix}{n:016x}"]', detected, detected))
            code_rows += [(ident, c, platform_id, detected) for c in codes]
            if len(rows) == batch:
                bulk_insert(conn, Violation.__table__, VIOLATION_COLUMNS, rows)
                bulk_insert(conn, ViolationCode.__table__, CODE_COLUMNS, code_rows)
                rows, code_rows = [], []
        if rows:
            bulk_insert(conn, Violation.__table__, VIOLATION_COLUMNS, rows)
            bulk_insert(conn, ViolationCode.__table__, CODE_COLUMNS, code_rows)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(statistics.median(ordered) if q == 0.5 else ordered[min(len(ordered) - 1, int(len(ordered) * q))], 2)


def scenarios(rng: random.Random) -> dict[str, callable]:
    """Name -> a function giving one request's query parameters."""
    return {
        "no filter": dict,
        "status": lambda: {"status": rng.choice(STATUSES)},
        "tier": lambda: {"tier": rng.choice(["stop_and_report", "correct_then_report"])},
        "province": lambda: {"region": rng.choice(REGIONS)[:2] + "0000"},
        "county": lambda: {"region": rng.choice(REGIONS)},
        "merchant": lambda: {"merchant": f"mer_{rng.randrange(5000):05d}"},
        "code": lambda: {"code": rng.choice(CODES)},
        "period (month)": lambda: {"period": f"{rng.choice((2025, 2026))}-{rng.randrange(1, 13):02d}"},
        "status+province+quarter": lambda: {"status": rng.choice(STATUSES),
                                            "region": rng.choice(REGIONS)[:2] + "0000",
                                            "period": f"{rng.choice((2025, 2026))}-Q{rng.randrange(1, 5)}"},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=200, help="pages asked for per scenario")
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--json")
    args = parser.parse_args(argv)

    from sqlalchemy import func, select, text

    from gateway import migrations
    from gateway.app import create_app
    from gateway.config import Settings
    from gateway.runtime import Runtime
    from gateway.tenancy.services import create_platform
    from gateway.violations.models import Violation
    from gateway.violations.services import _encode_cursor

    print(f"{machine()}, load average {os.getloadavg()[0]:.1f}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="qw-bench-violations-"))
    with scratch_database(args.database, work, args.pg_admin_url) as url:
        migrations.upgrade(url)
        runtime = Runtime(Settings.from_mapping({"database_url": url, "storage_url": (work / "files").as_uri(),
                                                 "secret_key": "bench", "data_dir": str(work),
                                                 "log_level": "WARNING"}))
        with runtime.db.session() as session:
            platform, key = create_platform(session, "基准平台", "440000")
            other, _ = create_platform(session, "另一平台", "310000")
        rng = random.Random(12)
        started = time.perf_counter()
        seed(runtime.db.engine, platform.id, args.count, rng)
        seed(runtime.db.engine, other.id, max(1, args.count // 10), rng)
        with runtime.db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        print(f"{args.count} violations seeded in {time.perf_counter() - started:.0f} s", flush=True)

        with runtime.db.read_sessionmaker() as session:
            sample = session.execute(select(Violation.detected_at, Violation.id)
                                     .where(Violation.platform_id == platform.id)
                                     .order_by(func.random()).limit(5000)).all()  # rows anywhere in time
        client = create_app(runtime=runtime).test_client()
        headers = {"Authorization": f"Bearer {key}"}
        for _ in range(20):  # warm-up: first requests build caches (schemas, statements, policies)
            client.get("/v1/violations", headers=headers, query_string={"page_size": args.page_size})
        results = {}
        for label, make in scenarios(rng).items():
            timings, cpu, rows = [], [], 0
            for i in range(args.requests):
                params = {**make(), "page_size": args.page_size}
                if i % 2:  # half the pages start deep in the results, at a random row
                    params["cursor"] = _encode_cursor(*rng.choice(sample))
                began, began_cpu = time.perf_counter(), time.process_time()
                response = client.get("/v1/violations", headers=headers, query_string=params)
                timings.append((time.perf_counter() - began) * 1000)
                cpu.append((time.process_time() - began_cpu) * 1000)
                assert response.status_code == 200, response.get_json()
                rows += len(response.get_json())
            results[label] = {"p50_ms": _pct(timings, 0.5), "p99_ms": _pct(timings, 0.99),
                              "cpu_p50_ms": _pct(cpu, 0.5), "cpu_p99_ms": _pct(cpu, 0.99),
                              "mean_rows": round(rows / args.requests, 1)}
            r = results[label]
            print(f"{label:26s} wall p50 {r['p50_ms']:7.2f} p99 {r['p99_ms']:7.2f} ms   "
                  f"client CPU p50 {r['cpu_p50_ms']:6.2f} p99 {r['cpu_p99_ms']:6.2f} ms   rows/page {r['mean_rows']}",
                  flush=True)
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
        out = {"machine": machine(), "database": args.database, "count": args.count, "requests": args.requests,
               "page_size": args.page_size, "scenarios": results}
        if args.json:
            Path(args.json).write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")
        runtime.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
