"""Creating, claiming, finishing and re-dispatching tasks (the transactional outbox)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from gateway.db import Database, utcnow
from gateway.jobs.dispatch import Dispatcher
from gateway.jobs.models import Task, TaskStatus

log = logging.getLogger(__name__)

#: A dispatched task not started after this long is dispatched again (lost on the way).
REDISPATCH_AFTER = timedelta(seconds=60)
#: Tasks one sweep looks at.
SWEEP_LIMIT = 200


def enqueue(session: Session, kind: str, payload: dict, *, delay: float = 0,
            max_attempts: int | None = None) -> Task:
    """Record a task in the caller's transaction; dispatch its id after commit.

    ``max_attempts`` None leaves the count to the running process's JOB_MAX_ATTEMPTS."""
    now = utcnow()
    task = Task(kind=str(kind), payload=payload, status=TaskStatus.QUEUED, attempts=0,
                max_attempts=max_attempts, run_after=now + timedelta(seconds=delay),
                dispatched_at=now if delay <= 0 else None)
    session.add(task)
    session.flush()
    return task


def leave_to_sweeper(tasks: list[Task]) -> None:
    """Tasks whose maker cannot dispatch them after commit (a signal receiver deep inside a
    caller that dispatches only its own tasks): the next sweep dispatches them, instead of
    the sweep after ``REDISPATCH_AFTER``."""
    for task in tasks:
        task.dispatched_at = None


def dispatch_after_commit(dispatcher: Dispatcher, tasks: list[Task]) -> None:
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
               or_((Task.status == TaskStatus.QUEUED) & (Task.run_after <= now),
                   (Task.status == TaskStatus.RUNNING) & (Task.lease_until < now)))
        .values(status=TaskStatus.RUNNING, attempts=Task.attempts + 1,
                lease_until=now + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    return session.get(Task, task_id, populate_existing=True)


def renew(session: Session, task_ids: list[str], lease_seconds: float) -> int:
    """Extend the leases of tasks this process is running (a heartbeat), so that no sweeper
    takes them for abandoned while they still run; returns how many were renewed. A lease
    that already ran out is not renewed: the task may be someone else's by now."""
    if not task_ids:
        return 0
    now = utcnow()
    result = session.execute(update(Task).where(Task.id.in_(task_ids), Task.status == TaskStatus.RUNNING,
                                                Task.lease_until >= now)
                             .values(lease_until=now + timedelta(seconds=lease_seconds))
                             .execution_options(synchronize_session=False))
    return result.rowcount


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff: 2, 4, 8 … seconds, capped at one hour."""
    return float(min(2 ** attempts, 3600))


def finish(session: Session, task_id: str) -> None:
    session.execute(update(Task).where(Task.id == task_id)
                    .values(status=TaskStatus.DONE, finished_at=utcnow(), lease_until=None, last_error=None))


def fail(session: Session, task: Task, error: str, max_attempts: int, retry_in: float | None = None) -> bool:
    """Record a failed attempt; return True when the task is now dead (no more retries).
    ``max_attempts`` is the task's own, else the process's; ``retry_in`` replaces the
    default backoff (a handler may know better, e.g. webhooks)."""
    dead = task.attempts >= max_attempts
    values = {"last_error": error[-4000:], "lease_until": None}
    if dead:
        values.update(status=TaskStatus.DEAD, finished_at=utcnow())
    else:
        delay = backoff_seconds(task.attempts) if retry_in is None else retry_in
        values.update(status=TaskStatus.QUEUED, run_after=utcnow() + timedelta(seconds=delay), dispatched_at=None)
    session.execute(update(Task).where(Task.id == task.id).values(**values))
    return dead


def due_for_dispatch(session: Session, limit: int = 200,
                     dispatched_before: datetime | None = None) -> list[tuple[str, str]]:
    """(id, kind) of the tasks the sweeper should dispatch now, marked as dispatched.

    ``dispatched_before``: a queued task dispatched before this moment counts as lost on
    the way (default: :data:`REDISPATCH_AFTER` ago). After a queue outage the sweeper
    passes the moment the queue came back: whatever was dispatched before it may be gone."""
    now = utcnow()
    lost_before = now - REDISPATCH_AFTER if dispatched_before is None else dispatched_before
    rows = session.execute(
        select(Task.id, Task.kind).where(or_(
            (Task.status == TaskStatus.QUEUED) & (Task.run_after <= now)
            & (Task.dispatched_at.is_(None) | (Task.dispatched_at < lost_before)),
            # A runner's lease ran out (it died): dispatch once per expiry, not every sweep,
            # and again if that dispatch was lost too (rq's clean-up of the dead worker's
            # "started" job can swallow a job re-enqueued under the same id).
            (Task.status == TaskStatus.RUNNING) & (Task.lease_until < now)
            & (Task.dispatched_at.is_(None) | (Task.dispatched_at < Task.lease_until)
               | (Task.dispatched_at < now - REDISPATCH_AFTER)),
        )).order_by(Task.run_after).limit(limit)
    ).all()
    if rows:
        session.execute(update(Task).where(Task.id.in_([r.id for r in rows])).values(dispatched_at=now)
                        .execution_options(synchronize_session=False))
    return [(r.id, r.kind) for r in rows]


def sweep(db: Database, dispatcher: Dispatcher, dispatched_before: datetime | None = None) -> int:
    """Dispatch what is due in the task table and not already waiting in the dispatcher:
    work whose runner died, whose dispatch was lost, or whose retry time came. Returns
    how many were dispatched; stops at the first outage (the next sweep tries again).
    ``dispatched_before``: see :func:`due_for_dispatch`."""
    with db.session() as session:
        due = due_for_dispatch(session, SWEEP_LIMIT, dispatched_before)
    sent = 0
    for task_id, kind in due:
        try:
            if not dispatcher.is_pending(task_id):
                dispatcher.dispatch(task_id, kind)
                sent += 1
        except Exception as exc:  # noqa: BLE001 - Redis down: try again next sweep
            log.warning("sweep could not dispatch %s: %s", task_id, exc)
            break
    return sent


def outstanding(db: Database) -> int:
    """Tasks still to be seen through: running (possibly on a dead runner, until its lease
    runs out) or due now."""
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Task).where(or_(
            Task.status == TaskStatus.RUNNING,
            (Task.status == TaskStatus.QUEUED) & (Task.run_after <= utcnow())))) or 0
