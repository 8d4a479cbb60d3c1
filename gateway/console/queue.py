"""The review queue: what the machine could not decide, or decided against, that no person
has looked at since.

A merchant is in the queue while it is ``needs_review`` or ``rejected`` by the rules, a
listing while it is in ``review`` or ``block`` by the rules; a person's decision takes it
out (until the machine decides it again, e.g. after new documents). An open violation (one
waiting for its correction) is in the queue until it is corrected or reported. Oldest
first: a case waits from its machine decision, a violation from its detection.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Text, cast, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from gateway.console.accounts import Staff
from gateway.console.models import CaseClaim
from gateway.db import utcnow
from gateway.decisions.models import Decision
from gateway.listings.models import Listing
from gateway.merchants.models import Merchant
from gateway.tenancy.models import Platform
from gateway.violations.models import Violation, ViolationCode

MACHINE = "rules"
#: status filter value -> (kind, status); listing outcomes and merchant statuses differ.
STATUSES = {"needs_review": ("merchant", "needs_review"), "rejected": ("merchant", "rejected"),
            "review": ("listing", "review"), "block": ("listing", "block"), "open": ("violation", "open")}
KINDS = ("merchant", "listing", "violation")
AGES = (1, 3, 7, 30)
PAGE_SIZE = 25


@dataclass(frozen=True)
class QueueFilter:
    kind: str | None = None
    status: str | None = None
    code: str | None = None
    region: str | None = None
    #: Only cases waiting at least this many days.
    min_age_days: int | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args) -> QueueFilter:
        def number(name):
            value = (args.get(name) or "").strip()
            return int(value) if value.isdigit() and len(value) < 7 else None

        code = (args.get("code") or "").strip().upper()
        region = (args.get("region") or "").strip()
        return cls(kind=args.get("kind") if args.get("kind") in KINDS else None,
                   status=args.get("status") if args.get("status") in STATUSES else None,
                   code=code if code.replace("_", "").isalnum() and len(code) <= 40 else None,
                   region=region if region.isdigit() and len(region) == 6 else None,
                   min_age_days=number("age"), page=max(1, number("page") or 1))


@dataclass
class QueueRow:
    kind: str
    id: str
    platform_id: str
    platform_name: str
    title: str
    status: str
    region: str | None
    waiting_since: datetime
    codes: list[str] = field(default_factory=list)
    claimed_by: str | None = None

    @property
    def waiting_days(self) -> int:
        return (utcnow() - self.waiting_since).days


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int


def region_prefix(region: str) -> str:
    """A division code covers the codes under it: 440000 -> 44, 440300 -> 4403."""
    prefix = region
    while prefix.endswith("00") and len(prefix) > 2:
        prefix = prefix[:-2]
    return prefix


def _has_code(code: str):
    # Both backends write JSON objects as {"code": "X", ...} (SQLite: json.dumps; PostgreSQL:
    # jsonb's text form); reason codes are A-Z and _, so the match cannot be mistaken.
    text = cast(Decision.reasons, Text)
    return or_(text.like(f'%"code": "{code}"%'), text.like(f'%"code":"{code}"%'))


_STATE = {"merchant": Merchant.status, "listing": Listing.outcome, "violation": Violation.status}


def _selects(staff: Staff, flt: QueueFilter):
    merchants = (select(literal("merchant").label("kind"), Merchant.id.label("id"),
                        Merchant.platform_id.label("platform_id"), Merchant.name.label("title"),
                        Merchant.status.label("status"), Merchant.region.label("region"),
                        Decision.decided_at.label("waiting_since"), Decision.reasons.label("reasons"))
                 .join(Decision, Decision.id == Merchant.decision_id)
                 .where(Merchant.status.in_(("needs_review", "rejected")), Decision.decided_by == MACHINE,
                        staff.sees(Merchant.platform_id)))
    listings = (select(literal("listing").label("kind"), Listing.id.label("id"),
                       Listing.platform_id.label("platform_id"), Listing.title.label("title"),
                       Listing.outcome.label("status"), Merchant.region.label("region"),
                       Decision.decided_at.label("waiting_since"), Decision.reasons.label("reasons"))
                .join(Decision, Decision.id == Listing.decision_id)
                .join(Merchant, Merchant.id == Listing.merchant_id)
                .where(Listing.outcome.in_(("review", "block")), Decision.decided_by == MACHINE,
                       staff.sees(Listing.platform_id)))
    violations = (select(literal("violation").label("kind"), Violation.id.label("id"),
                         Violation.platform_id.label("platform_id"),
                         func.coalesce(Listing.title, Merchant.name).label("title"), Violation.status.label("status"),
                         Violation.region.label("region"), Violation.detected_at.label("waiting_since"),
                         Violation.reasons.label("reasons"))
                  .join(Merchant, Merchant.id == Violation.merchant_id)
                  .outerjoin(Listing, Listing.id == Violation.listing_id)
                  .where(Violation.status == "open", staff.sees(Violation.platform_id)))
    out = {"merchant": merchants, "listing": listings, "violation": violations}
    for kind, query in list(out.items()):
        if flt.kind and flt.kind != kind:
            del out[kind]
            continue
        if flt.status:
            wanted_kind, status = STATUSES[flt.status]
            if wanted_kind != kind:
                del out[kind]
                continue
            query = query.where(_STATE[kind] == status)
        if flt.code:
            query = query.where(exists().where(ViolationCode.violation_id == Violation.id, ViolationCode.code == flt.code)
                                if kind == "violation" else _has_code(flt.code))
        if flt.region:
            region = Violation.region if kind == "violation" else Merchant.region
            query = query.where(region.like(region_prefix(flt.region) + "%"))
        if flt.min_age_days:
            since = Violation.detected_at if kind == "violation" else Decision.decided_at
            query = query.where(since <= utcnow() - timedelta(days=flt.min_age_days))
        out[kind] = query
    return list(out.values())


def review_queue(session: Session, staff: Staff, flt: QueueFilter) -> QueuePage:
    selects = _selects(staff, flt)
    if not selects:
        return QueuePage([], 0, 1, 1)
    union = union_all(*selects).subquery() if len(selects) > 1 else selects[0].subquery()
    total = session.scalar(select(func.count()).select_from(union))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(flt.page, pages)
    rows = session.execute(select(union).order_by(union.c.waiting_since, union.c.id)
                           .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    names = dict(session.execute(select(Platform.id, Platform.name)
                                 .where(Platform.id.in_({r.platform_id for r in rows}))).all())
    claims = {(c.subject_type, c.subject_id): c.email for c in session.scalars(
        select(CaseClaim).where(CaseClaim.subject_id.in_([r.id for r in rows]), CaseClaim.expires_at > utcnow()))}
    return QueuePage([QueueRow(kind=r.kind, id=r.id, platform_id=r.platform_id, platform_name=names.get(r.platform_id, ""),
                               title=r.title, status=r.status, region=r.region, waiting_since=r.waiting_since,
                               codes=sorted({x.get("code") for x in (r.reasons or []) if x.get("code")}),
                               claimed_by=claims.get((r.kind, r.id))) for r in rows], total, page, pages)
