"""Listing rules: may this product be offered by this merchant, as described?

Platform duties: check each product's registration or filing (REG21 Art 46; GSP-NET
Arts 23, 31(3), 41) and what the page says (GSP-NET Arts 12-13; Advertising Law).
Every applicable reason is reported.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from verifiers.catalogue import category_name
from verifiers.claims import ClaimList, default_list, screen
from verifiers.coverage import COVERED, EXCLUDED, UNDETERMINED
from verifiers.identifiers import IdentifierError, identify, lookup_key
from verifiers.registry.records import DeviceRecord
from verifiers.rules.codes import STATUS_NAMES
from verifiers.rules.exempt import exempt_entry
from verifiers.rules.facts import DocumentFacts, Holding, ListingClaim, Policy, Registry
from verifiers.rules.focus import focus_categories
from verifiers.rules.model import Reason, bilingual, listing_outcome, reason
from verifiers.rules.names import DIFFERENT, SAME, compare_names
from verifiers.rules.notices import missing_notices
from verifiers.rules.products import compare_products, model_listed
from verifiers.rules.undeclared import device_marker

CERTIFICATE_TYPES = ("registration_certificate", "class1_filing")


def merchant_standing(status: str) -> list[Reason]:
    """MERCHANT_SUSPENDED / MERCHANT_NOT_APPROVED: only approved merchants may list."""
    if status == "suspended":
        return [reason("MERCHANT_SUSPENDED", evidence={"merchant_status": status})]
    if status != "approved":
        return [reason("MERCHANT_NOT_APPROVED", status=status, evidence={"merchant_status": status})]
    return []


def undeclared_device(listing: ListingClaim) -> list[Reason]:
    """UNDECLARED_DEVICE (GSP-NET Arts 12(1), 41(2), 42 ¶2): a listing that gives no registration
    or filing number but describes a medical device (械字号, 医用冷敷贴, 美瞳, 血糖仪 …, or a
    class given): a device sold under another category. A listing that describes no device
    is an ordinary product, and only its claims are screened."""
    if (listing.registration_number or "").strip():
        return []
    marker = device_marker(f"{listing.title}\n{listing.product_name or ''}\n{listing.description}")
    if marker is None and listing.device_class is None:
        return []
    marker = marker or f"第{listing.device_class}类"
    return [reason("UNDECLARED_DEVICE", field="registration_number", marker=marker,
                   evidence={"marker": marker, "device_class": listing.device_class})]


def registration_number(listing: ListingClaim) -> list[Reason]:
    """REGNO_INVALID: the number given is a current-format registration or Class I filing number
    (a listing with no number at all is :func:`undeclared_device`'s)."""
    number = (listing.registration_number or "").strip()
    if not number:
        return []
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
    """REGNO_CANCELLED / REGNO_EXPIRED: the registration is active and in date.

    Cancelled (注销) and revoked (吊销/撤销) registrations both block: a cancelled device may not
    be sold (REG21 Art 66: 被注销医疗器械注册证…的医疗器械不得继续…经营、使用) and a revoked one
    is unregistered. An expired one is different: REGM Art 112 counts a device made while the
    certificate was valid as registered, so its remaining stock may still be sold (until the
    device's own expiry, REG21 Art 55); whether this stock is such is a question of its
    production date, which the listing does not carry, so it goes to review asking for it."""
    evidence = {"registry": device.canonical()}
    if device.status in ("cancelled", "revoked"):
        return [reason("REGNO_CANCELLED", number=device.number, status_zh=STATUS_NAMES[device.status],
                       status=device.status, evidence=evidence)]
    if device.valid_until is not None and device.valid_until < policy.today:
        return [reason("REGNO_EXPIRED", number=device.number, valid_until=device.valid_until.isoformat(),
                       evidence=dict(evidence, ask="production_date",
                                     made_before=device.valid_until.isoformat()))]
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


def device_category(device: DeviceRecord) -> str | None:
    """The device's category: the registry's, else what its number tells with certainty
    (``6864`` from a pre-2018 number's 64, ``16`` from a 2019 one; never a guess)."""
    if device.category_code:
        return device.category_code
    try:
        return identify(device.number).catalogue_code
    except IdentifierError:
        return None


def within_scope(device: DeviceRecord, holdings: list[Holding], merchant_uscc: str) -> list[Reason]:
    """CLASS3_REQUIRES_LICENCE / CLASS2_REQUIRES_FILING / LICENCE_SCOPE_EXCLUDES / SCOPE_UNDETERMINED /
    CLASS2_FILING_EXEMPT / SELF_REGISTRANT: the merchant holds what selling this class requires,
    and its scope covers the product's category.

    Class I needs nothing (BIZ22 Art 4). The registrant selling its own product needs nothing
    either (REG21 Art 43; BIZ22 Art 27): that is the device's registrant_uscc being the
    merchant's credit code, not any production licence, which a contract manufacturer holds
    too. Class III needs the business licence (REG21 Art 42); Class II the Class II business
    filing, a licence beside it notwithstanding (REG21 Art 41; BIZ22 Arts 4, 21, 23), unless the
    product is on NMPA's exempt list (REG21 Art 41 ¶2; BIZ22 Art 25). A category the scope
    does not clearly cover or exclude goes to review, never through on class alone."""
    cls, category = device.device_class, device_category(device)
    if cls == 1:
        return []
    if device.registrant_uscc and device.registrant_uscc == merchant_uscc.strip().upper():
        return [reason("SELF_REGISTRANT", evidence={"registrant_uscc": device.registrant_uscc})]
    kind = "device_business_licence" if cls == 3 else "class2_business_filing"
    usable = [h for h in holdings if h.kind == kind]
    found = _scope_reasons(cls, category, usable, [h.number for h in holdings])
    if cls == 2 and found:
        entry = exempt_entry(device.product_name, category)
        if entry is not None:
            note = ("" if entry.confirmed else "；该目录条目尚未与国家药监局公告原文核对，需人工确认",
                    "" if entry.confirmed else "; this list entry is not yet checked against NMPA's announcement")
            return [reason("CLASS2_FILING_EXEMPT", severity="info" if entry.confirmed else "review",
                           product_name=device.product_name, entry=(entry.name_zh, entry.name_en), note=note[0],
                           note_en=note[1], evidence={"exempt_entry": entry.id, "confirmed": entry.confirmed,
                                                      "instead_of": [r.code for r in found]})]
    return found


def _scope_reasons(cls: int, category: str | None, usable: list[Holding], held: list[str]) -> list[Reason]:
    if not usable:
        return [reason("CLASS3_REQUIRES_LICENCE" if cls == 3 else "CLASS2_REQUIRES_FILING",
                       evidence={"device_class": cls, "held": held})]
    verdicts = {h.number: h.coverage(cls, category) for h in usable}
    if any(v.verdict == COVERED for v in verdicts.values()):
        return []
    names = (category_name(category), category_name(category, "en"))
    evidence = {"device_class": cls, "category": category,
                "scopes": {h.number: [list(s) for s in h.scope] for h in usable},
                "verdicts": {n: v.verdict for n, v in verdicts.items()}}
    excluded = {h.number: [list(s) for s in h.excluded] for h in usable if h.excluded}
    if excluded:
        evidence["excluded"] = excluded
    undetermined = [v for v in verdicts.values() if v.verdict == UNDETERMINED]
    if undetermined:
        detail = undetermined[0].detail
        return [reason("SCOPE_UNDETERMINED", device_class=cls, category=category or "?", category_name=names,
                       detail=detail, evidence=dict(evidence, detail=detail[1]))]
    if any(v.verdict == EXCLUDED for v in verdicts.values()):
        evidence["detail"] = next(v.detail[1] for v in verdicts.values() if v.verdict == EXCLUDED)
    return [reason("LICENCE_SCOPE_EXCLUDES", device_class=cls, category=category, category_name=names,
                   evidence=evidence)]


def claims_screened(listing: ListingClaim, device: DeviceRecord | None, claims: ClaimList) -> list[Reason]:
    """BANNED_CLAIM: the title and description carry no banned advertising claims (ADL Arts 9,
    16, 28; REG21 Art 60; GSP-NET Arts 13-14), each hit with the article it breaks and the
    version of the phrase list that found it."""
    title_end = len(listing.title)
    return [reason("BANNED_CLAIM", severity=hit.rule.severity, field="description" if hit.start > title_end
                   else "title", phrase=hit.phrase,
                   explanation=(f"{hit.rule.explanation_zh}（{hit.rule.basis}）", hit.rule.explanation_en),
                   evidence=hit.evidence(claims.version))
            for hit in screen(listing.text, claims, _product_text(listing, device))]


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
                     registry: Registry, policy: Policy, documents: list[DocumentFacts] = (),
                     claims: ClaimList | None = None) -> ListingEvaluation:
    """Every applicable reason for the listing. ``claims`` is the phrase list in force (the
    gateway's active version; the shipped one when not given)."""
    claims = claims or default_list()
    version = registry.version()
    reasons = merchant_standing(merchant_status)
    number_reasons = undeclared_device(listing) + registration_number(listing)
    reasons += number_reasons
    device = None
    looked_at = {"registry": [], "holdings": [h.number for h in holdings], "claims_version": claims.version}
    if not number_reasons and (listing.registration_number or "").strip():
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
    reasons += claims_screened(listing, device, claims)
    reasons += focus_flags(listing, device, policy)
    reasons += notices_present(listing, device, policy)
    reasons += certificate_documents(listing, list(documents))
    reasons = policy.apply(reasons)
    return ListingEvaluation(listing_outcome(reasons), reasons, version, device, looked_at)
