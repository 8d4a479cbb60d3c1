"""``kill -9`` of ``qingwang serve`` in the middle of a request, then the client's retry with
the same Idempotency-Key: one result.

The request is a batch of 1,000 listings (long enough to be caught in flight). The server
is killed while the key's record says the request is under way; nothing of its work may
be kept (the work commits with the key's record), and the retry, once the dead request's
lease on the key runs out, decides every listing exactly once. A second retry replays."""
import threading
import uuid

import pytest
from sqlalchemy import func, select

from gateway.decisions.models import Decision
from gateway.idempotency import IdempotencyRecord
from gateway.listings.models import Listing
from gateway.runtime import Runtime
from tests.faults.services import Server, call, listing_world, serve_env, wait_for
from tests.gateway.merchants.test_merchants_listings_api import LISTING

pytestmark = [pytest.mark.slow, pytest.mark.faults]
ITEMS = 1000


def _state(runtime: Runtime, key: str) -> str | None:
    with runtime.db.session() as s:
        return s.scalar(select(IdempotencyRecord.state).where(IdempotencyRecord.key == key))


def _counts(runtime: Runtime) -> tuple[int, int, int]:
    with runtime.db.session() as s:
        listings = s.scalar(select(func.count()).select_from(Listing))
        decisions = s.scalar(select(func.count()).select_from(Decision).where(Decision.subject_type == "listing"))
        decided = s.scalar(select(func.count(func.distinct(Decision.subject_id)))
                           .where(Decision.subject_type == "listing"))
    return listings, decisions, decided


def test_a_request_killed_mid_flight_and_retried_with_its_key_has_one_result(fault_runtime, tmp_path):
    runtime = fault_runtime
    _, key, merchant_id = listing_world(runtime)
    server = Server(serve_env(runtime, tmp_path, WEB_WORKERS=1, WEB_THREADS=2, IDEMPOTENCY_LEASE_SECONDS=2),
                    tmp_path / "serve.log")
    batch = {"items": [{**LISTING, "merchant_id": merchant_id, "external_id": f"sku-{i}"} for i in range(ITEMS)]}
    idempotency_key = uuid.uuid4().hex
    headers = {"Idempotency-Key": idempotency_key}
    first: dict = {}

    def send():
        try:
            first["answer"] = call(server.base, "POST", "/v1/listings/batch", key, batch, headers, timeout=60)
        except OSError as exc:  # the connection dies with the server
            first["error"] = exc

    server.start()
    try:
        sender = threading.Thread(target=send)
        sender.start()
        assert wait_for(lambda: _state(runtime, idempotency_key) == "in_progress", 30, every=0.005)
    finally:
        server.kill()
    sender.join(30)
    assert "error" in first, f"the request finished before the kill: {first.get('answer', '')!s:.300}"
    # Nothing of the killed request was kept; its key is left held, until its lease runs out.
    assert _counts(runtime) == (0, 0, 0)
    assert _state(runtime, idempotency_key) == "in_progress"

    server.start()
    try:
        retries, answers = [], []

        def retried():
            answer = call(server.base, "POST", "/v1/listings/batch", key, batch, headers, timeout=60)
            retries.append(answer[0])
            if answer[0] != 409:
                answers.append(answer)
            return bool(answers)

        assert wait_for(retried, 30, every=0.5), retries
        status, response_headers, body = answers[0]
        replay_status, replay_headers, replay = call(server.base, "POST", "/v1/listings/batch", key, batch, headers)
    finally:
        server.kill()
    # While the dead request's lease held the key, retries were told so (409 + Retry-After).
    assert set(retries) <= {409, 200} and retries[-1] == 200, retries
    assert status == 200 and len(body["items"]) == ITEMS
    assert all(item["outcome"] == "allow" for item in body["items"]), body["items"][0]
    assert replay_status == 200 and replay_headers.get("Idempotent-Replayed") == "true"
    assert replay == body
    assert _counts(runtime) == (ITEMS, ITEMS, ITEMS)  # each listing once, decided once
    assert _state(runtime, idempotency_key) == "done"
