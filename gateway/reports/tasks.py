"""Report jobs: ``report.generate``, ``report.deliver`` and the daily ``report.scheduled``."""
from __future__ import annotations

import time
from datetime import date, datetime

from gateway.jobs.handlers import task
from gateway.jobs.names import TaskName
from gateway.jobs.outbox import dispatch_after_commit
from gateway.reports import delivery, schedule, services
from gateway.reports.channels import Answer
from gateway.runtime import Runtime
from verifiers.reports.periods import CHINA_TZ


class DeliveryFailed(Exception):
    """An attempt the channel did not accept; ``retry_in`` tells the task machinery when to try again."""

    def __init__(self, message: str, retry_in: float):
        super().__init__(message)
        self.retry_in = retry_in


def _report_failed(runtime: Runtime, payload: dict, error: str) -> None:
    with runtime.db.session() as session:
        services.mark_failed(session, payload["report_id"], error)


@task(TaskName.REPORT_GENERATE, on_dead=_report_failed)
def generate_report(runtime: Runtime, payload: dict) -> None:
    services.generate(runtime, payload["report_id"])


def _delivery_failed(runtime: Runtime, payload: dict, error: str) -> None:
    with runtime.db.session() as session:
        delivery.mark_failed(session, payload["delivery_id"], error)


@task(TaskName.REPORT_DELIVER, on_dead=_delivery_failed)
def deliver_report(runtime: Runtime, payload: dict) -> None:
    # Three steps and no transaction across the send (a bureau's mail server may take a minute).
    with runtime.db.session() as session:
        outgoing = delivery.prepare(session, payload["delivery_id"], runtime.settings.secret_key, runtime.outbound)
    if outgoing is None:
        return
    started = time.monotonic()
    try:
        answer = outgoing.transport.send(delivery.load_parcel(runtime.storage, outgoing))
    except FileNotFoundError:
        answer = Answer(False, {}, "file_missing")
    ms = round((time.monotonic() - started) * 1000, 1)
    with runtime.db.session() as session:
        retry_in, tasks = delivery.record_attempt(session, outgoing, answer, ms)
    dispatch_after_commit(runtime.dispatcher, tasks)
    if retry_in is not None:
        raise DeliveryFailed(answer.error or "undelivered", retry_in)


def run_schedules(runtime: Runtime, today: date | None = None, platform_id: str | None = None) -> list[str]:
    """Request the periodic reports due ``today`` (Beijing date by default); returns their ids."""
    today = today or datetime.now(CHINA_TZ).date()
    with runtime.db.session() as session:
        reports, tasks = schedule.run_due(session, today, platform_id)
        ids = [r.id for r in reports]
    dispatch_after_commit(runtime.dispatcher, tasks)
    return ids


@task(TaskName.REPORTS_SCHEDULED)
def scheduled_reports(runtime: Runtime, payload: dict) -> None:
    """What the daily scheduler enqueues: ``{"date": "2026-12-01"}`` (optional; default today)."""
    run_schedules(runtime, date.fromisoformat(payload["date"]) if payload.get("date") else None)
