"""Monitoring by date: the daily sweep (design §6; GSP-NET Arts 39, 42, 46).

A licence, filing or registration that reaches its expiry date changes nothing in the
registry, so no import re-checks what rests on it. The sweep does, once a day, for the
date it sweeps (China Standard Time by default; ``qingwang monitor run --date`` names
another):

1. ``expiry_merchants``: merchants in standing (approved or in review) whose licence or
   filing on record, or a document's printed validity, expired since the last sweep are
   decided again on that date: LICENCE_EXPIRED / DOC_EXPIRED suspend an approved one;
   its listings are re-checked on the same date and blocked (MERCHANT_SUSPENDED).
2. ``expiry_listings``: listings not blocked whose registration or filing expired since
   the last sweep are decided again (REGNO_EXPIRED).
3. ``reverify``: every approved merchant not verified for six months is verified again
   against the current registry (the Art 39 seller file re-verified at least every six
   months); the decision is written even when nothing changed: it is the record.
4. ``warn_merchants`` / ``warn_listings``: 90, 60 and 30 days before a licence or filing
   of an approved merchant, or the registration of an allowed listing, expires, a
   ``licence.expiring`` / ``registration.expiring`` event; each threshold once.
5. ``escalate``: correct-then-report violations whose rectification deadline passed
   uncorrected are reported (GSP-NET Art 42 ¶1; gateway.violations.services.escalate_overdue).

Only what changed is written (a new decision, its webhook, and through the decision hook
its violation): a sweep run again for the same date finds its run and does nothing, and
what it would re-decide is compared with the current decision first. Each run records
the date before it (``since``), so a day missed is caught up by the next run.

The work goes in chunks read by keyset, each chunk evaluated outside any write
transaction and written in its own short one; a task does a bounded number of chunks
and enqueues its continuation with its progress, so a killed worker resumes there.
"""
from __future__ import annotations

import calendar
import logging
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.db import utcnow
from gateway.documents.models import Document
from gateway.jobs import outbox
from gateway.jobs.names import TaskName
from gateway.jobs.outbox import dispatch_after_commit
from gateway.listings.models import Listing
from gateway.listings.services import recheck
from gateway.merchants.models import Merchant, MerchantDocument
from gateway.merchants.services import reverify, verify
from gateway.monitoring.models import ExpiryWarning, MonitorRun
from gateway.monitoring.rescreen import differing
from gateway.registry.models import RegistryDevice, RegistryEnterprise
from gateway.runtime import Runtime
from gateway.violations.services import escalate_overdue
from gateway.webhooks.services import emit
from verifiers.rules.model import ListingOutcome, MerchantStatus

log = logging.getLogger(__name__)

#: Expiry dates are Chinese calendar dates: the sweep's "today" is China's.
CHINA = ZoneInfo("Asia/Shanghai")
#: Days ahead of an expiry at which a pre-warning goes out, farthest first.
THRESHOLDS = (90, 60, 30)
#: GSP-NET Art 39: the seller file is re-verified at least every six months.
REVERIFY_MONTHS = 6
#: Subjects read and evaluated per chunk, and chunks per task before its continuation.
CHUNK = 200
CHUNKS_PER_TASK = 5
#: Merchant standings the expiry re-decision concerns (a rejected or pending one has
#: nothing to lose; a suspended one is already stopped).
STANDING = (MerchantStatus.APPROVED, MerchantStatus.NEEDS_REVIEW)
#: Document types that print a validity the rules check (DOC_EXPIRED).
DATED_DOCUMENTS = ("device_business_licence", "production_licence", "class2_business_filing",
                   "online_sales_filing", "business_licence")
EVENT_FOR_SUBJECT = {"merchant": "licence.expiring", "listing": "registration.expiring"}


def china_today(now: datetime | None = None) -> date:
    """Today's date in China (the sweep's default date)."""
    return (now or datetime.now(timezone.utc)).astimezone(CHINA).date()


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day when shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def start(runtime: Runtime, day: date | None = None, trigger: str = "manual") -> tuple[MonitorRun, bool]:
    """Start the sweep for ``day`` (default: today in China): (its run, whether it was
    started now). A date already swept, or being swept, returns that run and does nothing."""
    day = day or china_today()
    with runtime.db.session() as session:
        existing = session.scalar(select(MonitorRun).where(MonitorRun.swept_on == day))
        if existing is not None:
            return existing, False
        since = session.scalar(select(MonitorRun.swept_on).where(MonitorRun.swept_on < day)
                               .order_by(MonitorRun.swept_on.desc()).limit(1))
        run = MonitorRun(swept_on=day, since=since, trigger=trigger, status="running", stage=STAGES[0],
                         merchants_seen=0, merchants_changed=0, listings_seen=0, listings_changed=0,
                         merchants_reverified=0, warnings_sent=0, violations_escalated=0, started_at=utcnow())
        try:
            with session.begin_nested():
                session.add(run)
        except IntegrityError:  # another process started this date first
            return session.scalar(select(MonitorRun).where(MonitorRun.swept_on == day)), False
        tasks = [_enqueue(session, run.id, STAGES[0], "")]
        # The same daily tick requests the periodic reports that fell due (gateway/reports/schedule.py;
        # by task name: the reports area sits above this one). Idempotent: each period once.
        tasks.append(outbox.enqueue(session, TaskName.REPORTS_SCHEDULED, {"date": day.isoformat()}))
    dispatch_after_commit(runtime.dispatcher, tasks)
    log.info("monitoring sweep started", extra={"run_id": run.id, "swept_on": day.isoformat(),
                                                "since": since.isoformat() if since else None, "trigger": trigger})
    return run, True


def _enqueue(session: Session, run_id: str, stage: str, after: str):
    return outbox.enqueue(session, TaskName.MONITOR_SWEEP, {"run_id": run_id, "stage": stage, "after": after})


def sweep_step(runtime: Runtime, payload: dict) -> None:
    """One task's share of a stage: up to CHUNKS_PER_TASK chunks, then its continuation,
    the next stage, or the end of the run."""
    run_id, stage, after = payload["run_id"], payload["stage"], payload["after"]
    with runtime.db.read_sessionmaker() as reader:
        run = reader.get(MonitorRun, run_id)
        if run is None or run.status == "done":
            return
        day, since = run.swept_on, run.since
    counts: Counter = Counter()
    finished = False
    for _ in range(CHUNKS_PER_TASK):
        ids = STAGE_WORK[stage](runtime, run_id, day, since, after, counts)
        if ids:
            after = ids[-1]
        if len(ids) < CHUNK:
            finished = True
            break
    following = STAGES[STAGES.index(stage) + 1] if finished and stage != STAGES[-1] else None
    with runtime.db.session() as session:
        values = {name: getattr(MonitorRun, name) + n for name, n in counts.items()}
        if not finished:
            tasks = [_enqueue(session, run_id, stage, after)]
        elif following:
            values["stage"] = following
            tasks = [_enqueue(session, run_id, following, "")]
        else:
            values.update(stage="done", status="done", finished_at=utcnow())
            tasks = []
        session.execute(update(MonitorRun).where(MonitorRun.id == run_id).values(**values))
    dispatch_after_commit(runtime.dispatcher, tasks)
    if finished and not following:
        log.info("monitoring sweep done", extra={"run_id": run_id, "swept_on": day.isoformat()})


# --- what expired ---------------------------------------------------------------------------------------


def _expired_between(column, day: date, since: date | None):
    """Expired on ``day`` but not on ``since``: valid until a date in [since, day)."""
    expired = column < day
    return expired if since is None else and_(expired, column >= since)


def _document_valid_until():
    return Document.fields["valid_until"]["value"].as_string()


def _expiry_merchants(runtime: Runtime, run_id: str, day: date, since: date | None, after: str,
                      counts: Counter) -> list[str]:
    """Merchants in standing holding something that expired since the last sweep, decided
    again on ``day`` (a decision only where the outcome or its reasons change)."""
    on_record = select(RegistryEnterprise.uscc).where(_expired_between(RegistryEnterprise.valid_until, day, since))
    printed = _expired_between(_document_valid_until(), day.isoformat(), since.isoformat() if since else None)
    with_documents = (select(MerchantDocument.merchant_id)
                      .join(Document, Document.id == MerchantDocument.document_id)
                      .where(Document.type.in_(DATED_DOCUMENTS), printed))
    with runtime.db.read_sessionmaker() as reader:
        ids = list(reader.scalars(select(Merchant.id).where(
            Merchant.status.in_(STANDING), Merchant.id > after,
            or_(Merchant.uscc.in_(on_record), Merchant.id.in_(with_documents)))
            .order_by(Merchant.id).limit(CHUNK)))
    for merchant_id in ids:
        if reverify(runtime, merchant_id, "expiry", today=day, only_if_changed=True):
            counts["merchants_changed"] += 1
    counts["merchants_seen"] += len(ids)
    return ids


def _expiry_listings(runtime: Runtime, run_id: str, day: date, since: date | None, after: str,
                     counts: Counter) -> list[str]:
    """Listings not blocked whose registration or filing expired since the last sweep,
    decided again on ``day`` where the outcome or its reasons change."""
    expired = select(RegistryDevice.key).where(_expired_between(RegistryDevice.valid_until, day, since))
    with runtime.db.read_sessionmaker() as reader:
        listings = list(reader.scalars(select(Listing).where(
            Listing.outcome.in_((ListingOutcome.ALLOW, ListingOutcome.REVIEW)), Listing.id > after,
            Listing.registration_key.in_(expired)).order_by(Listing.id).limit(CHUNK)))
        different = differing(runtime, reader, listings, day)
    if different:
        with runtime.db.session() as session:
            tasks = recheck(runtime, session, different, "expiry", today=day)
        dispatch_after_commit(runtime.dispatcher, tasks)
    counts["listings_seen"] += len(listings)
    counts["listings_changed"] += len(different)
    return [li.id for li in listings]


# --- six-monthly re-verification ---------------------------------------------------------------------------


def _reverify(runtime: Runtime, run_id: str, day: date, since: date | None, after: str,
              counts: Counter) -> list[str]:
    """Approved merchants last verified six months or more before ``day`` (on or before the
    same date six months earlier, in China), verified again."""
    cutoff = months_before(day, REVERIFY_MONTHS)
    cutoff_at = datetime.combine(cutoff + timedelta(days=1), time.min, CHINA)
    with runtime.db.read_sessionmaker() as reader:
        ids = list(reader.scalars(select(Merchant.id).where(
            Merchant.status == MerchantStatus.APPROVED, Merchant.id > after,
            Merchant.verified_at.is_(None) | (Merchant.verified_at < cutoff_at),
            Merchant.reverified_on.is_(None) | (Merchant.reverified_on <= cutoff))
            .order_by(Merchant.id).limit(CHUNK)))
    for merchant_id in ids:
        with runtime.db.session() as session:
            merchant = session.get(Merchant, merchant_id, with_for_update=True)
            tasks = verify(runtime, session, merchant, "periodic_reverify", today=day) if merchant else []
            if merchant is not None:
                merchant.reverified_on = day
        dispatch_after_commit(runtime.dispatcher, tasks)
    counts["merchants_reverified"] += len(ids)
    return ids


# --- pre-warnings ------------------------------------------------------------------------------------------


def _warn_merchants(runtime: Runtime, run_id: str, day: date, since: date | None, after: str,
                    counts: Counter) -> list[str]:
    """Licences and filings on record of approved merchants expiring within 90 days."""
    soon = and_(RegistryEnterprise.status == "active", RegistryEnterprise.valid_until >= day,
                RegistryEnterprise.valid_until <= day + timedelta(days=THRESHOLDS[0]))
    with runtime.db.read_sessionmaker() as reader:
        ids = list(reader.scalars(select(Merchant.id).where(
            Merchant.status == MerchantStatus.APPROVED, Merchant.id > after,
            Merchant.uscc.in_(select(RegistryEnterprise.uscc).where(soon)))
            .order_by(Merchant.id).limit(CHUNK)))
        rows = reader.execute(select(Merchant.id, Merchant.platform_id, Merchant.external_id, RegistryEnterprise.kind,
                                     RegistryEnterprise.number, RegistryEnterprise.valid_until)
                              .join(RegistryEnterprise, RegistryEnterprise.uscc == Merchant.uscc)
                              .where(Merchant.id.in_(ids), soon)
                              .order_by(Merchant.id, RegistryEnterprise.number)).all() if ids else []
    expiring = [Expiring("merchant", r.id, r.platform_id, r.kind, r.number, r.valid_until,
                         {"merchant_id": r.id, "external_id": r.external_id}) for r in rows]
    counts["warnings_sent"] += _warn(runtime, run_id, day, expiring)
    return ids


def _warn_listings(runtime: Runtime, run_id: str, day: date, since: date | None, after: str,
                   counts: Counter) -> list[str]:
    """Registrations and filings of allowed listings expiring within 90 days."""
    with runtime.db.read_sessionmaker() as reader:
        rows = reader.execute(select(Listing.id, Listing.platform_id, Listing.external_id, Listing.merchant_id,
                                     RegistryDevice.kind, RegistryDevice.number, RegistryDevice.valid_until)
                              .join(RegistryDevice, RegistryDevice.key == Listing.registration_key)
                              .where(Listing.outcome == ListingOutcome.ALLOW, Listing.id > after,
                                     RegistryDevice.status == "active", RegistryDevice.valid_until >= day,
                                     RegistryDevice.valid_until <= day + timedelta(days=THRESHOLDS[0]))
                              .order_by(Listing.id).limit(CHUNK)).all()
    expiring = [Expiring("listing", r.id, r.platform_id, r.kind, r.number, r.valid_until,
                         {"listing_id": r.id, "external_id": r.external_id, "merchant_id": r.merchant_id})
                for r in rows]
    counts["warnings_sent"] += _warn(runtime, run_id, day, expiring)
    return [r.id for r in rows]


class Expiring:
    """A subject and a licence, filing or registration it relies on that expires soon."""

    __slots__ = ("subject_type", "subject_id", "platform_id", "kind", "number", "valid_until", "ids")

    def __init__(self, subject_type, subject_id, platform_id, kind, number, valid_until, ids):
        self.subject_type, self.subject_id, self.platform_id = subject_type, subject_id, platform_id
        self.kind, self.number, self.valid_until, self.ids = kind, number, valid_until, ids


def _warn(runtime: Runtime, run_id: str, day: date, expiring: list[Expiring]) -> int:
    """Record the thresholds newly passed and send one event per subject and document for
    the nearest of them; returns the events sent."""
    if not expiring:
        return 0
    tasks, sent = [], 0
    with runtime.db.session() as session:
        done = set(session.execute(select(ExpiryWarning.subject_id, ExpiryWarning.number, ExpiryWarning.valid_until,
                                          ExpiryWarning.threshold)
                                   .where(ExpiryWarning.subject_type == expiring[0].subject_type,
                                          ExpiryWarning.subject_id.in_({e.subject_id for e in expiring}))).all())
        # The new rows go in one batch at commit: a flush per event (each event asks
        # whether the platform has an endpoint) would cost a round trip per row.
        with session.no_autoflush:
            for item in expiring:
                days_left = (item.valid_until - day).days
                passed = [t for t in THRESHOLDS if days_left <= t and
                          (item.subject_id, item.number, item.valid_until, t) not in done]
                if not passed:
                    continue
                nearest = min(passed)
                for threshold in passed:
                    session.add(ExpiryWarning(platform_id=item.platform_id, subject_type=item.subject_type,
                                              subject_id=item.subject_id, document_kind=item.kind,
                                              number=item.number, valid_until=item.valid_until, threshold=threshold,
                                              days_left=days_left, sent=threshold == nearest, run_id=run_id,
                                              created_at=utcnow()))
                tasks += emit(session, item.platform_id, EVENT_FOR_SUBJECT[item.subject_type], {
                    **item.ids, "document_kind": item.kind, "number": item.number,
                    "valid_until": item.valid_until.isoformat(), "days_left": days_left, "threshold": nearest})
                sent += 1
    dispatch_after_commit(runtime.dispatcher, tasks)
    return sent


# --- overdue rectifications --------------------------------------------------------------------------------


def _escalate(runtime: Runtime, run_id: str, day: date, since: date | None, after: str,
              counts: Counter) -> list[str]:
    """Report up to a chunk of the correct-then-report violations overdue on ``day`` (now,
    or the start of ``day`` in China when that is later: a sweep run ahead of time)."""
    now = max(utcnow(), datetime.combine(day, time.min, CHINA))
    reported: list[str] = []
    with runtime.db.session() as session:
        tasks = escalate_overdue(session, now, limit=CHUNK, reported=reported)
    dispatch_after_commit(runtime.dispatcher, tasks)
    counts["violations_escalated"] += len(reported)
    return reported


STAGE_WORK: dict[str, Callable[..., list[str]]] = {
    "expiry_merchants": _expiry_merchants,
    "expiry_listings": _expiry_listings,
    "reverify": _reverify,
    "warn_merchants": _warn_merchants,
    "warn_listings": _warn_listings,
    "escalate": _escalate,
}
STAGES = tuple(STAGE_WORK)
