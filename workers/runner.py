"""Runs one task by id: claim it, call its handler, record the outcome.

rq calls :func:`run_task` by dotted path with only the task id; everything else is in
the task row. Handlers register with :func:`handler` and get the process's
:class:`~gateway.runtime.Runtime` and the task's payload.
"""
from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from typing import Callable

from gateway.jobs import outbox
from gateway.jobs.models import Task
from gateway.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Handler:
    func: Callable[[Runtime, dict], None]
    #: Called once when the task has used up its attempts, to leave the subject in a
    #: clear final state (a document marked failed, a delivery marked undeliverable).
    on_dead: Callable[[Runtime, dict, str], None] | None = None


HANDLERS: dict[str, Handler] = {}
_runtime: Runtime | None = None


def handler(kind: str, on_dead=None):
    def register(func):
        HANDLERS[kind] = Handler(func, on_dead)
        return func

    return register


def process_runtime() -> Runtime:
    """The runtime of a worker process, built once from the environment."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime()
    return _runtime


def _load_handlers() -> None:
    # Importing the modules registers their handlers; QINGWANG_TASK_MODULES names extra
    # modules (deployment plug-ins, test handlers) to import as well.
    import importlib
    import os

    import workers.tasks  # noqa: F401

    for module in filter(None, os.environ.get("QINGWANG_TASK_MODULES", "").split(",")):
        importlib.import_module(module.strip())


LEASE_MARGIN_S = 2


def run_task(task_id: str, runtime: Runtime | None = None) -> str:
    """Run a task if it is due and nobody else holds it; returns what happened."""
    _load_handlers()
    runtime = runtime or process_runtime()
    settings = runtime.settings
    with runtime.db.session() as session:
        # The lease outlasts the worker's hard kill (job timeout + grace, counted from a
        # moment before this claim) so the sweeper never re-dispatches a task whose
        # worker is still about to be killed.
        task = outbox.claim(session, task_id,
                            lease_seconds=settings.job_timeout + settings.job_kill_grace + LEASE_MARGIN_S)
        if task is None:
            return "skipped"
        kind, payload, attempts, max_attempts = task.kind, dict(task.payload), task.attempts, task.max_attempts
    entry = HANDLERS.get(kind)
    if entry is None:
        _record_failure(runtime, task_id, f"no handler for task kind {kind!r}", force_dead=True)
        return "dead"
    if attempts > max_attempts:
        # The runner died (killed for overrunning, or crashed) on every attempt so far.
        _record_failure(runtime, task_id, "attempts exhausted: the worker died while running this task",
                        force_dead=True, entry=entry, payload=payload)
        return "dead"
    log.info("task start", extra={"task_id": task_id, "kind": kind, "attempt": attempts})
    try:
        entry.func(runtime, payload)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded and retried or buried
        error = "".join(traceback.format_exception_only(exc)).strip()
        log.warning("task failed", extra={"task_id": task_id, "kind": kind, "attempt": attempts, "error": error})
        dead = _record_failure(runtime, task_id, traceback.format_exc(), entry=entry, payload=payload,
                               summary=error, retry_in=getattr(exc, "retry_in", None))
        return "dead" if dead else "retry"
    with runtime.db.session() as session:
        outbox.finish(session, task_id)
    log.info("task done", extra={"task_id": task_id, "kind": kind})
    return "done"


def _record_failure(runtime, task_id, error, *, force_dead=False, entry=None, payload=None, summary=None,
                    retry_in=None) -> bool:
    with runtime.db.session() as session:
        task = session.get(Task, task_id)
        if force_dead:
            task.attempts = max(task.attempts, task.max_attempts)
        dead = outbox.fail(session, task, error, retry_in)
    if dead and entry is not None and entry.on_dead is not None:
        try:
            entry.on_dead(runtime, payload or {}, summary or error.strip().splitlines()[-1])
        except Exception:  # noqa: BLE001 - burying must not raise into the queue
            log.exception("on_dead handler failed for %s", task_id)
    return dead
