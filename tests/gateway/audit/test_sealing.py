"""Entries sealed after their commit (gateway.audit.sealing): written with the decision they
record, sealed into the chain in batches, never lost, never sealed twice."""
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gateway.audit.models import AuditEntry, AuditPending
from gateway.audit.sealing import AuditSealer, seal_pending
from gateway.audit.services import append, verify_chain
from gateway.db import Database
from gateway.decisions.services import new_decision, record_decision
from tests.gateway.listings.test_listings_batch import item, merchant_id  # noqa: F401 - fixture


class _KilledSealer(AuditSealer):
    """A sealer whose process died before it sealed anything: its thread waits and never seals.
    (Stands for a web process killed between its commits and its next batch.)"""

    def _run(self, stop, wake):
        stop.wait()


def _append(runtime, n, *, deferrable=True, subject="lst_1", kind="test.event"):
    for i in range(n):
        with runtime.db.session() as session:
            append(session, platform_id=None, kind=kind, subject_type="listing", subject_id=subject, actor="rules",
                   data={"i": i, "note": "中文", "score": 1.0}, deferrable=deferrable)


def _counts(runtime):
    with runtime.db.read_sessionmaker() as session:
        return (session.scalar(select(func.count()).select_from(AuditEntry)),
                session.scalar(select(func.count()).select_from(AuditPending)))


def _wait_sealed(runtime, timeout=20.0):
    deadline = time.monotonic() + timeout
    while _counts(runtime)[1] and time.monotonic() < deadline:
        time.sleep(0.02)
    return _counts(runtime)


def _verify(runtime):
    with runtime.db.session() as session:
        return verify_chain(session)


def _killed(runtime):
    return _KilledSealer.install(runtime.db.engine)


def test_without_a_sealer_deferrable_entries_are_sealed_at_commit(runtime):
    _append(runtime, 3)
    assert _counts(runtime) == (3, 0)
    assert _verify(runtime).intact


def test_a_running_sealer_seals_what_commits_wrote(runtime):
    AuditSealer.install(runtime.db.engine)
    _append(runtime, 5)
    _append(runtime, 2, subject="lst_2")
    assert _wait_sealed(runtime) == (7, 0)
    result = _verify(runtime)
    assert result.intact and result.entries == result.head_sequence == 7 and result.pending == 0
    with runtime.db.read_sessionmaker() as session:
        data = session.scalars(select(AuditEntry.data).where(AuditEntry.subject_id == "lst_1")
                               .order_by(AuditEntry.sequence)).all()
    assert [d["i"] for d in data] == [0, 1, 2, 3, 4] and data[0]["note"] == "中文"


def test_entries_wait_durably_until_sealed_and_verify_reports_them(runtime, runner):
    _append(runtime, 2, deferrable=False)
    sealer = _killed(runtime)
    _append(runtime, 3)
    assert _counts(runtime) == (2, 3)
    result = _verify(runtime)
    # Waiting entries are not in the chain yet: the chain itself is whole, and says so.
    assert result.intact and result.entries == 2 and result.pending == 3 and result.oldest_pending_at is not None
    shown = runner.invoke(["audit", "verify"])
    assert shown.exit_code == 0 and "3 条待封存" in shown.output and "3 more entries wait" in shown.output
    assert runner.invoke(["audit", "verify", "--json"]).output.count('"pending": {"entries": 3')
    sealed = runner.invoke(["audit", "seal"])
    assert sealed.exit_code == 0 and "sealed 3 entries" in sealed.output
    assert _counts(runtime) == (5, 0)
    result = _verify(runtime)
    assert result.intact and result.entries == 5 and result.pending == 0
    sealer.stop()


def test_a_transaction_that_also_needs_its_place_now_seals_everything_at_commit(runtime):
    _killed(runtime)
    with runtime.db.session() as session:
        append(session, platform_id=None, kind="decision.recorded", subject_type="listing", subject_id="lst_1",
               actor="rules", data={}, deferrable=True)
        append(session, platform_id=None, kind="violation.recorded", subject_type="violation", subject_id="vio_1",
               actor="rules", data={})
    assert _counts(runtime) == (2, 0)
    with runtime.db.read_sessionmaker() as session:
        kinds = session.scalars(select(AuditEntry.kind).order_by(AuditEntry.sequence)).all()
    assert kinds == ["decision.recorded", "violation.recorded"]


def test_a_rolled_back_transaction_leaves_nothing_waiting(runtime):
    _killed(runtime)
    with pytest.raises(RuntimeError), runtime.db.session() as session:
        append(session, platform_id=None, kind="test.event", subject_type="x", subject_id="1", actor="rules",
               data={}, deferrable=True)
        session.flush()
        raise RuntimeError("the request failed")
    assert _counts(runtime) == (0, 0)


def test_stopping_the_sealer_seals_what_is_left(runtime):
    sealer = _killed(runtime)
    _append(runtime, 4)
    assert _counts(runtime) == (0, 4)
    runtime.db.dispose()  # Database.dispose stops the engine's background threads
    assert not sealer.running
    assert _counts(runtime) == (4, 0)


def test_concurrent_writers_and_two_processes_sealers_seal_each_entry_once(runtime, settings):
    # Two engines on one database stand for two web processes, each with its own sealer.
    other = Database(settings.database_url)
    try:
        AuditSealer.install(other.engine)
        AuditSealer.install(runtime.db.engine)
        errors = []

        def writer(n):
            try:
                for i in range(15):
                    db = runtime.db if (n + i) % 2 else other
                    with db.session() as session:
                        append(session, platform_id=None, kind="test.event", subject_type="listing",
                               subject_id=f"lst_{n}", actor="rules", data={"i": i}, deferrable=True)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert _wait_sealed(runtime) == (90, 0)
        result = _verify(runtime)
        assert result.intact and result.entries == result.head_sequence == 90
        with runtime.db.read_sessionmaker() as session:
            assert session.scalar(select(func.count(func.distinct(AuditEntry.id)))) == 90
    finally:
        other.dispose()


def test_seal_pending_takes_batches(runtime):
    _killed(runtime)
    _append(runtime, 7)
    assert seal_pending(runtime.db.engine, batch=3) == 7
    assert _counts(runtime) == (7, 0) and _verify(runtime).intact


def test_sealing_gives_the_interpreter_away_between_entries(runtime, monkeypatch):
    """The sealer runs beside the thread serving requests in a web process: it must not hold the
    GIL through a whole batch (time.sleep(0) releases it)."""
    from gateway.audit import sealing

    _killed(runtime)
    _append(runtime, 6)
    pauses = []
    monkeypatch.setattr(sealing.time, "sleep", lambda seconds: pauses.append(seconds))
    assert seal_pending(runtime.db.engine) == 6
    assert pauses == [0] * 6


def test_web_processes_seal_after_commit_on_postgresql_only(runtime):
    runtime.start_audit_sealer()
    sealer = getattr(runtime.db.engine, "qingwang_audit_sealer", None)
    if runtime.db.engine.dialect.name == "postgresql":
        assert sealer is not None and sealer.running
    else:  # SQLite's one writer serialises commits anyway: entries are sealed at commit
        assert sealer is None
        _append(runtime, 2)
        assert _counts(runtime) == (2, 0)


def test_a_listing_decisions_entry_reaches_the_chain(runtime, client, auth, merchant_id):  # noqa: F811
    AuditSealer.install(runtime.db.engine)
    response = client.post("/v1/listings", headers=auth, json=item(merchant_id, "sealed-1"))
    assert response.status_code in (200, 201), response.get_json()
    decision_id = response.get_json()["decision"]["id"]
    _wait_sealed(runtime)
    with runtime.db.read_sessionmaker() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.kind == "decision.recorded",
                                                         AuditEntry.subject_id == response.get_json()["id"])).one()
    assert entry.data["decision_id"] == decision_id and entry.sequence and entry.hash
    # The subject check still ties the entry to the decision row it hashed.
    assert _verify(runtime).intact


def _decide(runtime, platform_id, subject):
    with runtime.db.session() as session:
        return record_decision(session, platform_id=platform_id, subject_type="merchant", subject_id=subject,
                               outcome="pending", reasons=[], registry_version=None, looked_at={}, trigger="test").id


def test_a_decision_written_around_the_gateway_is_reported(runtime, platform):
    _decide(runtime, platform[0], "mer_1")
    assert _verify(runtime).intact
    # Someone with the database's rights adds a decision row directly: no entry names it.
    forged = new_decision(platform_id=platform[0], subject_type="listing", subject_id="lst_forged", outcome="allow",
                          reasons=[], registry_version=None, looked_at={}, trigger="submitted")
    with runtime.db.session() as session:
        session.add(forged)
    result = _verify(runtime)
    assert not result.intact and [p.problem for p in result.problems] == ["unentered"]
    assert forged.id in result.problems[0].message and forged.id in result.problems[0].message_en


def test_a_decision_whose_waiting_entry_was_deleted_is_reported(runtime, platform):
    _decide(runtime, platform[0], "mer_1")
    _killed(runtime)  # entries wait in audit_pending
    waiting = _decide(runtime, platform[0], "mer_2")
    assert _verify(runtime).intact and _counts(runtime) == (1, 1)  # waiting and named: fine
    with runtime.db.engine.begin() as connection:
        connection.execute(AuditPending.__table__.delete())
    result = _verify(runtime)
    assert [p.problem for p in result.problems] == ["unentered"] and waiting in result.problems[0].message_en


def test_decisions_from_before_the_chain_began_are_outside_it(runtime, platform):
    # A database upgraded from before the audit chain: its old decisions have no entries.
    old = new_decision(platform_id=platform[0], subject_type="listing", subject_id="lst_old", outcome="allow",
                       reasons=[], registry_version=None, looked_at={}, trigger="submitted")
    old.decided_at = old.decided_at - timedelta(days=400)
    with runtime.db.session() as session:
        session.add(old)
    assert _verify(runtime).intact  # no chain yet: nothing to hold it to
    _decide(runtime, platform[0], "mer_1")
    result = _verify(runtime)
    assert result.intact and result.entries == 1
