"""Idempotency-Key on POST: replay for the same request, 409 for a different one."""
import io
from datetime import timedelta

from tests.gateway.documents.test_documents_api import png_bytes
from tests.gateway.test_errors_and_auth import assert_problem


def test_same_key_same_json_body_replays_the_response(client, auth):
    headers = dict(auth, **{"Idempotency-Key": "k-1"})
    first = client.post("/v1/documents/presign", headers=headers, json={"filename": "a.png", "type": "class1_filing"})
    # Same content, different key order and spacing: still the same request.
    second = client.post("/v1/documents/presign", headers=headers,
                         data='{ "type": "class1_filing",   "filename": "a.png" }', content_type="application/json")
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] == second.get_json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers


def test_same_key_different_body_is_409(client, auth):
    headers = dict(auth, **{"Idempotency-Key": "k-2"})
    client.post("/v1/documents/presign", headers=headers, json={"filename": "a.png"})
    body = assert_problem(client.post("/v1/documents/presign", headers=headers, json={"filename": "b.png"}), 409)
    assert body["type"].endswith("/problems/idempotency-key-reused")


def test_same_key_other_path_is_409(client, auth):
    headers = dict(auth, **{"Idempotency-Key": "k-3"})
    client.post("/v1/documents/presign", headers=headers, json={})
    assert_problem(client.post("/v1/documents", headers=headers,
                               data={"file": (io.BytesIO(png_bytes()), "a.png")}), 409)


def test_multipart_uploads_compare_by_content_not_boundary(client, auth):
    headers = dict(auth, **{"Idempotency-Key": "k-4"})
    data = png_bytes(colour="yellow")
    first = client.post("/v1/documents", headers=headers, data={"file": (io.BytesIO(data), "a.png")})
    second = client.post("/v1/documents", headers=headers, data={"file": (io.BytesIO(data), "a.png")})
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    other = client.post("/v1/documents", headers=headers, data={"file": (io.BytesIO(png_bytes(colour="navy")), "a.png")})
    assert_problem(other, 409)


def test_keys_are_per_platform(client, auth, other_auth):
    a = client.post("/v1/documents/presign", headers=dict(auth, **{"Idempotency-Key": "shared"}), json={})
    b = client.post("/v1/documents/presign", headers=dict(other_auth, **{"Idempotency-Key": "shared"}), json={})
    assert a.status_code == b.status_code == 201
    assert a.get_json()["id"] != b.get_json()["id"]


def test_errors_other_than_server_errors_are_replayed(client, auth):
    headers = dict(auth, **{"Idempotency-Key": "k-5"})
    first = client.post("/v1/documents/presign", headers=headers, json={"media_type": "text/plain"})
    second = client.post("/v1/documents/presign", headers=headers, json={"media_type": "text/plain"})
    assert first.status_code == second.status_code == 422
    assert second.headers["Idempotent-Replayed"] == "true"


def test_server_errors_release_the_key(app, client, auth):
    calls = []

    @app.post("/v1/flaky")
    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("transient")
        return {"ok": True}, 201

    headers = dict(auth, **{"Idempotency-Key": "k-6"})
    assert client.post("/v1/flaky", headers=headers, json={}).status_code == 500
    assert client.post("/v1/flaky", headers=headers, json={}).status_code == 201
    assert len(calls) == 2


def test_overlong_key_is_400(client, auth):
    assert_problem(client.post("/v1/documents/presign", headers=dict(auth, **{"Idempotency-Key": "x" * 256}),
                               json={}), 400)


def test_expired_keys_can_be_reused(client, auth, runtime):
    from datetime import timedelta

    from sqlalchemy import update

    from gateway.db import utcnow
    from gateway.idempotency import IdempotencyRecord

    headers = dict(auth, **{"Idempotency-Key": "k-7"})
    client.post("/v1/documents/presign", headers=headers, json={"filename": "a.png"})
    with runtime.db.session() as s:
        s.execute(update(IdempotencyRecord).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert client.post("/v1/documents/presign", headers=headers, json={"filename": "b.png"}).status_code == 201


def _held_key(runtime, platform_id, key, fingerprint_of, lease_until):
    from gateway.db import utcnow
    from gateway.idempotency import IdempotencyRecord

    with runtime.db.session() as s:
        s.add(IdempotencyRecord(platform_id=platform_id, key=key, fingerprint=fingerprint_of, state="in_progress",
                                owner="crashed", lease_until=lease_until, expires_at=utcnow() + timedelta(hours=24)))


def _fingerprint(app, auth, path, body):
    from gateway.idempotency import request_fingerprint

    with app.test_request_context(path, method="POST", json=body, headers=auth):
        return request_fingerprint()


def test_a_key_left_in_progress_by_a_crashed_process_is_taken_over_after_its_lease(app, client, auth, platform,
                                                                                   runtime):
    """Found: a process killed mid-request left its key in_progress, answering 409 for 24 h."""
    from gateway.db import utcnow

    body = {"filename": "a.png"}
    fingerprint = _fingerprint(app, auth, "/v1/documents/presign", body)
    _held_key(runtime, platform[0], "k-crashed", fingerprint, utcnow() - timedelta(seconds=1))
    _held_key(runtime, platform[0], "k-running", fingerprint, utcnow() + timedelta(minutes=1))
    taken = client.post("/v1/documents/presign", headers=dict(auth, **{"Idempotency-Key": "k-crashed"}), json=body)
    assert taken.status_code == 201
    replay = client.post("/v1/documents/presign", headers=dict(auth, **{"Idempotency-Key": "k-crashed"}), json=body)
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.get_json()["id"] == taken.get_json()["id"]
    held = client.post("/v1/documents/presign", headers=dict(auth, **{"Idempotency-Key": "k-running"}), json=body)
    assert_problem(held, 409)
    assert held.headers["Retry-After"] == "1"


def test_the_key_commits_with_the_work_or_neither_does(client, auth, runtime):
    """The request's work and its key's record commit in one transaction: when storing the
    record fails (here: the connection drops at that moment), no document is left behind
    for a retry with the same key to duplicate."""
    from sqlalchemy import event, func, select
    from sqlalchemy.exc import OperationalError

    from gateway.documents.models import Document

    failures = []

    def drop_connection(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE idempotency_keys") and not failures:
            failures.append(statement)
            raise OperationalError(statement, {}, Exception("server closed the connection unexpectedly"))

    headers = dict(auth, **{"Idempotency-Key": "k-atomic"})
    event.listen(runtime.db.engine, "before_cursor_execute", drop_connection)
    try:
        first = client.post("/v1/documents/presign", headers=headers, json={"filename": "a.png"})
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", drop_connection)
    assert failures and first.status_code == 503
    with runtime.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 0
    retry = client.post("/v1/documents/presign", headers=headers, json={"filename": "a.png"})
    assert retry.status_code == 201
    with runtime.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 1


def test_a_commit_whose_answer_was_lost_replays_rather_than_running_again(client, auth, runtime):
    """A restart of PostgreSQL can end a connection after the database committed the work
    with its key and before its answer arrived. The request answers 503, but the key must
    keep the committed response: a retry replays it instead of doing the work again."""
    from sqlalchemy import event, func, select
    from sqlalchemy.exc import OperationalError

    from gateway.documents.models import Document

    stored, lost = [], []

    def note_the_key(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE idempotency_keys"):
            stored.append(statement)

    def lose_the_answer(conn):
        if stored and not lost:  # the database commits; its answer never arrives
            lost.append(True)
            conn.connection.dbapi_connection.commit()
            raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    headers = dict(auth, **{"Idempotency-Key": "k-lost-answer"})
    event.listen(runtime.db.engine, "before_cursor_execute", note_the_key)
    event.listen(runtime.db.engine, "commit", lose_the_answer)
    try:
        first = client.post("/v1/documents/presign", headers=headers, json={"filename": "a.png"})
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", note_the_key)
        event.remove(runtime.db.engine, "commit", lose_the_answer)
    assert lost and first.status_code == 503
    retry = client.post("/v1/documents/presign", headers=headers, json={"filename": "a.png"})
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    with runtime.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 1


def test_a_refused_request_keeps_nothing_but_its_answer(client, auth, runtime):
    """A view that flushed work and then refused (4xx) keeps none of it; its answer replays."""
    from sqlalchemy import func, select

    from gateway.merchants.models import Merchant
    from tests.gateway.merchants.test_merchants_listings_api import MERCHANT

    headers = dict(auth, **{"Idempotency-Key": "k-refused"})
    body = dict(MERCHANT, document_ids=["doc_missing"])
    assert_problem(client.post("/v1/merchants", headers=headers, json=body), 422)
    assert client.post("/v1/merchants", headers=headers, json=body).headers["Idempotent-Replayed"] == "true"
    with runtime.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Merchant)) == 0


def test_listings_commit_with_their_key(client, auth, runtime, platform):
    """The listing hot path writes in its own transaction, or in the request's when a key
    is given: then the listing and the key's record appear together."""
    from sqlalchemy import func, select

    from gateway.listings.models import Listing
    from tests.gateway.merchants.test_merchants_listings_api import LISTING, MERCHANT

    merchant = client.post("/v1/merchants", headers=auth, json=MERCHANT).get_json()
    runtime.dispatcher.wait_idle(60)
    headers = dict(auth, **{"Idempotency-Key": "k-listing"})
    body = dict(LISTING, merchant_id=merchant["id"])
    first = client.post("/v1/listings", headers=headers, json=body)
    second = client.post("/v1/listings", headers=headers, json=body)
    assert first.status_code == second.status_code == 200
    assert first.get_json() == second.get_json() and second.headers["Idempotent-Replayed"] == "true"
    with runtime.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Listing)) == 1
