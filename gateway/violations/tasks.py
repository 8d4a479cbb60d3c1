"""Violation jobs: the ``violations.escalate`` task (also run by the daily monitor)."""
from __future__ import annotations

from gateway.jobs.handlers import task
from gateway.jobs.names import TaskName
from gateway.jobs.outbox import dispatch_after_commit
from gateway.runtime import Runtime
from gateway.violations.services import escalate_overdue


def escalate(runtime: Runtime) -> list[str]:
    """Report every overdue correct-then-report violation in one transaction; their ids."""
    reported: list[str] = []
    with runtime.db.session() as session:
        tasks = escalate_overdue(session, reported=reported)
    dispatch_after_commit(runtime.dispatcher, tasks)
    return reported


@task(TaskName.VIOLATIONS_ESCALATE)
def escalate_task(runtime: Runtime, payload: dict) -> None:
    escalate(runtime)
