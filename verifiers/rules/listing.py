"""Listing rules: may this product be offered by this merchant, as described?

Platform duties: check each product's registration or filing (REG21 Art 46; GSP-NET
Arts 23, 31(3), 41) and what the page says (GSP-NET Arts 12-13; Advertising Law).
Every applicable reason is reported.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from verifiers.catalogue import category_name
from verifiers.claims import screen
from verifiers.identifiers import IdentifierError, identify, lookup_key
from verifiers.registry.records import DeviceRecord
from verifiers.rules.codes import STATUS_NAMES
from verifiers.rules.facts import DocumentFacts, Holding, ListingClaim, Policy, Registry
from verifiers.rules.focus import focus_categories
from verifiers.rules.model import Reason, bilingual, listing_outcome, reason
from verifiers.rules.names import DIFFERENT, SAME, compare_names
from verifiers.rules.notices import missing_notices
from verifiers.rules.products import compare_products, model_listed

CERTIFICATE_TYPES = ("registration_certificate", "class1_filing")


def merchant_standing(status: str) -> list[Reason]:
    """MERCHANT_SUSPENDED / MERCHANT_NOT_APPROVED: only approved merchants may list."""
    if status == "suspended":
        return [reason("MERCHANT_SUSPENDED", evidence={"merchant_status": status})]
    if status != "approved":
        return [reason("MERCHANT_NOT_APPROVED", status=status, evidence={"merchant_status": status})]
    return []


def registration_number(listing: ListingClaim) -> list[Reason]:
    """REGNO_INVALID: the number given is a current-format registration or Class I filing number."""
    number = (listing.registration_number or "").strip()
    if not number:
        return [reason("REGNO_INVALID", field="registration_number", number="—",
                       detail=("未填写注册证/备案编号", "no number given"))]
    try:
        parsed = identify(number, allow_legacy=False)
    except IdentifierError as exc:
        return [reason("REGNO_INVALID", field="registration_number", number=number, detail=bilingual(exc.message),
                       evidence={"number": number, "reason": exc.reason})]
    if parsed.kind not in ("registration", "filing"):
        return [reason("REGNO_INVALID", field="registration_number", number=number,
                       detail=("这是许可证或备案凭证编号，不是产品注册证/备案编号",
                               "that is a licence number, not a product registration or filing"),
                       evidence={"number": number, "kind": parsed.kind})]
    return []


def registration_in_force(device: DeviceRecord, policy: Policy) -> list[Reason]:
    """REGNO_CANCELLED / REGNO_EXPIRED: the registration is active and in date."""
    evidence = {"registry": device.canonical()}
    if device.status in ("cancelled", "revoked"):
        return [reason("REGNO_CANCELLED", number=device.number, status_zh=STATUS_NAMES[device.status],
                       status=device.status, evidence=evidence)]
    if device.valid_until is not None and device.valid_until < policy.today:
        return [reason("REGNO_EXPIRED", number=device.number, valid_until=device.valid_until.isoformat(),
                       evidence=evidence)]
    return []


def product_matches(listing: ListingClaim, device: DeviceRecord) -> list[Reason]:
    """PRODUCT_MISMATCH: the listed product is the certificate's product (tolerant of
    model suffixes and brackets, strict on the kind of product). The title is checked
    too, for a different kind of product only (titles carry marketing words), and only
    when the product name itself raised nothing."""
    for field_name, listed in (("product_name", listing.product_name), ("title", listing.title)):
        if not listed:
            continue
        verdict = compare_products(listed, device.product_name)
        if field_name == "title" and verdict != DIFFERENT:
            continue
        if verdict != SAME:
            return [reason("PRODUCT_MISMATCH", severity="block" if verdict == DIFFERENT else "review",
                           field=field_name, printed=listed, expected=device.product_name,
                           evidence={"listed": listed, "registered": device.product_name, "match": verdict})]
    return []


def model_matches(listing: ListingClaim, device: DeviceRecord) -> list[Reason]:
    """MODEL_MISMATCH: the listed model is among the certificate's models."""
    if model_listed(listing.model, device.models):
        return []
    return [reason("MODEL_MISMATCH", field="model", printed=listing.model, expected="、".join(device.models),
                   evidence={"listed": listing.model, "registered": list(device.models)})]


def class_matches(listing: ListingClaim, device: DeviceRecord) -> list[Reason]:
    """CLASS_MISMATCH: a class stated on the listing agrees with the certificate."""
    if listing.device_class is None or listing.device_class == device.device_class:
        return []
    return [reason("CLASS_MISMATCH", field="device_class", printed=listing.device_class,
                   expected=device.device_class, evidence={"listed": listing.device_class,
                                                           "registered": device.device_class})]


def registrant_matches(listing: ListingClaim, device: DeviceRecord) -> list[Reason]:
    """REGISTRANT_MISMATCH: the manufacturer named is the certificate's registrant.

    For review, not a block: since 2021 a registrant may have its devices made by a
    contract manufacturer (受托生产企业) whose name is on the label too, so a different
    name is a question for a person, not proof of a borrowed certificate."""
    if not listing.manufacturer or not device.registrant:
        return []
    verdict = compare_names(listing.manufacturer, device.registrant)
    if verdict == SAME:
        return []
    return [reason("REGISTRANT_MISMATCH", severity="review", field="manufacturer",
                   printed=listing.manufacturer, expected=device.registrant,
                   evidence={"listed": listing.manufacturer, "registered": device.registrant, "match": verdict})]


def within_scope(device: DeviceRecord, holdings: list[Holding], merchant_uscc: str) -> list[Reason]:
    """CLASS3_REQUIRES_LICENCE / CLASS2_REQUIRES_FILING / LICENCE_SCOPE_EXCLUDES: the merchant
    holds what selling this class requires, and its scope covers the product's category.
    Class I needs nothing; a registrant selling its own product needs nothing either
    (REG21 Art 43) and gets SELF_REGISTRANT for the record."""
    cls, category = device.device_class, device.category_code
    if cls == 1:
        return []
    if device.registrant_uscc and device.registrant_uscc == merchant_uscc.strip().upper():
        return [reason("SELF_REGISTRANT", evidence={"registrant_uscc": device.registrant_uscc})]
    licences = [h for h in holdings if h.kind == "device_business_licence"]
    usable = licences if cls == 3 else licences + [h for h in holdings if h.kind == "class2_business_filing"]
    held = [h.number for h in holdings]
    if not usable:
        return [reason("CLASS3_REQUIRES_LICENCE" if cls == 3 else "CLASS2_REQUIRES_FILING",
                       evidence={"device_class": cls, "held": held})]
    if any(h.covers(cls, category) for h in usable):
        return []
    known = any(h.scope for h in usable)
    return [reason("LICENCE_SCOPE_EXCLUDES", severity="block" if known else "review", device_class=cls,
                   category=category or "?", category_name=(category_name(category), category_name(category, "en")),
                   evidence={"device_class": cls, "category": category,
                             "scopes": {h.number: [list(s) for s in h.scope] for h in usable}})]


def claims_screened(listing: ListingClaim) -> list[Reason]:
    """BANNED_CLAIM: the title and description carry no banned advertising claims."""
    return [reason("BANNED_CLAIM", severity=hit.rule.severity, field="description" if hit.start > len(listing.title)
                   else "title", phrase=hit.phrase, explanation=(hit.rule.explanation_zh, hit.rule.explanation_en),
                   evidence=hit.evidence()) for hit in screen(listing.text)]


def _product_text(listing: ListingClaim, device: DeviceRecord | None) -> str:
    return " ".join(filter(None, (device.product_name if device else None, listing.product_name, listing.title)))


def focus_flags(listing: ListingClaim, device: DeviceRecord | None, policy: Policy) -> list[Reason]:
    """FOCUS_CATEGORY: products regulators watch most closely online."""
    return [reason("FOCUS_CATEGORY", severity=policy.focus_severity.get(f.id, f.severity),
                   category_name=(f.name_zh, f.name_en), evidence={"focus": f.id, "note": f.note})
            for f in focus_categories(_product_text(listing, device))]


def notices_present(listing: ListingClaim, device: DeviceRecord | None, policy: Policy) -> list[Reason]:
    """NOTICE_MISSING: the notices GSP-NET Art 12 requires on the product page."""
    missing = missing_notices(listing.text, _product_text(listing, device))
    if not policy.retail:
        missing = [n for n in missing if n.id != "retail"]
    return [reason("NOTICE_MISSING", severity=policy.notice_severity, notice=(n.text, n.text_en),
                   evidence={"notice": n.id, "required_text": n.text}) for n in missing]


def certificate_documents(listing: ListingClaim, documents: list[DocumentFacts]) -> list[Reason]:
    """CERTIFICATE_MISMATCH / DOC_PENDING: an attached certificate shows the number given."""
    out = []
    claimed = listing.registration_number or ""
    for d in documents:
        if d.status == "processing":
            out.append(reason("DOC_PENDING", severity="info", evidence={"document_id": d.id}))
        elif d.status == "processed" and d.type in CERTIFICATE_TYPES and d.value("number"):
            if lookup_key(d.value("number")) != lookup_key(claimed):
                out.append(reason("CERTIFICATE_MISMATCH", field="registration_number", printed=d.value("number"),
                                  expected=claimed, evidence=dict(d.evidence("number"), expected=claimed)))
    return out


@dataclass
class ListingEvaluation:
    outcome: str
    reasons: list[Reason]
    registry_version: str | None
    device: DeviceRecord | None = None
    looked_at: dict = field(default_factory=dict)


def evaluate_listing(listing: ListingClaim, *, merchant_status: str, merchant_uscc: str, holdings: list[Holding],
                     registry: Registry, policy: Policy, documents: list[DocumentFacts] = ()) -> ListingEvaluation:
    version = registry.version()
    reasons = merchant_standing(merchant_status)
    number_reasons = registration_number(listing)
    reasons += number_reasons
    device, looked_at = None, {"registry": [], "holdings": [h.number for h in holdings]}
    if not number_reasons:
        found = registry.device(listing.registration_number)
        if found is None:
            reasons.append(reason("REGNO_NOT_FOUND", field="registration_number", number=listing.registration_number,
                                  evidence={"number": listing.registration_number}))
        else:
            device = found.record
            looked_at["registry"].append({"snapshot_id": found.snapshot_id, **device.canonical()})
            reasons += registration_in_force(device, policy)
            reasons += product_matches(listing, device)
            reasons += model_matches(listing, device)
            reasons += class_matches(listing, device)
            reasons += registrant_matches(listing, device)
            reasons += within_scope(device, holdings, merchant_uscc)
    reasons += claims_screened(listing)
    reasons += focus_flags(listing, device, policy)
    reasons += notices_present(listing, device, policy)
    reasons += certificate_documents(listing, list(documents))
    return ListingEvaluation(listing_outcome(reasons), reasons, version, device, looked_at)
