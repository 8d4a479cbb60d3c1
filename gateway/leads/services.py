"""Leads from the bureaus (线索): intake, matching, the state machine, overdue notices.

A lead is recorded with its deadline (the bureau's, or the platform's default), matched to
the merchants and listings it concerns in a task (a fuzzy pass over a platform's sellers is
no work for a request), and moved through 监测—分办—核查—反馈 by transitions, each recorded
as an event. A lead still open at its deadline is overdue: a task scheduled for that moment
flags it and sends ``lead.overdue``, once.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.audit.services import append
from gateway.db import utcnow
from gateway.documents.services import platform_documents
from gateway.errors import Conflict, NotFound, field_error
from gateway.jobs import outbox
from gateway.jobs.names import TaskName
from gateway.leads.models import Lead, LeadDocument, LeadEvent, LeadMatch
from gateway.listings.models import Listing
from gateway.merchants.models import Merchant
from gateway.reports.signals import collect_leads
from gateway.tenancy.models import Platform
from gateway.violations.models import Violation
from gateway.webhooks.services import emit
from verifiers.identifiers import lookup_key
from verifiers.leads.matching import (CERTAIN, SUBJECT_FIELDS, ListingCandidate, MerchantCandidate, match_status,
                                      match_subject, normalise_url)
from verifiers.leads.states import NO_VIOLATION, OPEN_STATES, TransitionNotAllowed, check_disposal, check_transition
from verifiers.reports.model import LEAD_STATES, ActionFacts, LeadFacts
from verifiers.reports.periods import CHINA_TZ
from verifiers.reports.routing import region_prefix

log = logging.getLogger(__name__)

#: Days a platform gives itself to answer a lead that came without a deadline; a platform's
#: ``lead_due_days`` setting replaces it.
DEFAULT_DUE_DAYS = 15
#: Listings of matched merchants compared by product name, at most (a seller's catalogue).
MAX_LISTINGS_PER_MERCHANT = 5000


def get_lead(session: Session, platform_id: str, lead_id: str, *, lock: bool = False) -> Lead:
    """The platform's lead; another platform's answers as if it did not exist."""
    lead = session.get(Lead, lead_id, with_for_update=lock)
    if lead is None or lead.platform_id != platform_id:
        raise NotFound(f"线索 {lead_id} 不存在", f"No lead {lead_id}")
    return lead


def as_aware(moment: datetime) -> datetime:
    """A time without an offset is Beijing time: what a bureau's documents mean by one."""
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=CHINA_TZ)


def due_days(platform: Platform) -> int:
    try:
        return max(1, int((platform.settings or {}).get("lead_due_days", DEFAULT_DUE_DAYS)))
    except (TypeError, ValueError):
        return DEFAULT_DUE_DAYS


def create_lead(session: Session, platform_id: str, body: dict, *, origin: str = "api",
                actor: str = "api") -> tuple[Lead, list]:
    """Record a lead and queue its matching and its overdue check; returns the lead and tasks.

    ``body`` is what POST /v1/leads takes (already validated for shape). A ``reference`` the
    platform already has answers 409: a bureau's lead is recorded once.
    """
    documents = platform_documents(session, platform_id, body.get("document_ids") or [])
    reference = (body.get("reference") or "").strip() or None
    if reference and session.scalar(select(Lead.id).where(Lead.platform_id == platform_id,
                                                           Lead.reference == reference)):
        raise Conflict(f"线索编号 {reference} 已登记", f"A lead with reference {reference} is already recorded",
                       code="lead-exists", reference=reference)
    received_at = as_aware(body["received_at"])
    if body.get("due_at"):
        due_at, due_source = as_aware(body["due_at"]), "bureau"
        if due_at <= received_at:
            raise field_error("json", "due_at", "办理期限须晚于接收时间", "due_at must be after received_at")
    else:
        platform = session.get(Platform, platform_id)
        due_at, due_source = received_at + timedelta(days=due_days(platform)), "platform_default"
    subject = {k: v.strip() for k, v in (body.get("subject") or {}).items() if k in SUBJECT_FIELDS and v and v.strip()}
    now = utcnow()
    lead = Lead(platform_id=platform_id, reference=reference, source=body["source"], region=body["region"],
                received_at=received_at, due_at=due_at, due_source=due_source, subject=subject,
                description=body["description"].strip(), state="received", match_status="pending",
                violation_ids=[], key_case=bool(body.get("key_case")), origin=origin, created_at=now, updated_at=now)
    session.add(lead)
    try:
        session.flush()
    except IntegrityError:  # the same reference recorded at this moment by another request
        raise Conflict(f"线索编号 {reference} 已登记", f"A lead with reference {reference} is already recorded",
                       code="lead-exists", reference=reference) from None
    for document in documents:
        session.add(LeadDocument(lead_id=lead.id, document_id=document.id))
    add_event(session, lead, "transition", actor, None, "received", reason=origin, at=now)
    tasks = [outbox.enqueue(session, TaskName.LEAD_MATCH, {"lead_id": lead.id}),
             # Runs when the deadline passes (the sweeper dispatches it then); one already past runs now.
             outbox.enqueue(session, TaskName.LEADS_OVERDUE, {"platform_id": platform_id},
                            delay=max(0.0, (due_at - now).total_seconds()))]
    tasks += emit(session, platform_id, "lead.received", _event_data(lead))
    log.info("lead received", extra={"lead_id": lead.id, "source": lead.source, "origin": origin})
    return lead, tasks


def _event_data(lead: Lead) -> dict:
    """A webhook's data: ids, states and times, no names or links (they may be personal data)."""
    return {"lead_id": lead.id, "reference": lead.reference, "source": lead.source, "region": lead.region,
            "state": lead.state, "received_at": lead.received_at.isoformat(), "due_at": lead.due_at.isoformat()}


def add_event(session: Session, lead: Lead, kind: str, actor: str, from_state: str | None, to_state: str | None,
              reason: str | None = None, detail: dict | None = None, at: datetime | None = None) -> LeadEvent:
    """Record a step of the lead's history, and enter it in the audit chain (``lead.<kind>``)."""
    event = LeadEvent(lead_id=lead.id, kind=kind, actor=actor, from_state=from_state, to_state=to_state,
                      reason=reason, detail=detail or {}, at=at or utcnow())
    session.add(event)
    append(session, platform_id=lead.platform_id, kind=f"lead.{kind}", subject_type="lead", subject_id=lead.id,
           actor=actor, data={"from": from_state, "to": to_state, "reason": reason, "detail": event.detail,
                              "at": event.at.isoformat()})
    return event


def lead_events(session: Session, lead_id: str) -> list[LeadEvent]:
    return list(session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead_id)
                                .order_by(LeadEvent.at, LeadEvent.id)))


def lead_matches(session: Session, lead_id: str) -> list[LeadMatch]:
    return list(session.scalars(select(LeadMatch).where(LeadMatch.lead_id == lead_id)
                                .order_by(LeadMatch.confidence.desc(), LeadMatch.id)))


def lead_document_ids(session: Session, lead_id: str) -> list[str]:
    return list(session.scalars(select(LeadDocument.document_id).where(LeadDocument.lead_id == lead_id)
                                .order_by(LeadDocument.document_id)))


def describe(session: Session, lead: Lead, now: datetime | None = None) -> dict:
    """The lead as GET /v1/leads/{id} and the console show it: its matches with the names of
    what they name, its history, its documents, its answer (storage keys left out)."""
    matches = []
    for m in lead_matches(session, lead.id):
        merchant = session.get(Merchant, m.merchant_id)
        listing = session.get(Listing, m.listing_id) if m.listing_id else None
        matches.append({"kind": m.kind, "merchant_id": m.merchant_id, "listing_id": m.listing_id,
                        "merchant_external_id": merchant.external_id if merchant else None,
                        "merchant_name": merchant.name if merchant else None,
                        "listing_external_id": listing.external_id if listing else None,
                        "listing_title": listing.title if listing else None,
                        "confidence": m.confidence, "evidence": m.evidence})
    answer = dict(lead.answer) if lead.answer else None
    if answer and "files" in answer:
        answer["files"] = {fmt: {k: v for k, v in f.items() if k != "key"} for fmt, f in answer["files"].items()}
    return {**summary(lead, now), **{c: getattr(lead, c) for c in ("description", "key_case", "disposal",
                                                                    "violation_ids", "answered_at", "closed_at",
                                                                    "origin")},
            "document_ids": lead_document_ids(session, lead.id), "matches": matches,
            "events": lead_events(session, lead.id), "answer": answer}


SUMMARY_FIELDS = ("id", "reference", "source", "region", "state", "reviewer", "received_at", "due_at", "due_source",
                  "match_status", "merchant_id", "subject", "created_at", "updated_at")


def summary(lead: Lead, now: datetime | None = None) -> dict:
    return {**{c: getattr(lead, c) for c in SUMMARY_FIELDS}, "overdue": lead.overdue(now or utcnow()),
            "platform_id": lead.platform_id}


def list_query(args: dict, now: datetime):
    """The leads matching the list filters (state, source, region, overdue, match_status), earliest
    deadline first; the caller limits it to the platforms it may see."""
    query = select(Lead)
    for name in ("state", "source", "match_status"):
        if args.get(name):
            query = query.where(getattr(Lead, name) == args[name])
    if args.get("region"):
        query = query.where(Lead.region.startswith(region_prefix(args["region"])))
    if args.get("overdue") is True:
        query = query.where(overdue_condition(now))
    elif args.get("overdue") is False:
        query = query.where(~overdue_condition(now))
    return query.order_by(Lead.due_at, Lead.id)


# --- transitions ------------------------------------------------------------------------------


def transition(session: Session, lead: Lead, body: dict, actor: str = "api") -> list:
    """Move ``lead`` to ``body["to"]`` (409 when the state machine has no such move), recording
    what the step needs: the reviewer when assigned, the disposal when disposed. Returns tasks."""
    target, current = body["to"], lead.state
    try:
        check_transition(current, target)
    except TransitionNotAllowed as exc:
        names = "、".join(LEAD_STATES[s][0] for s in exc.allowed) or "无"
        raise Conflict(f"线索当前为“{LEAD_STATES[current][0]}”，不能转为“{LEAD_STATES[target][0]}”（可转为：{names}）",
                       f"A lead in state {current} cannot move to {target} (allowed: {', '.join(exc.allowed) or 'none'})",
                       code="lead-transition-not-allowed", state=current, to=target, allowed=list(exc.allowed)) from None
    now = utcnow()
    detail: dict = {}
    if body.get("merchant_id"):
        merchant = session.get(Merchant, body["merchant_id"])
        if merchant is None or merchant.platform_id != lead.platform_id:
            raise field_error("json", "merchant_id", "商户不存在", f"No merchant {body['merchant_id']}")
        lead.merchant_id, lead.match_status = merchant.id, "confirmed"
        detail["merchant_id"] = merchant.id
    if target == "assigned":
        reviewer = (body.get("reviewer") or "").strip()
        if not reviewer:
            raise field_error("json", "reviewer", "分办须指定核查人员", "Assigning a lead names its reviewer")
        detail["reviewer"], detail["previous_reviewer"] = reviewer, lead.reviewer
        lead.reviewer = reviewer
    elif target == "disposed":
        detail.update(_dispose(session, lead, body, actor, now))
    tasks: list = []
    if target in ("assigned", "verifying") and lead.match_status != "confirmed":
        # Sellers and listings registered since the lead arrived may be the ones it is about.
        tasks.append(outbox.enqueue(session, TaskName.LEAD_MATCH, {"lead_id": lead.id}))
    if target == "answered":
        lead.answered_at = now
        lead.answer = {"status": "pending", "requested_at": now.isoformat(), "by": actor}
        tasks.append(outbox.enqueue(session, TaskName.LEAD_ANSWER, {"lead_id": lead.id}))
    elif target == "closed":
        lead.closed_at = now
    lead.state = target
    lead.updated_at = now
    add_event(session, lead, "transition", actor, current, target, reason=body["reason"].strip(), detail=detail, at=now)
    session.flush()
    log.info("lead moved", extra={"lead_id": lead.id, "from": current, "to": target})
    return tasks


def _dispose(session: Session, lead: Lead, body: dict, actor: str, now: datetime) -> dict:
    actions = body.get("actions") or []
    problem = check_disposal([a["kind"] for a in actions])
    if problem:
        raise field_error("json", "actions", "处置须记录所采取的措施（或“未发现违法违规”）", problem)
    recorded = []
    for action in actions:
        entry = {"kind": action["kind"], "at": as_aware(action.get("at") or now).isoformat()}
        if action.get("deadline"):
            entry["deadline"] = as_aware(action["deadline"]).isoformat()
        if action.get("note"):
            entry["note"] = action["note"].strip()
        recorded.append(entry)
    violation_ids = list(dict.fromkeys(body.get("violation_ids") or []))
    known = set(session.scalars(select(Violation.id).where(Violation.id.in_(violation_ids),
                                                           Violation.platform_id == lead.platform_id))) \
        if violation_ids else set()
    unknown = [i for i in violation_ids if i not in known]
    if unknown:
        raise field_error("json", "violation_ids", f"违法违规记录不存在：{', '.join(unknown)}",
                          f"Unknown violations: {', '.join(unknown)}", [f"unknown violation {i}" for i in unknown])
    if violation_ids and any(a["kind"] == NO_VIOLATION for a in actions):
        raise field_error("json", "violation_ids", "“未发现违法违规”的处置不能关联违法行为",
                          "A no_violation disposal links no violations")
    lead.violation_ids = violation_ids
    if "key_case" in body and body["key_case"] is not None:
        lead.key_case = bool(body["key_case"])
    lead.disposal = {"actions": recorded, "finding": body["reason"].strip(), "disposed_at": now.isoformat(),
                     "by": actor}
    return {"actions": [a["kind"] for a in recorded], "violation_ids": violation_ids}


# --- overdue ----------------------------------------------------------------------------------


def overdue_condition(now: datetime):
    return Lead.state.in_(OPEN_STATES) & (Lead.due_at <= now)


def flag_overdue(session: Session, now: datetime | None = None, platform_id: str | None = None) -> tuple[list[str], list]:
    """Send ``lead.overdue`` for every open lead past its deadline not yet flagged (once each);
    returns their ids and the tasks raised.

    The rows are locked, waiting for a lock another task holds (matching writes the lead too):
    skipping locked rows would leave such a lead unflagged until the next sweep. Two sweeps at
    once serialise, and the second no longer sees the leads the first flagged."""
    now = now or utcnow()
    query = select(Lead).where(overdue_condition(now), Lead.overdue_notified_at.is_(None))
    if platform_id:
        query = query.where(Lead.platform_id == platform_id)
    tasks, flagged = [], []
    for lead in session.scalars(query.order_by(Lead.due_at, Lead.id).with_for_update()):
        lead.overdue_notified_at = now
        add_event(session, lead, "overdue", "system", lead.state, lead.state,
               reason="超过办理期限未反馈 / past its deadline without an answer",
               detail={"due_at": lead.due_at.isoformat()}, at=now)
        tasks += emit(session, lead.platform_id, "lead.overdue",
                      {**_event_data(lead), "overdue_since": lead.due_at.isoformat()})
        flagged.append(lead.id)
    if flagged:
        log.warning("leads overdue", extra={"count": len(flagged), "platform_id": platform_id})
    return flagged, tasks


# --- matching ---------------------------------------------------------------------------------


def _merchant_candidates(session: Session, platform_id: str) -> list[MerchantCandidate]:
    rows = session.execute(select(Merchant.id, Merchant.external_id, Merchant.name, Merchant.uscc, Merchant.profile)
                           .where(Merchant.platform_id == platform_id).execution_options(yield_per=2000))
    return [MerchantCandidate(r.id, r.external_id, r.name, r.uscc, (r.profile or {}).get("shop_name"),
                              (r.profile or {}).get("shop_url")) for r in rows]


def _listing_candidates(session: Session, platform_id: str, subject: dict, registration_key: str | None,
                        merchant_ids: list[str]) -> list[ListingCandidate]:
    columns = (Listing.id, Listing.merchant_id, Listing.external_id, Listing.title, Listing.product_name,
               Listing.url, Listing.registration_key)
    found: dict[str, ListingCandidate] = {}

    def take(query):
        for r in session.execute(query.where(Listing.platform_id == platform_id)):
            found.setdefault(r.id, ListingCandidate(*r))

    if subject.get("listing_external_id"):
        take(select(*columns).where(Listing.external_id == subject["listing_external_id"]))
    if registration_key:
        take(select(*columns).where(Listing.registration_key == registration_key).limit(MAX_LISTINGS_PER_MERCHANT))
    if subject.get("listing_url"):
        # Links are compared normalised; the stored ones are not, so compare those that share the path's end.
        tail = normalise_url(subject["listing_url"]).rsplit("/", 1)[-1]
        if tail:
            take(select(*columns).where(Listing.url.contains(tail)).limit(MAX_LISTINGS_PER_MERCHANT))
    for merchant_id in merchant_ids:
        take(select(*columns).where(Listing.merchant_id == merchant_id).limit(MAX_LISTINGS_PER_MERCHANT))
    return list(found.values())


def match_lead(db, lead_id: str) -> str | None:
    """Match a lead to the platform's merchants and listings and store the result; returns its
    match status (None when the lead is gone). Reads first, in a read-only session; writes in a
    short transaction of its own."""
    with db.read_sessionmaker() as session:
        lead = session.get(Lead, lead_id)
        if lead is None:
            return None
        platform_id, subject = lead.platform_id, dict(lead.subject or {})
        registration_key = lookup_key(subject["registration_number"]) if subject.get("registration_number") else None
        merchants = _merchant_candidates(session, platform_id)
        first = match_subject(subject, merchants, [], registration_key)
        sure_merchants = [m.merchant_id for m in first if m.kind == "merchant"][:5]
        listings = _listing_candidates(session, platform_id, subject, registration_key, sure_merchants)
    matches = match_subject(subject, merchants, listings, registration_key)
    status = match_status(matches)
    with db.session() as session:
        lead = session.get(Lead, lead_id, with_for_update=True)
        if lead is None:
            return None
        old = list(session.scalars(select(LeadMatch).where(LeadMatch.lead_id == lead_id)))
        if lead.match_status != "pending" and sorted((m.kind, m.merchant_id, m.listing_id or "", m.confidence)
                                                     for m in old) == \
                sorted((m.kind, m.merchant_id, m.listing_id or "", m.confidence) for m in matches):
            return lead.match_status  # matched again, nothing changed: no new rows, no new step
        for stale in old:
            session.delete(stale)
        for match in matches:
            session.add(LeadMatch(lead_id=lead_id, kind=match.kind, merchant_id=match.merchant_id,
                                  listing_id=match.listing_id, confidence=match.confidence,
                                  evidence=[a.as_dict() for a in match.evidence]))
        if lead.match_status != "confirmed":  # a person's choice stands
            lead.match_status = status
            lead.merchant_id = matches[0].merchant_id if matches and matches[0].confidence >= CERTAIN else None
        add_event(session, lead, "matched", "system", None, None,
                  detail={"status": status, "matches": len(matches),
                          "best": matches[0].confidence if matches else None})
    return status


@collect_leads.connect
def leads_for_report(platform_id: str, session: Session, period) -> list[LeadFacts]:
    """The reports area building 附件2 asks for the platform's leads of ``period``."""
    return lead_facts(session, platform_id, period.start_at, period.end_at)


# --- the 附件2 form -------------------------------------------------------------------------------


def lead_facts(session: Session, platform_id: str, start: datetime | None = None,
               end: datetime | None = None) -> list[LeadFacts]:
    """The platform's leads received in [start, end) as the report forms' facts (附件2 counts
    them per source row: received, answered, ordered to rectify, cases, referrals)."""
    query = select(Lead).where(Lead.platform_id == platform_id)
    if start is not None:
        query = query.where(Lead.received_at >= start)
    if end is not None:
        query = query.where(Lead.received_at < end)
    facts = []
    for lead in session.scalars(query.order_by(Lead.received_at, Lead.id)):
        actions = tuple(ActionFacts(a["kind"], datetime.fromisoformat(a["at"]),
                                    datetime.fromisoformat(a["deadline"]) if a.get("deadline") else None,
                                    a.get("note"))
                        for a in (lead.disposal or {}).get("actions", []) if a["kind"] != NO_VIOLATION)
        facts.append(LeadFacts(id=lead.id, source=lead.source, received_at=lead.received_at, state=lead.state,
                               answered=lead.state in ("answered", "closed"), region=lead.region,
                               merchant_id=lead.merchant_id, actions=actions,
                               violation_ids=tuple(lead.violation_ids or ()), key_case=lead.key_case,
                               description=lead.description))
    return facts
