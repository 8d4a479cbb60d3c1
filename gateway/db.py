"""SQLAlchemy 2 engine and sessions, shared by the web app, the workers and the CLI.

SQLite (the embedded default) is tuned for a web server with job threads beside it:
WAL so readers never wait for the writer, a busy timeout, and ``BEGIN IMMEDIATE`` so a
transaction that will write takes the write lock up front instead of failing with
SQLITE_BUSY when it upgrades (the SQLAlchemy documentation's pysqlite recipe).
"""
from __future__ import annotations

import contextlib
import sqlite3
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from sqlalchemy import JSON, DateTime, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
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


def make_engine(url: str, **kwargs) -> Engine:
    # SQL parameters are licence numbers, names and credit codes: an error's text (which
    # reaches the logs) shows the statement, never the values.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite:///"):
        # The embedded data directory holds the database and the generated SECRET_KEY: its
        # owner's alone (mode only applies to a directory made here).
        Path(url.removeprefix("sqlite:///")).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30,
                                                  "isolation_level": None}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # Readers (Database.read_session) begin deferred: under WAL they neither wait
            # for nor block the writer, so a lookup made while this thread holds a write
            # transaction on another connection cannot deadlock on it.
            if conn.get_execution_options().get("qingwang_read_only"):
                conn.exec_driver_sql("BEGIN")
            else:
                _begin_immediate(conn.connection.dbapi_connection)

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:  # sizes belong to the default queue pool (the worker pool uses NullPool)
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


#: SQLite's own busy handler sleeps 1, 2, 5, 10 … up to 100 ms between tries, which put a
#: 100 ms tail on listing decisions when two web processes write at once. Transactions
#: here hold the write lock for a millisecond or two, so the lock is taken by trying
#: again after 50 µs, doubling to at most 1 ms, until the same 30 s deadline.
WRITE_LOCK_TIMEOUT_S = 30.0


def _begin_immediate(dbapi_conn) -> None:
    deadline = time.monotonic() + WRITE_LOCK_TIMEOUT_S
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


#: ``Session.info`` key set on a unit of work that holds more than the writes of the service
#: given it (the request's session with an Idempotency-Key's record, gateway.web): a service
#: that may have to undo its own part alone then needs a savepoint.
SHARED_UNIT = "qingwang_shared_unit"


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str, **engine_options):
        self.url = url
        self.engine = make_engine(url, **engine_options)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        #: Sessions that only read (registry lookups, key checks); see make_engine.
        self.read_sessionmaker = sessionmaker(self.engine.execution_options(qingwang_read_only=True),
                                              expire_on_commit=False)

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
        self.engine.dispose()
