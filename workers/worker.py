"""The rq worker class: jobs run in the worker's own process, under a hard time limit.

rq's stock worker forks a work horse per job, and redash's HardLimitingWorker kills a
horse that overruns. We cannot fork per job: the OCR models would load again for every
job (seconds each), and onnxruntime's thread pools do not survive a fork. So this is
rq's SimpleWorker (jobs in the worker process, models kept warm) with what forking
gave added back:

- a hard limit: a watchdog ends the process when a job overruns its timeout by
  ``JOB_KILL_GRACE`` seconds (rq's SIGALRM timeout cannot interrupt native OCR code);
  the task's lease then runs out and the pool's sweep dispatches it again, until its
  attempts are used up;
- recycling: rq's own ``max_jobs`` (``WORKER_MAX_JOBS``), and a stop after any job that
  leaves the process above ``WORKER_MAX_RSS_MB`` (OCR runtimes are known to leak).
  rq's WorkerPool (workers.pool) starts a fresh process in its place.
"""
from __future__ import annotations

import logging
import os
import resource
import signal
import threading

from rq import Queue, SimpleWorker

from gateway.jobs import handlers
from gateway.observability import configure_logging
from workers.job import process_runtime

log = logging.getLogger("qingwang.worker")
#: Exit status of a worker process ended by the hard limit.
EXIT_KILLED = 70


def _rss_mb() -> float:
    # ru_maxrss is the peak in KiB on Linux: peak is what matters for a leak.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class QingwangWorker(SimpleWorker):
    kill_grace: int = 15
    max_rss_mb: int = 1500

    def work(self, burst: bool = False, logging_level: str | None = None, max_jobs: int | None = None, **kwargs):
        """Set the process up from the gateway's settings, then rq's own loop."""
        settings = process_runtime().settings
        configure_logging(settings.log_level, settings.log_format)
        handlers.load(settings.task_modules)
        self.kill_grace = settings.job_kill_grace
        self.max_rss_mb = settings.worker_max_rss_mb
        kwargs["with_scheduler"] = False  # nothing uses rq's scheduled jobs; the task table has run_after
        return super().work(burst=burst, logging_level=logging_level or settings.log_level.upper(),
                            max_jobs=max_jobs or settings.worker_max_jobs, **kwargs)

    def execute_job(self, job, queue):
        limit = (job.timeout or Queue.DEFAULT_TIMEOUT) + self.kill_grace

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
