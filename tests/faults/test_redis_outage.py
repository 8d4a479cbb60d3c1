"""Redis goes away while merchants are submitted: the API accepts and persists, and the work
resumes from the outbox (the task table) when Redis returns.

The test runs a redis-server of its own (never the machine's) and a ``qingwang worker``
pool against it. The server is killed (SIGKILL, no persistence: whatever it had queued is
gone, as after a crash), merchants and their licences are submitted meanwhile, then Redis
starts again, empty, on the same port. The pool that ran throughout (and swept while
Redis was down) must pick the accepted work up again, at once rather than after the
sweeper's one-minute re-dispatch window, and finish it: every document read, every
merchant decided."""
import subprocess
import sys
import time

import pytest
from rq import Worker

from gateway.app import create_app
from gateway.runtime import Runtime
from tests.conftest import _new_platform, empty_all_tables, make_settings
from tests.faults.services import ThrowawayRedis, kill_group, wait_for
from tests.faults.test_kill_9 import Api, _all_done
from tests.workers.test_rq_workers import worker_env
from workers.pool import SWEEP_INTERVAL_S

pytestmark = [pytest.mark.slow, pytest.mark.faults]


@pytest.fixture
def redis_server(tmp_path):
    server = ThrowawayRedis(tmp_path)
    server.start()
    yield server
    server.kill()


def test_merchants_submitted_while_redis_is_down_are_kept_and_finished_when_it_returns(
        database_url, tmp_path, redis_server):
    runtime = Runtime(make_settings(database_url, tmp_path, redis_url=redis_server.url))
    worker = None
    try:
        _, key = _new_platform(runtime)
        api = Api(key, client=create_app(runtime=runtime).test_client())
        env = worker_env(runtime, LOG_LEVEL="WARNING")
        worker = subprocess.Popen([sys.executable, "-m", "gateway", "worker"], env=env, start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=open(tmp_path / "worker.log", "ab"))
        assert wait_for(lambda: Worker.count(connection=runtime.dispatcher.redis) > 0, 30), (
            (tmp_path / "worker.log").read_text()[-3000:])  # the pool is up and listening

        redis_server.kill()
        started = time.monotonic()
        for n in (0, 1):
            api.submit(n)  # each call asserts 201 for the documents and 202 for the merchant
        assert time.monotonic() - started < 10, "the API waited on Redis"
        time.sleep(SWEEP_INTERVAL_S + 1)  # the pool sweeps at least once with Redis down
        state = _all_done(runtime, api)
        assert not state["done"] and state["tasks"].get("queued"), state  # accepted, persisted, waiting

        redis_server.start()  # empty: the jobs of the submissions above were never queued
        assert wait_for(lambda: _all_done(runtime, api)["done"], 45, every=0.5), (
            _all_done(runtime, api), (tmp_path / "worker.log").read_text()[-3000:])
        assert worker.poll() is None, "the worker pool did not outlive the outage"
    finally:
        if worker is not None:
            kill_group(worker)
        runtime.close()
        empty_all_tables(runtime)
