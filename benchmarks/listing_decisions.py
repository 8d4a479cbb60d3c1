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
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import PG_ADMIN_URL, machine, prepare, scratch_database, served

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


def parse_wrk(output: str) -> dict:
    def ms(value: str) -> float:
        number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
        return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.MULTILINE))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
            "p50_ms": ms(latency["50"]), "p90_ms": ms(latency["90"]), "p99_ms": ms(latency["99"]),
            "errors": int(non_2xx.group(1)) if non_2xx else 0,
            "requests": int(re.search(r"(\d+) requests in", output).group(1))}


def run(server: str, env: dict, key: str, work: Path, duration: int, connections: int) -> dict:
    with served(env, server=server) as base:
        script = work / "post.lua"
        script.write_text(WRK_SCRIPT % {"bodies": work / "bodies.txt", "key": key})
        subprocess.run(["wrk", "-t2", f"-c{connections}", "-d5s", "-s", str(script), base], capture_output=True,
                       check=False)  # the warm-up: its figures are not kept
        result = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script),
                                 base], capture_output=True, text=True, check=True)
        return parse_wrk(result.stdout) | {"wrk": result.stdout}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--servers", default="gunicorn,werkzeug")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    work = Path(tempfile.mkdtemp(prefix="qw-bench-listings-"))
    with scratch_database(args.database, work, args.pg_admin_url) as url:
        env, key = prepare(work, args.devices, url)
        results = {"machine": machine(), "devices": args.devices, "database": args.database,
                   "connections": args.connections, "duration_s": args.duration}
        for server in args.servers.split(","):
            results[server] = run(server, env, key, work, args.duration, args.connections)
            print(f"{server}: {results[server]['requests_per_second']:.0f} decisions/s, "
                  f"p50 {results[server]['p50_ms']:.1f} ms, p99 {results[server]['p99_ms']:.1f} ms, "
                  f"errors {results[server]['errors']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
