"""Structured JSON logs with a request id, Prometheus metrics, health and readiness."""
from __future__ import annotations

import logging
import os
import re
import sys
import time
import uuid

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import text

REQUESTS = Counter("qingwang_http_requests_total", "HTTP requests", ["method", "endpoint", "status"])
LATENCY = Histogram("qingwang_http_request_seconds", "HTTP request latency", ["method", "endpoint"],
                    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
#: Presigned local-upload URLs carry their authorisation in the path.
_UPLOAD_TOKEN = re.compile(r"^/uploads/[^/]+")


def loggable_path(path: str) -> str:
    """The request path as logs may keep it: an upload URL's token is a credential."""
    return _UPLOAD_TOKEN.sub("/uploads/<token>", path)


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        if not hasattr(record, "request_id"):
            try:
                record.request_id = g.get("request_id")
            except RuntimeError:  # outside a request
                record.request_id = None
        return True


_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "request_id"}


class TextFormatter(logging.Formatter):
    """Plain text for people at a terminal, with the structured extras appended."""

    def format(self, record):
        line = super().format(record)
        extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        return line + ("  " + " ".join(f"{k}={v}" for k, v in extras.items()) if extras else "")


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    """Log to stderr, one JSON object per line (or plain text with LOG_FORMAT=text)."""
    root = logging.getLogger()
    if getattr(root, "_qingwang_configured", False):
        return
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                                           rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}))
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    handler.addFilter(_RequestIdFilter())
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Alembic narrates every plugin it loads at INFO; keep migrations quiet unless they fail.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    root._qingwang_configured = True


health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():
    """Liveness: the process answers."""
    return jsonify(status="ok")


@health.get("/readyz")
def readyz():
    """Readiness: the database, storage and (when configured) Redis all answer."""
    runtime = current_app.extensions["qingwang"]
    checks = {}
    try:
        with runtime.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - report, don't raise
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        runtime.storage.check()
        checks["storage"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["storage"] = f"error: {exc}"[:200]
    if runtime.settings.redis_url:
        try:
            runtime.dispatcher.check()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    response = jsonify(status="ready" if ready else "not ready", checks=checks)
    response.status_code = 200 if ready else 503
    return response


@health.get("/metrics")
def metrics():
    """Prometheus metrics; aggregated across gunicorn workers when PROMETHEUS_MULTIPROC_DIR is set."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def request_id_from(incoming: str | None) -> str:
    """The caller's X-Request-ID when it is a sane one, else a new id."""
    return incoming if incoming and _REQUEST_ID.match(incoming) else uuid.uuid4().hex


class RequestRecord:
    """Counts, times and logs finished requests: the metrics and the access log line.

    One per app; the labelled metric children are looked up once per label set
    (prometheus_client's own lookup takes a lock and builds a tuple on every call)."""

    def __init__(self):
        self._counters: dict[tuple, object] = {}
        self._timers: dict[tuple, object] = {}
        self._access = logging.getLogger("qingwang.access")

    def finished(self, method: str, endpoint: str, path: str, status: int, elapsed: float,
                 request_id: str | None, platform_id: str | None) -> None:
        counter = self._counters.get((method, endpoint, status))
        if counter is None:
            counter = self._counters.setdefault((method, endpoint, status), REQUESTS.labels(method, endpoint, status))
        timer = self._timers.get((method, endpoint))
        if timer is None:
            timer = self._timers.setdefault((method, endpoint), LATENCY.labels(method, endpoint))
        counter.inc()
        timer.observe(elapsed)
        if path != "/metrics":
            self._access.info("request", extra={"method": method, "path": loggable_path(path), "status": status,
                                                "ms": round(elapsed * 1000, 2), "platform_id": platform_id,
                                                "request_id": request_id})


def init_app(app: Flask) -> None:
    app.register_blueprint(health)
    record = app.extensions["qingwang.requests"] = RequestRecord()

    @app.before_request
    def _start():
        g.request_id = request_id_from(request.headers.get("X-Request-ID"))
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response):
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        request_id = g.get("request_id", "")
        response.headers["X-Request-ID"] = request_id
        record.finished(request.method, request.url_rule.rule if request.url_rule else "unmatched", request.path,
                        response.status_code, elapsed, request_id or None, g.get("platform_id"))
        return response
