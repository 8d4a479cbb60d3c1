"""Creating events and delivering them."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlparse

from sqlalchemy.orm import Session

from gateway.db import utcnow
from gateway.errors import NotFound, field_error
from gateway.ids import new_id
from gateway.jobs import outbox
from gateway.jobs.names import TaskName
from gateway.webhooks import signing
from gateway.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

#: Seconds to wait before each retry: quick at first, then spread over about a day.
RETRY_SCHEDULE = (5, 30, 120, 600, 1800, 7200, 18000, 36000)
TIMEOUT_SECONDS = 10


def validate_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("https", "http") or not parsed.netloc:
        raise field_error("json", "url", "回调地址须为 http(s) URL", "The callback must be an http(s) URL")
    return url


def get_endpoint(session: Session, platform_id: str) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, platform_id)
    if endpoint is None:
        raise NotFound("尚未设置回调地址", "No webhook endpoint is set")
    return endpoint


def set_endpoint(session: Session, platform_id: str, url: str, secret_key: str,
                 rotate: bool = False) -> tuple[WebhookEndpoint, str | None]:
    """Create or update the platform's endpoint; returns the secret only when new."""
    validate_url(url)
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


def deliver(session: Session, delivery: WebhookDelivery, secret_key: str) -> None:
    """POST one delivery; raise :class:`DeliveryFailed` (with when to retry) unless 2xx."""
    endpoint = session.get(WebhookEndpoint, delivery.platform_id)
    if endpoint is None:
        delivery.status, delivery.last_error = DeliveryStatus.FAILED, "no endpoint configured"
        return
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(time.time())
    secret = signing.unseal(endpoint.secret_encrypted, secret_key)
    request = urllib.request.Request(endpoint.url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "Qingwang-Webhooks/1",
        "webhook-id": delivery.id, "webhook-timestamp": str(timestamp),
        "webhook-signature": signing.sign(secret, delivery.id, timestamp, body)})
    started = time.perf_counter()
    status, error = None, None
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        error = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
    delivery.attempts += 1
    delivery.attempt_log = [*delivery.attempt_log, {
        "at": utcnow().isoformat(), "url": endpoint.url, "status_code": status, "error": error,
        "ms": round((time.perf_counter() - started) * 1000, 1)}]
    if status is not None and 200 <= status < 300:
        delivery.status, delivery.delivered_at, delivery.last_error = DeliveryStatus.DELIVERED, utcnow(), None
        return
    delivery.last_error = error
    retry_in = RETRY_SCHEDULE[min(delivery.attempts - 1, len(RETRY_SCHEDULE) - 1)]
    raise DeliveryFailed(error or f"HTTP {status}", retry_in)
