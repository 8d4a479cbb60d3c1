"""What an rq worker runs for every job: one task of the gateway's task table, by id."""
from __future__ import annotations

import threading

from gateway.jobs.runner import run_task
from gateway.monitoring import sweep
from gateway.runtime import Runtime

_runtime: Runtime | None = None
_lock = threading.Lock()


def process_runtime() -> Runtime:
    """This worker process's runtime, built once from the environment (a pool's workers
    are forked: each builds its own, never sharing the parent's database connections)."""
    global _runtime
    with _lock:
        if _runtime is None:
            _runtime = Runtime()
        return _runtime


def run(task_id: str) -> str:
    """The rq job function (gateway.jobs.rq_dispatch.RUN_TASK names it)."""
    return run_task(task_id, process_runtime())


def monitor_sweep() -> str:
    """The scheduled rq job (the pool's CronScheduler): start today's monitoring sweep
    unless it has run; the sweep's own tasks then go through the task table. Returns the run id."""
    run, _ = sweep.start(process_runtime(), None, "schedule")
    return run.id
