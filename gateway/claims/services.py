"""Importing phrase-list versions and knowing which one is in force."""
from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from gateway.claims.models import ClaimEntry, ClaimListVersion
from gateway.db import Database
from gateway.errors import Invalid
from verifiers.claims import ClaimList, ClaimListError, build_list, default_list, read_csv_rows

SHIPPED = "shipped"


class ClaimImportError(Invalid):
    """A file that cannot become a list version; ``problems`` says why, entry by entry."""

    code = "claim-list-invalid"

    def __init__(self, problems: list[str]):
        super().__init__(f"未导入：{len(problems)} 处错误", f"not imported: {len(problems)} problems",
                         errors={"file": problems})
        self.problems = problems


def read_rows(path: Path) -> list[dict]:
    """Rows of a CSV file (header: verifiers.claims.COLUMNS) or a JSON file (a list of objects,
    or {"entries": [...]})."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ClaimImportError(["文件不是 UTF-8 编码 / the file is not UTF-8"]) from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ClaimImportError([f"不是有效的 JSON：{exc} / not valid JSON: {exc}"]) from None
        rows = data.get("entries") if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ClaimImportError(["JSON 应为对象列表 / the JSON must be a list of objects"])
        return rows
    return read_csv_rows(text)


def _store(session: Session, claim_list: ClaimList, source: str, sha256: str) -> ClaimListVersion:
    row = ClaimListVersion(version=claim_list.version, source=source, sha256=sha256)
    row.entries = [ClaimEntry(position=i, **_columns(rule.as_row())) for i, rule in enumerate(claim_list.rules)]
    session.add(row)
    session.flush()
    return row


def _columns(row: dict) -> dict:
    out = dict(row)
    out["rule_id"] = out.pop("id")
    return out


def import_file(db: Database, path: Path) -> ClaimListVersion:
    """Validate ``path`` and store it as the next version, now in force. The shipped list is
    stored as version 1 first when nothing was imported before, so the history is whole."""
    rows = read_rows(path)
    raw = path.read_bytes()
    with db.session() as session:
        latest = session.scalar(select(func.max(ClaimListVersion.version)))
        if latest is None:
            shipped = default_list()
            _store(session, shipped, SHIPPED, _sha256_rows([r.as_row() for r in shipped.rules]))
            latest = shipped.version
        try:
            claim_list = build_list(rows, version=latest + 1)
        except ClaimListError as exc:
            raise ClaimImportError(exc.problems) from None
        row = _store(session, claim_list, path.name, hashlib.sha256(raw).hexdigest())
    return row


def _sha256_rows(rows: list[dict]) -> str:
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def current(session: Session) -> dict:
    """The version in force, as the API shows it."""
    row = session.scalar(select(ClaimListVersion).options(selectinload(ClaimListVersion.entries))
                         .order_by(ClaimListVersion.version.desc()).limit(1))
    if row is None:
        shipped = default_list()
        entries = [r.as_row() for r in shipped.rules]
        return {"version": shipped.version, "source": SHIPPED, "sha256": _sha256_rows(entries), "created_at": None,
                "entries": entries}
    return {"version": row.version, "source": row.source, "sha256": row.sha256, "created_at": row.created_at,
            "entries": [e.as_row() for e in row.entries]}


class ClaimListCache:
    """The list in force for one database, re-checked at most every ``ttl`` seconds (one
    cheap query for the latest version number); the runtime keeps one (``runtime.claims``)
    and drops it at once after an import there. Other processes see a new version within
    ``ttl``."""

    def __init__(self, db: Database, ttl: float = 5.0):
        self.db, self.ttl = db, ttl
        self._lock = threading.Lock()
        self._checked = 0.0
        self._list: ClaimList | None = None

    def invalidate(self) -> None:
        with self._lock:
            self._checked, self._list = 0.0, None

    def get(self) -> ClaimList:
        now = time.monotonic()
        with self._lock:
            if self._list is not None and now - self._checked < self.ttl:
                return self._list
        with self.db.read_sessionmaker() as session:
            latest = session.scalar(select(func.max(ClaimListVersion.version)))
            if latest is None:
                loaded = default_list()
            elif self._list is not None and self._list.version == latest:
                loaded = self._list
            else:
                row = session.scalar(select(ClaimListVersion).options(selectinload(ClaimListVersion.entries))
                                     .where(ClaimListVersion.version == latest))
                # Stored entries passed validation when imported: building them cannot fail.
                loaded = build_list([e.as_row() for e in row.entries], version=row.version)
        with self._lock:
            self._list, self._checked = loaded, now
        return loaded

