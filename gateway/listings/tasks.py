"""Listing re-checks: when a document, a merchant's standing or the registry changes."""
from __future__ import annotations

from datetime import date

from gateway.jobs.handlers import task
from gateway.jobs.names import TaskName
from gateway.jobs.outbox import dispatch_after_commit
from gateway.listings.services import listings_of_merchant, recheck
from gateway.runtime import Runtime

#: Listings re-decided per transaction: short transactions keep SQLite's single writer free.
BATCH = 200


def recheck_in_batches(runtime: Runtime, listing_ids: list[str], trigger: str, today: date | None = None) -> None:
    """Re-decide listings, one short transaction per batch, dispatching each batch's
    follow-ups (webhooks) once it has committed. ``today``: the date validity is judged on."""
    for start in range(0, len(listing_ids), BATCH):
        with runtime.db.session() as session:
            tasks = recheck(runtime, session, listing_ids[start:start + BATCH], trigger, today)
        dispatch_after_commit(runtime.dispatcher, tasks)


@task(TaskName.LISTINGS_RECHECK)
def recheck_listings(runtime: Runtime, payload: dict) -> None:
    recheck_in_batches(runtime, payload["listing_ids"], payload["trigger"], _as_of(payload))


@task(TaskName.MERCHANT_LISTINGS_RECHECK)
def recheck_merchant_listings(runtime: Runtime, payload: dict) -> None:
    with runtime.db.session() as session:
        ids = listings_of_merchant(session, payload["merchant_id"])
    recheck_in_batches(runtime, ids, payload["trigger"], _as_of(payload))


def _as_of(payload: dict) -> date | None:
    """The date a re-check judges validity on: the sweep's (``as_of``), else today."""
    return date.fromisoformat(payload["as_of"]) if payload.get("as_of") else None
