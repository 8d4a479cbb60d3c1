"""SQLAlchemy 2 engine and sessions, shared by the web app, the workers and the CLI.

SQLite (the embedded default) is tuned for a web server with job threads beside it:
WAL so readers never wait for the writer, a busy timeout, ``BEGIN IMMEDIATE`` so a
transaction that will write takes the write lock up front instead of failing with
SQLITE_BUSY when it upgrades (the SQLAlchemy documentation's pysqlite recipe), and WAL
checkpoints on a thread of their own rather than inside a committing request (see
:class:`WalCheckpointer`).
"""
from __future__ import annotations

import collections
import contextlib
import fcntl
import gc
import logging
import operator
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import ClassVar, Iterator

from prometheus_client import Histogram
from sqlalchemy import JSON, DateTime, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

class JSONType(TypeDecorator):
    """JSON everywhere, JSONB on PostgreSQL (indexable, compact)."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(JSONB() if dialect.name == "postgresql" else JSON())


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def built(cls: type[Base], values: dict):
    """An instance of a mapped class holding ``values``, filled the way SQLAlchemy's loader fills
    one (its ``__dict__`` set, no attribute events), for rows written with Core statements whose
    objects never enter a Session: a listing decision's listing, decision and audit entry.

    Why: the declarative constructor sends an attribute event per column, and the hot path built
    three such objects per decision (~40 attribute sets, a tenth of its Python calls). Reading an
    attribute behaves as on any transient object; set one later and the events run as usual."""
    instance = cls.__mapper__.class_manager.new_instance()
    instance.__dict__.update(values)
    return instance


def make_engine(url: str, **kwargs) -> Engine:
    # SQL parameters are licence numbers, names and credit codes: an error's text (which
    # reaches the logs) shows the statement, never the values.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite:///"):
        # The embedded data directory holds the database and the generated SECRET_KEY: its
        # owner's alone (mode only applies to a directory made here).
        Path(url.removeprefix("sqlite:///")).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        connect_args = {"check_same_thread": False, "timeout": 30, "isolation_level": None}
        if url.startswith("sqlite:///") and path != ":memory:":
            connect_args["factory"] = _GatedConnection
        engine = create_engine(url, connect_args=connect_args, **kwargs)

        checkpointer = WalCheckpointer(path) if url.startswith("sqlite:///") and path != ":memory:" else None
        # Threads tied to this engine, stopped by Database.dispose (the audit sealer adds itself).
        engine.qingwang_background = [checkpointer] if checkpointer is not None else []

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            if checkpointer is not None:
                # Checkpoints are the checkpointer's; SQLite's own (after a commit that leaves
                # more than this many pages in the WAL) only if it falls far behind.
                cur.execute(f"PRAGMA wal_autocheckpoint={WalCheckpointer.FALLBACK_PAGES}")
                cur.execute(f"PRAGMA journal_size_limit={WalCheckpointer.KEEP_WAL_BYTES}")
                checkpointer.ensure_running()
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # Readers (Database.read_session) begin deferred: under WAL they neither wait
            # for nor block the writer, so a lookup made while this thread holds a write
            # transaction on another connection cannot deadlock on it.
            options = conn.get_execution_options()
            if options.get("qingwang_point_reads"):
                return  # each statement its own snapshot, as on PostgreSQL (Database.point_read_sessionmaker)
            if options.get("qingwang_read_only"):
                conn.exec_driver_sql("BEGIN")
            else:
                _begin_immediate(conn.connection.dbapi_connection)

        return engine
    if "poolclass" not in kwargs:  # sizes belong to the default queue pool (the worker pool uses NullPool)
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine)
    if engine.dialect.driver == "psycopg":
        _end_reads_without_rollback(engine)
    return engine


def _end_reads_without_rollback(engine: Engine) -> None:
    """Read-only transactions (``qingwang_read_only``) on PostgreSQL begin ``READ ONLY`` and end
    with COMMIT, not ROLLBACK.

    Why: psycopg forgets every statement it prepared on a connection whenever a transaction
    there is rolled back (and sends ``DEALLOCATE ALL``): it cannot know the transaction did no
    DDL. SQLAlchemy ends a read by rolling it back, so the audit sealer's look for waiting
    entries, or a registry lookup that missed the cache, wiped the pooled connection's prepared
    listing statements: measured, three in five listing writes and reads went unprepared
    (parsed and planned again by the server) and each wipe cost a round trip. A transaction
    that could not write (``READ ONLY``, refused by the server otherwise) ends the same way
    committed as rolled back; one in error is still rolled back."""
    from psycopg.pq import TransactionStatus

    @event.listens_for(engine, "begin")
    def _begin_read_only(conn):
        read_only = bool(conn.get_execution_options().get("qingwang_read_only"))
        driver = conn.connection.driver_connection
        if (driver.read_only != read_only and not driver.autocommit
                and driver.info.transaction_status == TransactionStatus.IDLE):
            driver.read_only = read_only  # psycopg sends it with its BEGIN: no round trip of its own

    @event.listens_for(engine, "rollback")
    def _commit_read_only(conn):
        # This listener runs outside SQLAlchemy's error handling: a connection already found
        # broken (invalidated), or a commit that fails, is left to the rollback that follows,
        # which handles it (a lost connection is invalidated and the request answered 503).
        if conn.invalidated or not conn.get_execution_options().get("qingwang_read_only"):
            return
        try:
            driver = conn.connection.driver_connection
            if driver.info.transaction_status == TransactionStatus.INTRANS:
                driver.commit()  # SQLAlchemy's rollback that follows finds nothing to roll back
        except Exception:  # noqa: BLE001 - see above
            return


#: A pooled connection unused for this long is pinged before it is handed out.
PING_AFTER_IDLE_S = 2.0


def _ping_when_idle(engine: Engine) -> None:
    """Pessimistic disconnect handling for connections that sat idle (a server restarted while
    nobody used them), without ``pool_pre_ping``'s round trip on every checkout: a listing
    decision checks out twice, so that was two of its thirteen round trips. A connection in
    steady use that the server drops fails its request with a clean 503 (gateway.errors) and
    the pool replaces every connection it holds."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record) -> None:
        record.info["qingwang_checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        checked_in = record.info.get("qingwang_checked_in")
        if checked_in is None or time.monotonic() - checked_in < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - any failure means this connection is gone
            raise DisconnectionError() from exc  # the pool replaces it and checks out again


#: How long a write transaction waits for SQLite's write lock before "database is locked"
#: (answered 503): in the writers' gate, then in SQLite's busy handler or _take_write_lock.
WRITE_LOCK_TIMEOUT_S = 30.0

# SQLite's one write lock is what every writing process waits for: how long writes queue for
# it and how long each holds it tell an operator when the embedded database is the limit (a
# wait near the hold time × the writers at once) and when to move to PostgreSQL. Observed after
# the lock is let go, never inside it.
_LOCK_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30)
WRITE_LOCK_WAIT = Histogram("qingwang_sqlite_write_lock_wait_seconds",
                            "SQLite write transactions: time from asking for the write lock to holding it",
                            buckets=_LOCK_BUCKETS)
WRITE_LOCK_HELD = Histogram("qingwang_sqlite_write_lock_held_seconds",
                            "SQLite write transactions: time the write lock was held, BEGIN IMMEDIATE to the end "
                            "of COMMIT or ROLLBACK", buckets=_LOCK_BUCKETS)


def _begin_immediate(dbapi_conn) -> None:
    deadline = time.monotonic() + WRITE_LOCK_TIMEOUT_S
    if not isinstance(dbapi_conn, _GatedConnection):
        _take_write_lock(dbapi_conn, deadline)
        return
    asked = time.perf_counter()
    dbapi_conn.enter_gate(deadline)
    try:
        # Past the gate no writer of this file in any process that uses it holds the lock, so
        # BEGIN IMMEDIATE takes it at once; the rare writer that bypasses the gate (the sqlite3
        # shell) is waited for by SQLite's own busy handler (busy_timeout, the same 30 s). The
        # fast-retry loop of _take_write_lock would cost two PRAGMA statements inside the lock
        # that every other writer waits for, on every write, for a wait that no longer happens.
        dbapi_conn.execute("BEGIN IMMEDIATE")
    except BaseException:
        dbapi_conn.leave_gate()
        raise
    dbapi_conn.lock_times = (asked, time.perf_counter())


def _take_write_lock(dbapi_conn, deadline: float) -> None:
    # For connections without a gate (a database not in a file): SQLite's busy handler sleeps
    # 1, 2, 5 ... 100 ms between tries, so the lock is tried here every 50 µs, doubling to 1 ms.
    delay = 0.00005
    cur = dbapi_conn.cursor()
    try:
        cur.execute("PRAGMA busy_timeout=0")
        while True:
            try:
                cur.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.001)
    finally:
        cur.execute("PRAGMA busy_timeout=%d" % int(WRITE_LOCK_TIMEOUT_S * 1000))
        cur.close()


class WritersGate:
    """The queue that writers to one SQLite file wait in, before ``BEGIN IMMEDIATE``.

    Why: SQLite has one write lock and no queue. A writer that finds it taken can only try
    again later (its busy handler, or the loop in :func:`_take_write_lock`), so under load the
    lock sat free while waiters slept, and the unlucky ones tried many times: listing decisions
    at 8 connections on two web processes had a p99 of 60-104 ms, 41-54 ms with this queue
    (docs/benchmarks.md). Here the waiters block in the kernel instead and the next one is
    woken the moment the holder commits: within a process on a
    :class:`threading.Lock` (it has a timeout: the same 30 s deadline as before, then
    "database is locked", answered 503), across processes on an ``flock`` of a file beside
    the database, held only by the thread that holds the process's lock. The kernel lets go
    of an ``flock`` when its process dies, so a killed worker never leaves the gate shut. The
    ``flock`` wait has no timeout of its own: it is bounded by the holder's transaction, which
    is statements only (nothing slow is ever done inside one), and a web request stuck past
    gunicorn's timeout takes its process, and its lock, with it.

    While a thread holds the gate, its process's cyclic garbage collector waits
    (``gc.disable``, enabled again on leaving if it was on): a full collection in a web
    worker takes 10-18 ms (its tracked objects reach ~260,000 references: the registry
    cache's records), and one that started inside a write transaction kept every writer of
    every process waiting that long (traced at 8 connections, docs/benchmarks.md). Deferred,
    it runs just after, stalling only its own process. (Reference counting frees as always.)

    A writer that does not pass through here (the sqlite3 shell, another program) is still
    waited for by SQLite's own lock, as before. One gate per database file and process: every
    engine on that file in this process shares it, so two nested write transactions in one
    thread time out as they did before, instead of blocking for ever."""

    # Held by the connections that use them (weakly here): a gate, and its file descriptor, go
    # when the last connection to its database in this process does.
    _gates: ClassVar[weakref.WeakValueDictionary] = weakref.WeakValueDictionary()
    _gates_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, path: str):
        self._threads = threading.Lock()
        self._file = os.open(path + "-writers", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    def __del__(self):
        os.close(self._file)

    @classmethod
    def of(cls, path: str) -> WritersGate:
        key = (os.getpid(), os.path.realpath(path))  # a forked child opens its own file: flock is per open file
        with cls._gates_lock:
            gate = cls._gates.get(key)
            if gate is None:
                gate = cls._gates[key] = cls(key[1])
        return gate

    def enter(self, deadline: float) -> None:
        if not self._threads.acquire(timeout=max(deadline - time.monotonic(), 0)):
            raise sqlite3.OperationalError("database is locked (waited for this process's writers)")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX)  # blocks without the GIL
        except BaseException:
            self._threads.release()
            raise
        self._collector_was_on = gc.isenabled()  # one holder at a time: the thread lock above
        gc.disable()

    def leave(self) -> None:
        try:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        finally:
            self._threads.release()
            if self._collector_was_on:
                gc.enable()


class _GatedConnection(sqlite3.Connection):
    """A sqlite3 connection whose write transactions pass through the file's :class:`WritersGate`:
    entered before ``BEGIN IMMEDIATE`` (:func:`_begin_immediate`), left when the transaction has
    ended (commit, rollback or close), never while SQLite's lock is still held."""

    _gate: WritersGate | None = None  # the gate this connection holds now
    _gate_of: tuple[int, WritersGate] | None = None  # (pid, its file's gate in that process)
    #: (asked for the lock, took it), perf_counter, while a write transaction holds it
    lock_times: tuple[float, float] | None = None

    def enter_gate(self, deadline: float) -> None:
        pid = os.getpid()
        if self._gate_of is None or self._gate_of[0] != pid:
            self._gate_of = (pid, WritersGate.of(self.execute("PRAGMA database_list").fetchone()[2]))
        gate = self._gate_of[1]
        gate.enter(deadline)
        self._gate = gate

    def leave_gate(self) -> None:
        gate, self._gate = self._gate, None
        if gate is not None:
            ended = time.perf_counter()
            gate.leave()
            times, self.lock_times = self.lock_times, None
            if times is not None:
                WRITE_LOCK_WAIT.observe(times[1] - times[0])
                WRITE_LOCK_HELD.observe(ended - times[1])

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self.leave_gate()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            if not self.in_transaction:
                self.leave_gate()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave_gate()


log = logging.getLogger(__name__)


class WalCheckpointer:
    """Copies SQLite's write-ahead log back into the database on a thread of its own.

    SQLite checkpoints by itself in whichever connection commits past 1,000 WAL pages: that
    request then copies pages and fsyncs while still holding the database's single write
    lock, which every other writer waits for. Profiled on the listing path, that was a third
    of the write lock's time and most of its tail. Here a PASSIVE checkpoint (it never waits
    for or blocks writers) runs every ``INTERVAL_S`` on its own connection; sqlite3 releases
    the GIL while it works. SQLite's own checkpoint stays as a fallback, at ``FALLBACK_PAGES``.
    One per process and database file, started with the first connection (again in a forked
    child), stopped by :meth:`stop`.

    Under writes that never pause, the WAL does reach that fallback, and it is what starts the
    WAL again from its beginning: a writer restarts it only if the WAL has been wholly copied
    when its transaction starts and no reader still reads from it, and beside a steady stream
    of writers and readers that is rare. So every ``FALLBACK_PAGES`` pages one committing
    request copies what the last round left and fsyncs, and every request in flight waits for
    it; then the next writer truncated the file to ``KEEP_WAL_BYTES``. Traced at 8
    connections (docs/benchmarks.md): a pause of 10-14 ms and one of ~6 ms every 1.2-1.4 s,
    most of the p99; at 2,000 decisions a second (~38,000 WAL pages a second) a pause of
    12-18 ms every half second. Hence: a size limit above the fallback's size (the file is
    left alone); a fallback at 100,000 pages (400 MB), reached every ~2.6 s at that rate
    instead of every 0.5 s; and, while the WAL holds more than ``BUSY_WAL_FRAMES`` and still
    grows (it is not starting again: writes never pause), rounds every ``BUSY_INTERVAL_S`` instead of
    ``INTERVAL_S``, so the fallback finds ~20 ms of writes to copy rather than ~100 ms. Under
    lighter load the WAL starts again long before it grows, and stays small; the price of the
    sustained case is a WAL file of up to ~400 MB beside the database. (Finishing each round
    inside the writers' gate, so that the WAL restarts every round, cost a pause of 1.6-3.3 ms
    several times a second: the thread holding the gate also waits for the GIL.)
    """

    INTERVAL_S = 0.1
    #: Rounds this often while the WAL holds more than ``BUSY_WAL_FRAMES`` pages (40 MB) and grows.
    BUSY_INTERVAL_S = 0.02
    BUSY_WAL_FRAMES = 10_000
    FALLBACK_PAGES = 100_000  # 400 MB of WAL (at 4 KiB pages) before a committing connection checkpoints itself
    #: The WAL file is truncated to this when it starts again: above the fallback's size, so it is not.
    KEEP_WAL_BYTES = 512 * 1024 * 1024

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def ensure_running(self) -> None:
        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
                return
            self._stop = threading.Event()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, args=(self._stop,), name="sqlite-wal-checkpoints",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and self._pid == os.getpid() and thread is not threading.current_thread():
            thread.join(5)
        self._thread = None

    def _run(self, stop: threading.Event) -> None:
        conn = None
        try:
            interval, last_frames = self.INTERVAL_S, -1
            while not stop.wait(interval):
                try:
                    if conn is None:
                        conn = sqlite3.connect(self.path, timeout=0, isolation_level=None, check_same_thread=False)
                    _busy, wal_frames, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    # Sooner only while the WAL is large and still growing: a large WAL that no one
                    # writes to any more has nothing left to copy, and is left to the usual pace.
                    growing = wal_frames >= self.BUSY_WAL_FRAMES and wal_frames != last_frames
                    interval, last_frames = (self.BUSY_INTERVAL_S if growing else self.INTERVAL_S), wal_frames
                except sqlite3.Error as exc:  # busy (another checkpoint), or the file went away: next round
                    log.debug("WAL checkpoint skipped: %s", exc)
                    if not os.path.exists(self.path):
                        return
        finally:
            if conn is not None:
                conn.close()


def point_reads(engine: Engine) -> Engine:
    """``engine`` for point reads (see ``Database.point_read_sessionmaker``): each statement its
    own snapshot, no transaction around them."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(qingwang_read_only=True, isolation_level="AUTOCOMMIT")
    # sqlite3 runs without a transaction unless one is begun (make_engine): none is
    return engine.execution_options(qingwang_read_only=True, qingwang_point_reads=True)


#: Drivers (SQLite's sqlite3, PostgreSQL's psycopg) that :class:`DirectWrite` and
#: :class:`DirectRead` call themselves.
DIRECT_DRIVERS = frozenset({"pysqlite", "psycopg"})


def _direct(bind: Engine | Connection) -> bool:
    """Whether statements on ``bind`` may go to the driver directly: a driver known here, and
    nothing listening for cursor executes (tests that count or break statements must see each)."""
    dispatch = bind.dispatch
    return not (dispatch.before_cursor_execute or dispatch.after_cursor_execute) and bind.dialect.driver in DIRECT_DRIVERS


def _bind_slots(compiled) -> tuple[bool, list[tuple[str, object]]]:
    """(named, [(name in the SQL, BindParameter)]) of a compiled statement, in the order a
    positional driver (sqlite3's ``?``) takes them; a named one (psycopg's ``%(name)s``) takes a
    dict."""
    if compiled.positiontup is not None:
        return False, [(name, compiled.binds[name]) for name in compiled.positiontup]
    escaped = compiled.escaped_bind_names or {}
    return True, [(escaped.get(name, name), bind) for bind, name in compiled.bind_names.items()]


def _driver_error(exc: Exception, sql: str, dialect, dbapi_connection, invalidate, ismulti: bool = False) -> DBAPIError:
    """A driver's error as SQLAlchemy raises it (an ``IntegrityError`` is still one), and a lost
    connection invalidated so its pool does not hand it out again (what ``Connection.execute``
    does; a PostgreSQL restart mid-load must cost each pooled connection one failure, not all)."""
    disconnect = dialect.is_disconnect(exc, dbapi_connection, None)
    if disconnect:
        invalidate(exc)
    return DBAPIError.instance(sql, None, exc, dialect.loaded_dbapi.Error, hide_parameters=True, dialect=dialect,
                               ismulti=ismulti, connection_invalidated=disconnect)


class DirectWrite:
    """An INSERT or UPDATE that is compiled once and sent on the driver's cursor itself.

    Why not ``Connection.execute``: on the listing hot path SQLAlchemy's execution machinery
    (the compiled cache's look-up, an execution context, a result object) cost several times
    what SQLite spends on the statement, and these statements run inside the database's one
    write lock, which every other writer waits for; on PostgreSQL the same machinery was the
    largest part of the client's CPU for the one-statement listing write. What SQLAlchemy does
    that matters is kept: the SQL is its compilation, each value goes through its column type's
    bind processor (UTC datetimes, JSON), a driver error is raised as SQLAlchemy's (an
    ``IntegrityError`` is still one) and a lost connection is invalidated. Every bind named in
    ``columns`` must be in each row given (no column defaults are applied here; the hot path's
    rows hold every column).

    Another driver, and an engine with a cursor-execute listener (tests that count or break
    statements), take ``Connection.execute``: what listens sees every statement."""

    def __init__(self, statement, columns: tuple[str, ...]):
        self.statement = statement
        self.columns = columns
        self._compiled: dict[str, tuple[str, Callable[[dict], tuple | dict]]] = {}

    def execute(self, connection: Connection, params: dict | list[dict]) -> None:
        self.bind(connection, params).execute(connection)

    def bind(self, bind: Engine | Connection, params: dict | list[dict]) -> BoundWrite:
        """The write with its values put through their column types now (JSON encoded, datetimes
        as UTC), to execute later on a connection of ``bind`` (an Engine or a Connection): a
        caller that binds before ``BEGIN`` keeps that work out of SQLite's write lock."""
        if not _direct(bind):
            return BoundWrite(self.statement, params, None, None)
        sql, row_values = self._compiled.get(bind.dialect.name) or self._compile(bind.dialect)
        return BoundWrite(self.statement, params, sql,
                          [row_values(row) for row in (params if isinstance(params, list) else [params])])

    def _compile(self, dialect) -> tuple[str, Callable[[dict], tuple | dict]]:
        compiled = self.statement.compile(dialect=dialect, column_keys=list(self.columns))
        named, slots = _bind_slots(compiled)
        binds = []
        for name, bind in slots:
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if bind.key in self.columns:
                binds.append((name, bind.key, process, _GIVEN))
            elif not bind.required:  # a value written into the statement (``WHERE id = 1``)
                binds.append((name, name, process, bind.effective_value))
            else:
                raise ValueError(f"bind {name} is neither in columns nor given a value")
        self._compiled[dialect.name] = (compiled.string, _row_values(binds, named))
        return self._compiled[dialect.name]


_GIVEN = object()  # a DirectWrite bind whose value each row gives


class DirectRead:
    """A SELECT of at most one row that is compiled once and sent on the driver's cursor itself:
    :class:`DirectWrite`'s reason, for the reads every listing decision makes (the audit chain's
    head, inside SQLite's write lock; the merchant and the existing listing, before it). Given
    an Engine rather than a Connection it borrows a pooled connection for the one statement,
    without a SQLAlchemy Connection (and, like a point read, without a transaction of its own:
    the statement is its own snapshot; on PostgreSQL the point-read engine's connections are in
    autocommit). Only columns whose types the driver hands back as they are (integers, text)
    may be selected, and only parameters that need no bind processing: both checked when it is
    compiled. The row comes back as a named tuple (``row.name``), a driver error as
    SQLAlchemy's. Another driver, and an engine with a cursor-execute listener, take
    ``Connection.execute``."""

    def __init__(self, statement):
        self.statement = statement
        self._compiled: dict[str, tuple[str, Callable[[dict], tuple | dict], type]] = {}

    def first(self, bind: Connection | Engine, params: dict | None = None):
        if not _direct(bind):
            if isinstance(bind, Engine):
                with bind.connect() as connection:
                    return connection.execute(self.statement, params).first()
            return bind.execute(self.statement, params).first()
        sql, values_of, row_type = self._compiled.get(bind.dialect.name) or self._compile(bind.dialect)
        values = values_of(params)
        if isinstance(bind, Engine):
            borrowed = bind.raw_connection()  # back to the pool (and reset) on close
            try:
                return self._fetch(borrowed.dbapi_connection, sql, values, row_type, bind.dialect, borrowed.invalidate)
            finally:
                borrowed.close()
        return self._fetch(bind.connection.dbapi_connection, sql, values, row_type, bind.dialect, bind.invalidate)

    @staticmethod
    def _fetch(dbapi_connection, sql: str, values, row_type: type, dialect, invalidate):
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(sql, values)
            row = cursor.fetchone()
        except dialect.loaded_dbapi.Error as exc:
            raise _driver_error(exc, sql, dialect, dbapi_connection, invalidate) from exc
        finally:
            cursor.close()
        return None if row is None else row_type._make(row)

    def _compile(self, dialect):
        for column in self.statement.selected_columns:
            if column.type.dialect_impl(dialect).result_processor(dialect, None) is not None:
                raise ValueError(f"{column} needs its type's result processing: not for DirectRead")
        compiled = self.statement.compile(dialect=dialect)
        named, slots = _bind_slots(compiled)
        binds = []
        for name, bind in slots:
            if bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
                raise ValueError(f"parameter {name} needs its type's bind processing: not for DirectRead")
            # given with each call, or a value written into the statement (``WHERE id = 1``)
            binds.append((name, bind.key, None, _GIVEN if bind.required else bind.effective_value))
        row_type = collections.namedtuple("Row", [c.key for c in self.statement.selected_columns], rename=True)
        self._compiled[dialect.name] = (compiled.string, _row_values(binds, named), row_type)
        return self._compiled[dialect.name]


class BoundWrite:
    """A :class:`DirectWrite` with its values bound (:meth:`DirectWrite.bind`), ready to execute."""

    __slots__ = ("params", "sql", "statement", "values")

    def __init__(self, statement, params: dict | list[dict], sql: str | None, values: list | None):
        self.statement, self.params, self.sql, self.values = statement, params, sql, values

    def execute(self, connection: Connection) -> None:
        if self.sql is None or not _direct(connection):
            connection.execute(self.statement, self.params)  # another driver, or an engine with listeners
            return
        values = self.values
        dbapi_connection = connection.connection.dbapi_connection
        cursor = dbapi_connection.cursor()
        try:
            if len(values) == 1:
                cursor.execute(self.sql, values[0])
            else:
                cursor.executemany(self.sql, values)
        except connection.dialect.loaded_dbapi.Error as exc:
            raise _driver_error(exc, self.sql, connection.dialect, dbapi_connection, connection.invalidate,
                                ismulti=len(values) > 1) from exc
        finally:
            cursor.close()


def _row_values(binds: list, named: bool) -> Callable[[dict], tuple | dict]:
    """A row's values for the driver, in the compiled statement's order (a dict by bind name for
    a named paramstyle), each through its column type's bind processor (``binds``: name in the
    SQL, key in the row, processor or None, ``_GIVEN`` or the value written into the statement).
    A listing decision binds ~45 values: taken with one ``itemgetter`` and only the few typed
    ones processed one by one."""
    names = [name for name, _, _, _ in binds]
    processed = [(index, process) for index, (_, _, process, _) in enumerate(binds) if process is not None]
    if any(constant is not _GIVEN for _, _, _, constant in binds) or not binds:
        def values_of(row: dict) -> list:  # a value written into the statement: the general way
            return [row[key] if constant is _GIVEN else constant for _, key, _, constant in binds]
    else:
        take = operator.itemgetter(*[key for _, key, _, _ in binds])
        values_of = (lambda row: list(take(row))) if len(binds) > 1 else (lambda row: [take(row)])

    def row_values(row: dict) -> tuple | dict:
        values = values_of(row)
        for index, process in processed:
            values[index] = process(values[index])
        return dict(zip(names, values)) if named else tuple(values)
    return row_values


#: ``Session.info`` key set on a unit of work that holds more than the writes of the service
#: given it (the request's session with an Idempotency-Key's record, gateway.web): a service
#: that may have to undo its own part alone then needs a savepoint.
SHARED_UNIT = "qingwang_shared_unit"


class Database:
    """The engine and its session factories. ``engines``: every engine with a pool of its own (on
    PostgreSQL a second one, in autocommit), which is what a statement listener must listen on."""

    def __init__(self, url: str, **engine_options):
        self.url = url
        self.engine = make_engine(url, **engine_options)
        if self.engine.dialect.name == "postgresql":
            # Connections of their own, in autocommit from the moment they connect, for the
            # listing path's point reads and one-statement write. On the main engine each use
            # switched a pooled connection to autocommit and back at its return (SQLAlchemy's
            # per-connection isolation level): measured in-process, a decision cost the gateway
            # 6-22 % more CPU that way (6 of 6 paired rounds) and the server more too.
            self._autocommit: Engine = make_engine(url, isolation_level="AUTOCOMMIT", **engine_options)
            self.engines: tuple[Engine, ...] = (self.engine, self._autocommit)
            point_read_engine = self._autocommit.execution_options(qingwang_read_only=True)
        else:
            self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
            self.engines = (self.engine,)
            point_read_engine = point_reads(self.engine)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        #: Sessions that only read (registry lookups, key checks); see make_engine (SQLite: a
        #: deferred BEGIN) and _end_reads_without_rollback (PostgreSQL: READ ONLY, then COMMIT).
        self.read_sessionmaker = sessionmaker(self.engine.execution_options(qingwang_read_only=True),
                                              expire_on_commit=False)
        #: Sessions for a few point reads on a hot path (a listing decision's merchant and existing
        #: listing): each statement its own snapshot, with no BEGIN and ROLLBACK around them (on
        #: PostgreSQL, in autocommit, where READ COMMITTED gives each statement its own snapshot
        #: anyway, they were two of a decision's round trips). Only reads: on SQLite a write here
        #: would not take the write lock first. Not for streamed results: PostgreSQL's
        #: server-side cursors need a transaction.
        self.point_read_sessionmaker = sessionmaker(point_read_engine, expire_on_commit=False)

    def autocommit_connection(self) -> Connection:
        """A connection on which each statement commits by itself, for a write that is one
        statement (a listing decision on PostgreSQL: no BEGIN and COMMIT round trips)."""
        return self._autocommit.connect()

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self):
        # Last added first: the audit sealer's final batch still writes through the engine.
        for background in reversed(getattr(self.engine, "qingwang_background", ())):
            background.stop()
        for engine in reversed(self.engines):
            engine.dispose()
