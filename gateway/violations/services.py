"""Violations: recorded from every block or suspension decision, with evidence frozen, reported,
corrected and escalated.

Every decision passes through :func:`gateway.decisions.services.record_decision`, which sends
``decision_recorded``; :func:`on_decision_recorded` turns a listing's ``block`` and a
merchant's ``suspended`` into a violation, whatever caused them (a rule at submission, a
sweep, a registry change, staff in the console), and a later ``allow`` / ``approved`` into
its correction. All of it happens in the transaction that records the decision, and every
step enters the audit chain.

The legal tier decides what follows (GSP-NET Art 42):

- ``stop_and_report``: the listing or the service is stopped and the violation is reported
  at once (status ``reported``; :data:`~gateway.violations.signals.violation_reported` sent,
  ``violation.reported`` webhook);
- ``correct_then_report``: rectification is ordered with a deadline (platform setting
  ``rectification_hours``, default 24); corrected in time it becomes ``corrected``, otherwise
  :func:`escalate_overdue` reports it;
- ``none`` (e.g. a suspension by staff with no rule behind it): recorded, nothing owed to a bureau.
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from gateway.audit.services import (
    CoverageCheck,
    append,
    content_hash,
    hashed_rows_check,
    plain_json,
    register_coverage_check,
    register_subject_check,
)
from gateway.db import utcnow
from gateway.decisions.models import Decision
from gateway.decisions.signals import decision_recorded
from gateway.documents.models import Document
from gateway.errors import NotFound, field_error
from gateway.ids import new_id
from gateway.jobs.outbox import leave_to_sweeper
from gateway.listings.models import Listing
from gateway.listings.services import FIELDS as LISTING_FIELDS
from gateway.listings.services import listing_documents
from gateway.merchants.models import Merchant
from gateway.merchants.services import merchant_documents
from gateway.tenancy.models import Platform
from gateway.violations.models import Evidence, Violation, ViolationAction, ViolationCode, ViolationStatus
from gateway.violations.signals import violation_reported
from gateway.webhooks.services import emit
from verifiers.reports.model import violation_type_of, worst_tier
from verifiers.reports.periods import PeriodError, parse_period
from verifiers.reports.routing import RoutingError, default_directory, region_prefix
from verifiers.rules.codes import CODES, LegalTier

log = logging.getLogger(__name__)

STOP, CORRECT, NONE = (LegalTier.STOP_AND_REPORT.value, LegalTier.CORRECT_THEN_REPORT.value, LegalTier.NONE.value)
#: Hours a merchant has to correct a minor violation before it is reported (GSP-NET Art 42 ¶1
#: says "immediately"; a platform may set ``rectification_hours`` in its settings).
DEFAULT_RECTIFICATION_HOURS = 24
#: A listing blocked only because of its merchant's standing is not a violation of its own: the
#: merchant's suspension is, and blocking its listings is the action taken on it.
STANDING_CODES = frozenset({"MERCHANT_SUSPENDED", "MERCHANT_NOT_APPROVED"})
#: Retention (domain.md §1.5): three years at least (ECL Art 31), device validity plus two years
#: (BIZ22 Arts 32, 38), five years without an expiry date, implantables for ever.
FOREVER = datetime(9999, 12, 31, tzinfo=timezone.utc)
IMPLANTABLE_CATEGORIES = frozenset({"12", "13"})  # 2017 catalogue: active and passive implants


def _years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


# --- recording ----------------------------------------------------------------------------------

@decision_recorded.connect
def on_decision_recorded(decision: Decision, session: Session, new_subject: bool = False) -> list:
    """A block or suspension records a violation; an allow or approval corrects the open ones."""
    if decision.subject_type == "listing":
        if decision.outcome == "block":
            return _leave(record_for_listing(session, decision))
        if decision.outcome == "allow":
            return [] if new_subject else _leave(correct_for_subject(session, decision))
    elif decision.subject_type == "merchant":
        if decision.outcome == "suspended":
            return _leave(record_for_merchant(session, decision))
        if decision.outcome == "approved":
            return _leave(correct_for_subject(session, decision))
    return []


def _leave(tasks: list) -> list:
    # record_decision's callers dispatch only the tasks they made: ours go to the sweeper.
    leave_to_sweeper(tasks)
    return tasks


def violation_reasons(decision: Decision) -> list[dict]:
    """The reasons of a decision that make the violation: those that held or blocked it."""
    out = []
    for reason in decision.reasons or ():
        if reason.get("severity") not in ("block", "review"):
            continue
        spec = CODES.get(reason.get("code"))
        out.append({"code": reason.get("code"), "severity": reason.get("severity"),
                    "tier": spec.tier.value if spec else NONE,
                    "message": reason.get("message"), "message_en": reason.get("message_en")})
    return out


def record_for_listing(session: Session, decision: Decision) -> list:
    """The violation of a blocked listing.

    None when the merchant is not approved (pending, rejected): the listing was refused before
    it went on sale, which is the platform's check working, not a violation on the platform.
    A listing blocked because its merchant was suspended joins the merchant's violation when
    that covers its codes (a revoked licence blocks every Class III listing: one violation,
    the merchant's, with the listings' blocks as its decisions).
    """
    reasons = violation_reasons(decision)
    codes = {r["code"] for r in reasons}
    if "MERCHANT_NOT_APPROVED" in codes or not codes - STANDING_CODES and codes:
        return []
    session.flush()  # the listing and its documents may have been added without a flush
    listing = session.get(Listing, decision.subject_id)
    merchant = session.get(Merchant, listing.merchant_id)
    if "MERCHANT_SUSPENDED" in codes:
        for existing in _unresolved(session, "merchant", merchant.id):
            if codes - STANDING_CODES <= set(existing.codes or ()):
                return _add_decision(session, existing, decision)
    reasons = [r for r in reasons if r["code"] not in STANDING_CODES]
    return _record(session, decision, reasons, merchant, listing, listing_documents(session, listing.id))


def _add_decision(session: Session, violation: Violation, decision: Decision) -> list:
    """The same violation found again (a re-check, a sweep, one of the merchant's listings)."""
    violation.decision_ids = [*violation.decision_ids, decision.id]
    append(session, platform_id=violation.platform_id, kind="violation.decision_added",
           subject_type="violation", subject_id=violation.id, actor=decision.decided_by,
           data={"violation_id": violation.id, "decision_id": decision.id, "subject_type": decision.subject_type,
                 "subject_id": decision.subject_id})
    return []


def record_for_merchant(session: Session, decision: Decision) -> list:
    """The violation of a suspended merchant."""
    session.flush()
    merchant = session.get(Merchant, decision.subject_id)
    return _record(session, decision, violation_reasons(decision), merchant, None,
                   merchant_documents(session, merchant.id))


def _unresolved(session: Session, subject_type: str, subject_id: str) -> list[Violation]:
    column = Violation.listing_id if subject_type == "listing" else Violation.merchant_id
    return list(session.scalars(select(Violation).where(
        column == subject_id, Violation.subject_type == subject_type,
        Violation.status.in_(ViolationStatus.UNRESOLVED)).order_by(Violation.detected_at, Violation.id)))


def _record(session: Session, decision: Decision, reasons: list[dict], merchant: Merchant, listing: Listing | None,
            documents: list[Document]) -> list:
    codes = sorted({r["code"] for r in reasons})
    subject_id = listing.id if listing is not None else merchant.id
    for existing in _unresolved(session, decision.subject_type, subject_id):
        if set(codes) <= set(existing.codes or ()):
            return _add_decision(session, existing, decision)
    platform = session.get(Platform, decision.platform_id)
    now = decision.decided_at or utcnow()
    tier = worst_tier(r["tier"] for r in reasons)
    province, prefecture = region_levels(merchant.region)
    violation = Violation(id=new_id("vio"), platform_id=platform.id, merchant_id=merchant.id, listing_id=listing.id if listing else None,
                          subject_type=decision.subject_type, region=merchant.region, province=province,
                          prefecture=prefecture, codes=codes, reasons=reasons,
                          tier=tier, violation_type=violation_type_of(codes).key, status=ViolationStatus.OPEN,
                          decision_ids=[decision.id], detected_at=now, updated_at=now)
    bureaus = _route(platform, merchant.region)
    violation.bureaus = bureaus
    violation.bureau_code = bureaus[0]["code"] if bureaus else None
    measure = "listing_blocked" if listing is not None else "merchant_suspended"
    actions = [{"kind": measure, "at": now.isoformat()}]
    if tier == CORRECT:
        hours = _rectification_hours(platform)
        violation.rectification_deadline = now + timedelta(hours=hours)
        actions.append({"kind": "rectification_ordered", "at": now.isoformat(),
                        "deadline": violation.rectification_deadline.isoformat()})
        violation.action = ViolationAction.RECTIFICATION_ORDERED
    elif listing is not None:
        violation.action = ViolationAction.BLOCKED
    elif tier == STOP:
        actions.append({"kind": "service_stopped", "at": now.isoformat()})
        violation.action = ViolationAction.SERVICE_STOPPED
    else:
        violation.action = ViolationAction.SUSPENDED
    violation.actions = actions
    session.add(violation)
    session.flush()  # before the rows that refer to it (no relationship() orders them)
    for code in codes:
        session.add(ViolationCode(violation_id=violation.id, code=code, platform_id=platform.id, detected_at=now))
    append(session, platform_id=platform.id, kind="violation.recorded", subject_type="violation",
           subject_id=violation.id, actor=decision.decided_by,
           data={"violation_id": violation.id, "merchant_id": merchant.id, "listing_id": violation.listing_id,
                 "codes": codes, "tier": tier, "action": violation.action, "status": violation.status,
                 "region": violation.region, "bureau_code": violation.bureau_code,
                 "rectification_deadline": violation.rectification_deadline, "decision_ids": [decision.id]})
    freeze_evidence(session, violation, decision, merchant, listing, documents)
    log.info("violation recorded", extra={"violation_id": violation.id, "tier": tier, "codes": codes})
    if tier == STOP:
        return mark_reported(session, violation, now, actor=decision.decided_by, why="stop_and_report")
    return []


def region_levels(region: str | None) -> tuple[str | None, str | None]:
    """(province, prefecture) codes of a six-digit division code: 440305 -> (440000, 440300)."""
    if not region or len(region) != 6 or not region.isdigit():
        return None, None
    return region[:2] + "0000", region[:4] + "00"


def _route(platform: Platform, seller_region: str | None) -> list[dict]:
    """The bureaus a report of this violation goes to (verifiers/reports/routing.py)."""
    directory = default_directory()
    rule = (platform.settings or {}).get("report_routing", "seller_municipal")
    try:
        if seller_region is None:  # the seller's place is unknown: the platform's provincial bureau
            return [directory.provincial_bureau(platform.region).as_dict()]
        return [b.as_dict() for b in directory.route(seller_region=seller_region, platform_region=platform.region,
                                                     rule=rule)]
    except RoutingError as exc:
        log.warning("no bureau for violation: %s", exc.message)
        return []


def _rectification_hours(platform: Platform) -> float:
    value = (platform.settings or {}).get("rectification_hours", DEFAULT_RECTIFICATION_HOURS)
    try:
        hours = float(value)
    except (TypeError, ValueError):
        hours = DEFAULT_RECTIFICATION_HOURS
    return hours if hours > 0 else DEFAULT_RECTIFICATION_HOURS


# --- evidence -------------------------------------------------------------------------------------

def _listing_fields(listing: Listing) -> dict:
    return {"id": listing.id, "external_id": listing.external_id,
            **{name: getattr(listing, name) for name in LISTING_FIELDS}}


def _merchant_file(merchant: Merchant) -> dict:
    """The seller's file (GSP-NET Art 39) as the platform gave it."""
    return {"id": merchant.id, "external_id": merchant.external_id, "name": merchant.name, "uscc": merchant.uscc,
            "region": merchant.region, "online_sales_filing_number": merchant.online_sales_filing_number,
            "device_classes": list(merchant.device_classes or ()), "profile": dict(merchant.profile or {}),
            "status": merchant.status}


def _document(document: Document) -> dict:
    return {"id": document.id, "sha256": document.sha256, "storage_key": document.storage_key, "size": document.size,
            "media_type": document.media_type, "filename": document.filename, "type": document.type,
            "status": document.status, "fields": document.fields, "ocr": document.ocr,
            "processed_at": document.processed_at}


def _decision(decision: Decision) -> dict:
    return {"id": decision.id, "outcome": decision.outcome, "reasons": decision.reasons,
            "looked_at": decision.looked_at, "registry_version": decision.registry_version,
            "trigger": decision.trigger, "decided_by": decision.decided_by, "decided_at": decision.decided_at}


def evidence_content(evidence: Evidence) -> dict:
    """The fields :attr:`Evidence.sha256` covers."""
    return {"id": evidence.id, "violation_id": evidence.violation_id, "platform_id": evidence.platform_id,
            "captured_at": evidence.captured_at.astimezone(timezone.utc).isoformat(timespec="microseconds"),
            "listing": evidence.listing, "merchant": evidence.merchant, "documents": evidence.documents,
            "registry_records": evidence.registry_records, "decisions": evidence.decisions,
            "retain_until": evidence.retain_until.astimezone(timezone.utc).isoformat(timespec="microseconds")}


def retention_until(captured_at: datetime, registry_rows: list[dict]) -> datetime:
    """How long evidence must be kept (domain.md §1.5): ``max(captured + 3y, expiry + 2y)``, five
    years when no device row has an expiry date, for ever for implantables."""
    if any(str(row.get("category_code") or "")[:2] in IMPLANTABLE_CATEGORIES for row in registry_rows):
        return FOREVER
    until = _years(captured_at, 3)
    expiries = []
    for row in registry_rows:
        value = row.get("valid_until")
        if value:
            try:
                expiries.append(datetime.fromisoformat(str(value)).replace(tzinfo=timezone.utc))
            except ValueError:
                continue
    devices = [row for row in registry_rows if "category_code" in row or row.get("kind") in ("registration", "filing")]
    if devices and not any(row.get("valid_until") for row in devices):
        until = max(until, _years(captured_at, 5))
    for expiry in expiries:
        until = max(until, _years(expiry, 2))
    return until


def freeze_evidence(session: Session, violation: Violation, decision: Decision, merchant: Merchant,
                    listing: Listing | None, documents: list[Document]) -> Evidence:
    """Copy what the violation rests on into an evidence record, keep its documents, and enter
    its SHA-256 in the audit chain."""
    looked_at = decision.looked_at or {}
    rows = list(looked_at.get("registry") or ())
    captured = decision.decided_at or utcnow()
    evidence = Evidence(id=new_id("evd"), violation_id=violation.id, platform_id=violation.platform_id, captured_at=captured,
                        listing=plain_json(_listing_fields(listing)) if listing is not None else None,
                        merchant=plain_json(_merchant_file(merchant)), documents=plain_json([_document(d) for d in documents]),
                        registry_records=plain_json({"registry_version": decision.registry_version,
                                         "snapshot_ids": sorted({r["snapshot_id"] for r in rows if r.get("snapshot_id")}),
                                         "rows": rows}),
                        decisions=plain_json([_decision(decision)]), retain_until=retention_until(captured, rows))
    evidence.sha256 = content_hash(evidence_content(evidence))
    session.add(evidence)
    for document in documents:
        if document.retain_until is None or document.retain_until < evidence.retain_until:
            document.retain_until = evidence.retain_until
    append(session, platform_id=violation.platform_id, kind="evidence.frozen", subject_type="evidence",
           subject_id=evidence.id, actor=decision.decided_by,
           data={"evidence_id": evidence.id, "violation_id": violation.id, "sha256": evidence.sha256,
                 "documents": [{"id": d.id, "sha256": d.sha256} for d in documents],
                 "retain_until": evidence.retain_until})
    return evidence


register_subject_check("evidence.frozen", hashed_rows_check(
    Evidence, "evidence_id", lambda evidence: content_hash(evidence_content(evidence)), "证据", "evidence"))
register_coverage_check(CoverageCheck("evidence.frozen", Evidence, "evidence_id", Evidence.captured_at, "证据",
                                      "evidence"))




# --- reporting, correction, escalation ------------------------------------------------------------------

def mark_reported(session: Session, violation: Violation, now: datetime, *, actor: str, why: str) -> list:
    """The violation is now owed to (and reported to) its bureau: record it, tell the platform
    (``violation.reported``) and the reports area (:data:`violation_reported`); returns tasks."""
    violation.status = ViolationStatus.REPORTED
    violation.reported_at = now
    violation.actions = [*violation.actions, {"kind": "reported", "at": now.isoformat()}]
    violation.updated_at = now
    append(session, platform_id=violation.platform_id, kind="violation.reported", subject_type="violation",
           subject_id=violation.id, actor=actor,
           data={"violation_id": violation.id, "why": why, "bureau_code": violation.bureau_code, "at": now})
    tasks = emit(session, violation.platform_id, "violation.reported", webhook_payload(violation))
    for _, returned in violation_reported.send(violation, session=session):
        tasks += list(returned or ())
    return tasks


def webhook_payload(violation: Violation) -> dict:
    """Ids and outcomes, no personal data (design §5)."""
    return {"violation_id": violation.id, "merchant_id": violation.merchant_id, "listing_id": violation.listing_id,
            "status": violation.status, "tier": violation.tier, "action": violation.action,
            "reason_codes": list(violation.codes), "violation_type": violation.violation_type,
            "bureau_code": violation.bureau_code, "decision_ids": list(violation.decision_ids),
            "reported_at": violation.reported_at.isoformat() if violation.reported_at else None}


def correct_for_subject(session: Session, decision: Decision) -> list:
    """A later decision allowed the listing or approved the merchant: its open violations are
    corrected, and reported ones closed (the bureau already has them; the correction is recorded)."""
    if decision.subject_type == "listing":
        # The listing hot path: a listing whose last outcome was allow has nothing open (that
        # allow corrected it), so most decisions need no look-up at all. record_decision runs
        # before the caller sets the new outcome, so ``outcome`` here is the previous one.
        listing = session.identity_map.get(identity_key(Listing, decision.subject_id))
        if listing is not None and listing.outcome == "allow":
            return []
        if listing is None and any(type(o) is Listing and o.id == decision.subject_id for o in session.new):
            return []  # created in this transaction: nothing can be open against it yet
    with session.no_autoflush:  # one indexed look-up, no flush of the caller's rows
        violations = _unresolved(session, decision.subject_type, decision.subject_id)
    for violation in violations:
        now = decision.decided_at or utcnow()
        previous = violation.status
        violation.status = ViolationStatus.CORRECTED if previous == ViolationStatus.OPEN else ViolationStatus.CLOSED
        violation.corrected_at = now
        if violation.status == ViolationStatus.CLOSED:
            violation.closed_at = now
        violation.correction_decision_id = decision.id
        violation.updated_at = now
        append(session, platform_id=violation.platform_id, kind=f"violation.{violation.status}",
               subject_type="violation", subject_id=violation.id, actor=decision.decided_by,
               data={"violation_id": violation.id, "decision_id": decision.id, "previous_status": previous})
    return []


def escalate_overdue(session: Session, now: datetime | None = None, *, limit: int | None = None,
                     reported: list[str] | None = None) -> list:
    """Report every correct-then-report violation whose rectification deadline has passed
    uncorrected (GSP-NET Art 42 ¶1); returns the tasks to dispatch after commit. The ids of
    the violations reported are appended to ``reported`` when given."""
    now = now or utcnow()
    query = (select(Violation).where(Violation.status == ViolationStatus.OPEN, Violation.tier == CORRECT,
                                     Violation.rectification_deadline <= now)
             .order_by(Violation.rectification_deadline, Violation.id).with_for_update(skip_locked=True))
    if limit:
        query = query.limit(limit)
    tasks = []
    for violation in session.scalars(query):
        tasks += mark_reported(session, violation, now, actor="system:escalation", why="rectification_overdue")
        if reported is not None:
            reported.append(violation.id)
    return tasks


# --- reading ----------------------------------------------------------------------------------------

#: The most rows one page may hold.
MAX_PAGE_SIZE = 200


def _encode_cursor(moment: datetime, ident: str) -> str:
    raw = json.dumps([moment.astimezone(timezone.utc).isoformat(timespec="microseconds"), ident])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        moment, ident = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = datetime.fromisoformat(moment)
        if moment.tzinfo is None or not isinstance(ident, str):
            raise ValueError(cursor)
        return moment, ident
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise field_error("query", "cursor", "分页游标无效，请使用上一页返回的游标",
                          "Invalid cursor: use the one the previous page returned") from None


def list_violations(session: Session, platform_id: str, *, status: str | None = None, tier: str | None = None,
                    region: str | None = None, merchant_id: str | None = None, listing_id: str | None = None,
                    code: str | None = None, period: str | None = None, page_size: int = 50,
                    cursor: str | None = None, columns: tuple | None = None) -> tuple[list, str | None]:
    """One page of the platform's violations, newest first, and the cursor of the next page (None
    at the end). Keyset paging on (detected_at, id), so a page costs the same at row 1,000,000
    as at row 1: each filter is an equality on an index ending in (detected_at, id); a ``code``
    filter walks the violation_codes index. ``region``: a province code covers its cities and
    districts, a prefecture code its districts (design §5). ``period``: 2026-11, 2026-Q4, 2026
    (Beijing time, verifiers/reports/periods.py).

    ``columns``: rows of these columns (Core rows, no ORM objects; they must include ``id`` and
    ``detected_at``) instead of Violations, for a caller that only prints them."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    selected = select(*columns) if columns else select(Violation)
    if code:
        order = (ViolationCode.detected_at, ViolationCode.violation_id)
        query = (selected.join(ViolationCode, ViolationCode.violation_id == Violation.id)
                 .where(ViolationCode.platform_id == platform_id, ViolationCode.code == code))
    else:
        order = (Violation.detected_at, Violation.id)
        query = selected.where(Violation.platform_id == platform_id)
    if status:
        query = query.where(Violation.status == status)
    if tier:
        query = query.where(Violation.tier == tier)
    if merchant_id:
        query = query.where(Violation.merchant_id == merchant_id)
    if listing_id:
        query = query.where(Violation.listing_id == listing_id)
    if region:
        try:
            prefix = region_prefix(region)
        except RoutingError:
            raise field_error("query", "region", f"行政区划代码应为6位数字：{region}",
                              f"A division code has 6 digits: {region}") from None
        column = {2: Violation.province, 4: Violation.prefecture}.get(len(prefix), Violation.region)
        query = query.where(column == region)
    if period:
        try:
            span = parse_period(period)
        except PeriodError as exc:
            raise field_error("query", "period", exc.message, exc.message) from None
        query = query.where(order[0] >= span.start_at, order[0] < span.end_at)
    if cursor:
        moment, ident = _decode_cursor(cursor)
        query = query.where(tuple_(*order) < tuple_(moment, ident))
    query = query.order_by(order[0].desc(), order[1].desc()).limit(page_size + 1)
    rows = list(session.connection().execute(query) if columns else session.scalars(query))
    more = len(rows) > page_size
    rows = rows[:page_size]
    return rows, (_encode_cursor(rows[-1].detected_at, rows[-1].id) if more else None)


def get_violation(session: Session, platform_id: str, violation_id: str) -> Violation:
    """The platform's violation; another platform's answers as if it did not exist."""
    violation = session.get(Violation, violation_id)
    if violation is None or violation.platform_id != platform_id:
        raise NotFound(f"违法违规记录 {violation_id} 不存在", f"No violation {violation_id}")
    return violation


def evidence_of(session: Session, violation_id: str) -> list[Evidence]:
    return list(session.scalars(select(Evidence).where(Evidence.violation_id == violation_id)
                                .order_by(Evidence.captured_at, Evidence.id)))
