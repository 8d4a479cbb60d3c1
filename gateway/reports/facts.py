"""The database, turned into the frozen facts the report forms are built from (verifiers/reports/model).

Read in bulk (a periodic report may cover 100,000 violations): violations in one query, their
evidence, merchants and listings by id in chunks, one MerchantFacts per merchant however many
cases it has. Only the columns a report prints are read.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import orjson
from sqlalchemy import Text, cast, distinct, func, literal_column, select
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


MERCHANT_COLUMNS = (Merchant.id, Merchant.name, Merchant.uscc, Merchant.external_id, Merchant.region,
                    Merchant.profile, Merchant.online_sales_filing_number)


def _merchant_facts(merchant, merchant_id: str) -> MerchantFacts:
    """The seller's file (a Merchant or a row of MERCHANT_COLUMNS); empty for one not found."""
    if merchant is None:
        return MerchantFacts(id=merchant_id, name="", uscc="", external_id="", region="")
    profile = merchant.profile or {}
    name, uscc, external_id, region = merchant.name, merchant.uscc, merchant.external_id, merchant.region
    licences = []
    if merchant.online_sales_filing_number:
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


#: The columns of a violation a report prints (a Row of these, or a Violation, serves).
# JSON columns are read as text and parsed with orjson, several times faster than the json module
# the column type (and psycopg, for jsonb) would use: 100,000 cases, 3 columns each.
VIOLATION_COLUMNS = (Violation.id, Violation.merchant_id, Violation.listing_id,
                     cast(Violation.reasons, Text).label("reasons"), Violation.tier, Violation.violation_type,
                     cast(Violation.actions, Text).label("actions"), Violation.status,
                     cast(Violation.decision_ids, Text).label("decision_ids"), Violation.detected_at,
                     Violation.corrected_at)
_LISTING_KEYS = ("product_name", "title", "model", "registration_number", "external_id", "url")
_PRODUCT_CODES = frozenset({"REGNO_NOT_FOUND", "REGNO_INVALID", "REGNO_EXPIRED", "REGNO_CANCELLED", "PRODUCT_MISMATCH",
                            "MODEL_MISMATCH", "REGISTRANT_MISMATCH", "CLASS_MISMATCH", "CERTIFICATE_MISMATCH"})


def _json(value):
    """A JSON column's value: parsed already (psycopg parses jsonb), or text to parse."""
    return orjson.loads(value) if isinstance(value, (str, bytes)) else value


def _evidence_columns(dialect: str) -> tuple:
    """What a report takes from an evidence record, extracted by the database: the documents'
    SHA-256 (not their OCR output), the registry version (not its rows), the listing's printed
    fields. Reading whole evidence records for 100,000 cases would cost more than rendering them."""
    if dialect == "postgresql":
        def key(column, name):
            return func.jsonb_extract_path_text(column, name)
        hashes = literal_column("(SELECT string_agg(d->>'sha256', ' ') FROM jsonb_array_elements(evidence.documents) d)")
    else:
        def key(column, name):
            return func.json_extract(column, f"$.{name}")
        hashes = literal_column("(SELECT group_concat(json_extract(d.value, '$.sha256'), ' ') "
                                "FROM json_each(evidence.documents) d)")
    # The listing's fields last, in _LISTING_KEYS order: read by position.
    return (Evidence.violation_id, Evidence.sha256, hashes.label("document_hashes"),
            key(Evidence.registry_records, "registry_version").label("registry_version"),
            *(key(Evidence.listing, name).label(f"listing_{name}") for name in _LISTING_KEYS))


def violations_facts(session: Session, rows: Sequence) -> list[ViolationFacts]:
    """ViolationFacts for ``rows`` (Violations, or rows of :data:`VIOLATION_COLUMNS`), with their
    evidence, sellers and products read in bulk."""
    ids = [r.id for r in rows]
    columns = _evidence_columns(session.get_bind().dialect.name)
    evidence: dict[str, tuple] = {}
    for part in _chunks(ids):
        for ev in session.execute(select(*columns).where(Evidence.violation_id.in_(part))
                                  .order_by(Evidence.captured_at)):
            evidence.setdefault(ev.violation_id, ev)
    merchant_ids = sorted({r.merchant_id for r in rows})
    merchants: dict[str, tuple] = {}
    for part in _chunks(merchant_ids):
        merchants.update((m.id, m) for m in session.execute(select(*MERCHANT_COLUMNS).where(Merchant.id.in_(part))))
    # The listing as the evidence froze it; the listing row only where there is no evidence.
    listing_ids = sorted({r.listing_id for r in rows if r.listing_id and r.id not in evidence})
    listings: dict[str, dict] = {}
    for part in _chunks(listing_ids):
        for x in session.scalars(select(Listing).where(Listing.id.in_(part))):
            listings[x.id] = {name: getattr(x, name, None) for name in _LISTING_KEYS}

    merchant_facts: dict[str, MerchantFacts] = {}
    out = []
    for row in rows:
        ev = evidence.get(row.id)
        seller = merchant_facts.get(row.merchant_id)
        if seller is None:
            seller = _merchant_facts(merchants.get(row.merchant_id), row.merchant_id)
            merchant_facts[row.merchant_id] = seller
        snapshot = ev.registry_version if ev else None
        fields = dict(zip(_LISTING_KEYS, ev[4:])) if ev is not None else listings.get(row.listing_id, {})
        raw_reasons = _json(row.reasons) or ()
        reasons = tuple(ReasonFacts(code=r["code"], severity=r.get("severity", "block"), tier=r.get("tier") or "none",
                                    message=r.get("message")) for r in raw_reasons)
        product = None
        if row.listing_id:
            product = ProductFacts(name=fields.get("product_name") or fields.get("title") or "",
                                   model=fields.get("model"), registration_number=fields.get("registration_number"),
                                   registry_match=not any(r.code in _PRODUCT_CODES for r in reasons), snapshot_id=snapshot,
                                   listing_external_id=fields.get("external_id"))
        refs = EvidenceRefs(listing_url=fields.get("url"),
                            document_sha256s=tuple(ev.document_hashes.split()) if ev and ev.document_hashes else (),
                            snapshot_id=snapshot, decision_ids=tuple(_json(row.decision_ids) or ()),
                            chain_hashes=(ev.sha256,) if ev else ())
        out.append(ViolationFacts(id=row.id, detected_at=row.detected_at, merchant=seller, reasons=reasons,
                                  product=product, evidence=refs, actions=_actions(_json(row.actions)),
                                  rectification_status=_rectification(row), status=_STATUS.get(row.status, row.status),
                                  violation_type=row.violation_type or None))
    return out


def period_violations(session: Session, platform_id: str, region: str, period: Period) -> list[ViolationFacts]:
    """The platform's violations detected in ``period`` by sellers inside ``region``."""
    rows = session.execute(
        select(*VIOLATION_COLUMNS).where(
            Violation.platform_id == platform_id, Violation.detected_at >= period.start_at,
            Violation.detected_at < period.end_at, Violation.region.like(region_prefix(region) + "%"),
            Violation.tier != "none")
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
