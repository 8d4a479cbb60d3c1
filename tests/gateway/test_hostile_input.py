"""Hostile and unlucky requests: oversized or deeply nested JSON, huge id lists, a busy or
unreachable database, and secrets kept out of the logs."""
import io
import json
import logging
import sqlite3

import pytest

from gateway.app import create_app
from gateway.input_guard import MAX_JSON_DEPTH, json_depth
from gateway.runtime import Runtime
from tests.conftest import make_settings
from tests.gateway.documents.test_documents_api import png_bytes
from tests.gateway.merchants.test_merchants_listings_api import LISTING, MERCHANT
from tests.gateway.test_errors_and_auth import assert_problem


def test_json_bodies_have_their_own_limit_below_the_upload_limit(client, auth, runtime):
    runtime.settings.max_json_bytes = 10_000
    big = dict(MERCHANT, name="甲" * 6000)  # ~18 KB of UTF-8, far below the 20 MiB upload limit
    body = assert_problem(client.post("/v1/merchants", headers=auth, json=big), 413)
    assert "10000" in body["detail"]
    # A file upload may still be as large as the upload limit allows.
    upload = client.post("/v1/documents", headers=auth,
                         data={"file": (io.BytesIO(png_bytes(colour=(1, 2, 3)) + b"\0" * 20_000), "a.png")})
    assert upload.status_code == 201


@pytest.mark.parametrize("path", ["/v1/merchants", "/v1/listings", "/v1/documents/presign"])
def test_deeply_nested_json_is_400_not_a_recursion_error(client, auth, path):
    """Found: 100,000 opening brackets made a RecursionError, answered 500."""
    bomb = b"[" * 100_000 + b"]" * 100_000
    body = assert_problem(client.post(path, headers=auth, data=bomb, content_type="application/json"), 400)
    assert body["type"].endswith("/problems/json-too-deep")
    nested = {"a": None}
    for _ in range(MAX_JSON_DEPTH + 1):
        nested = {"a": nested}
    assert_problem(client.post(path, headers=auth, json=dict(MERCHANT, extra=nested)), 400)


def test_nesting_is_counted_outside_strings():
    assert json_depth(json.dumps({"description": "[" * 1000}).encode()) <= 1
    assert json_depth(b'{"a": "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\""}') <= 1
    assert json_depth(b"[" * 40 + b"]" * 40) == 40
    assert json_depth(b'"unterminated ' + b'\\"[' * 100) == 0  # one pass, whatever the quotes


@pytest.mark.parametrize("path,body", [("/v1/merchants", MERCHANT), ("/v1/listings", dict(LISTING, merchant_id="m"))])
def test_document_id_lists_are_bounded(client, auth, path, body):
    """Found: 70,000 document ids gave a PostgreSQL 500 (too many bind parameters) and the
    parameters in the log."""
    ids = [f"doc_{i:08d}" for i in range(20_000)]
    problem = assert_problem(client.post(path, headers=auth, json=dict(body, document_ids=ids)), 422)
    # Refused by its size before any query: one message, not one per unknown id.
    [message] = problem["errors"]["json"]["document_ids"]
    assert "100" in message


def test_sql_parameters_never_reach_the_logs(runtime):
    from sqlalchemy import text

    secret_uscc = "9144030071526726XG"
    with pytest.raises(Exception) as caught:
        with runtime.db.session() as s:
            s.execute(text("SELECT * FROM no_such_table WHERE uscc = :u"), {"u": secret_uscc})
    assert secret_uscc not in str(caught.value)
    assert "hidden due to hide_parameters" in str(caught.value)


def test_a_busy_sqlite_database_answers_503_with_retry_after(backend, client, auth, runtime, monkeypatch):
    """Found: a write waiting on SQLite's lock ended as a 500 "database is locked"."""
    if backend != "sqlite":
        pytest.skip("SQLite's single writer; PostgreSQL's outage is the next test")
    import gateway.db

    monkeypatch.setattr(gateway.db, "WRITE_LOCK_TIMEOUT_S", 0.3)
    client.get("/v1/documents", headers=auth)  # the key is resolved and cached before the lock is taken
    holder = sqlite3.connect(runtime.settings.database_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        response = client.post("/v1/documents/presign", headers=auth, json={})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    body = assert_problem(response, 503)
    assert response.headers["Retry-After"] == "2"
    assert body["type"].endswith("/problems/database-unavailable")


def test_an_unreachable_database_answers_503_with_retry_after(backend, database_url, tmp_path):
    """PostgreSQL down (connection refused): 503, never a 500."""
    if backend != "postgresql":
        pytest.skip("SQLite opens its file on demand; its busy lock is the test above")
    runtime = Runtime(make_settings(database_url.rsplit("@", 1)[0] + "@127.0.0.1:1/qingwang", tmp_path))
    try:
        response = create_app(runtime=runtime).test_client().get(
            "/v1/documents", headers={"Authorization": "Bearer qw_anything"})
    finally:
        runtime.close()
    assert_problem(response, 503)
    assert response.headers["Retry-After"] == "2"


def test_upload_tokens_stay_out_of_the_access_log(client, auth, caplog):
    presigned = client.post("/v1/documents/presign", headers=auth, json={"filename": "a.png"}).get_json()
    path = "/" + presigned["upload"]["url"].split("://", 1)[1].split("/", 1)[1]
    token = path.rsplit("/", 1)[1]
    with caplog.at_level(logging.INFO, logger="qingwang.access"):
        caplog.clear()  # the presign's own line, when an earlier test left the root logger at INFO
        assert client.put(path, data=png_bytes(colour="teal"), content_type="image/png").status_code == 200
        client.put("/uploads/forged-token", data=b"x")
    logged = [r.__dict__.get("path") for r in caplog.records if r.name == "qingwang.access"]
    assert logged == ["/uploads/<token>", "/uploads/<token>"]
    assert token not in caplog.text
