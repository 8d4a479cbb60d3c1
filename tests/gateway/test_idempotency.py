"""Idempotency-Key on POST: replay for the same request, 409 for a different one."""
import io

from tests.gateway.test_documents_api import png_bytes
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
