"""``Idempotency-Key`` on POST: the same key and request replay the first response;
the same key with a different request is a 409 problem.

A key is reserved (row inserted) before the view runs, so two concurrent requests with
one key cannot both act; the second gets 409 while the first is in progress. A
response that is a server error is not kept, so the client may retry with the key.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from flask import Flask, Response, g, request
from sqlalchemy import ForeignKey, Integer, LargeBinary, String, delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from gateway import web
from gateway.db import Base, JSONType, UTCDateTime, utcnow
from gateway.errors import BadRequest, Conflict

HEADER = "Idempotency-Key"
_KEPT_HEADERS = ("Content-Type", "Location")


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    #: in_progress while the first request runs, then done
    state: Mapped[str] = mapped_column(String(16), default="in_progress")
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    response_headers: Mapped[dict | None] = mapped_column(JSONType())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


def request_fingerprint() -> str:
    """A hash of what makes two requests "the same": method, path and body content.

    JSON is compared by value (key order and spacing don't matter); multipart bodies by
    their fields and the SHA-256 of each file (their boundaries differ every time).
    """
    digest = hashlib.sha256(f"{request.method} {request.path}?{request.query_string.decode()}\n".encode())
    if request.mimetype == "multipart/form-data":
        for name in sorted(request.form):
            digest.update(f"form:{name}={request.form.getlist(name)}\n".encode())
        for name in sorted(request.files):
            for upload in request.files.getlist(name):
                content = upload.stream.read()
                upload.stream.seek(0)
                digest.update(f"file:{name}={hashlib.sha256(content).hexdigest()}\n".encode())
        return digest.hexdigest()
    body = request.get_data(cache=True)
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, ensure_ascii=False).encode()
    except ValueError:
        canonical = body
    digest.update(canonical)
    return digest.hexdigest()


def _reserve(key: str, fingerprint: str, ttl: timedelta) -> IdempotencyRecord | None:
    """Insert the reservation; return the existing record when the key is taken."""
    db = web.runtime().db
    platform_id = web.platform_id()
    for _ in range(2):
        with db.session() as s:
            existing = s.get(IdempotencyRecord, (platform_id, key))
            if existing is not None and existing.expires_at < utcnow():
                s.execute(delete(IdempotencyRecord).where(IdempotencyRecord.platform_id == platform_id,
                                                          IdempotencyRecord.key == key))
                existing = None
            if existing is not None:
                s.expunge(existing)
                return existing
        try:
            with db.session() as s:
                s.add(IdempotencyRecord(platform_id=platform_id, key=key, fingerprint=fingerprint,
                                        state="in_progress", expires_at=utcnow() + ttl))
            return None
        except IntegrityError:
            continue  # lost a race with a concurrent request; read what it stored
    raise Conflict("该幂等键正被另一请求使用", "This Idempotency-Key is in use by another request")


def init_app(app: Flask) -> None:
    @app.before_request
    def _check_idempotency_key():
        key = request.headers.get(HEADER)
        if request.method != "POST" or not key or "platform_id" not in g:
            return None
        if len(key) > 255:
            raise BadRequest("Idempotency-Key 不能超过255个字符", "Idempotency-Key must be at most 255 characters")
        fingerprint = request_fingerprint()
        ttl = timedelta(hours=web.runtime().settings.idempotency_ttl_hours)
        record = _reserve(key, fingerprint, ttl)
        if record is None:
            g.idempotency_key = key
            return None
        if record.fingerprint != fingerprint:
            raise Conflict("该幂等键已用于另一个不同的请求", "This Idempotency-Key was used for a different request",
                           code="idempotency-key-reused")
        if record.state != "done":
            raise Conflict("使用该幂等键的请求仍在处理中，请稍后重试",
                           "A request with this Idempotency-Key is still in progress; retry shortly",
                           code="idempotency-key-in-progress", headers={"Retry-After": "1"})
        response = Response(record.response_body, status=record.response_status)
        for name, value in (record.response_headers or {}).items():
            response.headers[name] = value
        response.headers["Idempotent-Replayed"] = "true"
        return response

    @app.after_request
    def _store_response(response):
        key = g.pop("idempotency_key", None)
        if key is None:
            return response
        web.end_transaction()
        db = web.runtime().db
        condition = (IdempotencyRecord.platform_id == web.platform_id()) & (IdempotencyRecord.key == key)
        with db.session() as s:
            if response.status_code >= 500:
                s.execute(delete(IdempotencyRecord).where(condition))
            else:
                s.execute(update(IdempotencyRecord).where(condition).values(
                    state="done", response_status=response.status_code, response_body=response.get_data(),
                    response_headers={h: response.headers[h] for h in _KEPT_HEADERS if h in response.headers}))
        return response
