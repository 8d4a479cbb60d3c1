"""``kill -9`` of the web process or of a worker loses no accepted submission.

Each test accepts real submissions (licence uploads and the merchants that rest on them),
kills the process doing the work (SIGKILL to its whole process group: no clean-up runs)
while that work is under way, starts again, and checks that everything accepted ends
done: documents read, merchants decided, every task finished."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest
from sqlalchemy import func, select

from gateway.app import create_app
from gateway.documents.models import Document
from gateway.jobs.models import Task, TaskStatus
from gateway.merchants.models import Merchant
from gateway.runtime import Runtime
from tests.conftest import _new_platform, empty_all_tables, make_settings
from tests.faults.services import Server, serve_env
from tests.render import BUSINESS_LICENCE_LINES, LICENCE_LINES, render_lines
from tests.workers.test_rq_workers import worker_env

pytestmark = [pytest.mark.slow, pytest.mark.faults]
MERCHANT = {"name": "深圳示例医疗器械有限公司", "uscc": "9144030071526726XG", "device_classes": [3],
            "online_sales_filing_number": "粤深械网备202301100001"}


def _multipart(data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.png\"\r\n"
            f"Content-Type: image/png\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


class Api:
    """A platform calling a gateway over HTTP (a real server) or a test client (the
    worker test's web side): what it was told is accepted is what must end done."""

    def __init__(self, key: str, base: str | None = None, client=None):
        self.key, self.base, self.client = key, base, client
        self.documents, self.merchants = [], []

    def _call(self, method, path, body: bytes, ctype: str):
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": ctype}
        if self.client is not None:
            response = self.client.open(path, method=method, data=body, headers=headers)
            return response.status_code, response.get_json()
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, None

    def submit(self, n: int) -> None:
        """One merchant with two documents of its own (distinct bytes: distinct documents)."""
        ids = []
        for lines in (BUSINESS_LICENCE_LINES, LICENCE_LINES):
            status, doc = self._call("POST", "/v1/documents", *_multipart(render_lines(lines + [f"编号 {n}"])))
            assert status in (200, 201), status
            ids.append(doc["id"])
            self.documents.append(doc["id"])
        body = json.dumps(dict(MERCHANT, external_id=f"shop-{n}", document_ids=ids)).encode()
        status, merchant = self._call("POST", "/v1/merchants", body, "application/json")
        assert status == 202, status
        self.merchants.append(merchant["id"])


def _kill_group(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(30)


def _all_done(runtime: Runtime, api: Api) -> dict:
    with runtime.db.session() as s:
        docs = s.scalars(select(Document.status).where(Document.id.in_(api.documents))).all()
        merchants = s.scalars(select(Merchant.status).where(Merchant.id.in_(api.merchants))).all()
        tasks = dict(s.execute(select(Task.status, func.count()).group_by(Task.status)).all())
        unfinished = [(t.kind, t.status, t.attempts, (t.last_error or "")[-300:]) for t in
                      s.scalars(select(Task).where(Task.status != TaskStatus.DONE))]
    return {"documents": sorted(set(docs)), "merchants": sorted(set(merchants)), "tasks": tasks,
            "unfinished": unfinished,
            "done": (len(docs) == len(api.documents) and "processing" not in docs
                     and len(merchants) == len(api.merchants) and "pending" not in merchants
                     and set(tasks) == {TaskStatus.DONE})}


def _reading(runtime: Runtime) -> set[str]:
    """The document.process tasks running now (OCR under way)."""
    with runtime.db.session() as s:
        return set(s.scalars(select(Task.id).where(Task.kind == "document.process",
                                                   Task.status == TaskStatus.RUNNING)))


def _attempts(runtime: Runtime, task_ids: set[str]) -> set[int]:
    with runtime.db.session() as s:
        return set(s.scalars(select(Task.attempts).where(Task.id.in_(task_ids))))


def _wait(predicate, timeout: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()


def test_kill_9_of_the_web_process_loses_no_accepted_submission(fault_runtime, tmp_path):
    """The embedded mode: jobs run inside ``qingwang serve``. Killed with OCR under way,
    the restarted server's sweeper takes the dead one's tasks over (their leases, short
    and no longer renewed, run out) and finishes them."""
    runtime = fault_runtime
    _, key = _new_platform(runtime)
    server = Server(serve_env(runtime, tmp_path, WEB_WORKERS=1, INPROCESS_LEASE_SECONDS=3), tmp_path / "serve.log")
    api = Api(key, base=server.base)
    server.start()
    try:
        api.submit(0)
        assert _wait(lambda: _reading(runtime), 30, every=0.05)
    finally:
        server.kill()
    killed = _reading(runtime)  # killed mid-OCR: these tasks' runner is gone
    server.start()
    try:
        assert _wait(lambda: _all_done(runtime, api)["done"], 40, every=0.5), _all_done(runtime, api)
        assert killed and min(_attempts(runtime, killed)) >= 2  # run again, to the end
    finally:
        server.kill()


def test_kill_9_of_a_worker_loses_no_accepted_submission(database_url, tmp_path, redis_url):
    """With Redis: a ``qingwang worker`` pool killed mid-job. Its task's lease (the job
    timeout and kill grace) runs out, the next worker's sweep dispatches it again."""
    runtime = Runtime(make_settings(database_url, tmp_path, redis_url=redis_url))
    try:
        _, key = _new_platform(runtime)
        api = Api(key, client=create_app(runtime=runtime).test_client())
        api.submit(0)
        env = worker_env(runtime, JOB_TIMEOUT=8, JOB_KILL_GRACE=1, LOG_LEVEL="WARNING")
        worker = subprocess.Popen([sys.executable, "-m", "gateway", "worker"], env=env, start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=open(tmp_path / "worker.log", "ab"))
        try:
            assert _wait(lambda: _reading(runtime), 30, every=0.05), (
                (tmp_path / "worker.log").read_text()[-2000:])
        finally:
            _kill_group(worker)
        killed = _reading(runtime)
        result = subprocess.run([sys.executable, "-m", "gateway", "worker", "--burst"], env=env,
                                capture_output=True, text=True, timeout=50)
        assert result.returncode == 0, result.stderr[-3000:]
        state = _all_done(runtime, api)
        assert state["done"], (state, result.stderr[-3000:])
        assert killed and min(_attempts(runtime, killed)) >= 2
    finally:
        runtime.close()
        empty_all_tables(runtime)
