"""gateway.db on SQLite: WAL checkpoints happen on their own thread, not in a committing request."""
import os
import threading
import time

import pytest
from sqlalchemy import text

from gateway.db import Database, WalCheckpointer


def _checkpointer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "sqlite-wal-checkpoints" and t.is_alive()]


def test_the_wal_is_copied_back_by_the_checkpointer_thread_and_it_stops_with_the_database(tmp_path):
    path = tmp_path / "db.sqlite3"
    before = len(_checkpointer_threads())
    db = Database(f"sqlite:///{path}")
    try:
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB)"))
        with db.engine.connect() as conn:
            # SQLite's own checkpoint only as a far fallback: a commit never copies the WAL back itself.
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == WalCheckpointer.FALLBACK_PAGES
        assert len(_checkpointer_threads()) == before + 1
        size_before = os.path.getsize(path)
        with db.engine.begin() as conn:  # 4 MB: 1,000 pages, in the WAL until a checkpoint
            conn.execute(text("INSERT INTO blobs (body) VALUES (:b)"), {"b": os.urandom(4 * 1024 * 1024)})
        deadline = time.monotonic() + 10
        while os.path.getsize(path) < size_before + 4 * 1024 * 1024 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert os.path.getsize(path) >= size_before + 4 * 1024 * 1024, "the WAL was not checkpointed"
    finally:
        db.dispose()
    assert len(_checkpointer_threads()) == before


def test_an_in_memory_database_has_no_checkpointer():
    before = len(_checkpointer_threads())
    db = Database("sqlite://")
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        assert len(_checkpointer_threads()) == before
    finally:
        db.dispose()


def test_point_read_sessions_on_postgresql_open_no_transaction(runtime):
    """A point-read session's statements run in autocommit on PostgreSQL: no BEGIN and ROLLBACK
    round trips around a listing decision's reads (READ COMMITTED gives each statement its own
    snapshot either way). Plain read sessions stay transactions (their streamed results use
    server-side cursors, which need one), and so do write sessions."""
    if runtime.db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's read sessions begin deferred (see make_engine)")
    from psycopg.pq import TransactionStatus

    with runtime.db.point_read_sessionmaker() as reader:
        assert reader.execute(text("SELECT 1")).scalar() == 1
        assert reader.connection().connection.dbapi_connection.info.transaction_status == TransactionStatus.IDLE
    with runtime.db.read_sessionmaker() as reader:
        streamed = reader.execute(text("SELECT generate_series(1, 3)"), execution_options={"yield_per": 1})
        assert [row[0] for row in streamed] == [1, 2, 3]
    with runtime.db.session() as writer:
        writer.execute(text("SELECT 1"))
        assert writer.connection().connection.dbapi_connection.info.transaction_status == TransactionStatus.INTRANS


def test_an_idle_pooled_connection_the_server_dropped_is_replaced_before_use(runtime, monkeypatch):
    """Connections idle past PING_AFTER_IDLE_S are pinged at checkout; one the server has
    closed (here: terminated from another session) is replaced, and the caller never sees it."""
    if runtime.db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    import gateway.db

    engine = runtime.db.engine
    victim, killer = engine.connect(), engine.connect()
    pid = victim.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    victim.close()  # back in the pool, first in line for the next checkout
    killer.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
    killer.commit()
    killer.close()
    monkeypatch.setattr(gateway.db, "PING_AFTER_IDLE_S", 0.0)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid


def test_reads_on_postgresql_keep_the_connections_prepared_statements(runtime):
    """psycopg deallocates every prepared statement of a connection when a transaction there
    rolls back. Read-only transactions end with COMMIT instead (they begin READ ONLY, so the
    two are the same), and the statement prepared before the read is still prepared after it;
    a write in one is refused by the server; a write transaction that fails still rolls back."""
    if runtime.db.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's prepared statements")
    from sqlalchemy.exc import DataError, InternalError

    db = Database(runtime.db.url, pool_size=1, max_overflow=0)  # one connection: every block below uses it
    try:
        def prepared() -> set[str]:
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT")
                return set(conn.exec_driver_sql("SELECT statement FROM pg_prepared_statements").scalars())

        hot = "SELECT count(*) FROM pg_class WHERE relname = %(name)s"
        for _ in range(6):  # past psycopg's prepare_threshold (5)
            with db.engine.begin() as conn:
                conn.exec_driver_sql(hot, {"name": "x"})
        assert any("pg_class" in s for s in prepared())

        with db.read_sessionmaker() as reader:  # ended by SQLAlchemy's rollback
            assert reader.execute(text("SELECT 1")).scalar() == 1
        with db.engine.execution_options(qingwang_read_only=True).connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        assert any("pg_class" in s for s in prepared()), "a read wiped the prepared statements"

        with pytest.raises(InternalError, match="read-only transaction"), db.read_sessionmaker() as reader:
            reader.execute(text("CREATE TEMPORARY TABLE scratch (id int)"))
        with db.engine.begin() as conn:  # the same connection writes again: not left READ ONLY
            conn.exec_driver_sql("CREATE TEMPORARY TABLE scratch (id int)")
        with pytest.raises(DataError, match="division by zero"), db.engine.begin() as conn:
            conn.exec_driver_sql("SELECT 1/0")
        assert not any("pg_class" in s for s in prepared()), "a failed write transaction is rolled back as before"
    finally:
        db.dispose()
