"""Merchant verification and listing re-checks: the decision tasks."""
from __future__ import annotations

import logging

from sqlalchemy import select

from gateway.jobs.outbox import dispatch_after_commit
from gateway.listings.models import Listing
from gateway.listings.services import RECHECK_MERCHANT_TASK, RECHECK_TASK, listings_of_merchant, recheck
from gateway.merchants.models import Merchant
from gateway.merchants.services import VERIFY_TASK, verify
from gateway.registry.importer import REEVALUATE_TASK
from gateway.registry.models import RegistryDevice, RegistryEnterprise
from gateway.runtime import Runtime
from workers.runner import handler

log = logging.getLogger(__name__)
BATCH = 200


def _commit_then_dispatch(runtime: Runtime, work) -> None:
    """Run ``work(session) -> tasks`` in one transaction, then dispatch its tasks."""
    with runtime.db.session() as session:
        tasks = work(session)
    dispatch_after_commit(runtime.dispatcher, tasks)


@handler(VERIFY_TASK)
def verify_merchant(runtime: Runtime, payload: dict) -> None:
    def work(session):
        # Locked: two verifications of one merchant at once would both see the old
        # status and both send the webhook for the change.
        merchant = session.get(Merchant, payload["merchant_id"], with_for_update=True)
        return verify(runtime, session, merchant, payload.get("trigger", "created")) if merchant else []

    _commit_then_dispatch(runtime, work)


@handler(RECHECK_TASK)
def recheck_listings(runtime: Runtime, payload: dict) -> None:
    _commit_then_dispatch(runtime, lambda s: recheck(runtime, s, payload["listing_ids"], payload["trigger"]))


@handler(RECHECK_MERCHANT_TASK)
def recheck_merchant_listings(runtime: Runtime, payload: dict) -> None:
    with runtime.db.session() as session:
        ids = listings_of_merchant(session, payload["merchant_id"])
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        _commit_then_dispatch(runtime, lambda s, c=chunk: recheck(runtime, s, c, payload["trigger"]))


@handler(REEVALUATE_TASK)
def reevaluate_after_snapshot(runtime: Runtime, payload: dict) -> None:
    """A snapshot changed some records: re-verify the merchants and re-check the
    listings that rest on them (design §6). Newly failing merchants are suspended and
    their listings blocked; platforms hear of every change by webhook."""
    snapshot_id = payload["snapshot_id"]
    runtime.registry.invalidate()
    with runtime.db.session() as session:
        device_keys = select(RegistryDevice.key).where(RegistryDevice.snapshot_id == snapshot_id)
        listing_ids = list(session.scalars(select(Listing.id).where(Listing.registration_key.in_(device_keys))
                                           .order_by(Listing.id)))
        changed_usccs = select(RegistryEnterprise.uscc).where(RegistryEnterprise.snapshot_id == snapshot_id)
        merchant_ids = list(session.scalars(select(Merchant.id).where(Merchant.uscc.in_(changed_usccs),
                                                                      Merchant.status != "pending")
                                            .order_by(Merchant.id)))
    log.info("re-evaluating after snapshot", extra={"snapshot_id": snapshot_id, "listings": len(listing_ids),
                                                    "merchants": len(merchant_ids)})
    for merchant_id in merchant_ids:
        def work(session, merchant_id=merchant_id):
            merchant = session.get(Merchant, merchant_id, with_for_update=True)
            return verify(runtime, session, merchant, "registry_snapshot") if merchant else []

        _commit_then_dispatch(runtime, work)
    for start in range(0, len(listing_ids), BATCH):
        chunk = listing_ids[start:start + BATCH]
        _commit_then_dispatch(runtime, lambda s, c=chunk: recheck(runtime, s, c, "registry_snapshot"))
