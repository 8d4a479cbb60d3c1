"""Listing decisions through the HTTP API: throughput and latency under load.

    python benchmarks/listing_decisions.py [--devices 1000000] [--duration 30] [--connections 16]
                                           [--servers gunicorn,werkzeug] [--database sqlite|postgresql]

Sets up a registry of --devices records (samples.make_registry), an approved sample
merchant, then serves the API (gunicorn via `qingwang serve`, and Werkzeug's threaded
development server for comparison) and drives `POST /v1/listings` with wrk from
another process: every request is a new listing of one of 5,000 different registered
products, so decisions exercise the registry cache, the rules and a database write.
Needs wrk (Debian package `wrk`).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.registry_import import generate, machine  # noqa: E402

MERCHANT_USCC = "91440305840092550F"  # 深圳市康宁医疗器械有限公司 in the sample world
NOTICE = "购买和使用前请仔细阅读产品说明书或者在医务人员的指导下购买和使用。"

WRK_SCRIPT = """
local bodies = {}
for line in io.lines("%(bodies)s") do bodies[#bodies + 1] = line end
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(key)s"
request = function()
  counter = counter + 1
  local body = bodies[(counter %% #bodies) + 1]
  body = string.gsub(body, "__ID__", tostring(math.random(1, 2000000000)) .. "-" .. counter)
  return wrk.format(nil, "/v1/listings", nil, body)
end
"""


def prepare(work: Path, devices: int, database_url: str) -> tuple[dict, str]:
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
    with runtime.db.session() as session:
        platform, key = create_platform(session, "压测平台", "440000")
        merchant = Merchant(platform_id=platform.id, external_id="bench-merchant", name="深圳市康宁医疗器械有限公司",
                            uscc=MERCHANT_USCC, status="approved", device_classes=[2, 3])
        session.add(merchant)
        session.flush()
        merchant_id = merchant.id
    runtime.close()
    rng = random.Random(7)
    picked = []
    with open(path, "rb") as fh:
        for i, line in enumerate(fh):
            if i % 200 == 0:
                picked.append(json.loads(line))
    rng.shuffle(picked)
    with open(work / "bodies.txt", "w", encoding="utf-8") as out:
        for record in picked[:5000]:
            out.write(json.dumps({"merchant_id": merchant_id, "external_id": "__ID__",
                                  "title": f"{record['product_name']} {record['models'][0] if record['models'] else ''}",
                                  "description": NOTICE, "registration_number": record["number"],
                                  "product_name": record["product_name"], "manufacturer": record["registrant"],
                                  "model": record["models"][0] if record["models"] else None},
                                 ensure_ascii=False) + "\n")
    return env, key


def wait_ready(base: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("server did not start")


def parse_wrk(output: str) -> dict:
    def ms(value: str) -> float:
        number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
        return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
            "p50_ms": ms(latency["50"]), "p90_ms": ms(latency["90"]), "p99_ms": ms(latency["99"]),
            "errors": int(non_2xx.group(1)) if non_2xx else 0,
            "requests": int(re.search(r"(\d+) requests in", output).group(1))}


def run(server: str, env: dict, key: str, work: Path, duration: int, connections: int) -> dict:
    port = 18000 + random.randint(0, 999)
    full_env = dict(os.environ, **env, WEB_WORKERS="2", WEB_THREADS="4")
    if server == "gunicorn":
        cmd = [sys.executable, "-m", "gateway", "serve", "--port", str(port), "--workers", "2", "--threads", "4"]
    else:
        cmd = [sys.executable, "-c", "from gateway.wsgi import app; "
               f"app.run(host='127.0.0.1', port={port}, threaded=True)"]
    proc = subprocess.Popen(cmd, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
        script = work / "post.lua"
        script.write_text(WRK_SCRIPT % {"bodies": work / "bodies.txt", "key": key})
        subprocess.run(["wrk", "-t2", f"-c{connections}", "-d5s", "-s", str(script), base], capture_output=True)
        result = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script),
                                 base], capture_output=True, text=True, check=True)
        return parse_wrk(result.stdout) | {"wrk": result.stdout}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--servers", default="gunicorn,werkzeug")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-admin-url", default=os.environ.get(
        "QW_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@localhost:5432/postgres"))
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    work = Path(tempfile.mkdtemp(prefix="qw-bench-listings-"))
    admin, name = None, None
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
        results = {"machine": machine(), "devices": args.devices, "database": args.database,
                   "connections": args.connections, "duration_s": args.duration}
        for server in args.servers.split(","):
            results[server] = run(server, env, key, work, args.duration, args.connections)
            print(f"{server}: {results[server]['requests_per_second']:.0f} decisions/s, "
                  f"p50 {results[server]['p50_ms']:.1f} ms, p99 {results[server]['p99_ms']:.1f} ms, "
                  f"errors {results[server]['errors']}")
    finally:
        if admin is not None:
            from sqlalchemy import text

            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
