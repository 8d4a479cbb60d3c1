"""gateway.db on SQLite: WAL checkpoints happen on their own thread, not in a committing request."""
import json
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
            # ...and when the WAL starts again after it, the file is not truncated as well.
            page = conn.exec_driver_sql("PRAGMA page_size").scalar()
            limit = conn.exec_driver_sql("PRAGMA journal_size_limit").scalar()
            assert limit == WalCheckpointer.KEEP_WAL_BYTES > WalCheckpointer.FALLBACK_PAGES * page * 1.2
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


def test_the_checkpointer_comes_back_sooner_while_the_wal_is_large_and_growing(tmp_path, monkeypatch):
    """A WAL that writes never let start again is checkpointed every BUSY_INTERVAL_S, not every
    INTERVAL_S, so SQLite's fallback (in a committing request) finds little left to copy; once
    no one writes, the usual pace again."""
    import sqlite3

    import gateway.db

    monkeypatch.setattr(WalCheckpointer, "INTERVAL_S", 0.5)
    monkeypatch.setattr(WalCheckpointer, "BUSY_INTERVAL_S", 0.02)
    monkeypatch.setattr(WalCheckpointer, "BUSY_WAL_FRAMES", 100)
    rounds: list[float] = []
    connect = sqlite3.connect

    path = tmp_path / "db.sqlite3"

    def counting_connect(database, *args, **kwargs):
        conn = connect(database, *args, **kwargs)
        if str(database) == str(path):  # this database's rounds only, not another test's left running
            conn.set_trace_callback(lambda sql: rounds.append(time.monotonic()) if "wal_checkpoint" in sql else None)
        return conn

    monkeypatch.setattr(gateway.db.sqlite3, "connect", counting_connect)
    db = Database(f"sqlite:///{path}")
    try:
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB)"))
        time.sleep(1.2)  # a small WAL: rounds every INTERVAL_S
        quiet = len(rounds)
        assert 1 <= quiet <= 3
        with db.engine.begin() as conn:  # 1,000 pages, more than BUSY_WAL_FRAMES
            conn.execute(text("INSERT INTO blobs (body) VALUES (:b)"), {"b": os.urandom(4 * 1024 * 1024)})
        # A reader on the WAL keeps a writer from starting it again, as readers under load do,
        # and small writes keep it growing.
        reader = sqlite3.connect(str(path), isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM blobs").fetchone()
        before, ends = len(rounds), time.monotonic() + 1.2
        while time.monotonic() < ends:
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO blobs (body) VALUES (:b)"), {"b": b"x"})
            time.sleep(0.02)
        busy = len(rounds) - before
        assert busy >= 10, f"{busy} rounds in 1.2 s with a large, growing WAL"
        reader.execute("COMMIT")
        reader.close()
        time.sleep(0.8)  # the rounds that see the WAL no longer grow (the reader's end may count as a change once)
        before = len(rounds)
        time.sleep(1.2)  # large but still: the usual pace
        assert len(rounds) - before <= 3, f"{len(rounds) - before} rounds in 1.2 s with a WAL no one writes to"
    finally:
        db.dispose()


def test_a_writer_holding_the_sqlite_gate_defers_the_garbage_collector(tmp_path):
    """A full collection (10-18 ms in a web worker) must not run while every other writer waits
    for this one: the collector is off while the gate is held, and back as it was afterwards."""
    import gc

    db = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        assert gc.isenabled()
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (n INTEGER)"))
            assert not gc.isenabled()
        assert gc.isenabled()
        with pytest.raises(RuntimeError), db.engine.begin() as conn:  # a failed transaction too
            conn.execute(text("INSERT INTO t VALUES (1)"))
            raise RuntimeError("rolled back")
        assert gc.isenabled()
        gc.disable()  # someone else paused it (report generation does): left paused
        try:
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (2)"))
            assert not gc.isenabled()
        finally:
            gc.enable()
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
        assert gc.isenabled()
    finally:
        db.dispose()


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


def test_postgresql_autocommit_work_has_a_pool_of_its_own(runtime):
    """On PostgreSQL the listing path's point reads and one-statement writes use connections that
    are in autocommit from the start (a second engine), so no pooled connection is switched to
    autocommit and back on every use; transactions keep the main engine's connections."""
    if runtime.db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one engine")
    main, autocommit = runtime.db.engines
    assert main is runtime.db.engine and autocommit.pool is not main.pool
    with runtime.db.autocommit_connection() as conn:
        assert conn.engine.pool is autocommit.pool and conn.connection.dbapi_connection.autocommit
    with runtime.db.point_read_sessionmaker() as reader:
        conn = reader.connection()
        assert conn.engine.pool is autocommit.pool and conn.connection.dbapi_connection.autocommit
    with runtime.db.session() as writer:
        conn = writer.connection()
        assert conn.engine.pool is main.pool and not conn.connection.dbapi_connection.autocommit


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


def _counting_begins(db: Database) -> list[str]:
    """The BEGIN IMMEDIATE statements every connection of ``db`` sends (sqlite3's trace hook sees
    the ones SQLAlchemy does not: the write lock is taken on the raw connection)."""
    from sqlalchemy import event

    begins: list[str] = []

    @event.listens_for(db.engine, "connect")
    def _trace(dbapi_conn, _record):
        dbapi_conn.set_trace_callback(lambda sql: begins.append(sql) if sql == "BEGIN IMMEDIATE" else None)

    return begins


def test_sqlite_writers_wait_in_the_gate_and_the_next_starts_when_the_holder_commits(tmp_path):
    """A second writer blocks until the first commits, then takes SQLite's lock at its first
    try: it is woken, it does not poll (found: under load the lock sat free while waiters slept)."""
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    begins = _counting_begins(db)
    try:
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (n INTEGER)"))
        begins.clear()
        order: list[str] = []
        holding, second_started = threading.Event(), threading.Event()

        def second():
            second_started.set()
            with db.engine.begin() as conn:
                order.append("second writes")
                conn.execute(text("INSERT INTO t VALUES (2)"))

        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            holding.set()
            thread = threading.Thread(target=second)
            thread.start()
            second_started.wait(5)
            time.sleep(0.3)  # long enough for a polling writer to have tried several times
            order.append("first commits")
        thread.join(10)
        assert order == ["first commits", "second writes"]
        assert len(begins) == 2, "each writer tried BEGIN IMMEDIATE once"
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT n FROM t ORDER BY n").scalars().all() == [1, 2]
    finally:
        db.dispose()


def test_a_killed_writer_process_leaves_the_sqlite_gate_open(tmp_path):
    """The gate across processes is an flock: the kernel lets go of it when its holder dies,
    mid-transaction, so a `kill -9` of a web or job process never shuts out the others."""
    import signal
    import subprocess
    import sys

    path = tmp_path / "db.sqlite3"
    db = Database(f"sqlite:///{path}")
    try:
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (n INTEGER)"))
        holder = subprocess.Popen([sys.executable, "-c", (
            "import sys, time\n"
            "from sqlalchemy import text\n"
            "from gateway.db import Database\n"
            f"db = Database('sqlite:///{path}')\n"
            "conn = db.engine.connect(); conn.begin()\n"
            "conn.execute(text('INSERT INTO t VALUES (1)'))\n"
            "print('holding', flush=True); time.sleep(600)\n")], stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "holding"
            done = threading.Event()

            def write():
                with db.engine.begin() as conn:
                    conn.execute(text("INSERT INTO t VALUES (2)"))
                done.set()

            writer = threading.Thread(target=write)
            writer.start()
            assert not done.wait(0.5), "the other process holds the write lock: this writer waits"
            holder.send_signal(signal.SIGKILL)
            assert done.wait(10), "the writer went on once the holder was killed"
            writer.join(5)
        finally:
            holder.kill()
            holder.wait(10)
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT n FROM t").scalars().all() == [2]  # the killed one's undone
    finally:
        db.dispose()


def test_a_second_write_transaction_in_the_same_thread_times_out_instead_of_hanging(tmp_path, monkeypatch):
    """Nested writes in one thread cannot both hold SQLite's lock: as before the gate, the inner
    one fails after the write-lock deadline ("database is locked", which the API answers 503)."""
    import gateway.db
    from gateway.errors import DATABASE_UNAVAILABLE  # what the API answers 503 for

    monkeypatch.setattr(gateway.db, "WRITE_LOCK_TIMEOUT_S", 0.3)
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    first, second = Database(url), Database(url)  # two engines on one file share its gate
    try:
        with first.engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (n INTEGER)"))
            started = time.monotonic()
            with pytest.raises(DATABASE_UNAVAILABLE, match="database is locked"), second.engine.begin() as inner:
                inner.execute(text("INSERT INTO t VALUES (1)"))
            assert time.monotonic() - started < 5
        with second.engine.begin() as conn:  # the gate was left: the next write goes through
            conn.execute(text("INSERT INTO t VALUES (3)"))
    finally:
        first.dispose()
        second.dispose()


def test_a_direct_write_stores_what_connection_execute_stores_and_raises_sqlalchemys_errors(tmp_path):
    """DirectWrite sends SQLite the statement SQLAlchemy compiles, each value through its column
    type (aware datetimes, JSON), and a driver error as SQLAlchemy's (callers catch IntegrityError)."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import Column, Integer, MetaData, String, Table, event, insert, select, update
    from sqlalchemy.exc import IntegrityError

    from gateway.db import DirectWrite, JSONType, UTCDateTime

    table = Table("things", MetaData(), Column("id", String(10), primary_key=True), Column("n", Integer),
                  Column("data", JSONType()), Column("at", UTCDateTime()))
    columns = ("id", "n", "data", "at")
    direct = DirectWrite(insert(table), columns)
    moved = DirectWrite(update(table).where(table.c.id == "b").values(n=7), ())
    at = datetime(2026, 12, 3, 8, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8)))
    rows = [{"id": "a", "n": 1, "data": {"中文": ["原样", 1.5, None]}, "at": at},
            {"id": "b", "n": None, "data": [], "at": None}]
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        table.create(db.engine)
        with db.engine.begin() as conn:
            direct.execute(conn, rows)  # many rows: executemany
            direct.execute(conn, {"id": "c", "n": 3, "data": {"k": "v"}, "at": at})  # one row
            moved.execute(conn, {})  # a value written into the statement (WHERE id = 'b')
        with db.engine.begin() as conn:
            conn.execute(insert(table), [dict(r, id=r["id"] + "2") for r in rows])  # the ordinary path
        with db.engine.connect() as conn:
            stored = {r.id: r for r in conn.execute(select(table))}
        assert stored["a"].data == {"中文": ["原样", 1.5, None]} and stored["a"].at == at
        assert stored["a"].at.tzinfo is not None
        assert stored["b"].n == 7 and stored["b"].data == [] and stored["b"].at is None
        for name in ("a", "b"):
            assert stored[name].data == stored[name + "2"].data and stored[name].at == stored[name + "2"].at
        with db.engine.connect() as conn:  # byte for byte the text SQLAlchemy itself stores
            raw = dict(conn.exec_driver_sql("SELECT id, at FROM things").all())
        assert raw["a"] == raw["a2"]

        with pytest.raises(IntegrityError, match="UNIQUE constraint failed"), db.engine.begin() as conn:
            direct.execute(conn, rows[0])  # SQLAlchemy's error, not sqlite3's

        seen = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
        with db.engine.begin() as conn:  # a listening engine sees the statement: the ordinary path
            direct.execute(conn, {"id": "d", "n": 4, "data": {}, "at": at})
        assert any(sql.startswith("INSERT INTO things") for sql in seen)
    finally:
        db.dispose()


def _traced_database(tmp_path) -> tuple[Database, list[str]]:
    """A SQLite Database and the list every statement its connections send SQLite is added to."""
    from sqlalchemy import event

    db = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    sent: list[str] = []

    @event.listens_for(db.engine, "connect")
    def _trace(dbapi_conn, _record):
        dbapi_conn.set_trace_callback(sent.append)

    return db, sent


def test_a_direct_read_reads_what_connection_execute_reads(tmp_path):
    """DirectRead (the audit chain head, read inside SQLite's write lock; a decision's merchant
    and existing listing) sends SQLite the statement SQLAlchemy compiles and gives the row as a
    named tuple; a column or parameter whose type would need processing is refused, not sent raw."""
    from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, event, insert, select
    from sqlalchemy.exc import OperationalError

    from gateway.db import DirectRead, UTCDateTime

    table = Table("heads", MetaData(), Column("id", Integer, primary_key=True), Column("sequence", Integer),
                  Column("hash", String(64)), Column("at", UTCDateTime()))
    head = DirectRead(select(table.c.sequence, table.c.hash).where(table.c.id == 1).with_for_update())
    db, sent = _traced_database(tmp_path)
    try:
        table.create(db.engine)
        with db.engine.begin() as conn:
            assert head.first(conn) is None
            conn.execute(insert(table), [{"id": 1, "sequence": 41, "hash": "头" * 8}, {"id": 2, "sequence": 7, "hash": None}])
            sent.clear()
            assert head.first(conn) == (41, "头" * 8) == tuple(conn.execute(head.statement).one())
        assert sent[0] == "SELECT heads.sequence, heads.hash \nFROM heads \nWHERE heads.id = 1"
        # Given the engine: a pooled connection borrowed for the statement and given back.
        by_id = DirectRead(select(table.c.sequence, table.c.hash).where(table.c.id == bindparam("id")))
        assert by_id.first(db.engine, {"id": 2}) == (7, None) and by_id.first(db.engine, {"id": 1}).sequence == 41
        assert by_id.first(db.engine, {"id": 9}) is None and db.engine.pool.checkedout() == 0
        with pytest.raises(ValueError, match="result processing"), db.engine.connect() as conn:
            DirectRead(select(table.c.at)).first(conn)
        with pytest.raises(ValueError, match="bind processing"):
            DirectRead(select(table.c.id).where(table.c.at == bindparam("at", type_=UTCDateTime()))).first(
                db.engine, {"at": None})
        with pytest.raises(OperationalError), db.engine.connect() as conn:  # SQLAlchemy's error, not sqlite3's
            DirectRead(select(table.c.sequence).where(table.c.id == 1).select_from(
                Table("gone", MetaData(), Column("id", Integer)))).first(conn)
        seen = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
        with db.engine.connect() as conn:  # a listening engine sees the statement: the ordinary path
            assert head.first(conn) == (41, "头" * 8)
        assert any(sql.startswith("SELECT heads.sequence") for sql in seen)
    finally:
        db.dispose()


def test_a_gated_write_transaction_sends_sqlite_only_its_own_statements(tmp_path):
    """Inside SQLite's write lock, which every other writer waits for, nothing runs but the
    transaction's statements: the lock is taken with one BEGIN IMMEDIATE (no busy-timeout
    PRAGMAs around it: past the gate no gated writer holds the lock), then the write, the COMMIT."""
    db, sent = _traced_database(tmp_path)
    try:
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (n INTEGER)"))
        sent.clear()
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
        assert sent == ["BEGIN IMMEDIATE", "INSERT INTO t VALUES (1)", "COMMIT"]
    finally:
        db.dispose()


def test_a_bound_write_carries_the_values_it_was_bound_with(tmp_path):
    """DirectWrite.bind puts the values through their column types before the transaction (the
    listing path binds before BEGIN, so JSON encoding is not done inside SQLite's write lock):
    what is stored is what was bound, and on an engine with statement listeners the bound write
    takes the ordinary path, so they still see it."""
    from sqlalchemy import Column, MetaData, String, Table, event, insert, select

    from gateway.db import DirectWrite, JSONType

    table = Table("things", MetaData(), Column("id", String(10), primary_key=True), Column("data", JSONType()))
    direct = DirectWrite(insert(table), ("id", "data"))
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        table.create(db.engine)
        row = {"id": "a", "data": {"原样": [1, 2]}}
        bound = direct.bind(db.engine, row)
        [(key, text_now)] = bound.values
        assert key == "a" and isinstance(text_now, str) and json.loads(text_now) == {"原样": [1, 2]}  # encoded now
        row["data"]["原样"].append(3)  # a change after binding is not what gets written
        with db.engine.begin() as conn:
            bound.execute(conn)
        seen = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
        listened = direct.bind(db.engine, {"id": "b", "data": []})
        with db.engine.begin() as conn:
            listened.execute(conn)
        assert any(sql.startswith("INSERT INTO things") for sql in seen)
        with db.engine.connect() as conn:
            assert dict(conn.execute(select(table.c.id, table.c.data)).all()) == {"a": {"原样": [1, 2]}, "b": []}
    finally:
        db.dispose()


def test_the_write_locks_wait_and_hold_are_measured_for_operators(tmp_path):
    """/metrics shows how long SQLite writes queue for the one write lock and how long each holds
    it: a writer that waits for another's 0.3 s transaction is counted as waiting about that long."""
    from prometheus_client import REGISTRY

    def sample(name: str) -> float:
        return REGISTRY.get_sample_value(name) or 0.0

    db = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (n INTEGER)"))
        before = {name: sample(name) for name in (
            "qingwang_sqlite_write_lock_wait_seconds_count", "qingwang_sqlite_write_lock_wait_seconds_sum",
            "qingwang_sqlite_write_lock_held_seconds_count", "qingwang_sqlite_write_lock_held_seconds_sum")}
        waiting = threading.Event()

        def second():
            waiting.set()
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (2)"))

        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            thread = threading.Thread(target=second)
            thread.start()
            waiting.wait(5)
            time.sleep(0.3)
        thread.join(10)
        grew = {name: sample(name) - value for name, value in before.items()}
        assert grew["qingwang_sqlite_write_lock_wait_seconds_count"] == 2
        assert grew["qingwang_sqlite_write_lock_held_seconds_count"] == 2
        assert 0.25 <= grew["qingwang_sqlite_write_lock_wait_seconds_sum"] < 10  # the second writer's wait
        assert 0.3 <= grew["qingwang_sqlite_write_lock_held_seconds_sum"] < 10  # the first writer's hold
    finally:
        db.dispose()


def test_direct_statements_on_postgresql_go_to_psycopg_and_keep_sqlalchemys_guarantees(runtime, monkeypatch):
    """On PostgreSQL too, DirectWrite and DirectRead skip SQLAlchemy's execution machinery (the
    listing path's one-statement write and its merchant read): values still go through their
    column types (JSON, UTC datetimes), a duplicate key is still SQLAlchemy's IntegrityError, and
    a connection the server dropped is invalidated, so the next statement gets a fresh one
    instead of the pool handing the dead one out again."""
    if runtime.db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's driver path (SQLite's: the tests above)")
    from datetime import datetime, timedelta, timezone

    import sqlalchemy.engine.base
    from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, bindparam, insert, select
    from sqlalchemy.exc import DBAPIError, IntegrityError

    from gateway.db import DirectRead, DirectWrite, UTCDateTime

    table = Table(f"direct_{os.getpid()}", MetaData(), Column("id", Integer, primary_key=True),
                  Column("name", String(32)), Column("data", JSON), Column("at", UTCDateTime()))
    engine = runtime.db.engine
    table.create(engine)
    try:
        write = DirectWrite(insert(table), ("id", "name", "data", "at"))
        read = DirectRead(select(table.c.id, table.c.name).where(table.c.id == bindparam("id")))
        at = datetime(2026, 12, 4, 9, 30, tzinfo=timezone(timedelta(hours=8)))

        def no_sqlalchemy_execution(*args, **kwargs):
            raise AssertionError("went through Connection.execute")

        with monkeypatch.context() as patched:
            patched.setattr(sqlalchemy.engine.base.Connection, "_execute_clauseelement", no_sqlalchemy_execution)
            with runtime.db.autocommit_connection() as conn:  # as the listing path writes: autocommit
                write.execute(conn, {"id": 1, "name": "械", "data": {"证": ["国械注准"]}, "at": at})
            bound = write.bind(engine, [{"id": 2, "name": "b", "data": None, "at": at},
                                        {"id": 3, "name": "c", "data": [1], "at": at}])
            with engine.begin() as conn:
                bound.execute(conn)
            assert read.first(engine, {"id": 1}) == (1, "械") and read.first(engine, {"id": 1}).name == "械"
            assert read.first(engine, {"id": 9}) is None
            with pytest.raises(IntegrityError), runtime.db.autocommit_connection() as conn:
                write.execute(conn, {"id": 1, "name": "again", "data": None, "at": at})
        with engine.connect() as conn:  # read back the ordinary way: the column types did their work
            rows = conn.execute(select(table).order_by(table.c.id)).all()
        assert [(r.id, r.data) for r in rows] == [(1, {"证": ["国械注准"]}), (2, None), (3, [1])]
        assert all(r.at == at for r in rows) and rows[0].at.tzinfo is not None

        # A connection the server dropped: the one statement fails as SQLAlchemy's error, marked
        # invalidated, and the next one runs on a new connection.
        point_reads = runtime.db.point_read_sessionmaker.kw["bind"]
        with point_reads.connect() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with engine.connect() as killer:
            killer.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
            killer.commit()
        monkeypatch.setattr("gateway.db.PING_AFTER_IDLE_S", 3600.0)  # no ping at checkout to hide it
        with pytest.raises(DBAPIError) as failed:
            read.first(point_reads, {"id": 1})
        assert failed.value.connection_invalidated
        assert read.first(point_reads, {"id": 1}) == (1, "械")
    finally:
        table.drop(engine)


def test_a_built_object_reads_like_one_the_constructor_made():
    """gateway.db.built (the listing path's listing, decision and audit entry, written with Core)
    gives the same attribute values as the declarative constructor, a transient object, None
    for what was not given, and attribute events again once an attribute is set."""
    from datetime import datetime, timezone

    from sqlalchemy import inspect
    from sqlalchemy.orm import configure_mappers

    import gateway.app  # noqa: F401 - every model mapped
    from gateway.db import built
    from gateway.decisions.models import Decision

    configure_mappers()
    values = {"id": "dec_1", "platform_id": "plt_1", "subject_type": "listing", "subject_id": "lst_1",
              "outcome": "allow", "reasons": [{"code": "OK"}], "registry_version": "v1", "looked_at": {"registry": []},
              "trigger": "submitted", "decided_by": "rules", "decided_at": datetime(2026, 12, 4, tzinfo=timezone.utc)}
    fast, slow = built(Decision, values), Decision(**values)
    assert type(fast) is Decision and inspect(fast).transient
    assert {k: getattr(fast, k) for k in values} == {k: getattr(slow, k) for k in values} == values
    assert built(Decision, {"id": "dec_2"}).outcome is None
    fast.outcome = "review"
    assert fast.outcome == "review" and inspect(fast).attrs.outcome.history.added == ["review"]
