"""Merchant onboarding: accepting the file, verifying it, keeping its standing current."""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db import utcnow
from gateway.decisions.services import record_decision
from gateway.documents.models import Document
from gateway.jobs import outbox
from gateway.merchants.models import Merchant, MerchantDocument
from gateway.policy import document_facts, policy_for
from gateway.runtime import Runtime
from gateway.tenancy.models import Platform
from gateway.webhooks.services import emit
from verifiers.identifiers.uscc import USCCError, parse_uscc
from verifiers.rules.facts import MerchantClaim
from verifiers.rules.merchant import evaluate_merchant

log = logging.getLogger(__name__)
VERIFY_TASK = "merchant.verify"


class MerchantError(ValueError):
    def __init__(self, status: int, zh: str, en: str, errors: dict | None = None):
        super().__init__(en)
        self.status, self.zh, self.en, self.errors = status, zh, en, errors


def _platform_documents(session: Session, platform_id: str, document_ids: list[str]) -> list[Document]:
    ids = list(dict.fromkeys(document_ids))
    found = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(ids),
                                                                     Document.platform_id == platform_id))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise MerchantError(422, f"文件不存在：{', '.join(missing)}", f"Unknown documents: {', '.join(missing)}",
                            errors={"json": {"document_ids": [f"unknown document {m}" for m in missing]}})
    awaiting = [d.id for d in found.values() if d.status == "awaiting_upload"]
    if awaiting:
        raise MerchantError(422, f"文件尚未上传完成：{', '.join(awaiting)}", f"Not uploaded yet: {', '.join(awaiting)}",
                            errors={"json": {"document_ids": [f"document {a} awaits its upload" for a in awaiting]}})
    return [found[i] for i in ids]


def create_merchant(session: Session, platform_id: str, body: dict) -> tuple[Merchant, bool, list]:
    """Register a merchant, or update the one with the same external_id; queue verification."""
    documents = _platform_documents(session, platform_id, body.get("document_ids", []))
    merchant = session.scalar(select(Merchant).where(Merchant.platform_id == platform_id,
                                                     Merchant.external_id == body["external_id"]))
    created = merchant is None
    if created:
        merchant = Merchant(platform_id=platform_id, external_id=body["external_id"], status="pending")
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
    documents = _platform_documents(session, merchant.platform_id, document_ids)
    _attach(session, merchant, documents, replace)
    return _start_verification(session, merchant, "documents_added")


def _start_verification(session: Session, merchant: Merchant, trigger: str) -> list:
    if merchant.status in ("approved", "suspended"):
        merchant.reverifying = True  # keeps its standing until the new decision
    else:
        merchant.status = "pending"
    return [outbox.enqueue(session, VERIFY_TASK, {"merchant_id": merchant.id, "trigger": trigger})]


def merchant_documents(session: Session, merchant_id: str) -> list[Document]:
    return list(session.scalars(select(Document).join(MerchantDocument, MerchantDocument.document_id == Document.id)
                                .where(MerchantDocument.merchant_id == merchant_id)
                                .order_by(MerchantDocument.added_at, Document.id)))


EVENT_FOR_STATUS = {"approved": "merchant.approved", "rejected": "merchant.rejected",
                    "needs_review": "merchant.needs_review", "suspended": "merchant.suspended"}


def verify(runtime: Runtime, session: Session, merchant: Merchant, trigger: str) -> list:
    """Decide on a merchant now (documents all read); returns tasks to dispatch.

    A merchant in good standing whose re-check now fails is suspended, not merely
    rejected: the platform must stop its service (GSP-NET Arts 42, 46). A suspension a
    person imposed is lifted only by a person.
    """
    documents = merchant_documents(session, merchant.id)
    if any(d.status == "processing" for d in documents):
        return []  # decided when the last document is read (see workers.followups)
    platform = session.get(Platform, merchant.platform_id)
    policy = policy_for(platform)
    claim = MerchantClaim(name=merchant.name, uscc=merchant.uscc,
                          online_sales_filing_number=merchant.online_sales_filing_number,
                          device_classes=tuple(merchant.device_classes or ()))
    evaluation = evaluate_merchant(claim, [document_facts(d) for d in documents], runtime.registry, policy)
    previous = merchant.status
    status = evaluation.outcome
    if previous in ("approved", "suspended") and status == "rejected":
        status = "suspended"
    if previous == "suspended" and (merchant.suspended_by or "rules") != "rules":
        status = "suspended"
    decision = record_decision(session, platform_id=merchant.platform_id, subject_type="merchant",
                               subject_id=merchant.id, outcome=status, reasons=evaluation.reasons,
                               registry_version=evaluation.registry_version, looked_at=evaluation.looked_at,
                               trigger=trigger)
    merchant.decision_id = decision.id
    merchant.status = status
    merchant.reverifying = False
    merchant.verified_at = utcnow()
    if status == "suspended" and previous != "suspended":
        merchant.suspended_by = "rules"
    elif status != "suspended":
        merchant.suspended_by = None
    regions = [h for h in evaluation.looked_at.get("registry", []) if h.get("uscc") == merchant.uscc and h.get("region")]
    if regions:
        merchant.region = regions[0]["region"]
    tasks = []
    if status != previous:
        tasks += emit(session, merchant.platform_id, EVENT_FOR_STATUS[status],
                      {"merchant_id": merchant.id, "external_id": merchant.external_id, "status": status,
                       "decision_id": decision.id, "reason_codes": sorted({r.code for r in evaluation.reasons})})
        from gateway.listings.services import RECHECK_MERCHANT_TASK

        tasks.append(outbox.enqueue(session, RECHECK_MERCHANT_TASK, {"merchant_id": merchant.id,
                                                                     "trigger": "merchant_status"}))
    log.info("merchant decided", extra={"merchant_id": merchant.id, "status": status, "trigger": trigger})
    return tasks
