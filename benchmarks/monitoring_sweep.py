"""The daily monitoring sweep over a large catalogue: how long one day's sweep takes.

    python benchmarks/monitoring_sweep.py [--listings 1000000] [--devices 100000] [--expiring 50]
                                          [--processes 2] [--database sqlite|postgresql] [--json out.json]

Sets up the registry (samples' generator), an approved merchant and 5,000 real listings
decided through the ordinary path, copied in bulk up to --listings (catalogue_rescreen's
set-up). The previous sweep is recorded for the day before the swept date; --expiring of
the 5,000 products' registrations are then made to run out on that day, so about
--expiring/5000 of the catalogue changes. The sweep is started and ``qingwang worker --burst``
runs it with --processes worker processes. Reports the wall time of the sweep alone, what
it saw and changed, and the pre-warnings recorded (registrations expiring within 90 days
of the swept date). Needs Redis (QW_TEST_REDIS_URL, default redis://localhost:6379/15;
the database is flushed).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.catalogue_rescreen import add_common_arguments, set_up_catalogue
from benchmarks.common import machine, scratch_database


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listings", type=int, default=1_000_000)
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--expiring", type=int, default=50, help="registrations (of the 5,000 products) that expire")
    add_common_arguments(parser)
    args = parser.parse_args(argv)

    from sqlalchemy import func, select, update

    work = Path(tempfile.mkdtemp(prefix="qw-bench-monitor-"))
    with scratch_database(args.database, work, args.pg_admin_url, args.redis_url) as url:
        from gateway.db import utcnow
        from gateway.jobs.models import Task
        from gateway.listings.models import Listing
        from gateway.merchants.models import Merchant
        from gateway.monitoring import sweep
        from gateway.monitoring.models import ExpiryWarning, MonitorRun
        from gateway.registry.models import RegistryDevice

        runtime, env = set_up_catalogue(args, work, url)
        day = sweep.china_today() + timedelta(days=30)
        with runtime.db.session() as session:
            # Verified today: the six-monthly re-verification is not due within the month.
            session.execute(update(Merchant).values(verified_at=utcnow()))
            keys = session.scalars(select(Listing.registration_key).where(Listing.outcome == "allow")
                                   .group_by(Listing.registration_key).order_by(Listing.registration_key)
                                   .limit(args.expiring)).all()
            session.execute(update(RegistryDevice).where(RegistryDevice.key.in_(keys))
                            .values(valid_until=day - timedelta(days=1)))
            session.add(MonitorRun(swept_on=day - timedelta(days=1), trigger="benchmark", status="done", stage="done",
                                   merchants_seen=0, merchants_changed=0, listings_seen=0, listings_changed=0,
                                   merchants_reverified=0, warnings_sent=0, violations_escalated=0, started_at=utcnow(),
                                   finished_at=utcnow()))
        runtime.registry.invalidate()

        started = time.perf_counter()
        run, _ = sweep.start(runtime, day, "benchmark")
        worker = subprocess.run([sys.executable, "-m", "gateway", "worker", "--burst",
                                 "--processes", str(args.processes)],
                                env={**os.environ, **env, "LOG_LEVEL": "WARNING"}, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if worker.returncode != 0:
            raise SystemExit(worker.stderr[-3000:])
        with runtime.db.session() as session:
            done = session.get(MonitorRun, run.id)
            blocked_or_review = session.scalar(select(func.count()).select_from(Listing).where(
                Listing.outcome != "allow"))
            result = {"machine": machine(), "database": args.database, "listings": args.listings,
                      "devices": args.devices, "expiring_registrations": len(keys), "processes": args.processes,
                      "seconds": round(elapsed, 1), "status": done.status,
                      "listings_seen": done.listings_seen, "listings_changed": done.listings_changed,
                      "listings_not_allowed_after": blocked_or_review,
                      "warnings_recorded": session.scalar(select(func.count()).select_from(ExpiryWarning)),
                      "sweep_tasks": session.scalar(select(func.count()).select_from(Task).where(
                          Task.kind == "monitor.sweep"))}
        runtime.close()
    print(json.dumps(result, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
