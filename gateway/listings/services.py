"""Listing decisions: synchronous on submission, renewed when anything they rest on changes."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import ContextManager

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.decisions.models import Decision
from gateway.decisions.services import record_decision
from gateway.documents.models import Document
from gateway.documents.services import document_facts, platform_documents
from gateway.documents.signals import document_read
from gateway.errors import NotFound, field_error
from gateway.ids import new_id
from gateway.jobs import outbox
from gateway.jobs.names import TaskName
from gateway.listings.models import Listing, ListingDocument
from gateway.merchants.models import Merchant
from gateway.runtime import Runtime
from gateway.webhooks.services import emit
from verifiers.identifiers import lookup_key
from verifiers.rules.facts import ListingClaim
from verifiers.rules.listing import evaluate_listing
from verifiers.rules.merchant import holdings_of
from verifiers.rules.model import ListingOutcome

log = logging.getLogger(__name__)
EVENT_FOR_OUTCOME = {ListingOutcome.BLOCK: "listing.blocked", ListingOutcome.ALLOW: "listing.allowed",
                     ListingOutcome.REVIEW: "listing.needs_review"}
FIELDS = ("title", "description", "registration_number", "product_name", "manufacturer", "model", "device_class",
          "url")


def _claim(fields) -> ListingClaim:
    get = fields.get if isinstance(fields, dict) else lambda name: getattr(fields, name)
    return ListingClaim(title=get("title"), description=get("description") or "",
                        registration_number=get("registration_number"), product_name=get("product_name"),
                        manufacturer=get("manufacturer"), model=get("model"), device_class=get("device_class"))


def _evaluate(runtime: Runtime, session: Session, platform_id: str, claim: ListingClaim, merchant: Merchant,
              documents: list[Document]):
    policy = runtime.policies.get(session, platform_id)
    holdings, _, _ = holdings_of(merchant.uscc, runtime.registry, policy)
    return evaluate_listing(claim, merchant_status=merchant.status, merchant_uscc=merchant.uscc, holdings=holdings,
                            registry=runtime.registry, policy=policy,
                            documents=[document_facts(d) for d in documents], claims=runtime.claims.get())


def submit_listing(runtime: Runtime, platform_id: str, body: dict,
                   unit_of_work: Callable[[], ContextManager[Session]] | None = None
                   ) -> tuple[Listing, Decision, list[str]]:
    """Create or update (by external_id) a listing and decide it now; returns the listing,
    its decision and the ids of its documents.

    This is the API's hot path (hundreds per second). Everything is read and decided
    outside any write transaction; the write is one short transaction for the listing
    and its decision, so concurrent submissions wait on each other only for that
    (SQLite has a single writer). ``unit_of_work`` gives that transaction (by default its
    own; the web layer's when the commit must wait for an Idempotency-Key's record).
    """
    unit_of_work = unit_of_work or runtime.db.session
    with runtime.db.read_sessionmaker() as reader:
        merchant = reader.get(Merchant, body["merchant_id"])
        if merchant is None or merchant.platform_id != platform_id:
            raise field_error("json", "merchant_id", f"商户不存在：{body['merchant_id']}",
                              f"Unknown merchant {body['merchant_id']}", ["unknown merchant"])
        attached = platform_documents(reader, platform_id, body["document_ids"]) if body.get("document_ids") else []
        existing_id = reader.scalar(select(Listing.id).where(Listing.platform_id == platform_id,
                                                             Listing.external_id == body["external_id"]))
        current = listing_documents(reader, existing_id) if existing_id else []
        known = {d.id for d in current}
        documents = current + [d for d in attached if d.id not in known]
        evaluation = _evaluate(runtime, reader, platform_id, _claim(body), merchant, documents)
    for attempt in range(3):
        try:
            with unit_of_work() as writer:
                listing = writer.get(Listing, existing_id) if existing_id else None
                if listing is None:
                    listing = Listing(id=new_id("lst"), platform_id=platform_id, external_id=body["external_id"])
                    writer.add(listing)
                listing.merchant_id = merchant.id
                for name in FIELDS:
                    setattr(listing, name, body.get(name))
                listing.description = listing.description or ""
                listing.registration_key = (lookup_key(listing.registration_number)
                                            if listing.registration_number else None)
                for doc in attached:
                    if doc.id not in known:
                        writer.add(ListingDocument(listing_id=listing.id, document_id=doc.id))
                decision = record_decision(writer, platform_id=platform_id, subject_type="listing",
                                           subject_id=listing.id, outcome=evaluation.outcome,
                                           reasons=evaluation.reasons, registry_version=evaluation.registry_version,
                                           looked_at=evaluation.looked_at, trigger="submitted", flush=False)
                listing.outcome, listing.decision_id = evaluation.outcome, decision.id
            return listing, decision, [d.id for d in documents]
        except IntegrityError:
            # A concurrent request created the same external_id first: update that one.
            if attempt == 2:
                raise
            with runtime.db.read_sessionmaker() as reader:
                existing_id = reader.scalar(select(Listing.id).where(Listing.platform_id == platform_id,
                                                                     Listing.external_id == body["external_id"]))
                current = listing_documents(reader, existing_id) if existing_id else []
                known = {d.id for d in current}
    raise AssertionError("unreachable")


def get_listing(session: Session, platform_id: str, listing_id: str) -> Listing:
    """The platform's listing; another platform's answers as if it did not exist."""
    listing = session.get(Listing, listing_id)
    if listing is None or listing.platform_id != platform_id:
        raise NotFound(f"商品 {listing_id} 不存在", f"No listing {listing_id}")
    return listing


def listing_documents(session: Session, listing_id: str) -> list[Document]:
    return list(session.scalars(select(Document).join(ListingDocument, ListingDocument.document_id == Document.id)
                                .where(ListingDocument.listing_id == listing_id).order_by(Document.id)))


def decide(runtime: Runtime, session: Session, listing: Listing, trigger: str,
           notify: bool = True) -> tuple[Decision, list]:
    """Evaluate the listing against the current registry and merchant standing.

    ``notify``: send a webhook when the outcome changes.
    """
    merchant = session.get(Merchant, listing.merchant_id)
    evaluation = _evaluate(runtime, session, listing.platform_id, _claim(listing), merchant,
                           listing_documents(session, listing.id))
    decision = record_decision(session, platform_id=listing.platform_id, subject_type="listing", subject_id=listing.id,
                               outcome=evaluation.outcome, reasons=evaluation.reasons,
                               registry_version=evaluation.registry_version, looked_at=evaluation.looked_at,
                               trigger=trigger, flush=False)
    previous = listing.outcome
    listing.outcome, listing.decision_id = evaluation.outcome, decision.id
    tasks = []
    if notify and previous != evaluation.outcome:
        tasks = emit(session, listing.platform_id, EVENT_FOR_OUTCOME[evaluation.outcome],
                     {"listing_id": listing.id, "external_id": listing.external_id, "merchant_id": merchant.id,
                      "outcome": evaluation.outcome, "previous_outcome": previous, "decision_id": decision.id,
                      "reason_codes": sorted({r.code for r in evaluation.reasons})})
    return decision, tasks


def recheck(runtime: Runtime, session: Session, listing_ids: list[str], trigger: str) -> list:
    tasks = []
    for listing_id in listing_ids:
        # Locked (ids come in order, so batches cannot deadlock): two re-checks of one
        # listing at once would both see the old outcome and both send the webhook.
        listing = session.get(Listing, listing_id, with_for_update=True)
        if listing is not None:
            tasks += decide(runtime, session, listing, trigger)[1]
    return tasks


def listings_of_merchant(session: Session, merchant_id: str) -> list[str]:
    return list(session.scalars(select(Listing.id).where(Listing.merchant_id == merchant_id).order_by(Listing.id)))


@document_read.connect
def on_document_read(document_id: str, session: Session) -> list:
    """Re-check the listings this document is attached to (the printed number is compared
    with the claimed one), in the transaction that records it as read."""
    listings = session.scalars(select(ListingDocument.listing_id)
                               .where(ListingDocument.document_id == document_id)).all()
    if not listings:
        return []
    return [outbox.enqueue(session, TaskName.LISTINGS_RECHECK,
                           {"listing_ids": list(listings), "trigger": "document_processed"})]
