"""Real services a fault test may break: its own redis-server, its own PostgreSQL cluster and
``qingwang serve``, each on a free port, started, stopped and killed by the test. The
machine's own Redis and PostgreSQL (which other tests and people use) are never touched."""
from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import free_port


def wait_for(predicate, timeout: float, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL to the process and everything it started: no clean-up runs."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(30)


class ThrowawayRedis:
    """A redis-server of the test's own, without persistence: killed, it loses every queued
    job, as a Redis that restarts without an AOF does."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        assert wait_for(self.answers, 10), "redis-server did not start"

    def answers(self) -> bool:
        from redis import Redis
        from redis.exceptions import RedisError

        conn = Redis(port=self.port, socket_connect_timeout=0.5)
        try:
            return bool(conn.ping())
        except RedisError:
            return False
        finally:
            conn.close()

    def kill(self) -> None:
        if self.process is not None:
            kill_group(self.process)
            self.process = None


def _pg_bin() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if found:
        return found[-1]
    return os.path.dirname(shutil.which("pg_ctl") or "/usr/bin/pg_ctl")


class ThrowawayPostgres:
    """A PostgreSQL cluster of the test's own (initdb, pg_ctl) on a free port. PostgreSQL
    refuses to run as root, so root runs it as the ``postgres`` user (as scripts/test does)."""

    def __init__(self):
        self.port = free_port()
        self.bin = _pg_bin()
        self.root = Path(tempfile.mkdtemp(prefix="qw-fault-pg-"))
        self.root.chmod(0o755)
        self.data = self.root / "data"
        self.data.mkdir()
        self.log = self.root / "server.log"
        if os.getuid() == 0:
            shutil.chown(self.data, "postgres")
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale")

    def _run(self, tool: str, *args: str) -> None:
        command = [f"{self.bin}/{tool}", *args]
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        env = dict(os.environ, PATH=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
        assert result.returncode == 0, (command, result.stdout[-2000:], result.stderr[-2000:])

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1", "start")

    def stop(self, mode: str = "fast") -> None:
        """``fast``: every session is ended at once (clients see their connection dropped)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def remove(self) -> None:
        try:
            self.stop("immediate")
        except AssertionError:
            pass  # already stopped
        shutil.rmtree(self.root, ignore_errors=True)


class Server:
    """The web process as ``qingwang serve`` runs it (gunicorn with the gateway's config, in
    its own process group) on a free port. Started as ``qingwang serve`` execs it: the
    command itself only checks the settings and the schema first, which the tests did."""

    def __init__(self, env: dict, log: Path):
        self.port = free_port()
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None
        self.metrics_dir: str | None = None  # made for one start (unless env names one), removed by kill()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 45) -> None:
        env = dict(self.env, QINGWANG_BIND=f"127.0.0.1:{self.port}")
        if "PROMETHEUS_MULTIPROC_DIR" not in env:
            self.metrics_dir = env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="qw-fault-metrics-")
        self.process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "python:gateway.gunicorn_conf"],
                                        env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                                        stderr=open(self.log, "ab"))

        def up():
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2).close()
                return True
            except OSError:
                return False

        assert wait_for(up, timeout), self.log.read_text()[-3000:]

    def kill(self) -> None:
        if self.process is not None:
            kill_group(self.process)
            self.process = None
        if self.metrics_dir is not None:  # a SIGKILLed gunicorn removes nothing itself: every run left one in /tmp
            shutil.rmtree(self.metrics_dir, ignore_errors=True)
            self.metrics_dir = None


def call(base: str, method: str, path: str, key: str, body=None, headers: dict | None = None,
         timeout: float = 30) -> tuple[int, dict, object]:
    """One HTTP call: (status, headers, parsed JSON body or None). Connection failures raise."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers={
        "Authorization": f"Bearer {key}", "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw.decode(errors="replace")
        return exc.code, dict(exc.headers), parsed


def listing_world(runtime) -> tuple[str, str, str]:
    """The contract's registry sample, a platform and an approved merchant that may list
    its products: (platform id, API key, merchant id)."""
    from gateway.jobs.outbox import dispatch_after_commit
    from gateway.merchants.models import Merchant
    from gateway.registry.importer import import_snapshot
    from gateway.tenancy.services import create_platform
    from tests.gateway.registry.test_import import CONTRACT

    imported = import_snapshot(runtime.db, CONTRACT, "jsonl")
    runtime.registry.invalidate()
    # The import's own follow-up (re-evaluating what the snapshot touches) runs now, as after
    # `qingwang registry import`, not in the middle of the test.
    dispatch_after_commit(runtime.dispatcher, imported.tasks)
    assert runtime.dispatcher.wait_idle(60)
    with runtime.db.session() as session:
        platform, key = create_platform(session, "故障测试平台", "440000")
        merchant = Merchant(platform_id=platform.id, external_id="fault-merchant", name="深圳示例医疗器械有限公司",
                            uscc="9144030071526726XG", online_sales_filing_number="粤深械网备202301100001",
                            device_classes=[3], profile={}, status="approved", region="440305")
        session.add(merchant)
        session.flush()
        return platform.id, key, merchant.id


def serve_env(runtime, data_dir: Path, **extra) -> dict:
    s = runtime.settings
    env = dict(os.environ, DATABASE_URL=s.database_url, STORAGE_URL=s.storage_url, SECRET_KEY=s.secret_key,
               QINGWANG_DATA_DIR=str(data_dir), LOG_FORMAT="text", LOG_LEVEL="WARNING")
    env.pop("REDIS_URL", None)
    env.update({k: str(v) for k, v in extra.items()})
    return env
