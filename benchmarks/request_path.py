"""CPU per request on the listing decision path, in-process: the WSGI app called directly.

    python benchmarks/request_path.py [--devices 20000] [--requests 3000] [--database sqlite|postgresql]
                                      [--flamegraph out.svg] [--py-spy PATH] [--json out.json]

The same world as benchmarks/listing_decisions.py (a generated registry, one approved
merchant, 5,000 registered products to list), but no server and no load generator: the
Flask app is called as a WSGI callable (its listing fast path in front, gateway.fast_path,
as served), one request after another, with environs built
beforehand, so the figure is what the gateway itself spends per request: middleware,
authentication, validation, the decision, the write, serialisation and logging (the
embedded defaults: JSON logs at INFO to stderr, here sent to /dev/null; metrics on).

CPU time (``time.process_time``, this process's user + system) is reported, not only
wall time: on a shared machine another process's load stretches wall time but not the
CPU a request costs. ``GET /healthz`` is measured the same way: the floor of the stack.
On PostgreSQL the server's CPU per listing is reported too (``server_cpu_us``: its local
processes' CPU time over the round, from /proc, the sealer's work included): a statement
the server parses and plans again costs there, not here.
``--flamegraph`` records the measured loop alone with py-spy (sampling this process
from outside; it needs ptrace, which root has) as an SVG.
"""
from __future__ import annotations

import argparse
import io
import json
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import machine, prepare


def environs(key: str, bodies: list[str], n: int, path: str = "/v1/listings") -> list[dict]:
    from werkzeug.test import EnvironBuilder

    out = []
    for i in range(n):
        if bodies:
            data = bodies[i % len(bodies)].replace("__ID__", f"{uuid.uuid4().hex[:12]}-{i}").encode()
            builder = EnvironBuilder(path=path, method="POST", data=data, content_type="application/json",
                                     headers={"Authorization": f"Bearer {key}"})
        else:
            builder = EnvironBuilder(path=path, method="GET")
        environ = builder.get_environ()
        environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read())
        environ["REMOTE_ADDR"] = "127.0.0.1"
        out.append(environ)
        builder.close()
    return out


def drive(app, batch: list[dict]) -> tuple[float, float, list[int]]:
    """Call the app on every environ; (CPU seconds, wall seconds, status codes)."""
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(int(status[:3]))

    cpu, wall = time.process_time(), time.perf_counter()
    for environ in batch:
        body = app(environ, start_response)
        for _ in body:
            pass
        if hasattr(body, "close"):
            body.close()
    return time.process_time() - cpu, time.perf_counter() - wall, statuses


def postgres_cpu_seconds() -> float | None:
    """CPU seconds (user + system) used so far by this machine's PostgreSQL processes, from
    /proc (Linux, a local server); None where there are none to read. A decision's cost on
    PostgreSQL is partly the server's (parsing, planning, executing, the WAL), which the
    gateway's own CPU time does not show."""
    ticks, found = 0, False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)
            if fields[0].endswith("(postgres"):
                values = fields[1].split()
                ticks += int(values[11]) + int(values[12])  # utime, stime (fields 14 and 15)
                found = True
        except (OSError, IndexError, ValueError):
            continue  # a process that ended while being read
    return ticks / os.sysconf("SC_CLK_TCK") if found else None


def write_transaction_time(app, engine, batch: list[dict]) -> dict:
    """Wall µs from a write transaction's BEGIN to the end of its COMMIT, per request (p50, p99).

    On SQLite this is how long the database's single write lock is held: what every other
    writing process waits for, and so what bounds the decisions per second that several web
    processes can make together, whatever their CPUs. (Read transactions are not counted.)"""
    from sqlalchemy import event

    spans: list[float] = []
    started: dict[int, float] = {}
    dialect = engine.dialect
    plain_commit = dialect.do_commit

    def begun(conn):
        if not conn.get_execution_options().get("qingwang_read_only"):
            started[id(conn.connection.dbapi_connection)] = time.perf_counter()

    def timed_commit(dbapi_conn):
        plain_commit(dbapi_conn)
        # SQLAlchemy passes the pool's proxy here; the begin event saw the DBAPI connection.
        begun_at = started.pop(id(getattr(dbapi_conn, "dbapi_connection", dbapi_conn)), None)
        if begun_at is not None:
            spans.append((time.perf_counter() - begun_at) * 1e6)

    # After the engine's own "begin" listener (which issues BEGIN IMMEDIATE on SQLite).
    event.listen(engine, "begin", begun)
    dialect.do_commit = timed_commit
    try:
        drive(app, batch)
    finally:
        event.remove(engine, "begin", begun)
        dialect.do_commit = plain_commit
    spans.sort()
    return {"per_request": len(spans) / len(batch), "p50": spans[len(spans) // 2] if spans else None,
            "p99": spans[int(len(spans) * 0.99)] if spans else None}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=3_000)
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds; the best is reported")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-admin-url", default=os.environ.get(
        "QW_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@localhost:5432/postgres"))
    parser.add_argument("--flamegraph", help="write a py-spy flame graph (SVG) of one measured round")
    parser.add_argument("--py-spy", default=os.environ.get("PY_SPY", "py-spy"))
    parser.add_argument("--cprofile", help="write cProfile statistics (this thread's CPU time) of one measured round (pstats file)")
    parser.add_argument("--json")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="qw-bench-path-"))
    admin = name = None
    if args.database == "sqlite":
        url = f"sqlite:///{work / 'data' / 'qingwang.sqlite3'}"
    else:
        from sqlalchemy import create_engine, text

        name = f"qingwang_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.pg_admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = args.pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        env, key = prepare(work, args.devices, url)
        os.environ.update(env, LOG_LEVEL="INFO", LOG_FORMAT="json")
        from gateway.wsgi import app

        # The service's logs go to stderr as JSON; keep the work, drop the bytes.
        for handler in logging.getLogger().handlers:
            handler.setStream(open(os.devnull, "w"))
        bodies = (work / "bodies.txt").read_text(encoding="utf-8").splitlines()
        drive(app, environs(key, bodies, 300))  # warm: caches, connections, first-call imports
        drive(app, environs(key, [], 300, "/healthz"))
        results = {"machine": machine(), "database": args.database, "devices": args.devices,
                   "requests": args.requests, "rounds": []}
        for _ in range(args.rounds):
            listing_batch = environs(key, bodies, args.requests)
            health_batch = environs(key, [], args.requests, "/healthz")
            server_before = postgres_cpu_seconds() if args.database == "postgresql" else None
            cpu, wall, statuses = drive(app, listing_batch)
            server_after = postgres_cpu_seconds() if server_before is not None else None
            assert set(statuses) == {200}, sorted(set(statuses))
            h_cpu, h_wall, h_statuses = drive(app, health_batch)
            assert set(h_statuses) == {200}
            results["rounds"].append({"listing_cpu_us": cpu / args.requests * 1e6,
                                      "listing_wall_us": wall / args.requests * 1e6,
                                      "healthz_cpu_us": h_cpu / args.requests * 1e6,
                                      "healthz_wall_us": h_wall / args.requests * 1e6})
            if server_after is not None:
                results["rounds"][-1]["server_cpu_us"] = (server_after - server_before) / args.requests * 1e6
                print(f"  PostgreSQL server: {results['rounds'][-1]['server_cpu_us']:.0f} µs CPU a listing", flush=True)
            print("listing: {listing_cpu_us:.0f} µs CPU, {listing_wall_us:.0f} µs wall; "
                  "healthz: {healthz_cpu_us:.0f} µs CPU, {healthz_wall_us:.0f} µs wall".format(
                      **results["rounds"][-1]), flush=True)
        # Deterministic companions of the CPU figure (which load still blurs): SQL statements
        # and Python function calls per request, counted over one more round.
        import cProfile
        import pstats

        from sqlalchemy import event

        engine = app.extensions["qingwang"].db.engine
        statements = []

        def count(*_):
            statements.append(1)

        # Statements counted by a listener, calls in a round without it: an engine with a cursor
        # listener sends every statement through Connection.execute (gateway.db.DirectWrite), so
        # the count is the same statements, and the calls are those of the path as it runs.
        engines = app.extensions["qingwang"].db.engines  # PostgreSQL's autocommit engine too
        for each in engines:
            event.listen(each, "before_cursor_execute", count)
        drive(app, environs(key, bodies, args.requests))
        for each in engines:
            event.remove(each, "before_cursor_execute", count)
        results["listing_sql_statements"] = len(statements) / args.requests
        batch = environs(key, bodies, args.requests)
        with cProfile.Profile() as counted:
            drive(app, batch)
        results["write_transaction_us"] = write_transaction_time(app, engine, environs(key, bodies, args.requests))
        results["listing_python_calls"] = pstats.Stats(counted).total_calls / args.requests
        health = environs(key, [], args.requests, "/healthz")
        with cProfile.Profile() as counted:
            drive(app, health)
        results["healthz_python_calls"] = pstats.Stats(counted).total_calls / args.requests
        if args.cprofile:
            counted.dump_stats(args.cprofile + ".healthz")
        for field in ("listing_cpu_us", "listing_wall_us", "healthz_cpu_us", "healthz_wall_us", "server_cpu_us"):
            if field not in results["rounds"][0]:
                continue
            values = [r[field] for r in results["rounds"]]
            results[field] = {"best": min(values), "median": statistics.median(values)}
        if args.cprofile:
            import cProfile

            batch = environs(key, bodies, args.requests)
            with cProfile.Profile(time.thread_time) as profile:  # CPU time: not the waits on the database
                drive(app, batch)
            profile.dump_stats(args.cprofile)
        if args.flamegraph:
            batch = environs(key, bodies, args.requests)
            spy = subprocess.Popen([args.py_spy, "record", "--pid", str(os.getpid()), "--rate", "100",
                                    "--nonblocking", "--format", "flamegraph", "-o", args.flamegraph])
            time.sleep(2)  # attach before the loop starts
            drive(app, batch)
            spy.send_signal(signal.SIGINT)
            spy.wait(120)
    finally:
        if admin is not None:
            from sqlalchemy import text

            from gateway.wsgi import app as _app

            _app.extensions["qingwang"].close()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(json.dumps({k: v for k, v in results.items() if k != "rounds"}, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
