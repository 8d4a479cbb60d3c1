"""Generating the answer to the bureau (反馈) for a lead, keeping it, and delivering it.

The ``lead.answer`` task reads the lead, its matches, disposal, history and the evidence of
the violations it raised in a read-only session, renders JSON, XLSX and PDF outside any
transaction (the PDF embeds a CJK font subset: not work to do while holding a lock), stores
the files, and in a short transaction of its own records their SHA-256 on the lead and queues
one delivery per report channel that carries ``lead_answer`` for the lead's region (the
reports area sends them, retries, and keeps the receipt). When a delivery is confirmed, the
receipt is copied onto the lead and the step enters its history and the audit chain.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.db import utcnow
from gateway.documents.models import Document
from gateway.errors import NotFound
from gateway.jobs.outbox import dispatch_after_commit
from gateway.leads.models import Lead
from gateway.leads.services import add_event, lead_document_ids, lead_events, lead_matches
from gateway.listings.models import Listing
from gateway.merchants.models import Merchant
from gateway.reports import delivery as report_delivery
from gateway.reports.facts import platform_facts, violations_facts
from gateway.reports.models import MEDIA_TYPES
from gateway.runtime import Runtime
from gateway.tenancy.models import Platform
from gateway.violations.models import Violation
from verifiers.leads.answer import (RENDERERS, AnswerAction, LeadAnswer, LeadAnswerFacts, LeadStep, MatchedSubject,
                                    build_answer)
from verifiers.reports.routing import default_directory

log = logging.getLogger(__name__)
ANSWER_MEDIA_TYPES = {fmt: MEDIA_TYPES[fmt] for fmt in RENDERERS}
#: The subject type of an answer's deliveries (what a report channel lists in ``report_kinds``).
SUBJECT_TYPE = "lead_answer"


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
    violations = [v for v in (session.get(Violation, i) for i in lead.violation_ids or ()) if v is not None]
    document_ids = lead_document_ids(session, lead.id)
    hashes = tuple(d.sha256 for d in (session.get(Document, i) for i in document_ids) if d is not None and d.sha256)
    return LeadAnswerFacts(
        lead_id=lead.id, reference=lead.reference, source=lead.source, region=lead.region,
        region_name=default_directory().region_name(lead.region), received_at=lead.received_at, due_at=lead.due_at,
        description=lead.description, subject=dict(lead.subject or {}), state=lead.state, reviewer=lead.reviewer,
        finding=disposal.get("finding"), actions=actions, answered_at=answered_at, matches=tuple(matches),
        violations=tuple(violations_facts(session, violations)), violation_ids=tuple(lead.violation_ids or ()), document_sha256s=hashes, steps=steps, key_case=lead.key_case)


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
        reference = lead.reference or lead.id
    title = f"线索核查处置情况反馈 {reference}"
    files = {}
    for fmt, render in RENDERERS.items():
        data = render(answer)
        runtime.storage.put(keys[fmt], data, ANSWER_MEDIA_TYPES[fmt])
        files[fmt] = report_delivery.stored_file(keys[fmt], data, ANSWER_MEDIA_TYPES[fmt], f"{title}.{fmt}")
    tasks = []
    with runtime.db.session() as session:
        lead = session.get(Lead, lead_id, with_for_update=True)
        if lead is None:
            return None
        now = utcnow()
        deliveries = []
        for channel in report_delivery.channels_for(session, lead.platform_id, lead.region, SUBJECT_TYPE):
            sent, raised = report_delivery.queue_parcel(session, channel, subject_type=SUBJECT_TYPE, subject_id=lead.id,
                                                        title=title, files=files)
            deliveries.append({"delivery_id": sent.id, "channel_id": channel.id, "channel_kind": channel.kind,
                               "status": "pending"})
            tasks += raised
        lead.answer = {**(lead.answer or {}), "status": "generated", "files": files, "generated_at": now.isoformat(),
                       "in_time": answer.in_time, "deliveries": deliveries}
        add_event(session, lead, "answer_generated", "system", None, None,
                  detail={"files": {fmt: f["sha256"] for fmt, f in files.items()},
                          "deliveries": [d["delivery_id"] for d in deliveries]}, at=now)
    dispatch_after_commit(runtime.dispatcher, tasks)
    log.info("lead answer generated", extra={"lead_id": lead_id, "deliveries": len(tasks)})
    return answer


@report_delivery.delivered.connect_via(SUBJECT_TYPE)
def on_answer_delivered(subject_type: str, session: Session, delivery) -> list:
    """A channel confirmed an answer: its receipt goes on the lead, and into its history."""
    lead = session.get(Lead, delivery.subject_id, with_for_update=True)
    if lead is None or not lead.answer:
        return []
    deliveries = [dict(d, status="delivered", delivered_at=delivery.delivered_at.isoformat(), receipt=delivery.receipt)
                  if d.get("delivery_id") == delivery.id else d for d in lead.answer.get("deliveries", [])]
    lead.answer = {**lead.answer, "deliveries": deliveries, "status": "delivered"}
    add_event(session, lead, "answer_delivered", "system", None, None,
              detail={"delivery_id": delivery.id, "channel_id": delivery.channel_id, "receipt": delivery.receipt},
              at=delivery.delivered_at)
    return []


def answer_file(runtime: Runtime, lead: Lead, fmt: str) -> bytes:
    """The stored answer in ``fmt``; 404 until it has been generated."""
    files = (lead.answer or {}).get("files") or {}
    if fmt not in files:
        raise NotFound("该线索尚未生成反馈", "No answer has been generated for this lead yet", code="answer-not-ready")
    try:
        return runtime.storage.get(files[fmt]["key"])
    except FileNotFoundError:
        raise NotFound("反馈文件不存在", "The answer file is missing from storage", code="answer-missing") from None
