"""A load soak against the production shape: gunicorn + rq workers + PostgreSQL + Redis.

    python benchmarks/soak.py [--minutes 10] [--clients 4] [--merchant-every 5] [--blocked-share 0.02]
                              [--json out.json]

Starts `qingwang serve` (2 processes x 4 threads) and `qingwang worker --processes 2` on a fresh
PostgreSQL database and Redis (QW_TEST_PG_ADMIN_URL, QW_TEST_REDIS_URL; the Redis database is
flushed), imports the sample regulator data and onboards the sample merchant, then drives for
--minutes, from --clients threads:

- single listing decisions (POST /v1/listings), most of the traffic: the sample merchant's
  products, allowed, but for --blocked-share of them, which the rules block or hold;
- batches of 100 listings (POST /v1/listings/batch), one request in ten;
- merchant submissions with two freshly uploaded licences each (the bytes differ every time,
  so every upload is read by OCR), one every --merchant-every seconds.

Then it waits for the workers to drain and checks that nothing accepted was lost: every
document accepted is processed or failed with a reason, every merchant accepted has a
decision, and no task is left undone; and that every decision is in the audit chain once (the
web processes seal listing decisions' entries after their commits) and the chain verifies. Prints throughput, latency percentiles per kind,
error counts and the loss check as JSON (docs/benchmarks.md records runs).
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import PG_ADMIN_URL, REDIS_URL, free_port, machine, scratch_database, wait_ready

SAMPLES = ROOT / "samples"
LICENCES = ("business_licence__clean.png", "device_business_licence__clean.png")


class Client:
    """One keep-alive connection per thread; every call timed."""

    def __init__(self, port: int, key: str):
        self.port, self.key = port, key
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method: str, path: str, body: bytes | None = None, ctype: str = "application/json"):
        headers = {"Authorization": f"Bearer {self.key}"}
        if body is not None:
            headers["Content-Type"] = ctype
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def post_json(self, path: str, payload: dict):
        return self.call("POST", path, json.dumps(payload, ensure_ascii=False).encode())

    def upload(self, name: str, data: bytes):
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        return self.call("POST", "/v1/documents", body, f"multipart/form-data; boundary={boundary}")


def fresh_copy(path: Path, rng: random.Random) -> bytes:
    """The licence image with a different text chunk: the same picture, new bytes, new SHA-256."""
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("soak", uuid.UUID(int=rng.getrandbits(128)).hex)
    out = io.BytesIO()
    Image.open(path).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--merchant-every", type=float, default=5.0)
    parser.add_argument("--blocked-share", type=float, default=0.02,
                        help="share of listings the rules block or hold (each a violation); the rest are allowed")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--redis-url", default=REDIS_URL)
    parser.add_argument("--json")
    args = parser.parse_args(argv)

    from sqlalchemy import create_engine, text

    work = Path(tempfile.mkdtemp(prefix="qw-soak-"))
    database = contextlib.ExitStack()  # the scratch database outlives the processes using it
    url = database.enter_context(scratch_database("postgresql", work, args.pg_admin_url, args.redis_url))
    env = {**os.environ, "DATABASE_URL": url,
           "REDIS_URL": args.redis_url, "STORAGE_URL": (work / "files").as_uri(), "SECRET_KEY": uuid.uuid4().hex * 2,
           "QINGWANG_DATA_DIR": str(work), "LOG_LEVEL": "WARNING"}
    qw = [sys.executable, "-m", "gateway"]
    procs = []
    try:
        subprocess.run(qw + ["db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run(qw + ["registry", "import", str(SAMPLES / "registry"), "--format", "jsonl"], env=env,
                       check=True, capture_output=True)
        key = json.loads(subprocess.run(qw + ["platforms", "create", "压测平台", "--region", "440000", "--json"],
                                        env=env, check=True, capture_output=True, text=True).stdout)["api_key"]
        port = free_port()
        procs.append(subprocess.Popen(qw + ["serve", "--port", str(port), "--workers", "2", "--threads", "4"],
                                      env=env, stdout=subprocess.DEVNULL, stderr=open(work / "serve.log", "w"),
                                      start_new_session=True))
        procs.append(subprocess.Popen(qw + ["worker", "--processes", "2"], env=env, stdout=subprocess.DEVNULL,
                                      stderr=open(work / "worker.log", "w"), start_new_session=True))
        setup = Client(port, key)
        wait_ready(f"http://127.0.0.1:{port}", timeout=120)
        cases = json.loads((SAMPLES / "demo_cases.json").read_text(encoding="utf-8"))
        good = cases["merchants"][0]
        docs = [json.loads(setup.upload(n, (SAMPLES / "documents" / "set" / n).read_bytes())[1])["id"]
                for n in good["documents"]]
        status, body = setup.post_json("/v1/merchants", {
            "external_id": good["external_id"], "name": good["name"], "uscc": good["uscc"], "document_ids": docs,
            "online_sales_filing_number": good["online_sales_filing_number"], "device_classes": [2, 3]})
        merchant_id = json.loads(body)["id"]
        while json.loads(setup.call("GET", f"/v1/merchants/{merchant_id}")[1])["status"] == "pending":
            time.sleep(1)
        # The merchant's demo listings: those the demo expects allowed make the traffic, and
        # --blocked-share of it comes from the others (a cancelled or unknown registration, a
        # banned claim…), each blocked or held as a violation with evidence and, when
        # stop-and-report, an immediate report for the workers to generate.
        def template(case: dict) -> dict:
            return {k: case[k] for k in ("title", "description", "registration_number", "product_name",
                                         "manufacturer", "model") if k in case}

        own = [c for c in cases["listings"] if c.get("merchant") == good["id"]]
        allowed = [template(c) for c in own if (c.get("expected") or {}).get("outcome") == "allow"]
        flagged = [template(c) for c in own if (c.get("expected") or {}).get("outcome") != "allow"]
        flagged_per_mille = round(args.blocked_share * 1000)
        if not allowed:
            raise SystemExit("samples/demo_cases.json has no allowed listing for the sample merchant")

        samples: dict[str, list[float]] = {"listing": [], "batch": [], "merchant": []}
        errors: dict[str, int] = {"listing": 0, "batch": 0, "merchant": 0}
        accepted = {"documents": [], "merchants": []}
        lock = threading.Lock()
        deadline = time.monotonic() + args.minutes * 60
        counter = iter(range(10**9))

        def record(kind: str, started: float, ok: bool) -> None:
            with lock:
                samples[kind].append(time.perf_counter() - started)
                if not ok:
                    errors[kind] += 1

        def listing_body(n: int) -> dict:
            pool = flagged if flagged and n % 1000 < flagged_per_mille else allowed
            return {"merchant_id": merchant_id, "external_id": f"soak-{n}", **pool[n % len(pool)]}

        def traffic(seed: int) -> None:
            client, rng = Client(port, key), random.Random(seed)
            while time.monotonic() < deadline:
                started = time.perf_counter()
                if rng.random() < 0.1:
                    status, _ = client.post_json("/v1/listings/batch", {
                        "items": [listing_body(next(counter)) for _ in range(100)]})
                    record("batch", started, status == 200)
                else:
                    status, _ = client.post_json("/v1/listings", listing_body(next(counter)))
                    record("listing", started, status == 200)

        def merchants() -> None:
            client, rng = Client(port, key), random.Random(99)
            while time.monotonic() < deadline:
                started = time.perf_counter()
                ok = True
                ids = []
                for licence in LICENCES:
                    status, body = client.upload(licence, fresh_copy(SAMPLES / "documents" / "set" / licence, rng))
                    ok = ok and status == 201
                    if status in (200, 201):
                        ids.append(json.loads(body)["id"])
                status, body = client.post_json("/v1/merchants", {
                    "external_id": f"soak-m-{next(counter)}", "name": good["name"], "uscc": good["uscc"],
                    "document_ids": ids, "device_classes": [3]})
                ok = ok and status == 202
                with lock:
                    accepted["documents"] += ids
                    if status == 202:
                        accepted["merchants"].append(json.loads(body)["id"])
                record("merchant", started, ok)
                time.sleep(max(0.0, args.merchant_every - (time.perf_counter() - started)))

        def summary(kind: str) -> dict:
            values = sorted(samples[kind])
            if not values:
                return {"requests": 0}
            pct = lambda p: round(values[min(len(values) - 1, int(p * len(values)))] * 1000, 1)
            return {"requests": len(values), "per_second": round(len(values) / elapsed, 1), "errors": errors[kind],
                    "p50_ms": pct(0.5), "p90_ms": pct(0.9), "p99_ms": pct(0.99),
                    "mean_ms": round(statistics.fmean(values) * 1000, 1)}

        threads = [threading.Thread(target=traffic, args=(i,)) for i in range(args.clients)]
        threads.append(threading.Thread(target=merchants))
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - began
        # The traffic's figures now, before the drain (which can take long after a burst of
        # violations, each with an immediate report): a drain cut short loses none of them.
        print(json.dumps({"traffic_seconds": round(elapsed, 1), "listing": summary("listing"),
                          "batch": summary("batch"), "merchant": summary("merchant")}, ensure_ascii=False),
              flush=True)

        # Drained: every accepted document read (or failed with a reason), every merchant decided,
        # and every task done (the violations' immediate reports included), within 30 minutes.
        drain_started = time.perf_counter()
        check = Client(port, key)
        lost_documents = lost_merchants = accepted["documents"] + accepted["merchants"]
        engine = create_engine(env["DATABASE_URL"])
        undone_sql = text("SELECT count(*) FROM tasks WHERE status NOT IN ('done', 'dead')")
        while time.perf_counter() - drain_started < 1800:
            lost_documents = [d for d in accepted["documents"] if json.loads(
                check.call("GET", f"/v1/documents/{d}")[1])["status"] not in ("processed", "failed")]
            lost_merchants = [m for m in accepted["merchants"] if json.loads(
                check.call("GET", f"/v1/merchants/{m}")[1])["status"] == "pending"]
            with engine.connect() as conn:
                undone = conn.execute(undone_sql).scalar()
            if not lost_documents and not lost_merchants and not undone:
                break
            time.sleep(5)
        drained = time.perf_counter() - drain_started
        with engine.connect() as conn:
            undone = conn.execute(undone_sql).scalar()
            dead = conn.execute(text("SELECT count(*) FROM tasks WHERE status = 'dead'")).scalar()
            reports = conn.execute(text("SELECT count(*) FROM reports")).scalar()
            violations = conn.execute(text("SELECT count(*) FROM violations")).scalar()
        # Every decision in the audit chain, once, and the chain intact: the listing decisions'
        # entries are sealed after their commits by the web processes (gateway.audit.sealing).
        pending_sql = text("SELECT count(*) FROM audit_pending")
        sealing_started = time.perf_counter()
        with engine.connect() as conn:
            while conn.execute(pending_sql).scalar() and time.perf_counter() - sealing_started < 60:
                time.sleep(0.5)
            audit = {"pending": conn.execute(pending_sql).scalar(),
                     "decisions": conn.execute(text("SELECT count(*) FROM decisions")).scalar(),
                     "decision_entries": conn.execute(text(
                         "SELECT count(*) FROM audit_entries WHERE kind = 'decision.recorded'")).scalar(),
                     "distinct_decision_entries": conn.execute(text(
                         "SELECT count(DISTINCT data->>'decision_id') FROM audit_entries "
                         "WHERE kind = 'decision.recorded'")).scalar()}
        engine.dispose()
        verify_started = time.perf_counter()
        verified = subprocess.run(qw + ["audit", "verify", "--json"], env=env, capture_output=True, text=True)
        audit["verify_seconds"] = round(time.perf_counter() - verify_started, 1)
        report = json.loads(verified.stdout.strip().splitlines()[-1]) if verified.stdout.strip() else {}
        audit["intact"] = verified.returncode == 0 and report.get("intact") is True
        audit["entries"] = report.get("entries")

        result = {"machine": machine(), "minutes": args.minutes, "clients": args.clients,
                  "blocked_share": args.blocked_share, "violations": violations, "reports": reports,
                  "decisions_per_second": round((len(samples["listing"]) + 100 * len(samples["batch"])) / elapsed, 1),
                  "listing": summary("listing"), "batch": summary("batch"), "merchant": summary("merchant"),
                  "documents_accepted": len(accepted["documents"]), "merchants_accepted": len(accepted["merchants"]),
                  "documents_not_finished": len(lost_documents), "merchants_still_pending": len(lost_merchants),
                  "tasks_not_finished": undone, "tasks_dead": dead, "drain_seconds": round(drained, 1),
                  "audit": audit}
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(60)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
        database.close()
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    lost = result["documents_not_finished"] + result["merchants_still_pending"] + result["tasks_not_finished"]
    audit = result["audit"]
    lost += (not audit["intact"]) + audit["pending"] + (audit["decisions"] != audit["distinct_decision_entries"]
                                                       or audit["decisions"] != audit["decision_entries"])
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
