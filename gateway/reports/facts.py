"""The database, turned into the frozen facts the report forms are built from (verifiers/reports/model).

Read in bulk (a periodic report may cover 100,000 violations): a period's violations joined to their
evidence in one query, as plain tuples; merchants (and listings without evidence) by id in chunks;
one MerchantFacts per merchant however many cases it has. Only the columns a report prints are read.
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


def _rectification(status: str, tier: str, corrected_at) -> str:
    if status in ("corrected", "closed") and corrected_at is not None:
        return "rectified"
    if tier == "correct_then_report":
        return "overdue" if status == "reported" else "pending"
    return "not_required"


def _actions(items: list) -> tuple[ActionFacts, ...]:
    out = []
    for item in items or ():
        at = _aware(item.get("at"))
        if at is None:
            continue
        out.append(ActionFacts(kind=item["kind"], at=at, deadline=_aware(item.get("deadline")), note=item.get("note")))
    return tuple(out)


#: The columns of a violation a report prints, in the order :func:`_build` reads them by position.
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
_NO_EVIDENCE = (None,) * (4 + len(_LISTING_KEYS))  # a row's evidence columns when it has no evidence


def _json(value):
    """A JSON column's value: parsed already (psycopg parses jsonb), or text to parse."""
    return orjson.loads(value) if isinstance(value, (str, bytes)) else value


def _evidence_columns(dialect: str) -> tuple:
    """What a report takes from an evidence record, extracted by the database: the documents'
    SHA-256 (not their OCR output), the registry version (not its rows), the listing's printed
    fields. Reading whole evidence records for 100,000 cases would cost more than rendering them.
    Order: violation id, then the columns :func:`_build` reads by position."""
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


def _merchants(connection, merchant_ids: Iterable[str]) -> dict[str, tuple]:
    merchants: dict[str, tuple] = {}
    for part in _chunks(sorted(set(merchant_ids))):
        merchants.update((m.id, m) for m in connection.execute(select(*MERCHANT_COLUMNS).where(Merchant.id.in_(part))))
    return merchants


def _build(connection, rows: Sequence[tuple]) -> list[ViolationFacts]:
    """ViolationFacts from plain tuples: a violation's :data:`VIOLATION_COLUMNS`, then its first
    evidence record's columns after the violation id (:data:`_NO_EVIDENCE` where it has none).

    A report over 100,000 cases spends its time here, so values that repeat across cases are
    turned into facts once: a seller's file, a set of reasons, a product as listed."""
    merchants = _merchants(connection, (r[1] for r in rows))
    # The listing as the evidence froze it; the listing row only where there is no evidence.
    listing_ids = sorted({r[2] for r in rows if r[2] and r[11] is None})
    listings: dict[str, tuple] = {}
    listing_columns = [getattr(Listing, name) for name in _LISTING_KEYS]
    for part in _chunks(listing_ids):
        for x in connection.execute(select(Listing.id, *listing_columns).where(Listing.id.in_(part))):
            listings[x[0]] = tuple(x[1:])
    no_fields = (None,) * len(_LISTING_KEYS)

    merchant_facts: dict[str, MerchantFacts] = {}
    reasons_of: dict[str, tuple[ReasonFacts, ...]] = {}
    products: dict[tuple, ProductFacts] = {}
    out = []
    append = out.append
    for (vid, merchant_id, listing_id, raw_reasons, tier, violation_type, raw_actions, status, raw_decisions,
         detected_at, corrected_at, chain_hash, document_hashes, snapshot, *fields) in rows:
        seller = merchant_facts.get(merchant_id)
        if seller is None:
            seller = merchant_facts[merchant_id] = _merchant_facts(merchants.get(merchant_id), merchant_id)
        reasons = reasons_of.get(raw_reasons) if isinstance(raw_reasons, str) else None
        if reasons is None:
            reasons = tuple(ReasonFacts(code=r["code"], severity=r.get("severity", "block"),
                                        tier=r.get("tier") or "none", message=r.get("message"))
                            for r in _json(raw_reasons) or ())
            if isinstance(raw_reasons, str):
                reasons_of[raw_reasons] = reasons
        if chain_hash is None:
            fields = listings.get(listing_id, no_fields)
        product = None
        if listing_id:
            match = not any(r.code in _PRODUCT_CODES for r in reasons)
            key = (*fields, snapshot, match)
            product = products.get(key)
            if product is None:
                product_name, title, model, registration_number, external_id, _url = fields
                product = products[key] = ProductFacts(
                    name=product_name or title or "", model=model, registration_number=registration_number,
                    registry_match=match, snapshot_id=snapshot, listing_external_id=external_id)
        refs = EvidenceRefs(listing_url=fields[5], document_sha256s=tuple(document_hashes.split()) if document_hashes else (),
                            snapshot_id=snapshot, decision_ids=tuple(_json(raw_decisions) or ()),
                            chain_hashes=(chain_hash,) if chain_hash is not None else ())
        append(ViolationFacts(id=vid, detected_at=detected_at, merchant=seller, reasons=reasons, product=product,
                              evidence=refs, actions=_actions(_json(raw_actions)),
                              rectification_status=_rectification(status, tier, corrected_at),
                              status=_STATUS.get(status, status), violation_type=violation_type or None))
    return out


def violations_facts(session: Session, rows: Sequence) -> list[ViolationFacts]:
    """ViolationFacts for ``rows`` (Violations, or rows of :data:`VIOLATION_COLUMNS`), with their
    evidence, sellers and products read in bulk."""
    connection = session.connection()
    columns = _evidence_columns(connection.dialect.name)
    evidence: dict[str, tuple] = {}
    ids = [r.id for r in rows]
    for part in _chunks(ids):
        for ev in connection.execute(select(*columns).where(Evidence.violation_id.in_(part))
                                     .order_by(Evidence.captured_at)):
            evidence.setdefault(ev[0], tuple(ev[1:]))
    return _build(connection, [(r.id, r.merchant_id, r.listing_id, r.reasons, r.tier, r.violation_type, r.actions,
                                r.status, r.decision_ids, r.detected_at, r.corrected_at,
                                *evidence.get(r.id, _NO_EVIDENCE)) for r in rows])


def period_violations(session: Session, platform_id: str, region: str, period: Period) -> list[ViolationFacts]:
    """The platform's violations detected in ``period`` by sellers inside ``region``.

    One query, violations joined to their evidence, read as plain tuples (no ORM rows, no id lists
    sent back to the database), in the order of the (platform, detected_at, id) index so that the
    database need not sort 100,000 wide rows: a case's earliest evidence record, the one it
    cites, is picked here."""
    connection = session.connection()
    evidence = _evidence_columns(connection.dialect.name)
    query = (select(*VIOLATION_COLUMNS, *evidence[1:], Evidence.captured_at)
             .select_from(Violation).outerjoin(Evidence, Evidence.violation_id == Violation.id)
             .where(Violation.platform_id == platform_id, Violation.detected_at >= period.start_at,
                    Violation.detected_at < period.end_at, Violation.region.like(region_prefix(region) + "%"),
                    Violation.tier != "none")
             .order_by(Violation.detected_at, Violation.id))
    rows, captured, last = [], None, None
    for row in connection.execute(query):
        if row[0] != last:
            rows.append(row[:-1])
            last, captured = row[0], row[-1]
        elif row[-1] is not None and row[-1] < captured:  # an earlier evidence record of the same case
            rows[-1], captured = row[:-1], row[-1]
    return _build(connection, rows)


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
