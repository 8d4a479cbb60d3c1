"""What the benchmarks share: the machine they ran on, a throw-away database, the standard world
(the generated registry, a platform and an approved merchant, listing bodies drawn from the
registry) and a served gateway waited on until it is ready.

Scripts put the repository root on ``sys.path`` themselves (they run as ``python benchmarks/x.py``)
and then import from here.
"""
from __future__ import annotations

import contextlib
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("QW_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@localhost:5432/postgres")
REDIS_URL = os.environ.get("QW_TEST_REDIS_URL", "redis://localhost:6379/15")

#: 深圳市康宁医疗器械有限公司, the bench merchant, in the sample world.
MERCHANT_USCC = "91440305840092550F"
NOTICE = "购买和使用前请仔细阅读产品说明书或者在医务人员的指导下购买和使用。"


def machine() -> str:
    """One line for a result file: CPUs, model, memory, Python, and the load when measured."""
    def first(path: str, prefix: str) -> str | None:
        try:
            return next((line.split(":", 1)[1].strip() for line in open(path) if line.startswith(prefix)), None)
        except OSError:
            return None

    cpu = first("/proc/cpuinfo", "model name") or platform.processor() or "?"
    mem = first("/proc/meminfo", "MemTotal")
    memory = f"{int(mem.split()[0]) // 1024 // 1024} GiB, " if mem else ""
    return (f"{os.cpu_count()} vCPU {cpu}, {memory}Python {platform.python_version()}, "
            f"load {os.getloadavg()[0]:.1f}")


@contextlib.contextmanager
def scratch_database(kind: str, work: Path, pg_admin_url: str = PG_ADMIN_URL,
                     redis_url: str | None = None) -> Iterator[str]:
    """The URL of an empty database of ``kind`` (sqlite: a file under ``work/data``; postgresql:
    a database created behind ``pg_admin_url`` and dropped on exit), with the Redis database at
    ``redis_url`` flushed first when one is given."""
    if redis_url:
        from redis import Redis

        Redis.from_url(redis_url).flushdb()
    if kind == "sqlite":
        (work / "data").mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{work / 'data' / 'qingwang.sqlite3'}"
        return
    from sqlalchemy import create_engine, text

    name = f"qingwang_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def generate(devices: int, out: Path) -> Path:
    """A generated registry of ``devices`` device records (JSONL) under ``out``."""
    subprocess.run([sys.executable, "-m", "samples.make_registry", "--out", str(out), "--devices", str(devices),
                    "--formats", "jsonl"], cwd=ROOT, check=True, capture_output=True)
    return out / "devices.jsonl"


def prepare(work: Path, devices: int, database_url: str, blocked_share: float = 0.0) -> tuple[dict, str]:
    """The standard world in the database at ``database_url``: a generated registry imported,
    a platform and an approved merchant, and ``work/bodies.txt``, up to 5,000 listing bodies
    naming registry records (``__ID__`` where the external id goes). Returns the gateway's
    environment and the platform's API key."""
    from gateway import migrations
    from gateway.config import Settings
    from gateway.merchants.models import Merchant
    from gateway.registry.importer import import_snapshot
    from gateway.runtime import Runtime
    from gateway.tenancy.services import create_platform

    path = generate(devices, work / "registry")
    env = {"QINGWANG_DATA_DIR": str(work / "data"), "DATABASE_URL": database_url, "SECRET_KEY": "bench",
           "LOG_LEVEL": "WARNING"}
    migrations.upgrade(database_url)
    runtime = Runtime(Settings.from_mapping({k.lower(): v for k, v in env.items()}))
    import_snapshot(runtime.db, path.parent)
    # The import's follow-up (re-check merchants and the catalogue against the new snapshot)
    # runs now, before the merchant exists, not in the server's job pool once it is measured.
    from sqlalchemy import select

    from gateway.jobs.models import Task
    from gateway.jobs.runner import run_task

    with runtime.db.session() as session:
        pending = list(session.scalars(select(Task.id).where(Task.status == "queued")))
    for task_id in pending:
        run_task(task_id, runtime)
    with runtime.db.session() as session:
        platform_row, key = create_platform(session, "压测平台", "440000")
        merchant = Merchant(platform_id=platform_row.id, external_id="bench-merchant", name="深圳市康宁医疗器械有限公司",
                            uscc=MERCHANT_USCC, status="approved", device_classes=[2, 3],
                            # Verified today, as an onboarded seller is: the monitoring sweep that the
                            # server's job pool runs at start must not re-verify it (a seller without
                            # documents on file would go to review and block every listing).
                            reverified_on=date.today())
        session.add(merchant)
        session.flush()
        merchant_id = merchant.id
    runtime.close()
    rng = random.Random(7)
    scope = merchant_scope(path.parent / "enterprises.jsonl", MERCHANT_USCC)
    picked, cancelled = [], []
    in_force_until = (date.today() + timedelta(days=400)).isoformat()  # no expiry warnings or expiries during a run
    with open(path, "rb") as fh:
        for i, line in enumerate(fh):
            if i % 100 == 0:
                record = json.loads(line)
                # Products the merchant may sell (class I, or a class and category its licence
                # or filing covers) with registrations in force, as an onboarded seller lists
                # them. With --blocked-share, that share are cancelled ones: each is blocked and
                # becomes a stop-and-report violation with evidence and an immediate report.
                if record.get("class") == 1 or (record.get("class"), record.get("category_code")) in scope:
                    if record.get("status") == "active" and (record.get("valid_until") or "9999") > in_force_until:
                        picked.append(record)
                    elif record.get("status") == "cancelled":
                        cancelled.append(record)
    rng.shuffle(picked)
    rng.shuffle(cancelled)
    blocked = round(5000 * blocked_share)
    listed = picked[:5000 - blocked] + cancelled[:blocked]
    rng.shuffle(listed)
    with open(work / "bodies.txt", "w", encoding="utf-8") as out:
        for record in listed:
            out.write(json.dumps({"merchant_id": merchant_id, "external_id": "__ID__",
                                  "title": f"{record['product_name']} {record['models'][0] if record['models'] else ''}",
                                  "description": NOTICE, "registration_number": record["number"],
                                  "product_name": record["product_name"], "manufacturer": record["registrant"],
                                  "model": record["models"][0] if record["models"] else None},
                                 ensure_ascii=False) + "\n")
    settle(database_url)
    return env, key


def settle(database_url: str) -> None:
    """Put the set-up's writes on disk before anything is measured.

    Why: importing a registry of a million records leaves hundreds of megabytes of dirty pages
    in the kernel's cache (the database's files, the generated registry) and, on PostgreSQL, a
    checkpoint in progress. The kernel writes them out in bursts while the next run is being
    measured (seen: 785 MB in two bursts of ~390 MB, five seconds apart), and every commit's
    flush waits behind them: both workers stalled 60-130 ms at once, twice in a 15-second run,
    which was most of its p99. A run measures decisions, not the set-up's write-back."""
    if database_url.startswith("postgresql"):
        from sqlalchemy import create_engine, text
        from sqlalchemy.exc import DBAPIError

        engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text("CHECKPOINT"))
        except DBAPIError as exc:  # a role without superuser or pg_checkpoint: measured anyway, and said so
            print(f"CHECKPOINT refused ({exc.orig}); the run may include the set-up's checkpoint", file=sys.stderr)
        finally:
            engine.dispose()
    os.sync()


def merchant_scope(enterprises: Path, uscc: str) -> set[tuple[int, str]]:
    """(class, category) pairs the credit code's active licences and filings cover."""
    scope = set()
    with open(enterprises, "rb") as fh:
        for line in fh:
            if uscc.encode() in line:
                record = json.loads(line)
                if record.get("uscc") == uscc and record.get("status") == "active":
                    scope |= {(item["class"], item["category"]) for item in record.get("scope") or ()}
    return scope


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(base: str, timeout: float = 120) -> None:
    """Poll ``base``/readyz until it answers 200 (the app's import alone takes seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("server did not start")


@contextlib.contextmanager
def served(env: dict, *, server: str = "gunicorn", port: int | None = None, workers: int = 2, threads: int = 4,
           log: Path | None = None) -> Iterator[str]:
    """The gateway served (gunicorn via ``qingwang serve``, or Werkzeug's threaded server) with
    ``env`` on top of this process's environment; yields its base URL once it is ready, and
    stops it (its whole process group) on exit."""
    port = port or free_port()
    full_env = dict(os.environ, **env, WEB_WORKERS=str(workers), WEB_THREADS=str(threads))
    if server == "gunicorn":
        cmd = [sys.executable, "-m", "gateway", "serve", "--port", str(port), "--workers", str(workers),
               "--threads", str(threads)]
    else:
        cmd = [sys.executable, "-c", f"from gateway.wsgi import app; app.run(host='127.0.0.1', port={port}, threaded=True)"]
    stderr = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, env=full_env, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, timeout=240)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(60)
        if log:
            stderr.close()


def bulk_insert(conn, table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table`` inside ``conn``'s transaction,
    bypassing SQLAlchemy's per-row parameter handling: COPY on PostgreSQL, the driver's
    executemany on SQLite. JSON columns are given as JSON text (orjson.dumps); datetimes as aware
    datetimes, stored the way the column type stores them. Seeding 1,000,000 violations row by
    row through Core spent most of its time in SQLAlchemy's bind processing."""
    from sqlalchemy import DateTime

    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        with cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    # SQLite keeps datetimes as text in SQLAlchemy's own format: let the column type write it.
    convert = {i: table.c[name].type._cached_bind_processor(conn.dialect) for i, name in enumerate(columns)
               if isinstance(getattr(table.c[name].type, "impl", table.c[name].type), DateTime)}
    if convert:
        rows = [tuple(convert[i](v) if i in convert else v for i, v in enumerate(row)) for row in rows]
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})", rows)
