"""The database, turned into the frozen facts the report forms are built from (verifiers/reports/model).

Read in bulk (a periodic report may cover 100,000 violations): violations in one query, their
evidence, merchants and listings by id in chunks, one MerchantFacts per merchant however many
cases it has. Only the columns a report prints are read.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from gateway.decisions.models import Decision
from gateway.listings.models import Listing
from gateway.merchants.models import Merchant
from gateway.reports.signals import collect_leads
from gateway.tenancy.models import Platform
from gateway.violations.models import Evidence, Violation
from verifiers.reports.model import (ActionFacts, EvidenceRefs, LeadFacts, LicenceRef, MerchantFacts,
                                     PlatformFacts, ProductFacts, ReasonFacts, ViolationFacts)
from verifiers.reports.periods import Period
from verifiers.reports.routing import region_prefix

CHUNK = 1000  # ids per IN (...) query: well under SQLite's and PostgreSQL's parameter limits

#: The violations area's statuses -> the report's (VIOLATION_STATUS_LABELS keys).
_STATUS = {"open": "open", "reported": "reported", "corrected": "rectified", "closed": "closed"}
#: Merchant profile keys -> the licence kinds a report lists (Art 39 file).
_LICENCE_KEYS = ("device_business_licence", "class2_business_filing", "online_sales_filing", "business_licence")


def platform_facts(platform: Platform) -> PlatformFacts:
    """The reporting platform. Its credit code, contact person and phone live in its settings
    (``uscc``, ``contact_person``, ``contact_phone``); missing ones print empty."""
    settings = platform.settings or {}
    return PlatformFacts(name=platform.name, uscc=settings.get("uscc") or "", filing_number=platform.filing_number or "",
                         region=platform.region, contact_person=settings.get("contact_person") or "",
                         contact_phone=settings.get("contact_phone"))


def _aware(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _merchant_facts(merchant: Merchant | None, merchant_id: str, snapshot: dict) -> MerchantFacts:
    """The seller's file: the merchant row as it is, or, for one since deleted, the evidence's copy."""
    source = snapshot or {}
    if merchant is not None:
        profile = merchant.profile or {}
        name, uscc, external_id, region = merchant.name, merchant.uscc, merchant.external_id, merchant.region
    else:
        profile = source.get("profile") or {}
        name, uscc = source.get("name", ""), source.get("uscc", "")
        external_id, region = source.get("external_id", ""), source.get("region")
    licences = []
    if merchant is not None and merchant.online_sales_filing_number:
        licences.append(LicenceRef("online_sales_filing", merchant.online_sales_filing_number))
    for key in _LICENCE_KEYS:
        number = profile.get(f"{key}_number")
        if number and not any(ref.kind == key for ref in licences):
            licences.append(LicenceRef(key, number))
    return MerchantFacts(id=merchant_id, name=name or "", uscc=uscc or "", external_id=external_id or "",
                         region=region or "", address=profile.get("address"), shop_name=profile.get("shop_name"),
                         shop_url=profile.get("shop_url"), licences=tuple(licences))


def _rectification(row: Violation) -> str:
    if row.status in ("corrected", "closed") and row.corrected_at is not None:
        return "rectified"
    if row.tier == "correct_then_report":
        return "overdue" if row.status == "reported" else "pending"
    return "not_required"


def _actions(items: list) -> tuple[ActionFacts, ...]:
    out = []
    for item in items or ():
        at = _aware(item.get("at"))
        if at is None:
            continue
        out.append(ActionFacts(kind=item["kind"], at=at, deadline=_aware(item.get("deadline")), note=item.get("note")))
    return tuple(out)


def violations_facts(session: Session, rows: Sequence[Violation]) -> list[ViolationFacts]:
    """ViolationFacts for ``rows``, with their evidence, sellers and products read in bulk."""
    ids = [r.id for r in rows]
    evidence: dict[str, tuple] = {}
    for part in _chunks(ids):
        for ev in session.execute(select(Evidence.violation_id, Evidence.sha256, Evidence.documents, Evidence.registry_records,
                                         Evidence.listing, Evidence.merchant)
                                  .where(Evidence.violation_id.in_(part)).order_by(Evidence.captured_at)):
            evidence.setdefault(ev.violation_id, ev)
    merchant_ids = sorted({r.merchant_id for r in rows})
    merchants: dict[str, Merchant] = {}
    for part in _chunks(merchant_ids):
        merchants.update((m.id, m) for m in session.scalars(select(Merchant).where(Merchant.id.in_(part))))
    listing_ids = sorted({r.listing_id for r in rows if r.listing_id})
    listings: dict[str, Listing] = {}
    for part in _chunks(listing_ids):
        listings.update((x.id, x) for x in session.scalars(select(Listing).where(Listing.id.in_(part))))

    merchant_facts: dict[str, MerchantFacts] = {}
    out = []
    for row in rows:
        ev = evidence.get(row.id)
        seller = merchant_facts.get(row.merchant_id)
        if seller is None:
            seller = _merchant_facts(merchants.get(row.merchant_id), row.merchant_id, ev.merchant if ev else {})
            merchant_facts[row.merchant_id] = seller
        registry = (ev.registry_records if ev else None) or {}
        snapshot = registry.get("registry_version") or next(iter(registry.get("snapshot_ids") or ()), None)
        product = None
        if row.listing_id:
            listing = listings.get(row.listing_id)
            fields = (ev.listing if ev else None) or {}
            codes = set(row.codes or ())
            product_codes = {"REGNO_NOT_FOUND", "REGNO_INVALID", "REGNO_EXPIRED", "REGNO_CANCELLED", "PRODUCT_MISMATCH",
                             "MODEL_MISMATCH", "REGISTRANT_MISMATCH", "CLASS_MISMATCH", "CERTIFICATE_MISMATCH"}
            product = ProductFacts(
                name=fields.get("product_name") or fields.get("title") or (listing.title if listing else ""),
                model=fields.get("model") or (listing.model if listing else None),
                registration_number=fields.get("registration_number") or (listing.registration_number if listing
                                                                          else None),
                registry_match=not (codes & product_codes), snapshot_id=snapshot,
                listing_external_id=fields.get("external_id") or (listing.external_id if listing else None))
        listing_url = ((ev.listing or {}).get("url") if ev else None) or (
            listings[row.listing_id].url if row.listing_id in listings else None)
        refs = EvidenceRefs(listing_url=listing_url,
                            document_sha256s=tuple(d["sha256"] for d in ((ev.documents if ev else None) or ())
                                                   if d.get("sha256")),
                            snapshot_id=snapshot, decision_ids=tuple(row.decision_ids or ()),
                            chain_hashes=(ev.sha256,) if ev else ())
        reasons = tuple(ReasonFacts(code=r["code"], severity=r.get("severity", "block"), tier=r.get("tier") or "none",
                                    message=r.get("message")) for r in (row.reasons or ()))
        out.append(ViolationFacts(id=row.id, detected_at=row.detected_at, merchant=seller, reasons=reasons,
                                  product=product, evidence=refs, actions=_actions(row.actions),
                                  rectification_status=_rectification(row), status=_STATUS.get(row.status, row.status),
                                  violation_type=row.violation_type or None))
    return out


def period_violations(session: Session, platform_id: str, region: str, period: Period) -> list[ViolationFacts]:
    """The platform's violations detected in ``period`` by sellers inside ``region``."""
    rows = session.scalars(
        select(Violation).where(Violation.platform_id == platform_id,
                                Violation.detected_at >= period.start_at, Violation.detected_at < period.end_at,
                                Violation.region.like(region_prefix(region) + "%"), Violation.tier != "none")
        .order_by(Violation.detected_at, Violation.id)).all()
    return violations_facts(session, rows)


def merchants_checked(session: Session, platform_id: str, region: str, period: Period) -> int:
    """监督检查企业数: the sellers in ``region`` whose qualifications the platform decided on in the
    period (onboarding, re-verification, expiry sweeps: every merchant decision counts once)."""
    return session.scalar(
        select(func.count(distinct(Decision.subject_id)))
        .join(Merchant, Merchant.id == Decision.subject_id)
        .where(Decision.platform_id == platform_id, Decision.subject_type == "merchant",
               Decision.decided_at >= period.start_at, Decision.decided_at < period.end_at,
               Merchant.region.like(region_prefix(region) + "%"))) or 0


def period_leads(session: Session, platform_id: str, period: Period) -> list[LeadFacts]:
    """The leads (线索) of the period, from whichever area answers :data:`collect_leads`."""
    leads: list[LeadFacts] = []
    for _receiver, result in collect_leads.send(platform_id, session=session, period=period):
        leads.extend(result or ())
    return leads
