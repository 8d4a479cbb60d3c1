"""``kill -9`` of ``qingwang serve`` after it answered decisions whose audit entries it had not yet
sealed into the chain (gateway.audit.sealing): the entries committed with their decisions, and
the next web process seals them; none is lost, none sealed twice, the chain stays intact."""
import threading

import pytest
from sqlalchemy import func, select, text

from gateway.audit.models import AuditEntry, AuditPending
from gateway.audit.services import append, verify_chain
from gateway.decisions.models import Decision
from gateway.runtime import Runtime
from tests.faults.services import Server, call, listing_world, serve_env, wait_for
from tests.gateway.merchants.test_merchants_listings_api import LISTING

pytestmark = [pytest.mark.slow, pytest.mark.faults]
LISTINGS = 60


def _pending(runtime: Runtime) -> int:
    with runtime.db.read_sessionmaker() as s:
        return s.scalar(select(func.count()).select_from(AuditPending))


def test_entries_a_killed_web_process_left_unsealed_are_sealed_by_the_next(fault_runtime, tmp_path):
    runtime = fault_runtime
    _, key, merchant_id = listing_world(runtime)
    server = Server(serve_env(runtime, tmp_path, WEB_WORKERS=1, WEB_THREADS=4), tmp_path / "serve.log")
    if runtime.db.engine.dialect.name != "postgresql":
        pytest.skip("web processes seal after commit on PostgreSQL only (SQLite seals at commit)")
    server.start()
    head_lock = None
    try:
        # Hold the chain head as a sealer would: the server's sealer cannot seal, and decisions
        # must still be answered (they no longer wait for the head). An entry first, so the head's
        # row exists to be locked (an emptied database has none until the first seal).
        with runtime.db.session() as session:
            append(session, platform_id=None, kind="test.started", subject_type="test", subject_id="web-kill",
                   actor="system:test", data={})
        head_lock = runtime.db.engine.connect()
        head_lock.execute(text("SELECT sequence FROM audit_chain_head FOR UPDATE")).all()
        answers: list[int] = []

        def send(offset):
            for i in range(offset, LISTINGS, 4):
                status, _, body = call(server.base, "POST", "/v1/listings", key,
                                       {**LISTING, "merchant_id": merchant_id, "external_id": f"sealed-{i}"})
                answers.append(status)

        senders = [threading.Thread(target=send, args=(n,)) for n in range(4)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(60)
        assert answers.count(201) + answers.count(200) == LISTINGS, answers
    finally:
        server.kill()
        if head_lock is not None:
            head_lock.rollback()
            head_lock.close()
    assert _pending(runtime) == LISTINGS  # every answered decision's entry waited, committed, for its sealing

    server.start()
    try:
        assert wait_for(lambda: _pending(runtime) == 0, 30)
    finally:
        server.kill()
    with runtime.db.session() as s:
        decisions = set(s.scalars(select(Decision.id).where(Decision.subject_type == "listing")))
        recorded = s.execute(select(AuditEntry.data).where(AuditEntry.kind == "decision.recorded",
                                                           AuditEntry.subject_type == "listing")).scalars().all()
        result = verify_chain(s)
    assert len(decisions) == LISTINGS
    assert sorted(d["decision_id"] for d in recorded) == sorted(decisions)  # each entry once
    assert result.intact and result.pending == 0, result.problems
