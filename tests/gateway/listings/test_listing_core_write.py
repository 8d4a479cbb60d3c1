"""The hot path's write without a Session (gateway.listings.services._write_new): a new listing
whose decision no receiver writes for is written with Core statements (on PostgreSQL, with a
sealer running, in one statement); it must leave exactly what the Session's path leaves."""
import time

import pytest
from sqlalchemy import event, func, select

import gateway.listings.services as listing_services
from gateway.audit.models import AuditEntry, AuditPending
from gateway.audit.sealing import AuditSealer
from gateway.audit.services import verify_chain
from gateway.decisions.models import Decision
from gateway.decisions.services import WRITES_NOTHING_FOR_NEW, announce_without_session, new_decision
from gateway.listings.models import Listing
from gateway.listings.services import submit_listings
from gateway.violations.models import Violation
from gateway.violations.services import on_decision_recorded
from tests.gateway.listings.test_listing_writes import merchant  # noqa: F401 (fixture)
from tests.gateway.merchants.test_merchants_listings_api import LISTING, registry  # noqa: F401 (fixture)

#: Columns that differ between two listings of the same content (and the key's own fields).
_OWN = {"id", "external_id", "decision_id", "created_at", "updated_at", "subject_id", "decided_at", "sequence",
        "prev_hash", "hash"}


def _body(merchant_id, external_id, **changes):
    return dict(LISTING, merchant_id=merchant_id, external_id=external_id, document_ids=[], **changes)


def _same(row) -> dict:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key not in _OWN}


def _rows(runtime, listing_id):
    with runtime.db.read_sessionmaker() as s:
        listing = s.get(Listing, listing_id)
        decision = s.get(Decision, listing.decision_id)
        entry = s.scalars(select(AuditEntry).where(AuditEntry.subject_id == listing_id)).one()
        data = {k: v for k, v in entry.data.items() if k not in ("decision_id", "sha256")}
        return _same(listing), _same(decision), {**_same(entry), "data": data}, entry.data["decision_id"] == decision.id


def _sealed(runtime, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with runtime.db.read_sessionmaker() as s:
            if not s.scalar(select(func.count()).select_from(AuditPending)):
                return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("with_sealer", [False, True], ids=["sealed-at-commit", "sealer"])
def test_a_new_listing_written_without_a_session_leaves_what_the_session_path_leaves(
        runtime, platform, merchant, with_sealer):  # noqa: F811
    if with_sealer:
        AuditSealer.install(runtime.db.engine)  # on PostgreSQL: the one-statement write
    statements = []

    def count(_conn, _cursor, statement, *_):
        statements.append(statement)

    for engine in runtime.db.engines:  # PostgreSQL's autocommit engine too
        event.listen(engine, "before_cursor_execute", count)
    try:
        [core] = submit_listings(runtime, platform[0], [_body(merchant, "sku-core")])
    finally:
        for engine in runtime.db.engines:
            event.remove(engine, "before_cursor_execute", count)
    [through_session] = submit_listings(runtime, platform[0], [_body(merchant, "sku-session")], runtime.db.session)
    assert core.decision.outcome == through_session.decision.outcome == "allow"
    assert _sealed(runtime)
    core_rows, session_rows = _rows(runtime, core.listing.id), _rows(runtime, through_session.listing.id)
    assert core_rows == session_rows and core_rows[-1] is True
    if with_sealer and runtime.db.engine.dialect.name == "postgresql":
        # The read (merchant and existing listing together), then the write in one statement.
        writes = [s for s in statements if "INSERT" in s]
        assert len(writes) == 1 and "WITH new_listing AS" in writes[0], statements
        assert not [s for s in statements if s.strip().upper() in ("BEGIN", "COMMIT")]
    with runtime.db.session() as s:
        assert verify_chain(s).intact  # the entries' hashes tie them to the decision rows


def test_a_blocked_listing_still_records_its_violation(runtime, platform, merchant):  # noqa: F811
    # A block is written through the Session: the violation receiver writes in its transaction.
    [result] = submit_listings(runtime, platform[0], [_body(merchant, "sku-blocked",
                                                            registration_number="国械注准2020314045")])
    assert result.decision.outcome == "block"
    with runtime.db.read_sessionmaker() as s:
        violation = s.scalars(select(Violation).where(Violation.listing_id == result.listing.id)).one()
    assert result.decision.id in violation.decision_ids


@pytest.mark.parametrize("with_sealer", [False, True], ids=["sealed-at-commit", "sealer"])
def test_a_listing_created_concurrently_before_the_core_write_is_updated(
        runtime, platform, merchant, monkeypatch, with_sealer):  # noqa: F811
    if with_sealer:
        AuditSealer.install(runtime.db.engine)
    build = listing_services._NewRows.build
    raced = []

    def competitor_first(platform_id, chunk):
        if not raced:  # another request creates the same external_id between our read and our write
            with runtime.db.session() as other:
                other.add(Listing(platform_id=platform_id, merchant_id=merchant, external_id="sku-race",
                                  title="先到的请求"))
            raced.append(True)
        return build(platform_id, chunk)

    monkeypatch.setattr(listing_services._NewRows, "build", staticmethod(competitor_first))
    [result] = submit_listings(runtime, platform[0], [_body(merchant, "sku-race")])
    assert _sealed(runtime)
    with runtime.db.read_sessionmaker() as s:
        [listing] = s.scalars(select(Listing).where(Listing.external_id == "sku-race")).all()
        decisions = s.scalars(select(Decision).where(Decision.subject_id == listing.id)).all()
        entries = s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.subject_id == listing.id))
    # Nothing of the failed write remains: one decision, one entry, on the listing that won.
    assert result.listing.id == listing.id and listing.title == LISTING["title"]
    assert [d.id for d in decisions] == [result.decision.id] == [listing.decision_id] and entries == 1
    with runtime.db.session() as s:
        assert verify_chain(s).intact


def test_only_decisions_no_receiver_writes_for_are_announced_without_a_session():
    def decision(outcome):
        return new_decision(platform_id="p", subject_type="listing", subject_id="lst_x", outcome=outcome, reasons=[],
                            registry_version=None, looked_at={}, trigger="submitted")

    for outcome in WRITES_NOTHING_FOR_NEW:
        assert on_decision_recorded(decision(outcome), session=None, new_subject=True) == []
        announce_without_session([decision(outcome)])
    with pytest.raises(ValueError):
        announce_without_session([decision("block")])
