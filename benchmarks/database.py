"""A throw-away database for one benchmark run: a SQLite file, or a PostgreSQL database
created on the server behind ``--pg-admin-url`` and dropped afterwards."""
from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

PG_ADMIN_URL = os.environ.get("QW_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@localhost:5432/postgres")


@contextlib.contextmanager
def scratch_database(kind: str, work: Path, pg_admin_url: str = PG_ADMIN_URL) -> Iterator[str]:
    """The URL of an empty database of ``kind`` (sqlite or postgresql), removed on exit."""
    if kind == "sqlite":
        yield f"sqlite:///{work / 'qingwang.sqlite3'}"
        return
    from sqlalchemy import create_engine, text

    name = f"qingwang_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bulk_insert(conn, table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table`` inside ``conn``'s transaction,
    bypassing SQLAlchemy's per-row parameter handling: COPY on PostgreSQL, the driver's
    executemany on SQLite. JSON columns are given as JSON text (orjson.dumps); datetimes as aware
    datetimes, stored the way the column type stores them. Seeding 1,000,000 violations row by
    row through Core spent most of its time in SQLAlchemy's bind processing."""
    from sqlalchemy import DateTime

    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        with cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    # SQLite keeps datetimes as text in SQLAlchemy's own format: let the column type write it.
    convert = {i: table.c[name].type._cached_bind_processor(conn.dialect) for i, name in enumerate(columns)
               if isinstance(getattr(table.c[name].type, "impl", table.c[name].type), DateTime)}
    if convert:
        rows = [tuple(convert[i](v) if i in convert else v for i, v in enumerate(row)) for row in rows]
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})", rows)
