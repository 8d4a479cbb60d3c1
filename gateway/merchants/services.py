"""Merchant onboarding: accepting the file, verifying it, keeping its standing current."""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db import utcnow
from gateway.decisions.services import record_decision, standing_staff_decision
from gateway.documents.models import Document
from gateway.documents.services import document_facts, platform_documents
from gateway.documents.signals import document_read
from gateway.errors import NotFound
from gateway.jobs import outbox
from gateway.jobs.outbox import dispatch_after_commit
from gateway.jobs.names import TaskName
from gateway.merchants.models import Merchant, MerchantDocument
from gateway.policy import policy_for
from gateway.runtime import Runtime
from gateway.tenancy.models import Platform
from gateway.webhooks.services import emit
from verifiers.documents.model import DocumentStatus
from verifiers.identifiers.uscc import USCCError, parse_uscc
from verifiers.rules.facts import MerchantClaim
from verifiers.rules.merchant import evaluate_merchant
from verifiers.rules.model import MerchantStatus

log = logging.getLogger(__name__)
#: Who suspends by rule; a person's suspension is recorded as ``staff:<email>``.
SUSPENDED_BY_RULES = "rules"


def get_merchant(session: Session, platform_id: str, merchant_id: str) -> Merchant:
    """The platform's merchant; another platform's answers as if it did not exist."""
    merchant = session.get(Merchant, merchant_id)
    if merchant is None or merchant.platform_id != platform_id:
        raise NotFound(f"商户 {merchant_id} 不存在", f"No merchant {merchant_id}")
    return merchant


def create_merchant(session: Session, platform_id: str, body: dict) -> tuple[Merchant, bool, list]:
    """Register a merchant, or update the one with the same external_id; queue verification."""
    documents = platform_documents(session, platform_id, body.get("document_ids", []))
    merchant = session.scalar(select(Merchant).where(Merchant.platform_id == platform_id,
                                                     Merchant.external_id == body["external_id"]))
    created = merchant is None
    if created:
        merchant = Merchant(platform_id=platform_id, external_id=body["external_id"], status=MerchantStatus.PENDING)
        session.add(merchant)
    merchant.name = body["name"].strip()
    merchant.uscc = body["uscc"].strip().upper()
    merchant.online_sales_filing_number = body.get("online_sales_filing_number")
    merchant.device_classes = sorted(set(body.get("device_classes") or []))
    merchant.profile = {k: body[k] for k in ("shop_name", "shop_url", "address", "contact", "business_mode")
                        if body.get(k) is not None}
    merchant.region = _region_from_uscc(merchant.uscc)
    session.flush()
    _attach(session, merchant, documents, replace=True)
    return merchant, created, _start_verification(session, merchant, "created" if created else "updated")


def _region_from_uscc(uscc: str) -> str | None:
    try:
        return parse_uscc(uscc).division
    except USCCError:
        return None


def _attach(session: Session, merchant: Merchant, documents: list[Document], replace: bool) -> None:
    current = {md.document_id: md for md in session.scalars(
        select(MerchantDocument).where(MerchantDocument.merchant_id == merchant.id))}
    wanted = [d.id for d in documents]
    if replace:
        for doc_id, link in current.items():
            if doc_id not in wanted:
                session.delete(link)
    for doc_id in wanted:
        if doc_id not in current:
            session.add(MerchantDocument(merchant_id=merchant.id, document_id=doc_id, added_at=utcnow()))
    session.flush()


def add_documents(session: Session, merchant: Merchant, document_ids: list[str], replace: bool) -> list:
    documents = platform_documents(session, merchant.platform_id, document_ids)
    _attach(session, merchant, documents, replace)
    return _start_verification(session, merchant, "documents_added")


def _start_verification(session: Session, merchant: Merchant, trigger: str) -> list:
    if merchant.status in (MerchantStatus.APPROVED, MerchantStatus.SUSPENDED):
        merchant.reverifying = True  # keeps its standing until the new decision
    else:
        merchant.status = MerchantStatus.PENDING
    return [outbox.enqueue(session, TaskName.MERCHANT_VERIFY, {"merchant_id": merchant.id, "trigger": trigger})]


def merchant_documents(session: Session, merchant_id: str) -> list[Document]:
    return list(session.scalars(select(Document).join(MerchantDocument, MerchantDocument.document_id == Document.id)
                                .where(MerchantDocument.merchant_id == merchant_id)
                                .order_by(MerchantDocument.added_at, Document.id)))


EVENT_FOR_STATUS = {MerchantStatus.APPROVED: "merchant.approved", MerchantStatus.REJECTED: "merchant.rejected",
                    MerchantStatus.NEEDS_REVIEW: "merchant.needs_review", MerchantStatus.SUSPENDED: "merchant.suspended"}


def verify(runtime: Runtime, session: Session, merchant: Merchant, trigger: str) -> list:
    """Decide on a merchant now (documents all read); returns tasks to dispatch.

    A merchant in good standing whose re-check now fails is suspended, not merely
    rejected: the platform must stop its service (GSP-NET Arts 42, 46). A suspension a
    person imposed is lifted only by a person.
    """
    documents = merchant_documents(session, merchant.id)
    if any(d.status == DocumentStatus.PROCESSING for d in documents):
        return []  # decided when the last document is read (see on_document_read)
    platform = session.get(Platform, merchant.platform_id)
    policy = policy_for(platform)
    claim = MerchantClaim(name=merchant.name, uscc=merchant.uscc,
                          online_sales_filing_number=merchant.online_sales_filing_number,
                          device_classes=tuple(merchant.device_classes or ()))
    evaluation = evaluate_merchant(claim, [document_facts(d) for d in documents], runtime.registry, policy)
    previous = merchant.status
    status = evaluation.outcome
    if previous in (MerchantStatus.APPROVED, MerchantStatus.SUSPENDED) and status == MerchantStatus.REJECTED:
        status = MerchantStatus.SUSPENDED
    # The machine decision a reviewer overrode said "rejected" or, for a merchant in good
    # standing then, "suspended": either way the same finding.
    if any(standing_staff_decision(session, merchant.decision_id, previous, said, evaluation.reasons) is not None
           for said in {evaluation.outcome, status}):
        # A reviewer already judged exactly this (the staff console): the standing stays theirs.
        merchant.reverifying = False
        merchant.verified_at = utcnow()
        return []
    if previous == MerchantStatus.SUSPENDED and (merchant.suspended_by or SUSPENDED_BY_RULES) != SUSPENDED_BY_RULES:
        status = MerchantStatus.SUSPENDED
    decision = record_decision(session, platform_id=merchant.platform_id, subject_type="merchant",
                               subject_id=merchant.id, outcome=status, reasons=evaluation.reasons,
                               registry_version=evaluation.registry_version, looked_at=evaluation.looked_at,
                               trigger=trigger)
    merchant.decision_id = decision.id
    merchant.status = status
    merchant.reverifying = False
    merchant.verified_at = utcnow()
    if status == MerchantStatus.SUSPENDED and previous != MerchantStatus.SUSPENDED:
        merchant.suspended_by = SUSPENDED_BY_RULES
    elif status != MerchantStatus.SUSPENDED:
        merchant.suspended_by = None
    regions = [h for h in evaluation.looked_at.get("registry", []) if h.get("uscc") == merchant.uscc and h.get("region")]
    if regions:
        merchant.region = regions[0]["region"]
    tasks = []
    if status != previous:
        tasks += emit(session, merchant.platform_id, EVENT_FOR_STATUS[status],
                      {"merchant_id": merchant.id, "external_id": merchant.external_id, "status": status,
                       "decision_id": decision.id, "reason_codes": sorted({r.code for r in evaluation.reasons})})
        tasks.append(outbox.enqueue(session, TaskName.MERCHANT_LISTINGS_RECHECK,
                                    {"merchant_id": merchant.id, "trigger": "merchant_status"}))
    log.info("merchant decided", extra={"merchant_id": merchant.id, "status": status, "trigger": trigger})
    return tasks


def reverify(runtime: Runtime, merchant_id: str, trigger: str) -> None:
    """Decide one merchant in its own short transaction, then dispatch what it raised."""
    with runtime.db.session() as session:
        # Locked: two verifications of one merchant at once would both see the old
        # status and both send the webhook for the change.
        merchant = session.get(Merchant, merchant_id, with_for_update=True)
        tasks = verify(runtime, session, merchant, trigger) if merchant else []
    dispatch_after_commit(runtime.dispatcher, tasks)


@document_read.connect
def on_document_read(document_id: str, session: Session) -> list:
    """Verify the merchants that were waiting on this document (pending ones, and those
    being re-verified), in the transaction that records it as read."""
    waiting = session.scalars(
        select(Merchant.id).join(MerchantDocument, MerchantDocument.merchant_id == Merchant.id)
        .where(MerchantDocument.document_id == document_id,
               (Merchant.status == MerchantStatus.PENDING) | Merchant.reverifying)).all()
    return [outbox.enqueue(session, TaskName.MERCHANT_VERIFY, {"merchant_id": m, "trigger": "document_processed"})
            for m in waiting]
