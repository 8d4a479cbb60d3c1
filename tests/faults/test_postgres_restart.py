"""PostgreSQL restarted under load: requests fail cleanly, nothing is half-written.

A cluster of the test's own (never the machine's) serves ``qingwang serve`` while client
threads post listings, each with its own Idempotency-Key. Mid-load the cluster is stopped
(``pg_ctl -m fast``: every session cut), left down a moment, and started again. Every
answer must be a decision (200) or a 503 problem+json with Retry-After (or, for a key
whose request died with the database, a 409 that says to retry); never a 500 and never a
dropped connection. Clients retry what failed with the same key; in the end each
listing exists once with exactly one decision, and every listing in the database has its
decision."""
import json
import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text

from gateway import migrations
from gateway.decisions.models import Decision
from gateway.listings.models import Listing
from gateway.runtime import Runtime
from tests.conftest import make_settings
from tests.faults.services import Server, ThrowawayPostgres, call, listing_world, serve_env, wait_for
from tests.gateway.merchants.test_merchants_listings_api import LISTING

pytestmark = [pytest.mark.slow, pytest.mark.faults]
CLIENTS = 4
PROBLEM = "application/problem+json"


@pytest.fixture
def cluster():
    pg = ThrowawayPostgres()
    try:
        pg.start()
        yield pg
    finally:
        pg.remove()


def test_a_postgresql_restart_mid_load_fails_requests_cleanly_and_half_writes_nothing(cluster, tmp_path):
    admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE qingwang"))
    admin.dispose()
    url = cluster.url("qingwang")
    migrations.upgrade(url)
    runtime = Runtime(make_settings(url, tmp_path))
    _, key, merchant_id = listing_world(runtime)
    runtime.close()
    server = Server(serve_env(runtime, tmp_path, WEB_WORKERS=2, WEB_THREADS=2, IDEMPOTENCY_LEASE_SECONDS=2),
                    tmp_path / "serve.log")
    stop = threading.Event()
    answers: list[tuple[int, str, str, dict | str]] = []  # (status, content type, retry-after, body)
    broken: list[str] = []
    sent: dict[str, str] = {}  # external_id -> the Idempotency-Key it was sent with
    failed: list[str] = []
    history: dict[str, list] = {}  # external_id -> what each attempt was answered

    def client(worker: int):
        n = 0
        while not stop.is_set():
            external_id = f"sku-{worker}-{n}"
            n += 1
            sent[external_id] = uuid.uuid4().hex
            try:
                status, headers, body = call(server.base, "POST", "/v1/listings", key,
                                             {**LISTING, "merchant_id": merchant_id, "external_id": external_id},
                                             {"Idempotency-Key": sent[external_id]}, timeout=30)
            except OSError as exc:
                broken.append(f"{external_id}: {exc!r}")
                failed.append(external_id)
                continue
            answers.append((status, headers.get("Content-Type", ""), headers.get("Retry-After", ""), body))
            history.setdefault(external_id, []).append((status, body.get("type") if status != 200 else None))
            if status != 200:
                failed.append(external_id)
                time.sleep(0.25)  # a client backing off (Retry-After says 2 s; sooner keeps the test short)

    server.start()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    try:
        for thread in threads:
            thread.start()
        assert wait_for(lambda: sum(a[0] == 200 for a in answers) >= 10, 30)
        cluster.stop("fast")
        time.sleep(1.5)  # down: new connections are refused
        cluster.start()
        outage_ended = len(answers)
        assert wait_for(lambda: sum(a[0] == 200 for a in answers[outage_ended:]) >= 10, 30), answers[-3:]
        stop.set()
        for thread in threads:
            thread.join(30)
        # The clients retry what failed, with the key each was sent with.
        retried = {}
        for external_id in failed:
            body = {**LISTING, "merchant_id": merchant_id, "external_id": external_id}

            def settled():
                status, headers, answer = call(server.base, "POST", "/v1/listings", key, body,
                                               {"Idempotency-Key": sent[external_id]})
                retried[external_id] = status
                history.setdefault(external_id, []).append((status, answer.get("type") if status != 200 else None,
                                                            headers.get("Idempotent-Replayed")))
                return status == 200

            assert wait_for(settled, 20, every=0.5), (external_id, retried[external_id])
    finally:
        stop.set()
        server.kill()

    statuses = {a[0] for a in answers}
    outage = [a for a in answers if a[0] != 200]
    assert not broken, broken[:5]
    assert outage, "no request met the outage"
    assert statuses <= {200, 503, 409}, [a for a in answers if a[0] not in (200, 503, 409)][:3]
    for status, content_type, retry_after, body in outage:
        assert content_type.startswith(PROBLEM) and retry_after, (status, content_type, body)
        assert body["status"] == status and body["type"].endswith(
            "database-unavailable" if status == 503 else "idempotency-key-in-progress"), body
    assert 503 in statuses

    check = Runtime(make_settings(url, tmp_path))
    try:
        with check.db.session() as s:
            listings = dict(s.execute(select(Listing.external_id, Listing.decision_id)).all())
            per_listing = dict(s.execute(select(Decision.subject_id, func.count()).where(
                Decision.subject_type == "listing").group_by(Decision.subject_id)).all())
            ids = dict(s.execute(select(Listing.id, Listing.decision_id)).all())
            decision_ids = set(s.scalars(select(Decision.id)))
    finally:
        check.close()
    assert set(listings) == set(sent), (len(listings), len(sent))  # every listing sent is there, once
    assert all(decision_id in decision_ids for decision_id in ids.values())  # none without its decision
    twice = {external_id: (history.get(external_id), _triggers(url, tmp_path, listing_id))
             for external_id, listing_id in _ids_by_external(url, tmp_path).items()
             if per_listing.get(listing_id, 0) != 1}
    assert set(per_listing) == set(ids) and not twice, twice  # decided once each
    print(json.dumps({"requests": len(answers), "answered_200": sum(a[0] == 200 for a in answers),
                      "answered_503": sum(a[0] == 503 for a in answers),
                      "answered_409": sum(a[0] == 409 for a in answers), "retried": len(failed)}))


def _ids_by_external(url, tmp_path) -> dict[str, str]:
    check = Runtime(make_settings(url, tmp_path))
    try:
        with check.db.session() as s:
            return dict(s.execute(select(Listing.external_id, Listing.id)).all())
    finally:
        check.close()


def _triggers(url, tmp_path, listing_id):
    check = Runtime(make_settings(url, tmp_path))
    try:
        with check.db.session() as s:
            return [(d.trigger, d.decided_at.isoformat()) for d in s.scalars(
                select(Decision).where(Decision.subject_id == listing_id))]
    finally:
        check.close()
