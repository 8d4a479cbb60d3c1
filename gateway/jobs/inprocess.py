"""The embedded default: tasks run on a small thread pool inside this process."""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING

from gateway.db import utcnow
from gateway.jobs import outbox
from gateway.jobs.runner import run_task

if TYPE_CHECKING:
    from gateway.runtime import Runtime

log = logging.getLogger(__name__)


#: The lease an in-process task holds, renewed every third of it while the task runs.
LEASE_S = 30.0


class InProcessDispatcher:
    """Runs tasks on a small thread pool inside this process (the embedded default).

    A background sweeper re-dispatches what is due (retries after backoff, work left
    over from a previous run), so the embedded mode keeps the same no-loss guarantee
    as rq: the task table is the record, this pool only executes.

    Threads cannot be killed, so unlike an rq worker this pool has no hard time limit to
    size a lease by. Instead a task holds a short lease that the sweeper renews while it
    runs (a heartbeat): a task that runs long is never taken for abandoned and started a
    second time beside itself (by this process or another web worker), and the tasks of a
    process that died (``kill -9``) are taken over within ``lease_seconds``.
    """

    def __init__(self, runtime: Runtime, threads: int = 2, sweep_interval: float = 1.0,
                 lease_seconds: float = LEASE_S):
        self.runtime = runtime
        self.pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="qw-job")
        self.sweep_interval = sweep_interval
        self.lease_seconds = lease_seconds
        self._pending: set[str] = set()
        self._running_ids: set[str] = set()
        self._renewed_at = 0.0
        self._running = 0
        self._lock = threading.Condition()
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None
        self._started_at: datetime | None = None

    def dispatch(self, task_id: str, kind: str | None = None) -> None:
        self.start()
        with self._lock:
            if task_id in self._pending:
                return
            self._pending.add(task_id)
        self.pool.submit(self._run, task_id)

    def _run(self, task_id: str) -> None:
        with self._lock:
            self._pending.discard(task_id)
            self._running_ids.add(task_id)
            self._running += 1
        try:
            run_task(task_id, self.runtime, lease_seconds=self.lease_seconds)
        except Exception:  # noqa: BLE001 - run_task records failures; this guards the pool
            log.exception("in-process task %s crashed", task_id)
        finally:
            with self._lock:
                self._running_ids.discard(task_id)
                self._running -= 1
                self._lock.notify_all()

    def is_pending(self, task_id: str) -> bool:
        """Waiting here, or running here: either way not to be dispatched again."""
        with self._lock:
            return task_id in self._pending or task_id in self._running_ids

    def renew_leases(self) -> int:
        """The heartbeat: extend the leases of the tasks running here."""
        with self._lock:
            running = sorted(self._running_ids)
        self._renewed_at = time.monotonic()
        if not running:
            return 0
        with self.runtime.db.session() as session:
            return outbox.renew(session, running, self.lease_seconds)

    def check(self) -> None:
        if self._stop.is_set():
            raise RuntimeError("in-process dispatcher is shut down")

    def sweep_once(self) -> int:
        return outbox.sweep(self.runtime.db, self, dispatched_before=self._lost_before())

    def _lost_before(self) -> datetime | None:
        """For a while after this pool starts, the moment it started: a task dispatched
        before then (to a process that has since died with it in memory, ``kill -9``)
        is dispatched again now, not :data:`~gateway.jobs.outbox.REDISPATCH_AFTER` later.
        One still held by another live process is not run twice: only one claims it."""
        if self._started_at is not None and utcnow() - self._started_at < outbox.REDISPATCH_AFTER:
            return self._started_at
        return None

    def start(self) -> None:
        """Start sweeping (at server start it picks up work left from before)."""
        if self._sweeper is None or not self._sweeper.is_alive():
            with self._lock:
                if self._sweeper is None or not self._sweeper.is_alive():
                    self._started_at = self._started_at or utcnow()
                    self._sweeper = threading.Thread(target=self._sweep_loop, name="qw-sweeper", daemon=True)
                    self._sweeper.start()

    def _sweep_loop(self) -> None:
        while not self._stop.wait(self.sweep_interval):
            try:
                if time.monotonic() - self._renewed_at >= self.lease_seconds / 3:
                    self.renew_leases()
                self.sweep_once()
            except Exception:  # noqa: BLE001 - a database hiccup must not kill the sweeper
                log.exception("sweep failed")

    def wait_idle(self, timeout: float = 300.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._pending or self._running:
                    self._lock.wait(timeout=0.2)
                    continue
            if self.sweep_once() == 0:
                with self._lock:
                    if not self._pending and not self._running:
                        return True
        return False

    def shutdown(self) -> None:
        self._stop.set()
        self.pool.shutdown(wait=True, cancel_futures=False)
