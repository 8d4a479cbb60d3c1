"""Sealing entries written to ``audit_pending`` into the chain, in batches.

Why: an entry sealed inside its own transaction locks the chain head until that transaction's
commit is on disk. On PostgreSQL the commit waits for its WAL flush (milliseconds on a virtual
disk), so every listing decision waited for the one before it to reach the disk: one flush
each, one at a time. Written unsealed instead, decisions commit side by side (PostgreSQL
flushes concurrent commits together), and the sealer seals whatever is waiting in one
transaction, one flush for the batch.

What it costs: between its commit and its sealing (tens of milliseconds under load) an entry
is durable but not yet tamper-evident; ``qingwang audit verify`` reports how many entries wait
and since when. The chain's order is the order entries were sealed; ``created_at`` still says
when each thing happened.

Where it runs: :class:`AuditSealer`, a thread in each web process on PostgreSQL (started by
``gateway.wsgi``; on SQLite, whose one writer serialises every commit anyway, entries are sealed
at commit and nothing waits),
woken by the commits that wrote pending entries; every ``IDLE_POLL_S`` it also seals what other
processes left (one killed between its commit and its sealing). The worker pool seals on its
sweep, and ``qingwang audit seal`` does it by hand. Sealers in several processes take turns on
the chain head's lock; each seals what it finds waiting once it holds it.
"""
from __future__ import annotations

import logging
import os
import threading
import time

from sqlalchemy import bindparam, delete, exists, select
from sqlalchemy.engine import Connection, Engine

from gateway.audit.models import AuditPending
from gateway.audit.services import _INSERT_ENTRY, _MOVE_HEAD, _locked_head, entry_hash
from gateway.db import point_reads, utcnow

log = logging.getLogger(__name__)

#: Entries sealed in one transaction at most; more wait for the next.
BATCH = 2000

_PENDING_ROWS = select(AuditPending.position, AuditPending.id, AuditPending.platform_id, AuditPending.kind,
                       AuditPending.subject_type, AuditPending.subject_id, AuditPending.actor, AuditPending.data,
                       AuditPending.created_at).order_by(AuditPending.position).limit(bindparam("batch"))
_ANY_PENDING = select(exists().select_from(AuditPending))
_DELETE_SEALED = delete(AuditPending).where(AuditPending.position.in_(bindparam("positions", expanding=True)))


def seal_pending(engine: Engine, *, batch: int = BATCH) -> int:
    """Seal every entry waiting in ``audit_pending`` (in batches of ``batch``); how many were sealed."""
    sealed = 0
    while True:
        # A look without the head's lock first: on PostgreSQL even ``SELECT … FOR UPDATE`` on
        # the head writes (the row's lock) and its commit waits for a WAL flush. One statement,
        # outside any transaction: one round trip, not BEGIN, the look and its end.
        with point_reads(engine).connect() as connection:
            if not connection.execute(_ANY_PENDING).scalar():
                return sealed
        with engine.begin() as connection:
            count = _seal_batch(connection, batch)
        sealed += count
        if count < batch:
            return sealed


def _seal_batch(connection: Connection, batch: int) -> int:
    # The head first: with its lock held, no other sealer is between its read of the waiting rows
    # and its delete of them, so no entry is sealed twice.
    sequence, prev_hash = _locked_head(connection)
    rows = connection.execute(_PENDING_ROWS, {"batch": batch}).all()
    if not rows:
        return 0
    entries = []
    for row in rows:
        # Give way between entries: this thread shares its web process's GIL with the thread
        # serving requests, and hashing a batch in one go kept that thread waiting for the
        # interpreter's switch interval (5 ms). Traced at 8 connections on PostgreSQL, nine in
        # ten requests over 6 ms overlapped a seal; a sleep of 0 lets a waiting request in.
        time.sleep(0)
        sequence += 1
        digest = entry_hash(row, prev_hash, sequence)
        entries.append({"sequence": sequence, "id": row.id, "platform_id": row.platform_id, "kind": row.kind,
                        "subject_type": row.subject_type, "subject_id": row.subject_id, "actor": row.actor,
                        "data": row.data, "created_at": row.created_at, "prev_hash": prev_hash, "hash": digest})
        prev_hash = digest
    _INSERT_ENTRY.execute(connection, entries)
    # By position, not "up to the last one": on PostgreSQL a transaction that took an earlier
    # position may commit after this read, and its row must wait for the next batch.
    connection.execute(_DELETE_SEALED, {"positions": [row.position for row in rows]})
    _MOVE_HEAD.execute(connection, {"head_sequence": sequence, "head_hash": prev_hash, "head_updated_at": utcnow()})
    return len(rows)


class AuditSealer:
    """A thread that seals pending entries soon after the commits that wrote them.

    A commit that wrote pending entries wakes it; it seals everything waiting, then rests
    ``GAP_S`` before it seals again, so under load each batch gathers the decisions of that
    interval rather than one (on SQLite every batch takes the single write lock). While it
    runs in a process, that process's deferrable entries go to ``audit_pending``
    (:func:`gateway.audit.services.seal`); it is tied to one engine
    (``engine.qingwang_audit_sealer``) and stopped with it (``Database.dispose``), sealing
    what is left as it stops.
    """

    GAP_S = 0.05
    IDLE_POLL_S = 5.0

    def __init__(self, engine: Engine):
        self.engine = engine
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    @classmethod
    def install(cls, engine: Engine) -> AuditSealer:
        """The engine's sealer, created once and started in this process (again after a fork)."""
        sealer = getattr(engine, "qingwang_audit_sealer", None)
        if sealer is None:
            sealer = engine.qingwang_audit_sealer = cls(engine)
            engine.qingwang_background = [*getattr(engine, "qingwang_background", ()), sealer]
        sealer.start()
        return sealer

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and self._pid == os.getpid() and thread.is_alive() and not self._stop.is_set()

    def start(self) -> None:
        with self._lock:
            if self.running:
                return
            self._stop, self._wake = threading.Event(), threading.Event()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, args=(self._stop, self._wake), name="audit-sealer",
                                            daemon=True)
            self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Stop the thread (if it is this process's) and seal what is still waiting."""
        thread = self._thread
        self._stop.set()
        self._wake.set()
        if thread is not None and self._pid == os.getpid() and thread is not threading.current_thread():
            thread.join(10)
            try:
                seal_pending(self.engine)
            except Exception:  # noqa: BLE001 - the engine may be going away; the next sealer seals them
                log.warning("pending audit entries left for the next sealer", exc_info=True)
        self._thread = None

    def _run(self, stop: threading.Event, wake: threading.Event) -> None:
        # A first round at once: what a process killed before its sealing left behind.
        while not stop.is_set():
            wake.clear()
            try:
                seal_pending(self.engine)
            except Exception:  # noqa: BLE001 - a database hiccup: the entries wait, durable, for the next round
                log.exception("sealing pending audit entries failed; retrying")
                stop.wait(1.0)
            stop.wait(self.GAP_S)
            wake.wait(self.IDLE_POLL_S)
