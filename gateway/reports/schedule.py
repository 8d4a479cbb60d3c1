"""Periodic reports on a schedule (定期报送): per platform and region, monthly by default.

:func:`run_due` is what the scheduler calls once a day (the ``report.scheduled`` task, or
``qingwang reports run-schedule`` from cron): every enabled schedule whose latest complete period
has not been requested yet gets its report, and every period it missed in between (a scheduler
that was down for a month catches up, at most :data:`MAX_CATCH_UP` periods). ``last_period``
moves in the same transaction as the reports it requested, so a second run the same day, or two
schedulers at once, request nothing twice.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db import utcnow
from gateway.errors import NotFound, field_error
from gateway.reports.models import CADENCES, Report, ReportSchedule
from gateway.reports.services import check_region, request_report
from verifiers.reports.periods import following_period, last_complete_period, parse_period

MAX_CATCH_UP = 12


def set_schedule(session: Session, platform_id: str, region: str, cadence: str = "monthly",
                 enabled: bool = True) -> ReportSchedule:
    """Create or change the schedule of ``region``'s periodic report."""
    check_region(region)
    if cadence not in CADENCES:
        raise field_error("json", "cadence", f"周期应为 {'/'.join(CADENCES)}", f"cadence must be one of {', '.join(CADENCES)}")
    schedule = session.get(ReportSchedule, (platform_id, region))
    if schedule is None:
        schedule = ReportSchedule(platform_id=platform_id, region=region, created_at=utcnow())
        session.add(schedule)
    elif schedule.cadence != cadence:
        schedule.last_period = None  # a new cadence starts from its own latest period
    schedule.cadence, schedule.enabled, schedule.updated_at = cadence, enabled, utcnow()
    session.flush()
    return schedule


def list_schedules(session: Session, platform_id: str | None = None) -> list[ReportSchedule]:
    query = select(ReportSchedule).order_by(ReportSchedule.platform_id, ReportSchedule.region)
    if platform_id is not None:
        query = query.where(ReportSchedule.platform_id == platform_id)
    return list(session.scalars(query))


def delete_schedule(session: Session, platform_id: str, region: str) -> None:
    schedule = session.get(ReportSchedule, (platform_id, region))
    if schedule is None:
        raise NotFound("该地区没有定期报送计划", "No schedule for that region")
    session.delete(schedule)


def due_periods(schedule: ReportSchedule, today: date) -> list[str]:
    """The periods ``schedule`` owes on ``today`` (Beijing date), oldest first."""
    latest = last_complete_period(schedule.cadence, today)
    if schedule.last_period is None:
        return [latest.key]
    done = parse_period(schedule.last_period)
    due = []
    period = following_period(done)
    while period.start <= latest.start and len(due) < MAX_CATCH_UP:
        due.append(period.key)
        period = following_period(period)
    return due


def run_due(session: Session, today: date, platform_id: str | None = None) -> tuple[list[Report], list]:
    """Request every report the schedules owe on ``today``; returns the reports and their tasks."""
    query = select(ReportSchedule).where(ReportSchedule.enabled.is_(True)).with_for_update()
    if platform_id is not None:
        query = query.where(ReportSchedule.platform_id == platform_id)
    reports, tasks = [], []
    for schedule in session.scalars(query.order_by(ReportSchedule.platform_id, ReportSchedule.region)).all():
        for period in due_periods(schedule, today):
            report, new_tasks = request_report(session, schedule.platform_id, schedule.region, period, "schedule")
            reports.append(report)
            tasks.extend(new_tasks)
            schedule.last_period, schedule.updated_at = period, utcnow()
    return reports, tasks
