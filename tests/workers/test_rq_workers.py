"""Real rq workers (``qingwang worker``) against real Redis: processing, outages, hard limits."""
import io
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import update

from gateway.app import create_app
from gateway.db import utcnow
from gateway.documents.models import Document
from gateway.jobs import outbox
from gateway.jobs.models import Task
from gateway.runtime import Runtime
from tests.conftest import _new_platform, empty_all_tables, make_settings
from tests.render import render_lines

pytestmark = pytest.mark.slow


@pytest.fixture
def rq_runtime(database_url, tmp_path, redis_url):
    runtime = Runtime(make_settings(database_url, tmp_path, redis_url=redis_url))
    yield runtime
    runtime.close()
    empty_all_tables(runtime)


def worker_env(runtime, **extra):
    s = runtime.settings
    env = dict(os.environ, DATABASE_URL=s.database_url, STORAGE_URL=s.storage_url, REDIS_URL=s.redis_url or "",
               SECRET_KEY=s.secret_key, LOG_FORMAT="text", LOG_LEVEL="INFO")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_worker_burst(runtime, timeout=180, **extra):
    return subprocess.run([sys.executable, "-m", "gateway", "worker", "--burst"], env=worker_env(runtime, **extra),
                          capture_output=True, text=True, timeout=timeout)


def upload(runtime, data):
    client = create_app(runtime=runtime).test_client()
    auth = {"Authorization": f"Bearer {_new_platform(runtime)[1]}"}
    response = client.post("/v1/documents", headers=auth, data={"file": (io.BytesIO(data), "licence.png")})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def document(runtime, doc_id):
    with runtime.db.session() as s:
        return s.get(Document, doc_id)


def test_worker_processes_an_uploaded_licence(rq_runtime):
    doc_id = upload(rq_runtime, render_lines())
    assert document(rq_runtime, doc_id).status == "processing"
    result = run_worker_burst(rq_runtime)
    assert result.returncode == 0, result.stderr[-2000:]
    doc = document(rq_runtime, doc_id)
    assert doc.status == "processed", (doc.error, result.stderr[-2000:])
    assert doc.type == "device_business_licence"
    assert doc.fields["uscc"]["value"] == "9144030071526726XG"


def test_redis_outage_delays_work_without_losing_it(rq_runtime, database_url, tmp_path):
    down = Runtime(make_settings(database_url, tmp_path, redis_url="redis://127.0.0.1:1/0"))
    try:
        doc_id = upload(down, render_lines(["营业执照", "名称：示例有限公司"]))
    finally:
        down.close()
    with rq_runtime.db.session() as s:
        task = s.query(Task).one()
        assert task.status == "queued"
        # Time passes: the sweeper's re-dispatch window opens.
        s.execute(update(Task).values(dispatched_at=utcnow() - timedelta(minutes=2)))
    result = run_worker_burst(rq_runtime)
    assert result.returncode == 0, result.stderr[-2000:]
    assert document(rq_runtime, doc_id).status == "processed"


def test_hard_time_limit_ends_a_stuck_job_and_buries_it(rq_runtime):
    with rq_runtime.db.session() as s:
        task = outbox.enqueue(s, "test.native_hang", {"seconds": 120}, max_attempts=2)
    rq_runtime.settings.job_timeout = 1
    rq_runtime.dispatcher.dispatch(task.id, task.kind)
    result = run_worker_burst(rq_runtime, timeout=120, QINGWANG_TASK_MODULES="tests.workers.tasks_for_tests",
                              JOB_TIMEOUT=1, JOB_KILL_GRACE=1)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "overran its hard limit" in result.stderr
    assert "exited with 70" in result.stderr
    with rq_runtime.db.session() as s:
        buried = s.get(Task, task.id)
    assert buried.status == "dead"
    assert "worker died" in buried.last_error


def test_worker_recycles_after_max_jobs(rq_runtime):
    from gateway.tenancy.services import create_platform

    with rq_runtime.db.session() as s:
        platform, _ = create_platform(s, "回收测试", "440000")
        tasks = [outbox.enqueue(s, "test.record", {"platform_id": platform.id, "who": str(i)}) for i in range(3)]
    for task in tasks:
        rq_runtime.dispatcher.dispatch(task.id, task.kind)
    result = run_worker_burst(rq_runtime, QINGWANG_TASK_MODULES="tests.workers.tasks_for_tests", WORKER_MAX_JOBS=1)
    assert result.returncode == 0, result.stderr[-2000:]
    with rq_runtime.db.session() as s:
        assert {t.status for t in s.query(Task).all()} == {"done"}
    # One process per job: rq logs each worker's birth.
    assert result.stderr.count("Worker ") >= 3 or result.stderr.count("started with PID") >= 3, result.stderr[-3000:]


def test_worker_without_redis_refuses_clearly(rq_runtime):
    env = worker_env(rq_runtime)
    env.pop("REDIS_URL")
    result = subprocess.run([sys.executable, "-m", "gateway", "worker", "--burst"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "REDIS_URL" in result.stderr


def test_queues_are_taken_in_order_with_reports_last():
    """A worker takes decisions and re-checks first, then webhooks, then OCR, and generates
    reports last: a burst of violations (one immediate report each) must not leave merchants'
    licences unread behind it. ``qingwang worker`` listens to all of them by default."""
    from click.testing import CliRunner

    from gateway.cli import cli
    from gateway.jobs.names import QUEUES, TaskName, queue_for

    assert QUEUES == ("default", "webhooks", "ocr", "reports")
    assert queue_for(TaskName.REPORT_GENERATE) == "reports"
    assert queue_for(TaskName.DOCUMENT_PROCESS) == "ocr"
    assert queue_for(TaskName.REPORT_DELIVER) == queue_for(TaskName.WEBHOOK_DELIVER) == "webhooks"
    assert queue_for(TaskName.LISTINGS_RECHECK) == "default"
    assert set(map(queue_for, TaskName)) == set(QUEUES)  # every queue a task can land on is listened to
    usage = CliRunner().invoke(cli, ["worker", "--help"]).output
    assert "default,webhooks,ocr,reports" in usage


def test_a_job_taken_off_its_queue_by_a_worker_that_died_is_dispatched_again(rq_runtime):
    """rq marks a job queued until a worker starts it; a worker killed between taking it off
    the queue and starting it leaves it marked queued in no queue. The sweeper must not take
    that mark for "waiting in Redis": the task is dispatched again and its work done."""
    from gateway.jobs.rq_dispatch import RQDispatcher

    doc_id = upload(rq_runtime, render_lines(["营业执照", "名称：示例有限公司"]))
    dispatcher = RQDispatcher(rq_runtime.settings.redis_url, 60)
    try:
        with rq_runtime.db.session() as s:
            task = s.query(Task).one()
        queue = dispatcher.queue("ocr")
        assert dispatcher.is_pending(task.id) and queue.get_job_position(task.id) is not None
        dispatcher.redis.lrem(queue.key, 0, task.id)  # what the dead worker's pop left behind
        assert not dispatcher.is_pending(task.id)
        with rq_runtime.db.session() as s:  # time passes: the re-dispatch window opens
            s.execute(update(Task).values(dispatched_at=utcnow() - timedelta(minutes=2)))
        assert outbox.sweep(rq_runtime.db, dispatcher) == 1
        assert queue.get_job_position(task.id) is not None
    finally:
        dispatcher.shutdown()
    result = run_worker_burst(rq_runtime)
    assert result.returncode == 0, result.stderr[-2000:]
    assert document(rq_runtime, doc_id).status == "processed"
