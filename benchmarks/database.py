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
