"""Runs one task by id: claim it, call its handler, record the outcome.

The in-process pool calls it directly; rq workers call it through ``workers.job.run``
with their process's runtime. Everything but the id is in the task row. Handlers
(:mod:`gateway.jobs.handlers`) get the runtime and the task's payload.
"""
from __future__ import annotations

import logging
import traceback
from typing import TYPE_CHECKING

from gateway.jobs import handlers, outbox
from gateway.jobs.models import Task

if TYPE_CHECKING:
    from gateway.runtime import Runtime

log = logging.getLogger(__name__)

#: The lease outlasts the worker's hard kill (job timeout + grace) by this much, counted
#: from a moment before the claim, so the sweeper never re-dispatches a task whose worker
#: is still about to be killed.
LEASE_MARGIN_S = 2


def run_task(task_id: str, runtime: Runtime, lease_seconds: float | None = None) -> str:
    """Run a task if it is due and nobody else holds it; returns what happened.

    ``lease_seconds``: how long the claim holds without renewal. By default it outlasts
    the rq worker's hard kill; the in-process pool, which has no hard kill, takes a short
    one and renews it while the task runs (gateway.jobs.inprocess)."""
    settings = runtime.settings
    handlers.load(settings.task_modules)
    if lease_seconds is None:
        lease_seconds = settings.job_timeout + settings.job_kill_grace + LEASE_MARGIN_S
    with runtime.db.session() as session:
        task = outbox.claim(session, task_id, lease_seconds=lease_seconds)
        if task is None:
            return "skipped"
        kind, payload, attempts = task.kind, dict(task.payload), task.attempts
        max_attempts = task.max_attempts or settings.job_max_attempts
    entry = handlers.HANDLERS.get(kind)
    if entry is None:
        _record_failure(runtime, task_id, f"no handler for task kind {kind!r}", max_attempts, force_dead=True)
        return "dead"
    if attempts > max_attempts:
        # The runner died (killed for overrunning, or crashed) on every attempt so far.
        _record_failure(runtime, task_id, "attempts exhausted: the worker died while running this task",
                        max_attempts, force_dead=True, entry=entry, payload=payload)
        return "dead"
    log.info("task start", extra={"task_id": task_id, "kind": kind, "attempt": attempts})
    try:
        entry.func(runtime, payload)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded and retried or buried
        error = "".join(traceback.format_exception_only(exc)).strip()
        log.warning("task failed", extra={"task_id": task_id, "kind": kind, "attempt": attempts, "error": error})
        dead = _record_failure(runtime, task_id, traceback.format_exc(), max_attempts, entry=entry, payload=payload,
                               summary=error, retry_in=getattr(exc, "retry_in", None))
        return "dead" if dead else "retry"
    with runtime.db.session() as session:
        outbox.finish(session, task_id)
    log.info("task done", extra={"task_id": task_id, "kind": kind})
    return "done"


def _record_failure(runtime: Runtime, task_id: str, error: str, max_attempts: int, *, force_dead: bool = False,
                    entry: handlers.Handler | None = None, payload: dict | None = None, summary: str | None = None,
                    retry_in: float | None = None) -> bool:
    with runtime.db.session() as session:
        task = session.get(Task, task_id)
        if force_dead:
            task.attempts = max(task.attempts, max_attempts)
        dead = outbox.fail(session, task, error, max_attempts, retry_in)
    if dead and entry is not None and entry.on_dead is not None:
        try:
            entry.on_dead(runtime, payload or {}, summary or error.strip().splitlines()[-1])
        except Exception:  # noqa: BLE001 - burying must not raise into the queue
            log.exception("on_dead handler failed for %s", task_id)
    return dead
