"""Delivering webhook events: the ``webhook.deliver`` task."""
from __future__ import annotations

from gateway.jobs.handlers import task
from gateway.jobs.names import TaskName
from gateway.runtime import Runtime
from gateway.webhooks.models import DeliveryStatus, WebhookDelivery
from gateway.webhooks.services import DeliveryFailed, deliver


def mark_failed(runtime: Runtime, payload: dict, error: str) -> None:
    with runtime.db.session() as session:
        delivery = session.get(WebhookDelivery, payload["delivery_id"])
        if delivery is not None and delivery.status == DeliveryStatus.PENDING:
            delivery.status = DeliveryStatus.FAILED


@task(TaskName.WEBHOOK_DELIVER, on_dead=mark_failed)
def deliver_webhook(runtime: Runtime, payload: dict) -> None:
    failure = None
    with runtime.db.session() as session:
        delivery = session.get(WebhookDelivery, payload["delivery_id"])
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return
        try:
            deliver(session, delivery, runtime.settings.secret_key)
        except DeliveryFailed as exc:
            failure = exc  # the attempt log commits with the session; then the task retries
    if failure is not None:
        raise failure
