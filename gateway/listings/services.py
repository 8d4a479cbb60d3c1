"""Listing decisions: synchronous on submission, renewed when anything they rest on changes."""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.decisions.models import Decision
from gateway.decisions.services import record_decision
from gateway.documents.models import Document
from gateway.listings.models import Listing, ListingDocument
from gateway.merchants.models import Merchant
from gateway.merchants.services import MerchantError, _platform_documents
from gateway.ids import new_id
from gateway.policy import document_facts
from gateway.runtime import Runtime
from gateway.webhooks.services import emit
from verifiers.identifiers import lookup_key
from verifiers.rules.facts import ListingClaim
from verifiers.rules.listing import evaluate_listing
from verifiers.rules.merchant import holdings_of

log = logging.getLogger(__name__)
RECHECK_TASK = "listing.recheck"
RECHECK_MERCHANT_TASK = "merchant.listings_recheck"
EVENT_FOR_OUTCOME = {"block": "listing.blocked", "allow": "listing.allowed", "review": "listing.needs_review"}
FIELDS = ("title", "description", "registration_number", "product_name", "manufacturer", "model", "device_class",
          "url")


def submit_listing(runtime: Runtime, session: Session, platform_id: str,
                   body: dict) -> tuple[Listing, Decision, list, list[str]]:
    """Create or update (by external_id) a listing and decide it now; returns it, its
    decision, tasks to dispatch, and the ids of its documents.

    This is the API's hot path (hundreds per second): two reads, then one flush that
    writes the listing and its decision together.
    """
    merchant = session.get(Merchant, body["merchant_id"])
    if merchant is None or merchant.platform_id != platform_id:
        raise MerchantError(422, f"商户不存在：{body['merchant_id']}", f"Unknown merchant {body['merchant_id']}",
                            errors={"json": {"merchant_id": ["unknown merchant"]}})
    attached = _platform_documents(session, platform_id, body["document_ids"]) if body.get("document_ids") else []
    listing = session.scalar(select(Listing).where(Listing.platform_id == platform_id,
                                                   Listing.external_id == body["external_id"]))
    documents = attached
    if listing is None:
        listing = Listing(id=new_id("lst"), platform_id=platform_id, external_id=body["external_id"])
        session.add(listing)
        for doc in attached:
            session.add(ListingDocument(listing_id=listing.id, document_id=doc.id))
    else:
        current = listing_documents(session, listing.id)
        known = {d.id for d in current}
        for doc in attached:
            if doc.id not in known:
                session.add(ListingDocument(listing_id=listing.id, document_id=doc.id))
        documents = current + [d for d in attached if d.id not in known]
    listing.merchant_id = merchant.id
    for name in FIELDS:
        setattr(listing, name, body.get(name))
    listing.description = listing.description or ""
    listing.registration_key = lookup_key(listing.registration_number) if listing.registration_number else None
    decision, tasks = decide(runtime, session, listing, "submitted", notify=False, merchant=merchant,
                             documents=documents)
    return listing, decision, tasks, [d.id for d in documents]


def listing_documents(session: Session, listing_id: str) -> list[Document]:
    return list(session.scalars(select(Document).join(ListingDocument, ListingDocument.document_id == Document.id)
                                .where(ListingDocument.listing_id == listing_id).order_by(Document.id)))


def decide(runtime: Runtime, session: Session, listing: Listing, trigger: str, notify: bool = True,
           merchant: Merchant | None = None, documents: list[Document] | None = None) -> tuple[Decision, list]:
    """Evaluate the listing against the current registry and merchant standing.

    ``notify``: send a webhook when the outcome changes (decisions returned in an API
    response need none).
    """
    merchant = merchant or session.get(Merchant, listing.merchant_id)
    if documents is None:
        documents = listing_documents(session, listing.id)
    policy = runtime.policies.get(session, listing.platform_id)
    holdings, _, _ = holdings_of(merchant.uscc, runtime.registry, policy)
    claim = ListingClaim(title=listing.title, description=listing.description or "",
                         registration_number=listing.registration_number, product_name=listing.product_name,
                         manufacturer=listing.manufacturer, model=listing.model, device_class=listing.device_class)
    evaluation = evaluate_listing(claim, merchant_status=merchant.status, merchant_uscc=merchant.uscc,
                                  holdings=holdings, registry=runtime.registry, policy=policy,
                                  documents=[document_facts(d) for d in documents])
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
        listing = session.get(Listing, listing_id)
        if listing is not None:
            tasks += decide(runtime, session, listing, trigger)[1]
    return tasks


def listings_of_merchant(session: Session, merchant_id: str) -> list[str]:
    return list(session.scalars(select(Listing.id).where(Listing.merchant_id == merchant_id).order_by(Listing.id)))
