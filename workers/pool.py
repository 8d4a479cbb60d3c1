"""``qingwang worker``: rq's WorkerPool running QingwangWorkers, sweeping the task table.

rq's pool starts the worker processes and starts a fresh one whenever one ends
(recycled after its job count or memory, or killed by the hard limit). Beside that it
sweeps the task table every few seconds, so work whose worker died, whose dispatch was
lost, or that arrived while Redis was down reaches the queues again: accepted work is
delayed by an outage, never dropped.

It also keeps the schedule: rq's own :class:`rq.cron.CronScheduler`, driven from the
pool's loop rather than a loop of its own, enqueues :func:`workers.job.monitor_sweep`
at start and then every ``MONITOR_INTERVAL_S`` (an hour): the job starts the day's
monitoring sweep unless that date was swept, so a worker down at midnight catches up
when it comes back, and several pools on several hosts sweep a date once.

``--burst`` runs rounds of rq's own burst pool until the task table has nothing left to
run, waiting out the leases of jobs whose worker died, so a burst ends with every task
finished or buried.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime

from redis import Redis
from redis.exceptions import RedisError
from rq.cron import CronScheduler
from rq.worker_pool import WorkerData, WorkerPool
from sqlalchemy.pool import NullPool

from gateway.audit.sealing import seal_pending
from gateway.config import Settings
from gateway.db import Database, utcnow
from gateway.jobs import outbox
from gateway.jobs.rq_dispatch import RQDispatcher
from gateway.observability import configure_logging
from workers.job import monitor_sweep
from workers.worker import QingwangWorker

log = logging.getLogger("qingwang.worker")
SWEEP_INTERVAL_S = 2.0


class QingwangPool(WorkerPool):
    def __init__(self, queues: list[str], settings: Settings, processes: int):
        redis = Redis.from_url(settings.redis_url)
        super().__init__(queues, connection=redis, num_workers=processes, worker_class=QingwangWorker)
        # No pooled connections: the pool forks its workers, and a connection inherited
        # across a fork would be closed under the parent's feet by the child's exit.
        self.db = Database(settings.database_url, poolclass=NullPool)
        self.dispatcher = RQDispatcher(settings.redis_url, job_timeout=settings.job_timeout)
        self._last_sweep = 0.0
        self._queue_down = False
        self._redis_run_id: str | None = None
        self._queue_back_at: datetime | None = None
        self.cron: CronScheduler | None = None
        if settings.monitor_interval_s > 0:
            self.cron = CronScheduler(connection=redis, logging_level=settings.log_level.upper())
            self.cron.register(monitor_sweep, queue_name="default", interval=settings.monitor_interval_s,
                               job_timeout=settings.job_timeout, name="qingwang.monitor_sweep")

    def start_schedule(self) -> None:
        if self.cron is not None:
            self.cron.register_birth()

    def stop_schedule(self) -> None:
        if self.cron is not None:
            try:
                self.cron.register_death()
            except Exception:  # noqa: BLE001 - Redis gone at shutdown: its entry expires by itself
                log.warning("could not unregister the scheduler")

    def schedule(self) -> None:
        """Enqueue the scheduled jobs that are due (rq's CronScheduler, one step of its loop)."""
        try:
            if self.cron.enqueue_jobs():
                self.cron.save()
            self.cron.heartbeat()
        except Exception:  # noqa: BLE001 - Redis down: the job is enqueued on a later step
            log.exception("schedule failed")

    def sweep(self) -> int:
        self._last_sweep = time.monotonic()
        try:
            # Entries a web process wrote but did not live to seal (gateway.audit.sealing).
            seal_pending(self.db.engine)
        except Exception:  # noqa: BLE001 - they wait, durable, for the next sweep or web process
            log.exception("sealing pending audit entries failed")
        try:
            lost_before = self._queue_lost_before()
        except RedisError as exc:
            # Nothing can be dispatched now; the task table keeps the work until Redis is back.
            if not self._queue_down:
                log.warning("redis unreachable; sweeping resumes when it answers: %s", type(exc).__name__)
            self._queue_down = True
            return 0
        try:
            return outbox.sweep(self.db, self.dispatcher, dispatched_before=lost_before)
        except Exception:  # noqa: BLE001 - a database hiccup must not stop the pool
            log.exception("sweep failed")
            return 0

    def _queue_lost_before(self) -> datetime | None:
        """After Redis was unreachable or restarted (a new ``run_id``: without persistence
        it lost every queued job), the moment it came back: tasks dispatched before then
        may be gone and are dispatched again now rather than after
        :data:`~gateway.jobs.outbox.REDISPATCH_AFTER`. None in ordinary times."""
        run_id = self.dispatcher.redis.info("server")["run_id"]
        if self._queue_down or (self._redis_run_id is not None and run_id != self._redis_run_id):
            self._queue_back_at = utcnow()
            log.warning("redis is back; dispatching again what it may have lost")
        self._queue_down, self._redis_run_id = False, run_id
        if self._queue_back_at is not None and utcnow() - self._queue_back_at < outbox.REDISPATCH_AFTER:
            return self._queue_back_at
        self._queue_back_at = None
        return None

    def check_workers(self, respawn: bool = True) -> None:
        if time.monotonic() - self._last_sweep >= SWEEP_INTERVAL_S and self.status != self.Status.STOPPED:
            self.sweep()
        if self.cron is not None and not self._burst and self.status != self.Status.STOPPED:
            self.schedule()
        super().check_workers(respawn=respawn)

    def handle_dead_worker(self, worker_data: WorkerData) -> None:
        # rq logs only that a worker died; the exit status says why (70: hard limit).
        log.info("worker process %s exited with %s", worker_data.pid, worker_data.process.exitcode)
        super().handle_dead_worker(worker_data)

    def run_burst(self, logging_level: str) -> None:
        self.sweep()
        while self.status != self.Status.STOPPED:
            self.start(burst=True, logging_level=logging_level)
            if self.status == self.Status.STOPPED or outbox.outstanding(self.db) == 0:
                return
            # Jobs are left in the queues (a worker was recycled), or a task is still
            # running on a dead worker: sweep until its lease runs out, then another round.
            while not self.queued() and self.sweep() == 0 and outbox.outstanding(self.db):
                time.sleep(SWEEP_INTERVAL_S)

    def queued(self) -> int:
        return sum(queue.count for queue in self.queues)


def run_workers(queues: list[str], processes: int, burst: bool) -> int:
    """Run the pool until stopped (or, with ``burst``, until no work is left); exit status."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    if not settings.redis_url:
        log.error("qingwang worker needs REDIS_URL; without it, jobs run inside `qingwang serve`")
        return 2
    pool = QingwangPool(queues, settings, processes)
    if burst:
        pool.run_burst(settings.log_level.upper())
    else:
        pool.sweep()
        pool.start_schedule()
        try:
            pool.start(burst=False, logging_level=settings.log_level.upper())
        finally:
            pool.stop_schedule()
    return 0
