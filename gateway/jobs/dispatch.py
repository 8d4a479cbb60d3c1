"""What carries task ids to something that runs them: rq on Redis, or an in-process pool."""
from __future__ import annotations

from typing import Protocol


class Dispatcher(Protocol):
    def dispatch(self, task_id: str, kind: str | None = None) -> None:
        """Hand a task id to something that will run it; may raise on outage.
        ``kind`` picks the queue (OCR apart from quick work)."""

    def is_pending(self, task_id: str) -> bool:
        """Whether the task id is already waiting here (not yet started)."""

    def check(self) -> None:
        """Raise unless the dispatcher can accept work."""

    def start(self) -> None:
        """Begin any background machinery (the in-process sweeper); idempotent."""

    def wait_idle(self, timeout: float = 300.0) -> bool:
        """Block until this process has nothing of its own left to run (True), or the
        timeout passes (False). Work run by other processes (rq workers) is not waited for."""

    def shutdown(self) -> None:
        """Stop taking work and let running work finish."""
