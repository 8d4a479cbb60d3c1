"""Creating events and delivering them.

A delivery never holds a database transaction while it calls out: what to send is read
in one short transaction, the POST goes through the gateway's outbound client (the
receiver's address checked at send time, one total deadline, no redirects), and the
attempt is recorded in another. The log keeps coarse outcomes only: the status code, or
the client's failure category (``timeout``, ``refused``, ``forbidden_address`` …).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session

from gateway.db import utcnow
from gateway.errors import NotFound
from gateway.ids import new_id
from gateway.jobs import outbox
from gateway.jobs.names import TaskName
from gateway.outbound import OutboundClient, OutboundFailed, OutboundRefused
from gateway.webhooks import signing
from gateway.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

#: Seconds to wait before each retry: quick at first, then spread over about a day.
RETRY_SCHEDULE = (5, 30, 120, 600, 1800, 7200, 18000, 36000)


def check_url(outbound: OutboundClient, url: str) -> str:
    """Refuse (422) a callback URL that is not http(s) or whose host is loopback, private,
    link-local or a metadata service (unless private networks are allowed)."""
    try:
        outbound.check(url)
    except OutboundRefused as exc:
        raise OutboundRefused(exc.zh, exc.en, errors={"json": {"url": [exc.en]}}) from None
    return url


def get_endpoint(session: Session, platform_id: str) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, platform_id)
    if endpoint is None:
        raise NotFound("尚未设置回调地址", "No webhook endpoint is set")
    return endpoint


def set_endpoint(session: Session, platform_id: str, url: str, secret_key: str, outbound: OutboundClient,
                 rotate: bool = False) -> tuple[WebhookEndpoint, str | None]:
    """Create or update the platform's endpoint; returns the secret only when new. The URL
    is checked (a DNS lookup) before the session is touched."""
    check_url(outbound, url)
    endpoint = session.get(WebhookEndpoint, platform_id)
    secret = None
    if endpoint is None:
        secret = signing.new_secret()
        endpoint = WebhookEndpoint(platform_id=platform_id, url=url, secret_encrypted=signing.seal(secret, secret_key))
        session.add(endpoint)
    else:
        endpoint.url = url
        endpoint.updated_at = utcnow()
        if rotate:
            secret = signing.new_secret()
            endpoint.secret_encrypted = signing.seal(secret, secret_key)
    session.flush()
    return endpoint, secret


def emit(session: Session, platform_id: str, event_type: str, data: dict) -> list:
    """Record an event for the platform (if it has an endpoint); returns tasks to dispatch.

    Payloads carry ids, outcomes and reason codes, never personal data.
    """
    return record_event(session, platform_id, event_type, data)[1]


def record_event(session: Session, platform_id: str, event_type: str,
                 data: dict) -> tuple[WebhookDelivery | None, list]:
    if session.get(WebhookEndpoint, platform_id) is None:
        return None, []
    delivery = WebhookDelivery(id=new_id("msg"), platform_id=platform_id, event_type=event_type,
                               status=DeliveryStatus.PENDING,
                               created_at=utcnow(), attempt_log=[])
    delivery.payload = {"type": event_type, "timestamp": delivery.created_at.isoformat(), "data": data}
    session.add(delivery)
    session.flush()
    return delivery, [outbox.enqueue(session, TaskName.WEBHOOK_DELIVER, {"delivery_id": delivery.id},
                                     max_attempts=len(RETRY_SCHEDULE) + 1)]


class DeliveryFailed(Exception):
    def __init__(self, message: str, retry_in: float):
        super().__init__(message)
        self.retry_in = retry_in


@dataclass(frozen=True)
class Outgoing:
    """One signed request, ready to send without the database."""

    delivery_id: str
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Attempt:
    status_code: int | None
    #: None when answered 2xx; else ``HTTP <status>`` or the outbound client's category.
    error: str | None
    ms: float

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def prepare(session: Session, delivery_id: str, secret_key: str) -> Outgoing | None:
    """What to send for a pending delivery, signed now; None when there is nothing to send
    (delivered already, or the platform has no endpoint: then the delivery ends failed)."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return None
    endpoint = session.get(WebhookEndpoint, delivery.platform_id)
    if endpoint is None:
        delivery.status, delivery.last_error = DeliveryStatus.FAILED, "no endpoint configured"
        return None
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(time.time())
    secret = signing.unseal(endpoint.secret_encrypted, secret_key)
    return Outgoing(delivery.id, endpoint.url, body, {
        "Content-Type": "application/json", "webhook-id": delivery.id, "webhook-timestamp": str(timestamp),
        "webhook-signature": signing.sign(secret, delivery.id, timestamp, body)})


def send(outbound: OutboundClient, outgoing: Outgoing, deadline_s: float) -> Attempt:
    """POST it, within ``deadline_s`` in all; touches no database."""
    started = time.monotonic()
    try:
        response = outbound.post(outgoing.url, outgoing.body, outgoing.headers, deadline_s=deadline_s)
    except OutboundRefused:
        return Attempt(None, "forbidden_address", round((time.monotonic() - started) * 1000, 1))
    except OutboundFailed as exc:
        return Attempt(None, exc.reason, round((time.monotonic() - started) * 1000, 1))
    ok = 200 <= response.status < 300
    return Attempt(response.status, None if ok else f"HTTP {response.status}", response.elapsed_ms)


def record_attempt(session: Session, outgoing: Outgoing, attempt: Attempt) -> float | None:
    """Log the attempt on its delivery; returns the seconds until the next try, or None
    when there is none to make."""
    delivery = session.get(WebhookDelivery, outgoing.delivery_id, with_for_update=True)
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return None
    delivery.attempts += 1
    delivery.attempt_log = [*delivery.attempt_log, {
        "at": utcnow().isoformat(), "url": outgoing.url, "status_code": attempt.status_code,
        "error": attempt.error, "ms": attempt.ms}]
    if attempt.delivered:
        delivery.status, delivery.delivered_at, delivery.last_error = DeliveryStatus.DELIVERED, utcnow(), None
        return None
    delivery.last_error = attempt.error
    return RETRY_SCHEDULE[min(delivery.attempts - 1, len(RETRY_SCHEDULE) - 1)]
