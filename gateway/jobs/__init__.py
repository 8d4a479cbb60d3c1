"""Background jobs: a durable task table plus a dispatcher (rq on Redis, or in-process).

``enqueue`` writes a :class:`~gateway.jobs.models.Task` in the caller's transaction;
after commit the caller hands the ids to the dispatcher. Handlers live in ``workers/``
and are looked up by the task's ``kind``.
"""
from __future__ import annotations

from typing import Protocol


class Dispatcher(Protocol):
    def dispatch(self, task_id: str, kind: str | None = None) -> None:
        """Hand a task id to something that will run it; may raise on outage.
        ``kind`` picks the queue (OCR apart from quick work)."""

    def is_pending(self, task_id: str) -> bool:
        """Whether the task id is already waiting in this dispatcher (not yet started)."""

    def check(self) -> None:
        """Raise unless the dispatcher can accept work."""
