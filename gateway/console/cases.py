"""A case as the console shows it, and claiming it.

A case is a merchant or a listing: its documents page by page with the OCR boxes, the
extracted fields beside the registry record of the same number, the current decision's
reasons with their evidence, every decision before it, and the webhooks sent about it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Text, cast, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.console.accounts import Staff
from gateway.console.models import CaseClaim, PendingOverturn
from gateway.db import utcnow
from gateway.decisions.models import Decision
from gateway.documents.models import Document
from gateway.errors import Conflict
from gateway.listings.models import Listing
from gateway.listings.services import listing_documents
from gateway.merchants.models import Merchant
from gateway.merchants.services import merchant_documents
from gateway.registry.lookup import RegistryLookup
from gateway.tenancy.models import Platform
from gateway.webhooks.models import WebhookDelivery
from verifiers.documents.compare import DEVICE_TYPES, FieldRow, compare
from verifiers.identifiers import lookup_key
from verifiers.rules.codes import DOC_NAMES
from verifiers.scope import scope_lines

CLAIM_FOR = timedelta(minutes=30)
SUBJECTS = {"merchant": Merchant, "listing": Listing}

#: What a person may do to a case: action -> {kind: (states it applies to, the state it leads to)}.
ACTIONS = {
    "approve": {"merchant": (("needs_review", "rejected", "pending"), "approved"),
                "listing": (("review", "block"), "allow")},
    "confirm_rejection": {"merchant": (("needs_review", "rejected"), "rejected"),
                          "listing": (("review", "block"), "block")},
    "request_resubmission": {"merchant": (("needs_review", "rejected", "pending"), "rejected"),
                             "listing": (("review", "block"), "block")},
    "suspend": {"merchant": (("approved", "needs_review"), "suspended"), "listing": (("allow", "review"), "block")},
    "unblock": {"merchant": (("suspended",), "approved"), "listing": (("block",), "allow")},
}


def state_of(subject) -> str:
    return subject.status if isinstance(subject, Merchant) else (subject.outcome or "review")


def available_actions(kind: str, subject) -> list[str]:
    state = state_of(subject)
    return [name for name, by_kind in ACTIONS.items() if state in by_kind[kind][0]]


def get_subject(session: Session, staff: Staff, kind: str, subject_id: str, lock: bool = False):
    """The merchant or listing, if this user may see it (else 404, as the API answers)."""
    return staff.get(session, SUBJECTS.get(kind), subject_id, "案件不存在", "No such case", lock=lock)


# --- claims ------------------------------------------------------------------------------------


def live_claim(session: Session, kind: str, subject_id: str) -> CaseClaim | None:
    claim = session.get(CaseClaim, (kind, subject_id))
    return claim if claim is not None and claim.expires_at > utcnow() else None


def claim_case(session: Session, staff: Staff, kind: str, subject_id: str) -> CaseClaim:
    """Take the case for ``CLAIM_FOR`` (again, if already this user's); 409 while another
    reviewer's claim is live."""
    subject = get_subject(session, staff, kind, subject_id)
    now = utcnow()
    claim = session.get(CaseClaim, (kind, subject_id), with_for_update=True)
    if claim is not None and claim.user_id != staff.id and claim.expires_at > now:
        raise Conflict(f"该案件已由 {claim.email} 认领，至 {claim.expires_at:%H:%M} UTC",
                       f"{claim.email} has claimed this case until {claim.expires_at:%H:%M} UTC", code="case-claimed")
    if claim is None:
        claim = CaseClaim(subject_type=kind, subject_id=subject_id, platform_id=subject.platform_id)
        session.add(claim)
    claim.user_id, claim.email, claim.claimed_at, claim.expires_at = staff.id, staff.email, now, now + CLAIM_FOR
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # another reviewer's first claim committed between our read and write
        raise Conflict("该案件刚被其他人认领", "Someone else has just claimed this case", code="case-claimed") from None
    return claim


def release_claim(session: Session, staff: Staff, kind: str, subject_id: str) -> None:
    claim = session.get(CaseClaim, (kind, subject_id))
    if claim is not None and (claim.user_id == staff.id or claim.expires_at <= utcnow()):
        session.delete(claim)


def ensure_free_for(session: Session, staff: Staff, kind: str, subject_id: str) -> None:
    """Acting needs the case to be unclaimed or claimed by this user."""
    claim = session.get(CaseClaim, (kind, subject_id), with_for_update=True)
    if claim is not None and claim.user_id != staff.id and claim.expires_at > utcnow():
        raise Conflict(f"该案件已由 {claim.email} 认领，不能操作", f"{claim.email} has claimed this case",
                       code="case-claimed")


# --- the case page -----------------------------------------------------------------------------


@dataclass
class PageView:
    number: int
    width: float
    height: float
    lines: list[dict]
    #: Extracted fields read on this page: [{name, value, box}]
    fields: list[dict]


@dataclass
class DocumentView:
    document: Document
    pages: list[PageView]
    rows: list[FieldRow]
    record: dict | None
    record_source: str  # registry | declared | none


@dataclass
class ReasonView:
    """One reason of the decision as the page lists it: the rules give one per document (the
    same NAME_MISMATCH for the licence, the filing and the registry row), the page one per
    reason, naming the documents it concerns."""

    code: str
    severity: str
    field: str | None
    message: str | None
    message_en: str | None
    #: [(document id, (Chinese name, English name))], in the page's order, each once.
    documents: list[tuple[str, tuple[str, str]]]
    evidence: list[dict]
    #: Where its copies are in the decision's reasons (what the deficiency checkbox sends back).
    indexes: list[int] = field(default_factory=list)


@dataclass
class Case:
    kind: str
    subject: Merchant | Listing
    platform: Platform
    merchant: Merchant
    decision: Decision | None
    history: list[Decision]
    documents: list[DocumentView]
    deliveries: list[WebhookDelivery]
    claim: CaseClaim | None
    overturn: PendingOverturn | None
    actions: list[str] = field(default_factory=list)
    reasons: list[ReasonView] = field(default_factory=list)


def _pages(document: Document) -> list[PageView]:
    fields_by_page: dict[int, list[dict]] = {}
    for name, value in (document.fields or {}).items():
        if isinstance(value, dict) and value.get("box") and value.get("page"):
            fields_by_page.setdefault(value["page"], []).append({"name": name, "value": value.get("value"),
                                                                 "box": value["box"]})
    pages = []
    for page in (document.ocr or {}).get("pages", []):
        pages.append(PageView(page["page"], page.get("width") or 1, page.get("height") or 1,
                              page.get("lines", []), fields_by_page.get(page["page"], [])))
    return pages


def _record(document: Document, decision: Decision | None, merchant: Merchant,
            registry: RegistryLookup) -> tuple[dict | None, str]:
    if document.type == "business_licence":
        return {"name": merchant.name, "uscc": merchant.uscc}, "declared"
    number = ((document.fields or {}).get("number") or {}).get("value")
    if not number:
        return None, "none"
    key = lookup_key(str(number))
    for row in ((decision.looked_at or {}).get("registry") or []) if decision else []:
        if isinstance(row, dict) and row.get("number") and lookup_key(str(row["number"])) == key:
            return row, "registry"
    found = registry.device(str(number)) if document.type in DEVICE_TYPES else registry.enterprise(str(number))
    return (found.record.canonical(), "registry") if found else (None, "none")


def document_view(document: Document, decision: Decision | None, merchant: Merchant,
                  registry: RegistryLookup) -> DocumentView:
    record, source = _record(document, decision, merchant, registry)
    return DocumentView(document, _pages(document), compare(document.type, document.fields or {}, record),
                        record, source)


_SEVERITY_RANK = {"block": 0, "review": 1, "info": 2}


def _concerns(evidence: dict, documents: list[DocumentView]) -> DocumentView | None:
    """The document a reason's evidence points at: by its id, or by the licence number a
    registry row was looked up by."""
    if evidence.get("document_id"):
        return next((v for v in documents if v.document.id == evidence["document_id"]), None)
    if evidence.get("number"):
        key = lookup_key(str(evidence["number"]))
        for view in documents:
            number = ((view.document.fields or {}).get("number") or {}).get("value")
            if number and lookup_key(str(number)) == key:
                return view
    return None


def reason_views(reasons: list[dict], documents: list[DocumentView]) -> list[ReasonView]:
    """The decision's reasons, each (code and message) once, with every document it concerns
    and all its evidence; the most severe severity of its copies; in the order first given."""
    grouped: dict[tuple, ReasonView] = {}
    for index, r in enumerate(reasons or []):
        key = (r.get("code"), r.get("field"), r.get("message"), r.get("message_en"))
        view = grouped.get(key)
        if view is None:
            view = grouped[key] = ReasonView(r.get("code"), r.get("severity"), r.get("field"), r.get("message"),
                                             r.get("message_en"), [], [])
        elif _SEVERITY_RANK.get(r.get("severity"), 9) < _SEVERITY_RANK.get(view.severity, 9):
            view.severity = r.get("severity")
        view.indexes.append(index)
        evidence = r.get("evidence") or {}
        if evidence:
            view.evidence.append(evidence)
        document = _concerns(evidence, documents)
        if document is not None and all(d != document.document.id for d, _ in view.documents):
            doc = document.document
            view.documents.append((doc.id, DOC_NAMES.get(doc.type or "", (doc.type or "文件", doc.type or "document"))))
    return list(grouped.values())


def shown(value) -> str | list[str]:
    """A field's value as a reader reads it: a scope as one line per class with the category
    names, any other list item by item, text as it is (never a JSON dump, unless it is an
    object nothing better is known for)."""
    if value is None:
        return ""
    if isinstance(value, list):
        if any(isinstance(item, dict) and "class" in item for item in value):
            return scope_lines(value)
        return [v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in value]
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def deliveries_about(session: Session, platform_id: str, subject_id: str, limit: int = 50) -> list[WebhookDelivery]:
    # Subject ids are random and unique, so finding one in the payload's text is exact enough.
    return list(session.scalars(select(WebhookDelivery).where(
        WebhookDelivery.platform_id == platform_id, cast(WebhookDelivery.payload, Text).like(f"%{subject_id}%"))
        .order_by(WebhookDelivery.created_at.desc()).limit(limit)))


def pending_overturn(session: Session, kind: str, subject_id: str) -> PendingOverturn | None:
    return session.scalar(select(PendingOverturn).where(
        PendingOverturn.subject_type == kind, PendingOverturn.subject_id == subject_id,
        PendingOverturn.status == "pending").order_by(PendingOverturn.proposed_at.desc()).limit(1))


def load_case(session: Session, staff: Staff, kind: str, subject_id: str, registry: RegistryLookup) -> Case:
    subject = get_subject(session, staff, kind, subject_id)
    if kind == "merchant":
        merchant, documents = subject, merchant_documents(session, subject.id)
    else:
        merchant, documents = session.get(Merchant, subject.merchant_id), listing_documents(session, subject.id)
    decision = session.get(Decision, subject.decision_id) if subject.decision_id else None
    history = list(session.scalars(select(Decision).where(Decision.subject_type == kind, Decision.subject_id == subject.id)
                                   .order_by(Decision.decided_at.desc(), Decision.id.desc()).limit(100)))
    case = Case(kind=kind, subject=subject, platform=session.get(Platform, subject.platform_id), merchant=merchant,
                decision=decision, history=history,
                documents=[document_view(d, decision, merchant, registry) for d in documents],
                deliveries=deliveries_about(session, subject.platform_id, subject.id),
                claim=live_claim(session, kind, subject.id), overturn=pending_overturn(session, kind, subject.id))
    case.actions = available_actions(kind, subject)
    case.reasons = reason_views(decision.reasons if decision else [], case.documents)
    return case


def case_document(session: Session, staff: Staff, document_id: str) -> Document:
    """A document this user may see (the page images of a case)."""
    return staff.get(session, Document, document_id, "文件不存在", "No such document")
