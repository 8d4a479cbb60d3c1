"""``qingwang worker`` keeps the monitoring schedule with rq's own CronScheduler: the day's
sweep starts when the pool starts (a missed day caught up), once per date however many
pools run, and through the same task as ``qingwang monitor run``."""
import signal
import subprocess
import sys

import pytest
from redis import Redis
from rq.cron import CronScheduler
from sqlalchemy import select

from gateway.jobs.models import Task
from gateway.monitoring.models import MonitorRun
from gateway.monitoring.sweep import china_today
from tests.faults.services import wait_for
from tests.workers.test_rq_workers import rq_runtime, worker_env  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow


def runs(runtime):
    with runtime.db.session() as session:
        return [(r.swept_on, r.trigger, r.status) for r in session.scalars(select(MonitorRun))]


def test_the_worker_pool_starts_the_days_sweep_on_its_schedule(rq_runtime, tmp_path):  # noqa: F811
    env = worker_env(rq_runtime, LOG_LEVEL="INFO", MONITOR_INTERVAL_S=2)
    log = tmp_path / "worker.log"
    pools = [subprocess.Popen([sys.executable, "-m", "gateway", "worker"], env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=open(log, "ab")) for _ in range(2)]
    try:
        assert wait_for(lambda: runs(rq_runtime) == [(china_today(), "schedule", "done")], 120), \
            (runs(rq_runtime), log.read_text()[-3000:])
        redis = Redis.from_url(rq_runtime.settings.redis_url)
        # rq's registry of cron schedulers knows both pools and their job.
        assert wait_for(lambda: len(CronScheduler.all(redis)) == 2, 30)
        assert {j.name for s in CronScheduler.all(redis) for j in s.get_jobs()} == {"qingwang.monitor_sweep"}
        # Several checks later (every 2 s, two pools), still one run for the date.
        with rq_runtime.db.session() as session:
            sweep_tasks = session.scalars(select(Task.status).where(Task.kind == "monitor.sweep")).all()
        assert sweep_tasks and set(sweep_tasks) == {"done"}
        assert not wait_for(lambda: len(runs(rq_runtime)) > 1, 6)
    finally:
        for pool in pools:
            pool.send_signal(signal.SIGTERM)
        for pool in pools:
            try:
                pool.wait(30)
            except subprocess.TimeoutExpired:
                pool.kill()
                pool.wait(10)
    assert wait_for(lambda: CronScheduler.all(Redis.from_url(rq_runtime.settings.redis_url)) == [], 10)
