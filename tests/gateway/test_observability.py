"""JSON logs carry the request id; readiness reflects the database, storage and Redis."""
import io
import json
import logging

from gateway.app import create_app
from gateway.observability import configure_logging
from gateway.runtime import Runtime
from tests.conftest import make_settings


def test_access_log_is_json_with_request_id(client, auth):
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, getattr(root, "_qingwang_configured", False))
    stream = io.StringIO()
    try:
        root._qingwang_configured = False
        configure_logging("INFO", "json")
        root.handlers[0].stream = stream
        client.get("/v1/documents", headers=dict(auth, **{"X-Request-ID": "trace-42"}))
    finally:
        root.handlers[:], root.level, root._qingwang_configured = saved
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [r for r in records if r["logger"] == "qingwang.access"]
    assert access and access[-1]["request_id"] == "trace-42"
    assert access[-1]["status"] == 200 and access[-1]["path"] == "/v1/documents"
    assert access[-1]["platform_id"].startswith("plt_")


def test_readyz_reports_each_dependency(client):
    body = client.get("/readyz").get_json()
    assert body == {"status": "ready", "checks": {"database": "ok", "storage": "ok"}}


def test_readyz_is_503_when_redis_is_down(database_url, tmp_path):
    runtime = Runtime(make_settings(database_url, tmp_path, redis_url="redis://127.0.0.1:1/0"))
    try:
        response = create_app(runtime=runtime).test_client().get("/readyz")
    finally:
        runtime.close()
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"].startswith("error")


def test_readyz_with_real_redis(database_url, tmp_path, redis_url):
    runtime = Runtime(make_settings(database_url, tmp_path, redis_url=redis_url))
    try:
        body = create_app(runtime=runtime).test_client().get("/readyz").get_json()
    finally:
        runtime.close()
    assert body["checks"]["redis"] == "ok"


def test_metrics_count_requests(client):
    client.get("/healthz")
    text = client.get("/metrics").get_data(as_text=True)
    assert "qingwang_http_request_seconds_bucket" in text
    assert 'endpoint="/healthz"' in text
