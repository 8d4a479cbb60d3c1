"""``qingwang worker``: rq workers with hard time limits and recycling, under a supervisor.

Why not rq's stock forking worker: it forks a fresh work horse per job, so the OCR
models would be loaded again for every job (seconds each). Our worker runs jobs in
its own process (rq's SimpleWorker), keeping models warm, and makes up for what
forking gave:

- a hard limit: a watchdog thread ends the process when a job overruns its timeout by
  ``JOB_KILL_GRACE`` seconds (rq's SIGALRM timeout cannot interrupt native OCR code);
- recycling: the process exits after ``WORKER_MAX_JOBS`` jobs or when its memory
  passes ``WORKER_MAX_RSS_MB`` (OCR runtimes are known to leak);
- the supervisor starts a fresh process whenever one ends, and sweeps the task table so
  that work whose worker died, or that never reached Redis, is dispatched again.
"""
from __future__ import annotations

import logging
import os
import resource
import signal
import subprocess
import sys
import threading
import time

from rq import SimpleWorker

log = logging.getLogger("qingwang.worker")
EXIT_DONE = 0  # burst: the queues are empty
EXIT_RECYCLE = 75  # stopped to be replaced (job count or memory limit reached)
EXIT_KILLED = 70  # a job overran its hard limit


def _rss_mb() -> float:
    # ru_maxrss is the peak in KiB on Linux: peak is what matters for a leak.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class QingwangWorker(SimpleWorker):
    kill_grace: int = 15
    max_rss_mb: int = 1500

    def execute_job(self, job, queue):
        limit = (job.timeout or self.default_worker_ttl) + self.kill_grace

        def _overrun():
            log.error("job overran its hard limit; ending the worker process",
                      extra={"job_id": job.id, "limit_s": limit})
            logging.shutdown()
            os._exit(EXIT_KILLED)

        watchdog = threading.Timer(limit, _overrun)
        watchdog.daemon = True
        watchdog.start()
        try:
            return super().execute_job(job, queue)
        finally:
            watchdog.cancel()
            if _rss_mb() > self.max_rss_mb:
                log.warning("worker memory %.0f MB above limit; recycling", _rss_mb())
                self.request_stop(signal.SIGTERM, None)


def run_child(queues: list[str], burst: bool) -> int:
    """One worker process: run jobs until told to stop, burst ends, or recycling."""
    from redis import Redis

    from gateway.config import Settings
    from gateway.observability import configure_logging
    from workers.runner import _load_handlers, process_runtime

    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    _load_handlers()
    process_runtime()  # connect once; handlers may warm models on first use
    redis = Redis.from_url(settings.redis_url)
    worker = QingwangWorker(queues, connection=redis)
    worker.kill_grace = settings.job_kill_grace
    worker.max_rss_mb = settings.worker_max_rss_mb
    worker.work(burst=burst, max_jobs=settings.worker_max_jobs, with_scheduler=False,
                logging_level=settings.log_level.upper())
    waiting = sum(queue.count for queue in worker.queues)
    return EXIT_DONE if burst and not waiting else EXIT_RECYCLE


def sweep(dispatcher, runtime) -> int:
    """Dispatch what is due in the task table and not already waiting in Redis."""
    from gateway.jobs.models import Task
    from gateway.jobs.outbox import due_for_dispatch

    with runtime.db.session() as session:
        ids = due_for_dispatch(session)
        kinds = dict(session.query(Task.id, Task.kind).filter(Task.id.in_(ids)).all()) if ids else {}
    sent = 0
    for task_id in ids:
        try:
            if not dispatcher.is_pending(task_id):
                dispatcher.dispatch(task_id, kinds.get(task_id))
                sent += 1
        except Exception as exc:  # noqa: BLE001 - Redis down: try again next sweep
            log.warning("sweep could not dispatch %s: %s", task_id, exc)
            break
    return sent


class Supervisor:
    def __init__(self, queues: list[str], processes: int, burst: bool, sweep_interval: float = 2.0):
        from gateway.runtime import Runtime

        self.queues = queues
        self.processes = processes
        self.burst = burst
        self.sweep_interval = sweep_interval
        self.runtime = Runtime()
        self.children: list[subprocess.Popen] = []
        self.stopping = False

    def _spawn(self) -> subprocess.Popen:
        cmd = [sys.executable, "-m", "workers.worker", "--child", ",".join(self.queues)]
        if self.burst:
            cmd.append("--burst")
        return subprocess.Popen(cmd)

    def _stop(self, signum, _frame):
        log.info("supervisor stopping (signal %s); letting running jobs finish", signum)
        self.stopping = True
        for child in self.children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    def _outstanding(self) -> int:
        """Tasks a burst run must still see through: running (possibly on a dead
        worker, until its lease runs out) or due now."""
        from sqlalchemy import func, or_, select

        from gateway.db import utcnow
        from gateway.jobs.models import Task

        with self.runtime.db.session() as session:
            return session.scalar(select(func.count()).select_from(Task).where(or_(
                Task.status == "running", (Task.status == "queued") & (Task.run_after <= utcnow())))) or 0

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        if not self.runtime.settings.redis_url:
            log.error("qingwang worker needs REDIS_URL; without it, jobs run inside `qingwang serve`")
            return 2
        dispatcher = self.runtime.dispatcher
        sweep(dispatcher, self.runtime)
        children: list[subprocess.Popen | None] = [self._spawn() for _ in range(self.processes)]
        self.children = children
        last_sweep = time.monotonic()
        while True:
            time.sleep(0.2)
            if time.monotonic() - last_sweep > self.sweep_interval and not self.stopping:
                sweep(dispatcher, self.runtime)
                last_sweep = time.monotonic()
            for i, child in enumerate(children):
                code = None if child is None else child.poll()
                if child is None or code is None or self.stopping:
                    continue
                if self.burst and code == EXIT_DONE:
                    children[i] = None  # this one found the queues empty
                    continue
                if code not in (EXIT_RECYCLE, EXIT_DONE):
                    log.warning("worker process %s exited with %s; starting a fresh one", child.pid, code)
                    time.sleep(1)
                children[i] = self._spawn()
            self.children = [c for c in children if c is not None]
            if self.stopping and all(c.poll() is not None for c in self.children):
                return 0
            if self.burst and all(c is None for c in children):
                # Queues are empty; wait out leases of jobs whose worker died, so a
                # burst run ends with every task finished or buried.
                if self._outstanding() == 0:
                    return 0
                if sweep(dispatcher, self.runtime):
                    children = [self._spawn() for _ in range(self.processes)]
                    self.children = children
                last_sweep = time.monotonic()


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        return run_child(argv[1].split(","), burst="--burst" in argv)
    raise SystemExit("use `qingwang worker`")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
