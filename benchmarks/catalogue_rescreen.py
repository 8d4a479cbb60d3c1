"""A whole catalogue re-screened: how long a million listings take, and the workers' memory.

    python benchmarks/catalogue_rescreen.py [--listings 1000000] [--devices 100000] [--processes 2]
                                            [--marked-every 100] [--blocked-share 0.0]
                                            [--database sqlite|postgresql] [--json out.json]

Sets up a registry (samples' generator), an approved merchant and 5,000 real listings decided
through the ordinary path, then copies them (same products, new external ids, the same
decision) up to --listings rows in bulk. It then starts a re-screen after a new phrase list
that changes one listing in a hundred, and runs `qingwang worker --burst` with --processes
worker processes until no work is left. Reports the wall time of the re-screen alone (from its
start until its run is recorded done: every listing screened, the changed ones decided with
their violations, audit entries and follow-up tasks written), the time until the workers had
also run those follow-ups (a blocked listing that gains a reason is a new stop-and-report
violation, and each gets an immediate report rendered), the workers' CPU seconds, the listings
seen and changed, the load average and the peak memory of the largest worker process. Needs Redis
(QW_TEST_REDIS_URL, default redis://localhost:6379/15; the database is flushed).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import PG_ADMIN_URL, REDIS_URL, machine, prepare, scratch_database

#: Added to every hundredth copy's description; the new list below reviews it.
MARKER = "网红同款神仙水"
NEW_LIST = [{"id": "dynamic_keyword", "phrase": "神仙水", "kind": "literal", "category": "regulator_keyword",
             "severity": "review", "article": "医疗器械监督管理条例第六十条",
             "explanation_zh": "监管部门通报的动态关键词", "explanation_en": "A keyword the regulator circulated"}]


def fill(runtime, platform_id: str, bodies: list[dict], total: int, marked_every: int = 100) -> None:
    """The first len(bodies) listings decided for real; the rest bulk copies of them, every
    ``marked_every``-th with the phrase the new list reviews (0: none)."""
    from sqlalchemy import insert, select

    from gateway.ids import new_id
    from gateway.listings.models import Listing
    from gateway.listings.services import submit_listings
    from verifiers.identifiers import lookup_key

    templates = []
    for start in range(0, len(bodies), 1000):
        for body, result in zip(bodies[start:start + 1000],
                                submit_listings(runtime, platform_id, bodies[start:start + 1000])):
            templates.append((body, result.listing.outcome, result.decision.id))
    batch = []
    with runtime.db.engine.begin() as conn:
        for n in range(len(templates), total):
            body, outcome, decision_id = templates[n % len(templates)]
            description = body["description"] + (MARKER if marked_every and n % marked_every == 0 else "")
            batch.append({"id": new_id("lst"), "platform_id": platform_id, "merchant_id": body["merchant_id"],
                          "external_id": f"copy-{n}", "title": body["title"], "description": description,
                          "registration_number": body["registration_number"],
                          "registration_key": lookup_key(body["registration_number"]),
                          "product_name": body["product_name"], "manufacturer": body["manufacturer"],
                          "model": body["model"], "outcome": outcome, "decision_id": decision_id})
            if len(batch) == 20_000:
                conn.execute(insert(Listing), batch)
                batch = []
        if batch:
            conn.execute(insert(Listing), batch)
    with runtime.db.read_sessionmaker() as session:
        assert session.scalar(select(Listing.id).where(Listing.external_id == f"copy-{total - 1}")) is not None


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """--processes, --database, --pg-admin-url, --redis-url and --json, as the catalogue benchmarks take them."""
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--redis-url", default=REDIS_URL)
    parser.add_argument("--json")


def set_up_catalogue(args: argparse.Namespace, work: Path, url: str):
    """The registry, the approved merchant and ``args.listings`` listings in the database at
    ``url``; returns the runtime (on Redis) and the environment a worker needs."""
    from sqlalchemy import delete

    from gateway.config import Settings
    from gateway.jobs.models import Task
    from gateway.runtime import Runtime
    from gateway.tenancy.models import Platform

    env, _key = prepare(work, args.devices, url, getattr(args, "blocked_share", 0.0))
    env = dict(env, REDIS_URL=args.redis_url)
    runtime = Runtime(Settings.from_mapping({k.lower(): v for k, v in env.items()}))
    with runtime.db.session() as session:
        # The set-up's own follow-ups (the registry import's re-evaluation would re-verify
        # the document-less bench merchant) are not what is measured here.
        session.execute(delete(Task))
    bodies = [json.loads(line) for line in (work / "bodies.txt").read_text(encoding="utf-8").splitlines()]
    for i, body in enumerate(bodies):
        body["external_id"] = f"real-{i}"
    with runtime.db.session() as session:
        platform_id = session.query(Platform.id).scalar()
    started = time.perf_counter()
    fill(runtime, platform_id, bodies, args.listings, getattr(args, "marked_every", 100))
    print(f"{args.listings} listings in place in {time.perf_counter() - started:.0f} s", flush=True)
    return runtime, env


def _wait_for_run(runtime, run_id: str, worker: subprocess.Popen, log_path: Path) -> float:
    """Seconds from now until the run is recorded done (its listings screened and the changed
    ones decided, their violations, audit entries and follow-up tasks written)."""
    from gateway.monitoring.models import ScreeningRun

    started = time.perf_counter()
    while True:
        with runtime.db.read_sessionmaker() as session:
            if session.get(ScreeningRun, run_id).status == "done":
                return time.perf_counter() - started
        if worker.poll() is not None:
            raise SystemExit("the worker exited before the run was done:\n"
                             + log_path.read_text(encoding="utf-8")[-3000:])
        time.sleep(0.25)


def _follow_ups(session) -> dict:
    """The tasks other than the re-screen's own, by kind (immediate reports, webhooks)."""
    from sqlalchemy import func, select

    from gateway.jobs.models import Task

    return dict(session.execute(select(Task.kind, func.count()).where(Task.kind != "catalogue.rescreen")
                                .group_by(Task.kind)).all())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listings", type=int, default=1_000_000)
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--marked-every", type=int, default=100,
                        help="every Nth copy carries the phrase the new list reviews (0: none, the screening alone)")
    parser.add_argument("--blocked-share", type=float, default=0.0,
                        help="share of the products whose registration is cancelled (blocked listings: a change "
                             "to one is a new stop-and-report violation with an immediate report)")
    add_common_arguments(parser)
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="qw-bench-rescreen-"))
    with scratch_database(args.database, work, args.pg_admin_url, args.redis_url) as url:
        from gateway.claims.services import import_file
        from gateway.monitoring import rescreen
        from gateway.monitoring.models import ScreeningRun

        runtime, env = set_up_catalogue(args, work, url)
        (work / "claims.json").write_text(json.dumps(NEW_LIST, ensure_ascii=False), encoding="utf-8")
        import_file(runtime.db, work / "claims.json")
        runtime.claims.invalidate()

        children, load_at_start = resource.getrusage(resource.RUSAGE_CHILDREN), os.getloadavg()
        started = time.perf_counter()
        run = rescreen.start(runtime, "benchmark", parts=args.processes)
        # The worker's log goes to a file: a pipe nobody reads while the run is polled could fill.
        log_path = work / "worker.log"
        with open(log_path, "w", encoding="utf-8") as log_file:
            worker = subprocess.Popen([sys.executable, "-m", "gateway", "worker", "--burst",
                                       "--processes", str(args.processes)],
                                      env={**os.environ, **env, "LOG_LEVEL": "WARNING"},
                                      stdout=subprocess.DEVNULL, stderr=log_file)
            screened = _wait_for_run(runtime, run.id, worker, log_path)
            worker.wait()
        drained = time.perf_counter() - started
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU seconds the workers used, re-screen and follow-ups together: on a busy machine
        # this says more than the wall time does.
        cpu = usage.ru_utime + usage.ru_stime - children.ru_utime - children.ru_stime
        if worker.returncode != 0:
            raise SystemExit(log_path.read_text(encoding="utf-8")[-3000:])
        with runtime.db.session() as session:
            done = session.get(ScreeningRun, run.id)
            result = {"machine": machine(), "load_average_at_start": [round(x, 2) for x in load_at_start],
                      "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
                      "database": args.database, "listings": args.listings,
                      "devices": args.devices, "processes": args.processes, "marked_every": args.marked_every,
                      "blocked_share": args.blocked_share,
                      "seconds": round(screened, 1),
                      "listings_per_second": round(done.listings_seen / screened),
                      "seconds_until_drained": round(drained, 1), "worker_cpu_seconds": round(cpu, 1),
                      "seen": done.listings_seen, "changed": done.listings_changed, "status": done.status,
                      "follow_up_tasks": _follow_ups(session),
                      "worker_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)}
        runtime.close()
    print(json.dumps(result, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
