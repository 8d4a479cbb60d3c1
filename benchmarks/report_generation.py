"""A report job over N violations in the database (default 100,000), all three formats, timed.

    python benchmarks/report_generation.py [--count 100000] [--database-url URL] [--repeat 1] [--json OUT]

Unlike benchmarks/report_rendering.py (the renderers on facts in memory) this times what
``report.generate`` does in production: read the violations, their evidence and sellers from the
database, build the forms, render XLSX, PDF and JSON, store the files. The database is seeded
first (not timed): one platform in Guangdong, 5,000 sellers across its cities, N violations in
one month with an evidence record each (two document hashes, the registry version, the listing
as submitted). Default: a fresh SQLite file in a temporary directory; ``--database-url`` names a
PostgreSQL database to seed into (its tables are created by the migrations; use an empty one).

Printed: seconds for the facts (database reads), the build + render + store, and the whole job,
as wall and CPU time of this process (the database server's own CPU is not in the CPU figure).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import machine

CITIES = ("440100", "440300", "440400", "440600", "441900", "442000", "440700", "441300")
CASES = (("REGNO_NOT_FOUND", "stop_and_report", "unregistered_product", "listing_blocked"),
         ("PRODUCT_MISMATCH", "stop_and_report", "product_info_mismatch", "listing_blocked"),
         ("BANNED_CLAIM", "correct_then_report", "false_claims", "rectification_ordered"),
         ("CLASS_MISMATCH", "correct_then_report", "product_info_mismatch", "rectification_ordered"),
         ("LICENCE_EXPIRED", "stop_and_report", "unlicensed_seller", "service_stopped"))


def seed(runtime, count: int, period_start: datetime, chunk: int = 5000) -> str:
    """One platform, 5,000 sellers, ``count`` violations with evidence; returns the platform id."""
    from sqlalchemy import insert

    from gateway.ids import new_id
    from gateway.listings.models import Listing
    from gateway.merchants.models import Merchant
    from gateway.tenancy.services import create_platform
    from gateway.violations.models import Evidence, Violation

    rng = random.Random(7)
    with runtime.db.session() as session:
        platform, _ = create_platform(session, "基准测试平台", "440000", "（粤）网械平台备字[2020]第00001号")
        platform.settings = {"uscc": "91440300MA5BENCH01", "contact_person": "基准"}
        platform_id = platform.id
    merchants = []
    with runtime.db.engine.begin() as conn:
        rows = []
        for n in range(5000):
            merchants.append((new_id("mer"), CITIES[n % len(CITIES)][:4] + f"{(n % 7) + 3:02d}"))
            rows.append({"id": merchants[-1][0], "platform_id": platform_id, "external_id": f"shop-{n}",
                         "name": f"基准医疗器械经营{n}号有限公司", "uscc": f"91440300MA5F{n:06d}", "region": merchants[-1][1],
                         "status": "approved", "device_classes": [2, 3], "reverifying": False,
                         "online_sales_filing_number": f"粤械网备{n:06d}",
                         "profile": {"shop_name": f"{n}号店", "shop_url": f"https://shop.example.cn/{n}",
                                     "address": f"广东省某市某路{n}号"},
                         "created_at": period_start, "updated_at": period_start})
        conn.execute(insert(Merchant), rows)
        listings = []
        for n in range(20000):
            merchant_id = merchants[n % len(merchants)][0]
            listings.append((new_id("lst"), merchant_id, n))
        for start in range(0, len(listings), chunk):
            conn.execute(insert(Listing), [{"id": lid, "platform_id": platform_id, "merchant_id": mid,
                                            "external_id": f"sku-{n}", "title": f"医用口罩 {n}", "description": "",
                                            "registration_number": f"国械注准2020314{n:04d}",
                                            "product_name": "医用外科口罩", "model": "17.5cm", "outcome": "block",
                                            "url": f"https://shop.example.cn/item/{n}", "created_at": period_start,
                                            "updated_at": period_start}
                                           for lid, mid, n in listings[start:start + chunk]])
    seconds = 27 * 24 * 3600
    region_of = dict(merchants)  # the seller's region, as the violations area records it
    for start in range(0, count, chunk):
        violations, evidence = [], []
        for n in range(start, min(start + chunk, count)):
            code, tier, kind, action = CASES[n % len(CASES)]
            lid, mid, ln = listings[n % len(listings)]
            if action == "service_stopped":
                lid = None
            at = period_start + timedelta(seconds=rng.randrange(seconds))
            vid = new_id("vio")
            actions = [{"kind": "listing_blocked" if lid else "merchant_suspended", "at": at.isoformat()}]
            if action == "rectification_ordered":
                actions.append({"kind": action, "at": at.isoformat(), "deadline": (at + timedelta(days=1)).isoformat()})
            else:
                actions.append({"kind": "reported", "at": at.isoformat()})
            violations.append({"id": vid, "platform_id": platform_id, "merchant_id": mid, "listing_id": lid,
                               "subject_type": "listing" if lid else "merchant", "region": region_of[mid],
                               "bureau_code": None, "bureaus": [], "codes": [code],
                               "reasons": [{"code": code, "severity": "block", "tier": tier, "message": f"{code}说明"}],
                               "tier": tier, "violation_type": kind, "action": action, "actions": actions,
                               "status": "reported" if tier == "stop_and_report" else "open",
                               "decision_ids": [new_id("dec")], "detected_at": at, "updated_at": at})
            doc = hashlib.sha256(vid.encode()).hexdigest()
            evidence.append({"id": new_id("evd"), "violation_id": vid, "platform_id": platform_id, "captured_at": at,
                             "listing": {"external_id": f"sku-{ln}", "title": f"医用口罩 {ln}", "product_name": "医用外科口罩",
                                         "model": "17.5cm", "registration_number": f"国械注准2020314{ln:04d}",
                                         "url": f"https://shop.example.cn/item/{ln}"} if lid else None,
                             "merchant": {"id": mid}, "documents": [{"id": "doc_1", "sha256": doc},
                                                                   {"id": "doc_2", "sha256": doc[::-1]}],
                             "registry_records": {"registry_version": "snap_bench", "snapshot_ids": ["snap_bench"],
                                                  "rows": []},
                             "decisions": [], "retain_until": at + timedelta(days=3 * 366), "sha256": doc})
        with runtime.db.engine.begin() as conn:
            conn.execute(insert(Violation), violations)
            conn.execute(insert(Evidence), evidence)
    return platform_id


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="violations to seed and report on")
    parser.add_argument("--database-url", help="an empty database to seed (default: a temporary SQLite file)")
    parser.add_argument("--repeat", type=int, default=1, help="report jobs to time (best is printed)")
    parser.add_argument("--json", help="write the figures here too")
    args = parser.parse_args(argv)

    from gateway import migrations
    from gateway.config import Settings
    from gateway.reports import facts, services
    from gateway.reports.models import Report
    from gateway.runtime import Runtime
    from verifiers.reports import fonts
    from verifiers.reports.periods import parse_period

    scratch = tempfile.mkdtemp(prefix="qingwang-bench-")
    url = args.database_url or f"sqlite:///{scratch}/bench.sqlite3"
    migrations.upgrade(url)
    runtime = Runtime(Settings.from_mapping({"database_url": url, "storage_url": Path(scratch, "files").as_uri(),
                                             "data_dir": scratch, "secret_key": "benchmark", "redis_url": None,
                                             "log_level": "WARNING"}))
    fonts.prepare()
    period = parse_period("2026-11")
    print(machine())
    started = time.perf_counter()
    platform_id = seed(runtime, args.count, period.start_at.astimezone(UTC))
    print(f"seeded {args.count:,} violations in {time.perf_counter() - started:.1f} s ({url.split(':')[0].split('+')[0]})")

    best = None
    for _ in range(args.repeat):
        with runtime.db.session() as session:
            report, _tasks = services.request_report(session, platform_id, "440000", period.key, "benchmark")
            report_id = report.id
        wall, cpu = time.perf_counter(), time.process_time()
        with services._gc_paused(), runtime.db.session() as session:  # as the job reads them
            loaded = facts.period_violations(session, platform_id, "440000", period)
        facts_wall, facts_cpu = time.perf_counter() - wall, time.process_time() - cpu
        wall, cpu = time.perf_counter(), time.process_time()
        services.generate(runtime, report_id)
        job_wall, job_cpu = time.perf_counter() - wall, time.process_time() - cpu
        with runtime.db.session() as session:
            row = session.get(Report, report_id)
            sizes = {fmt: f["bytes"] for fmt, f in row.files.items()}
            assert row.status == "generated" and row.case_count == args.count == len(loaded), (row.status, row.case_count)
        figures = {"violations": args.count, "backend": url.split(":")[0].split("+")[0],
                   "facts": {"wall": round(facts_wall, 2), "cpu": round(facts_cpu, 2)},
                   "job": {"wall": round(job_wall, 2), "cpu": round(job_cpu, 2)}, "bytes": sizes}
        if best is None or job_wall < best["job"]["wall"]:
            best = figures
    print(f"{'facts (database reads)':<26}{best['facts']['wall']:8.2f} s wall {best['facts']['cpu']:8.2f} s CPU")
    print(f"{'whole job (generate)':<26}{best['job']['wall']:8.2f} s wall {best['job']['cpu']:8.2f} s CPU  "
          + "  ".join(f"{fmt} {best['bytes'][fmt] / 1e6:.1f} MB" for fmt in sorted(best["bytes"])))
    best["machine"] = machine()
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps(best, indent=2, ensure_ascii=False), encoding="utf-8")
    runtime.close()
    return best


if __name__ == "__main__":
    main()
