"""Delivering webhook events: the ``webhook.deliver`` task."""
from __future__ import annotations

from gateway.jobs.handlers import task
from gateway.jobs.names import TaskName
from gateway.runtime import Runtime
from gateway.webhooks.models import DeliveryStatus, WebhookDelivery
from gateway.webhooks.services import DeliveryFailed, prepare, record_attempt, send


def mark_failed(runtime: Runtime, payload: dict, error: str) -> None:
    with runtime.db.session() as session:
        delivery = session.get(WebhookDelivery, payload["delivery_id"])
        if delivery is not None and delivery.status == DeliveryStatus.PENDING:
            delivery.status = DeliveryStatus.FAILED


@task(TaskName.WEBHOOK_DELIVER, on_dead=mark_failed)
def deliver_webhook(runtime: Runtime, payload: dict) -> None:
    # Three steps, and no transaction across the call: a slow or dripping receiver must
    # not hold SQLite's write lock (or a PostgreSQL row lock) while other platforms wait.
    with runtime.db.session() as session:
        outgoing = prepare(session, payload["delivery_id"], runtime.settings.secret_key)
    if outgoing is None:
        return
    attempt = send(runtime.outbound, outgoing, runtime.settings.webhook_timeout_seconds)
    with runtime.db.session() as session:
        retry_in = record_attempt(session, outgoing, attempt)
    if retry_in is not None:
        raise DeliveryFailed(attempt.error or "undelivered", retry_in)
