"""Merchant verification: the ``merchant.verify`` task."""
from __future__ import annotations

from gateway.jobs.handlers import task
from gateway.jobs.names import TaskName
from gateway.merchants.services import reverify
from gateway.runtime import Runtime


@task(TaskName.MERCHANT_VERIFY)
def verify_merchant(runtime: Runtime, payload: dict) -> None:
    reverify(runtime, payload["merchant_id"], payload.get("trigger", "created"))
