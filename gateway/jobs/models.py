from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, JSONType, UTCDateTime, utcnow
from gateway.ids import new_id


class TaskStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    DEAD = "dead"


class Task(Base):
    """One unit of background work, written in the same transaction as what caused it.

    This table, not the queue, is the record of work to do (a transactional outbox):
    rq or the in-process pool only carry task ids. A Redis outage, a crash between
    commit and enqueue, or a killed worker leaves the row here, and the sweeper
    dispatches it again, so accepted work is delayed, never dropped.
    """

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_status_run_after", "status", "run_after"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("task"))
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSONType(), default=dict)
    #: queued -> running -> done; or back to queued with a later run_after; or dead.
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Attempts before the task is buried: the kind's own count (webhooks follow their retry
    #: schedule), or None for the running process's JOB_MAX_ATTEMPTS.
    max_attempts: Mapped[int | None] = mapped_column(Integer)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
