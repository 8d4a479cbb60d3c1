"""Creating, claiming, finishing and re-dispatching tasks."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from gateway.db import utcnow
from gateway.jobs.models import Task

log = logging.getLogger(__name__)

#: A dispatched task not started after this long is dispatched again (lost on the way).
REDISPATCH_AFTER = timedelta(seconds=60)


def enqueue(session: Session, kind: str, payload: dict, *, delay: float = 0, max_attempts: int = 5) -> Task:
    """Record a task in the caller's transaction; dispatch its id after commit."""
    now = utcnow()
    task = Task(kind=kind, payload=payload, status="queued", attempts=0, max_attempts=max_attempts,
                run_after=now + timedelta(seconds=delay), dispatched_at=now if delay <= 0 else None)
    session.add(task)
    session.flush()
    return task


def dispatch_after_commit(dispatcher, tasks: list[Task]) -> None:
    """Hand committed tasks to the dispatcher; an outage is logged and left to the sweeper."""
    for task in tasks:
        try:
            dispatcher.dispatch(task.id, task.kind)
        except Exception as exc:  # noqa: BLE001 - any outage: the row is safe, the sweeper retries
            log.warning("dispatch of %s failed, the sweeper will retry: %s", task.id, exc)


def claim(session: Session, task_id: str, lease_seconds: float) -> Task | None:
    """Atomically take a due task (or one whose runner's lease ran out); None if not ours."""
    now = utcnow()
    result = session.execute(
        update(Task)
        .where(Task.id == task_id,
               or_((Task.status == "queued") & (Task.run_after <= now),
                   (Task.status == "running") & (Task.lease_until < now)))
        .values(status="running", attempts=Task.attempts + 1, lease_until=now + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    return session.get(Task, task_id, populate_existing=True)


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff: 2, 4, 8 … seconds, capped at one hour."""
    return float(min(2 ** attempts, 3600))


def finish(session: Session, task_id: str) -> None:
    session.execute(update(Task).where(Task.id == task_id)
                    .values(status="done", finished_at=utcnow(), lease_until=None, last_error=None))


def fail(session: Session, task: Task, error: str, retry_in: float | None = None) -> bool:
    """Record a failed attempt; return True when the task is now dead (no more retries).
    ``retry_in`` replaces the default backoff (a handler may know better, e.g. webhooks)."""
    dead = task.attempts >= task.max_attempts
    values = {"last_error": error[-4000:], "lease_until": None}
    if dead:
        values.update(status="dead", finished_at=utcnow())
    else:
        delay = backoff_seconds(task.attempts) if retry_in is None else retry_in
        values.update(status="queued", run_after=utcnow() + timedelta(seconds=delay),
                      dispatched_at=None)
    session.execute(update(Task).where(Task.id == task.id).values(**values))
    return dead


def due_for_dispatch(session: Session, limit: int = 200) -> list[str]:
    """Task ids the sweeper should dispatch now, marked as dispatched."""
    now = utcnow()
    rows = session.scalars(
        select(Task.id).where(or_(
            (Task.status == "queued") & (Task.run_after <= now)
            & (Task.dispatched_at.is_(None) | (Task.dispatched_at < now - REDISPATCH_AFTER)),
            # A runner's lease ran out (it died): dispatch once per expiry, not every sweep,
            # and again if that dispatch was lost too (rq's clean-up of the dead worker's
            # "started" job can swallow a job re-enqueued under the same id).
            (Task.status == "running") & (Task.lease_until < now)
            & (Task.dispatched_at.is_(None) | (Task.dispatched_at < Task.lease_until)
               | (Task.dispatched_at < now - REDISPATCH_AFTER)),
        )).order_by(Task.run_after).limit(limit)
    ).all()
    if rows:
        session.execute(update(Task).where(Task.id.in_(rows)).values(dispatched_at=now)
                        .execution_options(synchronize_session=False))
    return list(rows)
