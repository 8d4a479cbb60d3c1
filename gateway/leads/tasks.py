"""Lead tasks: ``lead.match``, ``lead.overdue_sweep`` and ``lead.answer``."""
from __future__ import annotations

from gateway.jobs.handlers import task
from gateway.jobs.names import TaskName
from gateway.jobs.outbox import dispatch_after_commit
from gateway.leads.answer import answer_lead
from gateway.leads.services import flag_overdue, match_lead
from gateway.runtime import Runtime


@task(TaskName.LEAD_MATCH)
def match(runtime: Runtime, payload: dict) -> None:
    match_lead(runtime.db, payload["lead_id"])


@task(TaskName.LEADS_OVERDUE)
def overdue_sweep(runtime: Runtime, payload: dict) -> None:
    """Scheduled at each lead's deadline (and run by ``qingwang leads sweep-overdue``): flags
    every lead of the platform (or of all platforms) now past its deadline."""
    with runtime.db.session() as session:
        _, tasks = flag_overdue(session, platform_id=payload.get("platform_id"))
    dispatch_after_commit(runtime.dispatcher, tasks)


@task(TaskName.LEAD_ANSWER)
def answer(runtime: Runtime, payload: dict) -> None:
    answer_lead(runtime, payload["lead_id"])
