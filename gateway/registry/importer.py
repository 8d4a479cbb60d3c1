"""Importing a regulator data snapshot into the registry tables.

The whole import is one transaction: a snapshot either lands completely or not at all.
Rows are staged in bulk (PostgreSQL: COPY into a temporary table, then one
INSERT … ON CONFLICT; SQLite: batched executemany upserts), never added one by one
through the ORM. A record whose content did not change keeps its old snapshot id, so
"what changed in this snapshot" is simply the rows carrying its id.
"""
from __future__ import annotations

import hashlib
import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from sqlalchemy import insert, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from gateway.db import Database, utcnow
from gateway.ids import new_id
from gateway.jobs import outbox
from gateway.registry.models import RegistrySnapshot
from verifiers.registry.formats import discover, jsonl_chunks, parse_jsonl_lines, read
from verifiers.registry.records import DeviceRecord, EnterpriseRecord

REEVALUATE_TASK = "registry.reevaluate"
KEPT_ERRORS = 1000

DEVICE_COLUMNS = ("key", "number", "kind", "device_class", "product_name", "registrant", "registrant_uscc", "models",
                  "category_code", "approved_on", "valid_until", "status", "issuer", "snapshot_id", "row_hash")
ENTERPRISE_COLUMNS = ("key", "number", "kind", "holder", "uscc", "region", "scope", "issued_on", "valid_until",
                      "issuer", "status", "address", "snapshot_id", "row_hash")
#: Fields the UDI database does not carry: a UDI import keeps what an earlier snapshot said.
UDI_KEEPS = ("approved_on", "valid_until", "issuer", "registrant_uscc", "category_code")


class ImportFailed(RuntimeError):
    pass


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


def _device_row(r: DeviceRecord, snapshot_id: str) -> tuple:
    return (r.key, r.number, r.kind, r.device_class, r.product_name, r.registrant, r.registrant_uscc,
            orjson.dumps(list(r.models)).decode(), r.category_code, r.approved_on, r.valid_until, r.status,
            r.issuer, snapshot_id, r.row_hash())


def _enterprise_row(r: EnterpriseRecord, snapshot_id: str) -> tuple:
    scope = orjson.dumps([{"class": c, "category": cat} for c, cat in r.scope]).decode()
    return (r.key, r.number, r.kind, r.holder, r.uscc, r.region, scope, r.issued_on, r.valid_until, r.issuer,
            r.status, r.address, snapshot_id, r.row_hash())


def _update_set(columns, merge_nulls: bool, table: str) -> str:
    parts = []
    for column in columns:
        if column == "key":
            continue
        if merge_nulls and column in UDI_KEEPS:
            parts.append(f"{column} = COALESCE(excluded.{column}, {table}.{column})")
        else:
            parts.append(f"{column} = excluded.{column}")
    return ", ".join(parts)


class _Writer:
    """Buffers rows and writes them in batches; returns how many rows changed."""

    def __init__(self, conn: Connection, batch_size: int):
        self.conn = conn
        self.batch_size = batch_size
        self.buffers: dict[tuple[str, bool], list[tuple]] = {}
        self.changed = {"registry_devices": 0, "registry_enterprises": 0}

    def add_many(self, table: str, rows: list[tuple], merge_nulls: bool) -> None:
        buffer = self.buffers.setdefault((table, merge_nulls), [])
        buffer.extend(rows)
        if len(buffer) >= self.batch_size:
            self._flush(table, merge_nulls, buffer)
            buffer.clear()

    def finish(self) -> dict[str, int]:
        for (table, merge_nulls), buffer in self.buffers.items():
            if buffer:
                self._flush(table, merge_nulls, buffer)
                buffer.clear()
        self._finish()
        return self.changed

    def _finish(self) -> None:
        pass


def _columns(table: str) -> tuple[str, ...]:
    return DEVICE_COLUMNS if table == "registry_devices" else ENTERPRISE_COLUMNS


class _SqliteWriter(_Writer):
    def _flush(self, table, merge_nulls, rows):
        columns = _columns(table)
        sql = (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
               f"ON CONFLICT(key) DO UPDATE SET {_update_set(columns, merge_nulls, table)} "
               f"WHERE {table}.row_hash IS NOT excluded.row_hash")
        raw = self.conn.connection.driver_connection
        before = raw.total_changes
        raw.executemany(sql, [tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in row) for row in rows])
        self.changed[table] += raw.total_changes - before


class _PostgresWriter(_Writer):
    """COPY into a temporary staging table per target, then one upsert per target at the end."""

    def __init__(self, conn, batch_size):
        super().__init__(conn, batch_size)
        self.seq = 0
        self.staged: set[tuple[str, bool]] = set()

    def _stage_name(self, table, merge_nulls):
        return f"stage_{table}_{'merge' if merge_nulls else 'replace'}"

    def _flush(self, table, merge_nulls, rows):
        stage = self._stage_name(table, merge_nulls)
        columns = _columns(table)
        raw = self.conn.connection.driver_connection
        with raw.cursor() as cur:
            if (table, merge_nulls) not in self.staged:
                cur.execute(f"CREATE TEMP TABLE {stage} (seq bigint, LIKE {table}) ON COMMIT DROP")
                self.staged.add((table, merge_nulls))
            with cur.copy(f"COPY {stage} (seq, {', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    self.seq += 1
                    copy.write_row((self.seq, *row))

    def _finish(self):
        raw = self.conn.connection.driver_connection
        with raw.cursor() as cur:
            for table, merge_nulls in sorted(self.staged):
                stage = self._stage_name(table, merge_nulls)
                columns = ", ".join(_columns(table))
                # The last line for a number wins within one snapshot, as across snapshots.
                cur.execute(
                    f"INSERT INTO {table} ({columns}) SELECT DISTINCT ON (key) {columns} FROM {stage} "
                    f"ORDER BY key, seq DESC "
                    f"ON CONFLICT (key) DO UPDATE SET {_update_set(_columns(table), merge_nulls, table)} "
                    f"WHERE {table}.row_hash IS DISTINCT FROM excluded.row_hash")
                self.changed[table] += cur.rowcount


#: JSON Lines files larger than this are parsed by a process pool (parsing, not the
#: database, is the bottleneck of a large import); smaller ones are not worth the start-up.
PARALLEL_MIN_BYTES = 8 * 1024 * 1024
TABLE_FOR_KIND = {"device": "registry_devices", "enterprise": "registry_enterprises"}


def _db_row(record, snapshot_id: str) -> tuple:
    return _device_row(record, snapshot_id) if isinstance(record, DeviceRecord) else _enterprise_row(record, snapshot_id)


def _parse_chunk(args) -> tuple[list[tuple], list[dict]]:
    """Process-pool worker: parse a chunk of JSON Lines into database rows and errors."""
    source, kind, first_line, lines, snapshot_id = args
    rows, errors = [], []
    for row in parse_jsonl_lines(source, kind, first_line, lines):
        if row.error is None:
            rows.append(_db_row(row.record, snapshot_id))
        else:
            errors.append({"file": row.source, "line": row.line, "kind": row.kind, "reason": row.error})
    return rows, errors


def _parsed(file: Path, kind: str, fmt: str, snapshot_id: str, workers: int):
    """(database rows, errors) batches for one file, in file order."""
    if fmt == "jsonl" and workers > 1 and file.stat().st_size >= PARALLEL_MIN_BYTES:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            pending = []
            for first, lines in jsonl_chunks(file):
                pending.append(pool.submit(_parse_chunk, (file.name, kind, first, lines, snapshot_id)))
                if len(pending) >= 2 * workers:  # bounded read-ahead: memory stays flat
                    yield pending.pop(0).result()
            for future in pending:
                yield future.result()
        return
    rows, errors = [], []
    for row in read(file, kind, fmt):
        if row.error is None:
            rows.append(_db_row(row.record, snapshot_id))
        else:
            errors.append({"file": row.source, "line": row.line, "kind": row.kind, "reason": row.error})
        if len(rows) >= 5000:
            yield rows, errors
            rows, errors = [], []
    yield rows, errors


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


def import_snapshot(db: Database, path: Path, fmt: str | None = None, *, batch_size: int = 20_000,
                    on_error=None, workers: int | None = None) -> ImportResult:
    """Import the regulator data at ``path`` as one new snapshot.

    ``on_error(error_dict)`` is called for every rejected row (the CLI prints them);
    the first :data:`KEPT_ERRORS` are stored on the snapshot.
    """
    files = discover(Path(path), fmt)
    if not files:
        raise ImportFailed(f"在 {path} 中找不到可导入的文件（devices.* / enterprises.* / UDI XML） / "
                           f"no importable files in {path}")
    formats = sorted({f for _, _, f in files})
    workers = workers if workers is not None else (os.cpu_count() or 1)
    result = ImportResult(snapshot="", sha256=_source_hash([p for p, _, _ in files]))
    with db.engine.begin() as conn:
        snapshot_id = conn.execute(insert(RegistrySnapshot).values(
            id=new_id("snap"), source=str(path), format=",".join(formats), sha256=result.sha256,
            status="importing", created_at=utcnow(), errors=[]).returning(RegistrySnapshot.id)).scalar_one()
        result.snapshot = snapshot_id
        if conn.dialect.name == "postgresql":
            # The final de-duplicating sort of a million staged rows fits in memory with this.
            conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
        writer = (_PostgresWriter if conn.dialect.name == "postgresql" else _SqliteWriter)(conn, batch_size)
        for file, kind, file_format in files:
            merge = file_format == "udi-xml"
            table = TABLE_FOR_KIND[kind]
            for rows, errors in _parsed(file, kind, file_format, snapshot_id, workers):
                for error in errors:
                    result.rejected += 1
                    if len(result.errors) < KEPT_ERRORS:
                        result.errors.append(error)
                    if on_error:
                        on_error(error)
                if kind == "device":
                    result.devices += len(rows)
                else:
                    result.enterprises += len(rows)
                writer.add_many(table, rows, merge and kind == "device")
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
            result.tasks.append(outbox.enqueue(session, REEVALUATE_TASK, {"snapshot_id": snapshot_id}))
            session.close()
    return result

