"""The audit log: append-only, hash-chained, and tampering with it in SQL is detected."""
import json
import threading

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from gateway.audit.append_only import AppendOnlyError
from gateway.audit.models import GENESIS, AuditChainHead, AuditEntry
from gateway.audit.services import append, entry_hash, seal, verify_chain


def _append(runtime, n, subject="lst_1", platform_id=None):
    for i in range(n):
        with runtime.db.session() as session:
            append(session, platform_id=platform_id, kind="test.event", subject_type="listing", subject_id=subject,
                   actor="rules", data={"i": i, "score": 1.0, "note": "中文"})


def _verify(runtime):
    with runtime.db.session() as session:
        return verify_chain(session)


def _tamper(runtime, *statements):
    """Raw SQL, as someone with the database owner's rights would: PostgreSQL's append-only
    trigger is switched off for the session (SQLite has none)."""
    with runtime.db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for statement in statements:
            conn.execute(text(statement))


def test_appends_form_one_linear_chain(runtime):
    _append(runtime, 5)
    with runtime.db.session() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.sequence)).all()
        head = session.get(AuditChainHead, 1)
        assert [e.sequence for e in entries] == [1, 2, 3, 4, 5]
        assert entries[0].prev_hash == GENESIS
        for before, after in zip(entries, entries[1:]):
            assert after.prev_hash == before.hash
        assert all(entry_hash(e, e.prev_hash) == e.hash for e in entries)
        assert (head.sequence, head.hash) == (5, entries[-1].hash)
    result = _verify(runtime)
    assert result.intact and result.entries == 5 and result.first_broken is None
    assert result.head_hash == entries[-1].hash


def test_entries_are_sealed_at_commit_and_vanish_with_a_rollback(runtime):
    with runtime.db.session() as session:
        entry = append(session, platform_id=None, kind="test.event", subject_type="x", subject_id="1", actor="rules",
                       data={})
        assert entry.sequence is None  # not in the chain until the transaction commits
        with session.begin_nested():
            append(session, platform_id=None, kind="test.kept", subject_type="x", subject_id="2", actor="rules",
                   data={})
        try:
            with session.begin_nested():
                append(session, platform_id=None, kind="test.dropped", subject_type="x", subject_id="3",
                       actor="rules", data={})
                raise RuntimeError("undo the savepoint")
        except RuntimeError:
            pass
    assert entry.sequence == 1 and entry.hash
    with pytest.raises(RuntimeError):
        with runtime.db.session() as session:
            append(session, platform_id=None, kind="test.rolled_back", subject_type="x", subject_id="4",
                   actor="rules", data={})
            raise RuntimeError("roll the transaction back")
    with runtime.db.session() as session:
        kinds = session.scalars(select(AuditEntry.kind).order_by(AuditEntry.sequence)).all()
    assert kinds == ["test.event", "test.kept"]
    assert _verify(runtime).intact


def test_seal_now_gives_the_entry_its_place(runtime):
    with runtime.db.session() as session:
        entry = append(session, platform_id=None, kind="test.event", subject_type="x", subject_id="1",
                       actor="rules", data={"a": [1, 2]})
        assert seal(session) == [entry] and entry.sequence == 1
    assert _verify(runtime).intact


def test_the_orm_refuses_to_change_or_delete_entries(runtime):
    _append(runtime, 2)
    with runtime.db.session() as session:
        entry = session.get(AuditEntry, 1)
        entry.actor = "someone else"
        with pytest.raises(AppendOnlyError):
            session.flush()
        session.rollback()
        session.delete(session.get(AuditEntry, 2))
        with pytest.raises(AppendOnlyError):
            session.flush()
        session.rollback()
        with pytest.raises(AppendOnlyError):
            session.execute(update(AuditEntry).values(actor="x"))
        with pytest.raises(AppendOnlyError):
            session.execute(delete(AuditEntry))
    assert _verify(runtime).intact


def test_postgresql_refuses_sql_updates_and_deletes(runtime):
    if runtime.db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    _append(runtime, 2)
    for statement in ("UPDATE audit_entries SET actor = 'x'", "DELETE FROM audit_entries",
                      "TRUNCATE audit_entries", "TRUNCATE evidence"):
        with pytest.raises(DBAPIError, match="append-only"):
            with runtime.db.engine.begin() as conn:
                conn.execute(text(statement))
    assert _verify(runtime).intact


def test_an_edited_row_and_a_deleted_row_are_both_detected(runtime, runner):
    _append(runtime, 6)
    assert runner.invoke(["audit", "verify"]).exit_code == 0
    _tamper(runtime,
            "UPDATE audit_entries SET actor = 'staff:mallory@example.com' WHERE sequence = 2",
            "DELETE FROM audit_entries WHERE sequence = 5")
    result = _verify(runtime)
    assert not result.intact
    assert [(p.sequence, p.problem) for p in result.problems] == [(2, "edited"), (5, "missing")]
    assert result.problems[0].entry_id is not None and result.problems[1].entry_id is None

    cli = runner.invoke(["audit", "verify", "--json"])
    assert cli.exit_code == 1
    report = json.loads(cli.output)
    assert report["intact"] is False and report["first_broken"]["sequence"] == 2
    assert report["first_broken"]["problem"] == "edited"
    assert [p["sequence"] for p in report["problems"]] == [2, 5]
    plain = runner.invoke(["audit", "verify"])
    assert plain.exit_code == 1 and "entry 2" in plain.output and "第 2 条" in plain.output


def test_reordering_and_removing_the_tail_are_detected(runtime):
    _append(runtime, 4)
    # Swap two entries' places: each hash covers its own sequence number.
    _tamper(runtime, "UPDATE audit_entries SET sequence = -2 WHERE sequence = 2",
            "UPDATE audit_entries SET sequence = 2 WHERE sequence = 3",
            "UPDATE audit_entries SET sequence = 3 WHERE sequence = -2")
    # Both moved entries no longer match their hashes, and the one after links to the wrong one.
    assert [(p.sequence, p.problem) for p in _verify(runtime).problems] == [(2, "edited"), (3, "edited"),
                                                                            (4, "relinked")]
    _tamper(runtime, "DELETE FROM audit_entries WHERE sequence = 4")
    assert (4, "truncated") in [(p.sequence, p.problem) for p in _verify(runtime).problems]


def test_a_copied_entry_relinked_elsewhere_is_detected(runtime):
    """An entry rewritten consistently (its own hash recomputed) still breaks the next link."""
    _append(runtime, 3)
    with runtime.db.session() as session:
        entry = session.get(AuditEntry, 2)
        forged = AuditEntry(sequence=2, id=entry.id, platform_id=None, kind=entry.kind,
                            subject_type=entry.subject_type, subject_id=entry.subject_id, actor="staff:mallory",
                            data=entry.data, created_at=entry.created_at, prev_hash=entry.prev_hash, hash="")
        forged.hash = entry_hash(forged, forged.prev_hash)
        session.expunge_all()
    _tamper(runtime, f"UPDATE audit_entries SET actor = 'staff:mallory', hash = '{forged.hash}' WHERE sequence = 2")
    assert [(p.sequence, p.problem) for p in _verify(runtime).problems] == [(3, "relinked")]


def test_concurrent_appends_stay_linear(runtime):
    errors = []

    def worker(n):
        try:
            _append(runtime, 10, subject=f"lst_{n}")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = _verify(runtime)
    assert result.intact and result.entries == 60 and result.head_sequence == 60


def test_verifying_while_others_append_sees_one_consistent_chain(runtime):
    _append(runtime, 20)
    stop = threading.Event()

    def writer():
        while not stop.is_set():
            _append(runtime, 1, subject="lst_busy")

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        results = [_verify(runtime) for _ in range(5)]
    finally:
        stop.set()
        thread.join()
    assert all(r.intact for r in results), [r.problems for r in results]
    assert _verify(runtime).intact


def test_a_deleted_chain_head_is_detected(runtime):
    _append(runtime, 2)
    _tamper(runtime, "DELETE FROM audit_chain_head")
    assert [(p.sequence, p.problem) for p in _verify(runtime).problems] == [(2, "head_mismatch")]


def test_a_session_closed_without_commit_leaves_nothing_behind(runtime):
    session = runtime.db.sessionmaker()
    append(session, platform_id=None, kind="test.abandoned", subject_type="x", subject_id="1", actor="rules",
           data={})
    session.close()
    append(session, platform_id=None, kind="test.kept", subject_type="x", subject_id="2", actor="rules", data={})
    session.commit()
    session.close()
    with runtime.db.session() as s:
        assert s.scalars(select(AuditEntry.kind)).all() == ["test.kept"]
