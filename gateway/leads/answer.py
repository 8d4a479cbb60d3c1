"""Generating the answer to the bureau (反馈) for a lead, and keeping it.

The ``lead.answer`` task reads the lead, its matches, disposal, history and evidence in a
read-only session, renders JSON, XLSX and PDF outside any transaction (the PDF embeds a CJK
font subset: not work to do while holding a lock), stores the files, and records their
SHA-256 on the lead in a short transaction of its own.
"""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.db import utcnow
from gateway.errors import NotFound
from gateway.leads.models import Lead
from gateway.leads.services import add_event, lead_document_ids, lead_events, lead_matches
from gateway.listings.models import Listing
from gateway.merchants.models import Merchant
from gateway.documents.models import Document
from gateway.runtime import Runtime
from gateway.tenancy.models import Platform
from verifiers.leads.answer import (RENDERERS, AnswerAction, LeadAnswer, LeadAnswerFacts, LeadStep, MatchedSubject,
                                    build_answer)
from verifiers.reports.model import PlatformFacts
from verifiers.reports.routing import default_directory

log = logging.getLogger(__name__)
ANSWER_MEDIA_TYPES = {"pdf": "application/pdf", "json": "application/json",
                      "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def platform_facts(platform: Platform) -> PlatformFacts:
    """The platform as a report names it; credit code and contact come from its settings."""
    settings = platform.settings or {}
    return PlatformFacts(name=platform.name, uscc=settings.get("uscc", ""), filing_number=platform.filing_number or "",
                         region=platform.region, contact_person=settings.get("contact_person", ""),
                         contact_phone=settings.get("contact_phone"))


def answer_facts(session: Session, lead: Lead, answered_at: datetime) -> LeadAnswerFacts:
    matches = []
    for m in lead_matches(session, lead.id):
        merchant = session.get(Merchant, m.merchant_id)
        listing = session.get(Listing, m.listing_id) if m.listing_id else None
        if merchant is None:
            continue
        matches.append(MatchedSubject(
            kind=m.kind, confidence=m.confidence, fields=tuple(e["field"] for e in m.evidence),
            merchant_name=merchant.name, uscc=merchant.uscc, merchant_external_id=merchant.external_id,
            shop_name=(merchant.profile or {}).get("shop_name"),
            listing_external_id=listing.external_id if listing else None, listing_title=listing.title if listing else None,
            registration_number=listing.registration_number if listing else None))
    disposal = lead.disposal or {}
    actions = tuple(AnswerAction(a["kind"], datetime.fromisoformat(a["at"]),
                                 datetime.fromisoformat(a["deadline"]) if a.get("deadline") else None, a.get("note"))
                    for a in disposal.get("actions", []))
    steps = tuple(LeadStep(e.at, e.kind, e.actor, e.from_state, e.to_state, e.reason)
                  for e in lead_events(session, lead.id))
    document_ids = lead_document_ids(session, lead.id)
    hashes = tuple(d.sha256 for d in (session.get(Document, i) for i in document_ids) if d is not None and d.sha256)
    return LeadAnswerFacts(
        lead_id=lead.id, reference=lead.reference, source=lead.source, region=lead.region,
        region_name=default_directory().region_name(lead.region), received_at=lead.received_at, due_at=lead.due_at,
        description=lead.description, subject=dict(lead.subject or {}), state=lead.state, reviewer=lead.reviewer,
        finding=disposal.get("finding"), actions=actions, answered_at=answered_at, matches=tuple(matches),
        violation_ids=tuple(lead.violation_ids or ()), document_sha256s=hashes, steps=steps, key_case=lead.key_case)


def storage_key(lead: Lead, fmt: str) -> str:
    return f"leads/{lead.platform_id}/{lead.id}/answer.{fmt}"


def answer_lead(runtime: Runtime, lead_id: str) -> LeadAnswer | None:
    """Generate and keep the answer for a lead that was moved to ``answered``; None when there
    is nothing to answer (the lead is gone, or its answer was generated already)."""
    with runtime.db.read_sessionmaker() as session:
        lead = session.get(Lead, lead_id)
        if lead is None or not lead.answer or lead.answer.get("status") != "pending":
            return None
        platform = platform_facts(session.get(Platform, lead.platform_id))
        answer = build_answer(platform, answer_facts(session, lead, lead.answered_at or utcnow()))
        keys = {fmt: storage_key(lead, fmt) for fmt in RENDERERS}
    files = {}
    for fmt, render in RENDERERS.items():
        data = render(answer)
        runtime.storage.put(keys[fmt], data, ANSWER_MEDIA_TYPES[fmt])
        files[fmt] = {"key": keys[fmt], "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    with runtime.db.session() as session:
        lead = session.get(Lead, lead_id, with_for_update=True)
        if lead is None:
            return None
        now = utcnow()
        lead.answer = {**(lead.answer or {}), "status": "generated", "files": files, "generated_at": now.isoformat(),
                       "in_time": answer.in_time, "deliveries": list((lead.answer or {}).get("deliveries", []))}
        add_event(session, lead, "answer_generated", "system", None, None,
               detail={fmt: f["sha256"] for fmt, f in files.items()}, at=now)
    log.info("lead answer generated", extra={"lead_id": lead_id})
    return answer


def answer_file(runtime: Runtime, lead: Lead, fmt: str) -> bytes:
    """The stored answer in ``fmt``; 404 until it has been generated."""
    files = (lead.answer or {}).get("files") or {}
    if fmt not in files:
        raise NotFound("该线索尚未生成反馈", "No answer has been generated for this lead yet", code="answer-not-ready")
    try:
        return runtime.storage.get(files[fmt]["key"])
    except FileNotFoundError:
        raise NotFound("反馈文件不存在", "The answer file is missing from storage", code="answer-missing") from None
