"""Importing a regulator data snapshot into the registry tables.

The whole import is one transaction: a snapshot either lands completely or not at all.
Rows go in bulk (PostgreSQL: COPY, straight into an empty table or into a temporary
table merged with one INSERT … SELECT … ON CONFLICT; SQLite: batched executemany
upserts), never one by one through the ORM. The upserts are SQLAlchemy's dialect
``insert().on_conflict_do_update()``, compiled once per file; their columns and the
rows' values come from the record declarations (verifiers/registry/records.py). A
record whose content did not change keeps its old snapshot id, so "what changed in
this snapshot" is simply the rows carrying its id.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from sqlalchemy import Table, column, func, insert, select, update
from sqlalchemy import table as table_clause
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from gateway.db import Database, utcnow
from gateway.ids import new_id
from gateway.errors import Invalid
from gateway.jobs import outbox
from gateway.jobs.names import TaskName
from gateway.registry.columns import stored_values
from gateway.registry.models import RegistryDevice, RegistryEnterprise, RegistrySnapshot
from verifiers.registry.formats import discover, jsonl_chunks, parse_jsonl_lines, read
from verifiers.registry.records import DeviceRecord, EnterpriseRecord

KEPT_ERRORS = 1000

_TABLES: dict[str, Table] = {t.name: t for t in (RegistryDevice.__table__, RegistryEnterprise.__table__)}
DEVICE_COLUMNS = tuple(RegistryDevice.__table__.columns.keys())
ENTERPRISE_COLUMNS = tuple(RegistryEnterprise.__table__.columns.keys())
#: Fields the UDI database does not carry: a UDI import keeps what an earlier snapshot said.
UDI_KEEPS = ("approved_on", "valid_until", "issuer", "registrant_uscc", "category_code")


class ImportFailed(Invalid):
    """Nothing could be imported from what was given."""

    code = "import-failed"


@dataclass
class ImportResult:
    snapshot: str
    devices: int = 0
    enterprises: int = 0
    changed_devices: int = 0
    changed_enterprises: int = 0
    rejected: int = 0
    sha256: str = ""
    errors: list[dict] = field(default_factory=list)
    #: Tasks created by the import, to dispatch once it has committed.
    tasks: list = field(default_factory=list)

    def summary(self) -> dict:
        return {"snapshot": self.snapshot, "devices": self.devices, "enterprises": self.enterprises,
                "changed_devices": self.changed_devices, "changed_enterprises": self.changed_enterprises,
                "rejected": self.rejected, "sha256": self.sha256}


#: A record's stored values (the table's columns less snapshot_id and row_hash), by record type.
_STORED = {DeviceRecord: stored_values(DeviceRecord), EnterpriseRecord: stored_values(EnterpriseRecord)}


def _upsert(insert_, target: Table, merge_nulls: bool, source=None):
    """``INSERT … ON CONFLICT (key) DO UPDATE`` of every other column, only where the row
    changed, so an unchanged record keeps its snapshot id. From ``source`` (a select) or,
    without it, from one row of parameters in column order. ``insert_`` is the dialect's
    own ``insert``; with ``merge_nulls`` (a UDI import) the fields UDI does not carry keep
    what the table holds."""
    columns = list(target.columns.keys())
    statement = insert_(target) if source is None else insert_(target).from_select(columns, source)
    excluded = statement.excluded
    changes = {}
    for col in target.columns:
        if col.primary_key:
            continue
        new = excluded[col.name]
        changes[col.name] = func.coalesce(new, col) if merge_nulls and col.name in UDI_KEEPS else new
    return statement.on_conflict_do_update(index_elements=[target.c.key], set_=changes,
                                           where=target.c.row_hash.is_distinct_from(excluded.row_hash))


def _like(name: str, target: Table):
    """A temporary table made ``LIKE`` a registry table, for selecting from."""
    return table_clause(name, *(column(c) for c in target.columns.keys()))


#: JSON Lines files larger than this are parsed by a process pool (parsing, not the
#: database, is the bottleneck of a large import); smaller ones are not worth the start-up.
PARALLEL_MIN_BYTES = 8 * 1024 * 1024
TABLE_FOR_KIND = {"device": "registry_devices", "enterprise": "registry_enterprises"}


def _columns(table: str) -> tuple[str, ...]:
    return DEVICE_COLUMNS if table == "registry_devices" else ENTERPRISE_COLUMNS


#: PostgreSQL COPY text escapes, applied in one pass per value.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _prepared(record, snapshot_id: str, as_copy: bool):
    """The record's key and its database row: a tuple for executemany, or a line of
    COPY text. The change hash is taken over the record's canonical text form, so it is
    computed once, with no separate serialisation."""
    values = _STORED[type(record)](record)
    text = "\t".join(map(_copy_value, values))
    row_hash = hashlib.sha1(text.encode()).hexdigest()
    if as_copy:
        return values[0], f"{text}\t{snapshot_id}\t{row_hash}\n".encode()
    return values[0], (*values, snapshot_id, row_hash)


@dataclass
class Batch:
    """Parsed rows of one chunk: tuples (SQLite) or COPY text lines (PostgreSQL), their
    keys in the same order, and the rejected rows."""

    keys: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    copy: list[bytes] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)


def _collect(rows, snapshot_id: str, as_copy: bool, batch: Batch | None = None) -> Batch:
    batch = batch if batch is not None else Batch()
    for row in rows:
        if row.error is not None:
            batch.errors.append({"file": row.source, "line": row.line, "kind": row.kind, "reason": row.error})
            continue
        key, prepared = _prepared(row.record, snapshot_id, as_copy)
        batch.keys.append(key)
        (batch.copy if as_copy else batch.rows).append(prepared)
    return batch


def _parse_chunk(args) -> Batch:
    """Process-pool worker: parse a chunk of JSON Lines, ready for the database. Workers
    hand back COPY text, so the parent only forwards bytes."""
    source, kind, first_line, lines, snapshot_id, as_copy = args
    return _collect(parse_jsonl_lines(source, kind, first_line, lines), snapshot_id, as_copy)


def _batches(file: Path, kind: str, fmt: str, snapshot_id: str, workers: int, as_copy: bool):
    """Batches for one file, in file order."""
    if fmt == "jsonl" and workers > 1 and file.stat().st_size >= PARALLEL_MIN_BYTES:
        # spawn, not fork: a forked child would share the parent's database socket.
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            pending = []
            for first, lines in jsonl_chunks(file):
                pending.append(pool.submit(_parse_chunk, (file.name, kind, first, lines, snapshot_id, as_copy)))
                if len(pending) >= 2 * workers:  # bounded read-ahead: memory stays flat
                    yield pending.pop(0).result()
            for future in pending:
                yield future.result()
        return
    batch = Batch()
    for row in read(file, kind, fmt):
        _collect((row,), snapshot_id, as_copy, batch)
        if len(batch.keys) + len(batch.errors) >= 5000:
            yield batch
            batch = Batch()
    yield batch


class _SqliteWriter:
    """Batched executemany upserts; a number met twice ends with its last row."""

    as_copy = False

    def __init__(self, conn: Connection):
        self.dialect = conn.dialect
        self.raw = conn.connection.driver_connection
        self.changed = {"registry_devices": 0, "registry_enterprises": 0}

    @contextlib.contextmanager
    def file(self, table: str, merge_nulls: bool):
        # Compiled once and run through the driver's executemany: SQLAlchemy's own
        # executemany would take a dict per row and encode the JSON columns a second time.
        compiled = _upsert(sqlite.insert, _TABLES[table], merge_nulls).compile(dialect=self.dialect)
        if tuple(compiled.positiontup) != _columns(table):
            raise RuntimeError(f"the upsert for {table} does not take its parameters in column order")
        sql = str(compiled)

        def write(batch: Batch) -> None:
            before = self.raw.total_changes
            self.raw.executemany(sql, [tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in row)
                                       for row in batch.rows])
            self.changed[table] += self.raw.total_changes - before

        yield write

    def finish(self) -> dict[str, int]:
        return self.changed


class _PostgresWriter:
    """COPY, never row by row.

    Into an empty table (a first import) rows are copied straight in. Otherwise they go
    into a temporary table and are merged with one INSERT … ON CONFLICT. Either way a
    number met again later in the import is set aside and applied last, so the last
    line for a number wins without sorting a million rows to find out.
    """

    as_copy = True

    def __init__(self, conn: Connection):
        self.conn = conn
        self.raw = conn.connection.driver_connection
        self.changed = {"registry_devices": 0, "registry_enterprises": 0}
        self.seen: dict[str, set[str]] = {"registry_devices": set(), "registry_enterprises": set()}
        self.staged: list[tuple[str, str, bool]] = []  # (table, temporary table, merge_nulls)
        #: Lines for numbers met again, by key: a later line replaces an earlier one.
        self.late: dict[str, dict[str, bytes]] = {"registry_devices": {}, "registry_enterprises": {}}
        self.direct: set[str] = set()

    def _empty(self, table: str) -> bool:
        target = _TABLES[table]
        return self.conn.execute(select(target.c.key).limit(1)).first() is None

    def _merge(self, table: str, stage: str, merge_nulls: bool) -> int:
        """Merge a temporary table into ``table``; returns the rows inserted or changed."""
        target = _TABLES[table]
        source = select(*_like(stage, target).c)
        # preserve_rowcount: SQLAlchemy keeps the driver's rowcount only for UPDATE and DELETE otherwise.
        return self.conn.execute(_upsert(postgresql.insert, target, merge_nulls, source),
                                 execution_options={"preserve_rowcount": True}).rowcount

    @contextlib.contextmanager
    def file(self, table: str, merge_nulls: bool):
        columns = ", ".join(_columns(table))
        seen, late = self.seen[table], self.late[table]
        direct = not merge_nulls and (table in self.direct or (not seen and self._empty(table)))
        if direct:
            self.direct.add(table)
            target = table
        else:
            target = f"stage_{len(self.staged)}"
            with self.raw.cursor() as cur:
                cur.execute(f"CREATE TEMP TABLE {target} (LIKE {table}) ON COMMIT DROP")
            self.staged.append((table, target, merge_nulls))
        before = len(seen)
        with self.raw.cursor() as cur, cur.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
            def write(batch: Batch) -> None:
                if seen.isdisjoint(batch.keys) and len(set(batch.keys)) == len(batch.keys):
                    seen.update(batch.keys)
                    copy.write(b"".join(batch.copy))
                    return
                for key, line in zip(batch.keys, batch.copy):
                    if key in seen:
                        late[key] = line
                    else:
                        seen.add(key)
                        copy.write(line)

            yield write
        if direct:
            self.changed[table] += len(seen) - before  # all new rows

    def finish(self) -> dict[str, int]:
        for table, stage, merge_nulls in self.staged:
            self.changed[table] += self._merge(table, stage, merge_nulls)
        for table, lines in self.late.items():
            if not lines:
                continue
            # Numbers met more than once: only their last line is left (a small set).
            stage = f"late_{table}"
            with self.raw.cursor() as cur:
                cur.execute(f"CREATE TEMP TABLE {stage} (LIKE {table}) ON COMMIT DROP")
                with cur.copy(f"COPY {stage} ({', '.join(_columns(table))}) FROM STDIN") as copy:
                    for line in lines.values():
                        copy.write(line)
            # Not counted again: each of these numbers was counted when it was first met.
            self._merge(table, stage, False)
        return self.changed


def _source_hash(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        targets = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for target in targets:
            digest.update(target.name.encode() + b"\0")
            with open(target, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
    return digest.hexdigest()


def import_snapshot(db: Database, path: Path, fmt: str | None = None, *, on_error=None,
                    workers: int | None = None) -> ImportResult:
    """Import the regulator data at ``path`` as one new snapshot.

    ``on_error(error_dict)`` is called for every rejected row (the CLI prints them);
    the first :data:`KEPT_ERRORS` are stored on the snapshot.
    """
    files = discover(Path(path), fmt)
    if not files:
        raise ImportFailed(f"在 {path} 中找不到可导入的文件（devices.* / enterprises.* / UDI XML）",
                           f"no importable files in {path}")
    formats = sorted({f for _, _, f in files})
    workers = workers if workers is not None else (os.cpu_count() or 1)
    result = ImportResult(snapshot="", sha256=_source_hash([p for p, _, _ in files]))
    with db.engine.begin() as conn:
        snapshot_id = conn.execute(insert(RegistrySnapshot).values(
            id=new_id("snap"), source=str(path), format=",".join(formats), sha256=result.sha256,
            status="importing", created_at=utcnow(), errors=[]).returning(RegistrySnapshot.id)).scalar_one()
        result.snapshot = snapshot_id
        writer = (_PostgresWriter if conn.dialect.name == "postgresql" else _SqliteWriter)(conn)
        for file, kind, file_format in files:
            table = TABLE_FOR_KIND[kind]
            with writer.file(table, file_format == "udi-xml" and kind == "device") as write:
                for batch in _batches(file, kind, file_format, snapshot_id, workers, writer.as_copy):
                    for error in batch.errors:
                        result.rejected += 1
                        if len(result.errors) < KEPT_ERRORS:
                            result.errors.append(error)
                        if on_error:
                            on_error(error)
                    if kind == "device":
                        result.devices += len(batch.keys)
                    else:
                        result.enterprises += len(batch.keys)
                    if batch.keys:
                        write(batch)
        changed = writer.finish()
        result.changed_devices = changed["registry_devices"]
        result.changed_enterprises = changed["registry_enterprises"]
        conn.execute(update(RegistrySnapshot).where(RegistrySnapshot.id == snapshot_id).values(
            status="complete", completed_at=utcnow(), devices=result.devices, enterprises=result.enterprises,
            changed_devices=result.changed_devices, changed_enterprises=result.changed_enterprises,
            rejected=result.rejected, errors=result.errors))
        if result.changed_devices or result.changed_enterprises:
            # Merchants and listings that depend on changed records are re-checked.
            session = Session(bind=conn, expire_on_commit=False)
            result.tasks.append(outbox.enqueue(session, TaskName.REGISTRY_REEVALUATE, {"snapshot_id": snapshot_id}))
            session.close()
    return result

