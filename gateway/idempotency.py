"""``Idempotency-Key`` on POST: the same key and request replay the first response;
the same key with a different request is a 409 problem.

A key is reserved (its row inserted, committed) before the view runs, so two concurrent
requests with one key cannot both act: the second gets 409 while the first holds the
key's lease. The request's work then waits for its response: the key's record, with the
response to replay, commits in the same transaction as the work (gateway.web defers the
view's commit), so a crash leaves both or neither, never a resource whose key would make
a retry create it again. A key whose holder died (its lease, ``IDEMPOTENCY_LEASE_SECONDS``,
ran out) is taken over by the next request with it. A response that is a server error
is not kept, and nothing of its work is, so the client may retry with the key.
"""
from __future__ import annotations

import hashlib
import json
import logging
import uuid
from datetime import datetime, timedelta

from flask import Flask, Response, g, request
from sqlalchemy import ForeignKey, Integer, LargeBinary, String, delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from gateway import web
from gateway.db import Base, JSONType, UTCDateTime, utcnow
from gateway.errors import BadRequest, Conflict, ServiceError, database_unavailable
from gateway.jobs.outbox import dispatch_after_commit
from gateway.problems import from_service_error

HEADER = "Idempotency-Key"
_KEPT_HEADERS = ("Content-Type", "Location")
log = logging.getLogger(__name__)


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
    #: The request holding an in_progress key (random per request), and until when.
    owner: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


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


def _mine(platform_id: str, key: str, owner: str):
    return ((IdempotencyRecord.platform_id == platform_id) & (IdempotencyRecord.key == key)
            & (IdempotencyRecord.owner == owner))


def _reserve(key: str, fingerprint: str, ttl: timedelta, lease: timedelta) -> tuple[IdempotencyRecord | None, str]:
    """Take the key for this request: ``(None, owner)`` when taken (new, expired, or left
    behind by a holder whose lease ran out), else ``(the record, "")`` to answer from."""
    db = web.runtime().db
    platform_id = web.platform_id()
    owner = uuid.uuid4().hex
    for _ in range(3):
        now = utcnow()
        try:
            with db.session() as s:
                existing = s.get(IdempotencyRecord, (platform_id, key))
                if existing is not None and existing.expires_at < now:
                    s.delete(existing)
                    s.flush()
                    existing = None
                if existing is None:
                    s.add(IdempotencyRecord(platform_id=platform_id, key=key, fingerprint=fingerprint,
                                            state="in_progress", owner=owner, lease_until=now + lease,
                                            expires_at=now + ttl))
                    s.flush()
                    return None, owner
                held_until = existing.lease_until or existing.created_at + lease
                if (existing.state == "in_progress" and existing.fingerprint == fingerprint and held_until < now):
                    # Its holder died mid-request, and nothing of its work was kept (it
                    # commits with the record): run the request again.
                    taken = s.execute(update(IdempotencyRecord).where(
                        IdempotencyRecord.platform_id == platform_id, IdempotencyRecord.key == key,
                        IdempotencyRecord.state == "in_progress",
                        or_(IdempotencyRecord.owner == existing.owner, IdempotencyRecord.owner.is_(None)),
                    ).values(owner=owner, lease_until=now + lease).execution_options(synchronize_session=False))
                    if taken.rowcount == 1:
                        log.warning("idempotency key taken over after its lease ran out",
                                    extra={"platform_id": platform_id})
                        return None, owner
                    continue
                s.expunge(existing)
                return existing, ""
        except IntegrityError:
            continue  # lost a race with a concurrent request; read what it stored
    raise Conflict("该幂等键正被另一请求使用", "This Idempotency-Key is in use by another request",
                   code="idempotency-key-in-progress", headers={"Retry-After": "1"})


def _release(platform_id: str, key: str, owner: str) -> None:
    """Let the client retry with the key: nothing of the request was kept. A record already
    ``done`` stays: its commit went through although this request saw it fail (the
    connection dropped before the database's answer arrived), so the retry must replay it,
    not run the work a second time."""
    try:
        with web.runtime().db.session() as s:
            s.execute(delete(IdempotencyRecord).where(_mine(platform_id, key, owner),
                                                      IdempotencyRecord.state == "in_progress"))
    except Exception:  # noqa: BLE001 - the lease frees the key later anyway
        log.warning("could not release an idempotency key; its lease will", exc_info=True)


def _complete(response: Response, platform_id: str, key: str, owner: str) -> None:
    """Store the response with the key and commit it with the request's work (or, for a
    refused request, with nothing else), then dispatch the work's tasks."""
    session = web.session()
    commit_requested, tasks = web.take_deferred()
    if response.status_code >= 400 or not commit_requested:
        session.rollback()  # a refused request keeps nothing but its answer
        tasks = []
    stored = session.execute(update(IdempotencyRecord).where(_mine(platform_id, key, owner)).values(
        state="done", lease_until=None, response_status=response.status_code, response_body=response.get_data(),
        response_headers={h: response.headers[h] for h in _KEPT_HEADERS if h in response.headers},
    ).execution_options(synchronize_session=False))
    if stored.rowcount != 1:
        # The lease ran out and another request took the key over: that one decides.
        raise Conflict("该幂等键已被另一请求接管", "This Idempotency-Key was taken over by another request",
                       code="idempotency-key-in-progress", headers={"Retry-After": "1"})
    session.commit()
    if tasks:
        dispatch_after_commit(web.runtime().dispatcher, tasks)


def init_app(app: Flask) -> None:
    @app.before_request
    def _check_idempotency_key():
        key = request.headers.get(HEADER)
        if request.method != "POST" or not key or "platform_id" not in g:
            return None
        if len(key) > 255:
            raise BadRequest("Idempotency-Key 不能超过255个字符", "Idempotency-Key must be at most 255 characters")
        fingerprint = request_fingerprint()
        settings = web.runtime().settings
        record, owner = _reserve(key, fingerprint, timedelta(hours=settings.idempotency_ttl_hours),
                                 timedelta(seconds=settings.idempotency_lease_seconds))
        if record is None:
            g.idempotency = (key, owner)
            web.defer_commit()
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
        held = g.pop("idempotency", None)
        if held is None:
            return response
        key, owner = held
        platform_id = web.platform_id()
        if response.status_code >= 500:
            web.take_deferred()
            web.end_transaction()
            _release(platform_id, key, owner)
            return response
        try:
            _complete(response, platform_id, key, owner)
        except Exception as exc:  # noqa: BLE001 - answered here: Flask sends after_request errors to a bare 500
            web.end_transaction()
            _release(platform_id, key, owner)
            error = exc if isinstance(exc, ServiceError) else database_unavailable(exc)
            if error is None:
                raise
            return from_service_error(error)
        return response
