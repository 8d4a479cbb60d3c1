"""What happens after a document is read: the merchants and listings waiting on it
are decided. Kept apart so the document job stays about documents."""
from __future__ import annotations

from sqlalchemy import select

from gateway.jobs import outbox
from gateway.jobs.outbox import dispatch_after_commit
from gateway.listings.models import ListingDocument
from gateway.listings.services import RECHECK_TASK
from gateway.merchants.models import Merchant, MerchantDocument
from gateway.merchants.services import VERIFY_TASK
from gateway.runtime import Runtime


def after_document(runtime: Runtime, document_id: str) -> None:
    """Queue verification of merchants waiting on the document and a re-check of the
    listings it is attached to (the printed number is compared with the claimed one)."""
    with runtime.db.session() as session:
        merchants = session.scalars(
            select(Merchant.id).join(MerchantDocument, MerchantDocument.merchant_id == Merchant.id)
            .where(MerchantDocument.document_id == document_id,
                   (Merchant.status == "pending") | Merchant.reverifying)).all()
        tasks = [outbox.enqueue(session, VERIFY_TASK, {"merchant_id": m, "trigger": "document_processed"})
                 for m in merchants]
        listings = session.scalars(select(ListingDocument.listing_id)
                                   .where(ListingDocument.document_id == document_id)).all()
        if listings:
            tasks.append(outbox.enqueue(session, RECHECK_TASK, {"listing_ids": list(listings),
                                                                "trigger": "document_processed"}))
    dispatch_after_commit(runtime.dispatcher, tasks)
