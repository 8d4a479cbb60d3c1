"""Appending to the audit chain and verifying it.

Appends are sealed when the transaction commits: :func:`append` queues the entry on the
session, and just before the commit the chain head is locked, each queued entry gets the
next sequence number, the previous hash and its own hash, and the head moves on. Taking
the head lock last and holding it only for the commit keeps the chain linear under
concurrent writers without a lock-order deadlock against the rows a transaction locked
before (a listing re-check locks listings one by one). An entry appended inside a savepoint
that is rolled back is dropped with it.

Entries appended ``deferrable`` (the machine's listing decisions) skip the head where this
process runs a sealer (:mod:`gateway.audit.sealing`, web processes on PostgreSQL): they are written to
``audit_pending`` with their transaction and sealed into the chain a moment later, in batches.
On PostgreSQL the head row stays locked until the commit reaches the disk, so sealing inside
every decision's commit made decisions wait for one another's WAL flush, one at a time.
Elsewhere (SQLite, workers, the command line, tests) they are sealed at commit like any other.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import String, bindparam, event, func, insert, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, SessionTransaction

from gateway.audit.models import GENESIS, AuditChainHead, AuditEntry, AuditPending
from gateway.db import BoundWrite, DirectRead, DirectWrite, built, utcnow
from gateway.ids import new_id

_PENDING = "qingwang.audit.pending"
_WAKE_SEALER = "qingwang.audit.wake_sealer"
HEAD_ID = 1


# --- canonical form and hashing ----------------------------------------------------------------

def plain_json(value):
    """``value`` as plain JSON data that reads back the same from SQLite's JSON and PostgreSQL's
    JSONB: dates as ISO text, integral floats as integers (JSONB may print 1e20 as an integer)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:  # most leaves: every decision passes here
        return value
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_json(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(plain_json(v) for v in value)
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "as_dict"):
        return plain_json(value.as_dict())
    return value


def canonical_json(value) -> bytes:
    """The one byte form hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(plain_json(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _moment(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


def entry_hash(entry, prev_hash: str, sequence: int | None = None) -> str:
    """SHA-256 over the canonical JSON of the entry's fields and ``prev_hash``. ``entry`` is an
    :class:`AuditEntry` or anything with its fields (a pending row, given its ``sequence``)."""
    body = {"sequence": entry.sequence if sequence is None else sequence, "id": entry.id,
            "platform_id": entry.platform_id, "kind": entry.kind, "subject_type": entry.subject_type,
            "subject_id": entry.subject_id, "actor": entry.actor, "data": entry.data,
            "created_at": _moment(entry.created_at), "prev_hash": prev_hash}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def content_hash(value) -> str:
    """SHA-256 of any JSON-able value's canonical form (evidence records use it)."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


# --- appending -----------------------------------------------------------------------------------

def new_entry(*, platform_id: str | None, kind: str, subject_type: str, subject_id: str, actor: str,
              data: dict) -> AuditEntry:
    """An entry not yet in the chain (no ``sequence``, ``prev_hash`` or ``hash``). Entries are
    written with Core statements and never enter a session: :func:`~gateway.db.built`."""
    return built(AuditEntry, {"id": new_id("aud"), "platform_id": platform_id, "kind": kind,
                              "subject_type": subject_type, "subject_id": subject_id, "actor": actor,
                              "data": plain_json(data), "created_at": utcnow(), "sequence": None, "prev_hash": None,
                              "hash": None})


def append(session: Session, *, platform_id: str | None, kind: str, subject_type: str, subject_id: str,
           actor: str, data: dict, deferrable: bool = False) -> AuditEntry:
    """Add an entry to the chain in ``session``'s transaction.

    The entry is sealed (``sequence``, ``prev_hash``, ``hash``) and written when the
    transaction commits, or earlier by :func:`seal`; if the transaction (or the savepoint it
    was appended in) rolls back, it never existed. A ``deferrable`` entry may instead be written
    unsealed at commit and sealed shortly after (see the module's text); it then keeps
    ``sequence`` None.
    """
    return enqueue(session, new_entry(platform_id=platform_id, kind=kind, subject_type=subject_type,
                                      subject_id=subject_id, actor=actor, data=data), deferrable=deferrable)


def enqueue(session: Session, entry: AuditEntry, *, deferrable: bool = False) -> AuditEntry:
    """:func:`append` for an entry already built by :func:`new_entry`."""
    if session.get_transaction() is None:
        # The entry belongs to this transaction and ends with it. Begun without a connection:
        # on SQLite the first statement takes the write lock, and it should be the caller's
        # first write, not this bookkeeping.
        session.begin()
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((entry, transaction, deferrable))
    return entry


#: The columns written for an entry, in the table's order.
_ENTRY_COLUMNS = tuple(c.key for c in AuditEntry.__table__.columns)


def seal(session: Session) -> list[AuditEntry]:
    """Give the entries queued on ``session`` their place in the chain now (normally done at
    commit). Locks the chain head until the transaction ends.

    Written with Core statements (select the head, insert the entries, move the head), not
    the ORM's unit of work: this runs at every decision's commit, inside the write lock on
    SQLite, where the ORM's flush bookkeeping cost more than the statements themselves. The
    entries stay out of the session; queries read them from the database."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return []
    # The caller's own rows first: their row locks are taken before the chain head's, never
    # after it, so two committing transactions cannot each hold what the other waits for.
    session.flush()
    connection = session.connection()
    entries = [entry for entry, _, _ in pending]
    sealer = running_sealer(connection)
    if sealer is not None and all(deferrable for _, _, deferrable in pending):
        # Nothing here needs its place now: no head lock, the sealer gives them their places.
        write_pending(connection, entries)
        session.info[_WAKE_SEALER] = sealer
        return []
    return seal_entries(connection, entries)


def running_sealer(connection):
    """The running :class:`~gateway.audit.sealing.AuditSealer` of ``connection``'s engine, if
    any: deferrable entries written there go to ``audit_pending``, and it is woken after commit."""
    sealer = getattr(connection.engine, "qingwang_audit_sealer", None)
    return sealer if sealer is not None and sealer.running else None


def write_pending(connection, entries: list[AuditEntry]) -> None:
    """Write entries unsealed to ``audit_pending`` in ``connection``'s transaction."""
    bind_pending(connection, entries).execute(connection)


def bind_pending(bind, entries: list[AuditEntry]) -> BoundWrite:
    """:func:`write_pending`'s INSERT with its values bound now (``bind``: an Engine or a
    Connection), to execute in a write transaction begun later."""
    return _INSERT_PENDING.bind(bind, [pending_row(e) for e in entries])


def pending_row(entry: AuditEntry) -> dict:
    return {c: getattr(entry, c) for c in PENDING_COLUMNS}


def seal_entries(connection, entries: list[AuditEntry]) -> list[AuditEntry]:
    """Give ``entries`` their places in the chain and write them, in ``connection``'s
    transaction, which holds the chain head's lock until it ends."""
    sequence, prev_hash = _locked_head(connection)
    for entry in entries:
        sequence += 1
        entry.sequence, entry.prev_hash = sequence, prev_hash
        entry.hash = prev_hash = entry_hash(entry, prev_hash)
    _INSERT_ENTRY.execute(connection, [{c: getattr(e, c) for c in _ENTRY_COLUMNS} for e in entries])
    _MOVE_HEAD.execute(connection, {"head_sequence": sequence, "head_hash": prev_hash, "head_updated_at": utcnow()})
    return entries


# Built once (see seal): construction and cache keys cost more than SQLite's work here.
_HEAD = DirectRead(select(AuditChainHead.sequence, AuditChainHead.hash).where(AuditChainHead.id == HEAD_ID)
                  .with_for_update())
_INSERT_ENTRY = DirectWrite(insert(AuditEntry.__table__), _ENTRY_COLUMNS)
PENDING_COLUMNS = tuple(c.key for c in AuditPending.__table__.columns if c.key != "position")
_INSERT_PENDING = DirectWrite(insert(AuditPending.__table__), PENDING_COLUMNS)
_MOVE_HEAD = DirectWrite(update(AuditChainHead.__table__).where(AuditChainHead.id == HEAD_ID)
                         .values(sequence=bindparam("head_sequence"), hash=bindparam("head_hash"),
                                 updated_at=bindparam("head_updated_at")),
                         ("head_sequence", "head_hash", "head_updated_at"))


def _locked_head(connection) -> tuple[int, str]:
    head = _HEAD.first(connection)
    if head is None:  # a fresh database (or one emptied by tests): create the row, once
        dialect_insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        connection.execute(dialect_insert(AuditChainHead).values(id=HEAD_ID, sequence=0, hash=GENESIS,
                                                                 updated_at=utcnow())
                           .on_conflict_do_nothing(index_elements=["id"]))
        head = _HEAD.first(connection)
    sequence, head_hash = head
    return sequence, head_hash


@event.listens_for(Session, "before_commit")
def _seal_before_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint: the outer transaction seals
    seal(session)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    if previous.parent is None:
        session.info.pop(_PENDING, None)
        return
    session.info[_PENDING] = [(e, t, d) for e, t, d in pending if not _inside(t, previous)]


@event.listens_for(Session, "after_transaction_end")
def _drop_at_end(session: Session, transaction: SessionTransaction) -> None:
    # A transaction that ended without its commit sealing the entries (closed, rolled back):
    # they never happened, and must not ride along with the session's next transaction.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_WAKE_SEALER, None)


@event.listens_for(Session, "after_commit")
def _wake_sealer(session: Session) -> None:
    sealer = session.info.pop(_WAKE_SEALER, None)
    if sealer is not None:
        sealer.wake()


def _inside(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


# --- verification --------------------------------------------------------------------------------------

PROBLEMS = {
    "edited": ("内容与哈希不符（被修改）", "its content does not match its hash (edited)"),
    "missing": ("序号缺失（被删除）", "its sequence number is missing (deleted)"),
    "relinked": ("与前一条的链接断开（顺序被改动或前一条被替换）",
                 "it does not link to the entry before it (reordered, or the one before was replaced)"),
    "truncated": ("链尾条目缺失（被删除）", "entries at the end of the chain are missing (deleted)"),
    "head_mismatch": ("链头记录与最后一条不符", "the chain head does not match the last entry"),
    "subject": ("所记录对象的内容与审计记录不符", "the record it covers no longer matches it"),
    "unentered": ("没有审计记录（绕过网关写入，或其待封存记录被删除）",
                  "has no audit entry (written around the gateway, or its entry was deleted before sealing)"),
}


@dataclass(frozen=True)
class ChainBreak:
    """One place where the chain is broken."""

    sequence: int
    entry_id: str | None  # None where the entry is gone
    problem: str  # a PROBLEMS key
    message: str
    message_en: str


@dataclass
class ChainVerification:
    intact: bool
    entries: int
    head_sequence: int
    head_hash: str
    problems: list[ChainBreak] = field(default_factory=list)
    #: Entries written but not yet sealed into the chain (gateway.audit.sealing), and the oldest's time.
    pending: int = 0
    oldest_pending_at: datetime | None = None

    @property
    def first_broken(self) -> ChainBreak | None:
        return self.problems[0] if self.problems else None

    def as_dict(self) -> dict:
        return {"intact": self.intact, "entries": self.entries, "head_sequence": self.head_sequence,
                "head_hash": self.head_hash,
                "first_broken": asdict(self.first_broken) if self.first_broken else None,
                "problems": [asdict(p) for p in self.problems],
                "pending": {"entries": self.pending,
                            "oldest_at": _moment(self.oldest_pending_at) if self.oldest_pending_at else None}}


#: Checks of what an entry covers beyond itself, by entry kind (e.g. the evidence record an
#: ``evidence.frozen`` entry hashed): ``check(session, entries) -> {entry sequence: problem text}``
#: for the entries whose subject no longer matches. Areas above register theirs.
SubjectCheck = Callable[[Session, list[AuditEntry]], dict[int, tuple[str, str]]]
SUBJECT_CHECKS: dict[str, SubjectCheck] = {}


def register_subject_check(kind: str, check: SubjectCheck) -> None:
    SUBJECT_CHECKS[kind] = check


def hashed_rows_check(model, id_key: str, hash_of: Callable[[object], str], name_zh: str,
                      name_en: str) -> SubjectCheck:
    """A subject check for entries whose ``data`` names a row (``data[id_key]``) and its content
    hash (``data["sha256"]``): the row must still exist and still hash the same."""

    def check(session: Session, entries: list[AuditEntry]) -> dict[int, tuple[str, str]]:
        ids = [e.data.get(id_key) for e in entries]
        found = {row.id: row for row in session.scalars(select(model).where(model.id.in_(ids)))}
        problems = {}
        for entry in entries:
            ident = entry.data.get(id_key)
            row = found.get(ident)
            if row is None:
                problems[entry.sequence] = (f"{name_zh} {ident} 已被删除", f"{name_en} {ident} was deleted")
            elif hash_of(row) != entry.data.get("sha256"):
                problems[entry.sequence] = (f"{name_zh} {ident} 被修改", f"{name_en} {ident} was changed")
        return problems

    return check


@dataclass(frozen=True)
class CoverageCheck:
    """Rows of ``model`` that must each be named by an entry of ``kind`` (``data[id_key]``): a
    row with none was written around the gateway, or its entry was removed while it waited to
    be sealed (gateway.audit.sealing). Rows from before the chain's first entry are outside it
    (a database upgraded from before the audit chain)."""

    kind: str
    model: type
    id_key: str
    made_at: object  # the model's column saying when a row was made
    name_zh: str
    name_en: str


COVERAGE_CHECKS: list[CoverageCheck] = []


def register_coverage_check(check: CoverageCheck) -> None:
    COVERAGE_CHECKS.append(check)


def _unentered(session: Session, check: CoverageCheck, since: datetime, batch: int) -> Iterator[str]:
    """Ids of ``check.model`` rows made since ``since`` that no entry (sealed or waiting) names.

    Two id streams in the same order, merged, so memory stays flat however many rows there
    are: byte order on both databases ("C" on PostgreSQL, SQLite's BINARY), which is Python's
    order for strings too."""
    postgresql = session.get_bind().dialect.name == "postgresql"

    def named(model):
        if postgresql:
            return func.jsonb_extract_path_text(model.data, check.id_key, type_=String)
        return func.json_extract(model.data, f"$.{check.id_key}", type_=String)

    def ordered(column):
        return column.collate("C" if postgresql else "BINARY")

    rows = select(ordered(check.model.id).label("id")).where(check.made_at >= since).order_by(ordered(check.model.id))
    names = union_all(select(named(AuditEntry).label("id")).where(AuditEntry.kind == check.kind),
                      select(named(AuditPending).label("id")).where(AuditPending.kind == check.kind)).subquery()
    entered = select(ordered(names.c.id)).where(names.c.id.is_not(None)).order_by(ordered(names.c.id))
    stream = {"yield_per": batch}
    entry_ids = iter(session.execute(entered, execution_options=stream).scalars())
    entry = next(entry_ids, None)
    for ident in session.execute(rows, execution_options=stream).scalars():
        while entry is not None and entry < ident:
            entry = next(entry_ids, None)
        if entry != ident:
            yield ident


def _break(sequence: int, entry_id: str | None, problem: str, detail: tuple[str, str] | None = None) -> ChainBreak:
    zh, en = PROBLEMS[problem]
    if detail:
        zh, en = f"{zh}：{detail[0]}", f"{en}: {detail[1]}"
    return ChainBreak(sequence, entry_id, problem, f"第 {sequence} 条：{zh}", f"entry {sequence}: {en}")


def verify_chain(session: Session, *, batch: int = 5000, max_problems: int = 100) -> ChainVerification:
    """Walk the whole chain in order and report every break (the first is ``first_broken``).

    Detected: an entry whose fields were edited (its hash no longer matches), a deleted
    entry (a gap in the sequence, or the end short of the chain head), entries reordered or
    replaced (an entry's ``prev_hash`` is not its predecessor's hash), and, through the
    registered subject checks, a covered record (evidence) changed after it was entered; and,
    through the coverage checks, a decision or evidence record that no entry names (written
    around the gateway, or its entry deleted while it waited to be sealed).

    The walk reads one snapshot: on PostgreSQL a fresh ``session`` is put in REPEATABLE READ
    (under READ COMMITTED, entries committed during a long walk would not match the head read
    at its start); SQLite's read transaction is a snapshot already.
    """
    if not session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    head = session.get(AuditChainHead, HEAD_ID)
    pending, oldest_pending_at = session.execute(select(func.count(), func.min(AuditPending.created_at))
                                                 .select_from(AuditPending)).one()
    problems: list[ChainBreak] = []
    expected, prev_hash, count, last = 1, GENESIS, 0, None
    after = 0
    while len(problems) < max_problems:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.sequence > after)
                               .order_by(AuditEntry.sequence).limit(batch)).all()
        if not rows:
            break
        by_kind: dict[str, list[AuditEntry]] = {}
        for entry in rows:
            count += 1
            if entry.sequence != expected:
                problems.append(_break(expected, None, "missing"))
            if entry_hash(entry, entry.prev_hash) != entry.hash:
                problems.append(_break(entry.sequence, entry.id, "edited"))
            elif entry.prev_hash != prev_hash and entry.sequence == expected:
                problems.append(_break(entry.sequence, entry.id, "relinked"))
            if entry.kind in SUBJECT_CHECKS:
                by_kind.setdefault(entry.kind, []).append(entry)
            expected, prev_hash, last = entry.sequence + 1, entry.hash, entry
        for kind, entries in by_kind.items():
            for sequence, detail in sorted(SUBJECT_CHECKS[kind](session, entries).items()):
                entry = next(e for e in entries if e.sequence == sequence)
                problems.append(_break(sequence, entry.id, "subject", detail))
        after = rows[-1].sequence  # keyset paging; the identity map holds rows weakly, so memory stays flat
    head_sequence = head.sequence if head else 0
    head_hash = head.hash if head else GENESIS
    last_sequence = last.sequence if last else 0
    if head is None and last is not None:
        problems.append(_break(last_sequence, last.id, "head_mismatch"))
    if head is not None and len(problems) < max_problems:
        if head_sequence > last_sequence:
            problems.append(_break(last_sequence + 1, None, "truncated"))
        elif last is not None and (head_sequence != last_sequence or head_hash != last.hash):
            problems.append(_break(last_sequence, last.id, "head_mismatch"))
    problems.sort(key=lambda p: p.sequence)
    since = session.execute(union_all(select(func.min(AuditEntry.created_at)),
                                      select(func.min(AuditPending.created_at)))).scalars().all()
    since = min((t for t in since if t is not None), default=None)
    for check in COVERAGE_CHECKS if since is not None else ():
        for ident in _unentered(session, check, since, batch):
            if len(problems) >= max_problems:
                break
            problems.append(ChainBreak(0, None, "unentered", f"{check.name_zh} {ident}：{PROBLEMS['unentered'][0]}",
                                       f"{check.name_en} {ident}: {PROBLEMS['unentered'][1]}"))
    return ChainVerification(intact=not problems, entries=count, head_sequence=head_sequence, head_hash=head_hash,
                             problems=problems[:max_problems], pending=pending,
                             oldest_pending_at=oldest_pending_at)


def entries_for(session: Session, subject_type: str, subject_id: str) -> list[AuditEntry]:
    """The entries about one subject, oldest first."""
    return list(session.scalars(select(AuditEntry).where(AuditEntry.subject_type == subject_type,
                                                         AuditEntry.subject_id == subject_id)
                                .order_by(AuditEntry.sequence)))
