"""Merchant onboarding rules (platform duty: REG21 Art 46, GSP-NET Arts 23 and 39).

Each rule is a small function returning the reasons it finds; :func:`evaluate_merchant`
runs them all and reports every applicable reason, not only the first.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from verifiers.identifiers import IdentifierError, identify
from verifiers.identifiers.uscc import USCCError, parse_uscc
from verifiers.registry.records import EnterpriseRecord
from verifiers.rules.codes import DOC_NAMES, FIELD_NAMES, STATUS_NAMES
from verifiers.rules.facts import DocumentFacts, Holding, MerchantClaim, Policy, Registry
from verifiers.rules.model import Reason, bilingual, merchant_outcome, reason
from verifiers.rules.names import DIFFERENT, SAME, compare_names

LICENCE_TYPES = ("device_business_licence", "class2_business_filing", "production_licence", "online_sales_filing")
#: Fields each document must yield to be of use (design §4 field names).
KEY_FIELDS = {
    "business_licence": ("name", "uscc"),
    "device_business_licence": ("number", "name", "uscc", "valid_until"),
    "class2_business_filing": ("number", "name", "uscc"),
    "production_licence": ("number", "name", "uscc", "valid_until"),
    "online_sales_filing": ("number", "name"),
    "registration_certificate": ("number", "registrant", "product_name"),
    "class1_filing": ("number", "registrant", "product_name"),
}
#: The field holding the enterprise name on each type (certificates name the registrant,
#: who need not be the merchant, so they are not compared with the merchant's name).
NAME_FIELD = {t: "name" for t in ("business_licence", "device_business_licence", "class2_business_filing",
                                  "production_licence", "online_sales_filing")}


def _doc(doc_type: str | None) -> tuple[str, str]:
    return DOC_NAMES.get(doc_type or "", ("文件", "document"))


def _field(name: str) -> tuple[str, str]:
    return FIELD_NAMES.get(name, (name, name))


# --- documents ------------------------------------------------------------------------------------------


def documents_readable(documents: list[DocumentFacts]) -> list[Reason]:
    """DOC_UNREADABLE, DOC_PENDING, DOC_TYPE_UNKNOWN: every document read and recognised."""
    out = []
    for d in documents:
        if d.status == "failed":
            error = d.error or {}
            out.append(reason("DOC_UNREADABLE", detail=(error.get("message", "无法读取"), error.get("message_en", "unreadable")),
                              evidence={"document_id": d.id, "error": error.get("code")}))
        elif d.status != "processed":
            out.append(reason("DOC_PENDING", evidence={"document_id": d.id, "status": d.status}))
        elif d.type is None:
            out.append(reason("DOC_TYPE_UNKNOWN", evidence={"document_id": d.id}))
    return out


def required_documents(documents: list[DocumentFacts]) -> list[Reason]:
    """DOC_MISSING: the business licence (营业执照) is always needed (ECL Art 27, GSP-NET Art 39)."""
    if any(d.type == "business_licence" for d in documents):
        return []
    return [reason("DOC_MISSING", doc_name=_doc("business_licence"), evidence={"type": "business_licence"})]


def key_fields_present(documents: list[DocumentFacts]) -> list[Reason]:
    """DOC_FIELD_MISSING: each recognised document yields its key fields."""
    out = []
    for d in documents:
        for name in KEY_FIELDS.get(d.type or "", ()):
            if d.value(name) in (None, "", []) and not (name == "valid_until" and name in d.fields):
                out.append(reason("DOC_FIELD_MISSING", field=name, doc_name=_doc(d.type), field_name=_field(name),
                                  evidence={"document_id": d.id, "type": d.type, "field": name}))
    return out


def low_confidence_fields(documents: list[DocumentFacts], policy: Policy) -> list[Reason]:
    """LOW_CONFIDENCE: a key field read too uncertainly to decide on alone."""
    out = []
    for d in documents:
        for name in KEY_FIELDS.get(d.type or "", ()):
            if d.value(name) not in (None, "", []) and d.confidence(name) < policy.min_confidence:
                out.append(reason("LOW_CONFIDENCE", field=name, doc_name=_doc(d.type), field_name=_field(name),
                                  confidence=f"{d.confidence(name):.2f}", evidence=d.evidence(name)))
    return out


def documents_in_date(documents: list[DocumentFacts], policy: Policy) -> list[Reason]:
    """DOC_EXPIRED: no document past its printed validity."""
    out = []
    for d in documents:
        until = d.value("valid_until")
        if until and d.valid("valid_until") and str(until) < policy.today.isoformat():
            out.append(reason("DOC_EXPIRED", field="valid_until", doc_name=_doc(d.type), valid_until=until,
                              evidence=d.evidence("valid_until")))
    return out


# --- identity -------------------------------------------------------------------------------------------


def claimed_credit_code(claim: MerchantClaim) -> list[Reason]:
    """USCC_INVALID: the credit code the platform sent passes GB 32100."""
    try:
        parse_uscc(claim.uscc)
    except USCCError as exc:
        return [reason("USCC_INVALID", field="uscc", value=claim.uscc, detail=bilingual(exc.message),
                       evidence={"claimed": claim.uscc, "reason": exc.reason})]
    return []


def document_credit_codes(claim: MerchantClaim, documents: list[DocumentFacts], policy: Policy) -> list[Reason]:
    """USCC_INVALID / USCC_MISMATCH: every document carries the merchant's credit code."""
    out = []
    expected = claim.uscc.strip().upper()
    for d in documents:
        printed = d.value("uscc")
        if not printed:
            continue
        if not d.valid("uscc"):
            # Misread or misprinted: a person compares the image with the claim.
            out.append(reason("USCC_INVALID", severity="review", field="uscc", value=printed,
                              detail=("证照上的代码未通过校验", "the printed code fails its check"),
                              evidence=d.evidence("uscc")))
        elif printed != expected:
            sure = d.confidence("uscc") >= policy.min_confidence
            out.append(reason("USCC_MISMATCH", severity="block" if sure else "review", field="uscc",
                              printed=printed, expected=expected, evidence=dict(d.evidence("uscc"), expected=expected)))
    return out


def documents_untampered(documents: list[DocumentFacts]) -> list[Reason]:
    """DOC_TAMPERED: the credit code printed on a licence is the one its QR code names
    (``qr_uscc``, decoded exactly: verifiers.documents.qr). An altered copy keeps the
    original QR code; a person compares the two. Only a printed code that passes its
    check is compared: a misread one is USCC_INVALID's."""
    out = []
    for d in documents:
        encoded, printed = d.value("qr_uscc"), d.value("uscc")
        if not encoded or not printed or not d.valid("uscc") or encoded == printed:
            continue
        qr = d.fields.get("qr_uscc") or {}
        out.append(reason("DOC_TAMPERED", field="uscc", doc_name=_doc(d.type), printed=printed, encoded=encoded,
                          evidence=dict(d.evidence("uscc"), qr=encoded, qr_payload=qr.get("raw"), qr_box=qr.get("box"))))
    return out


def document_names(claim: MerchantClaim, documents: list[DocumentFacts], policy: Policy) -> list[Reason]:
    """NAME_MISMATCH: the enterprise name on each licence is the merchant's name."""
    out = []
    for d in documents:
        name_field = NAME_FIELD.get(d.type or "")
        printed = d.value(name_field) if name_field else None
        if not printed:
            continue
        verdict = compare_names(printed, claim.name)
        if verdict == SAME:
            continue
        sure = verdict == DIFFERENT and d.confidence(name_field) >= policy.min_confidence
        out.append(reason("NAME_MISMATCH", severity="block" if sure else "review", field="name", printed=printed,
                          expected=claim.name, evidence=dict(d.evidence(name_field), expected=claim.name, match=verdict)))
    return out


# --- registry -------------------------------------------------------------------------------------------


def _in_date(record: EnterpriseRecord, policy: Policy) -> bool:
    return record.valid_until is None or record.valid_until >= policy.today


#: The device classes each kind of authorisation lets its holder sell (BIZ22 Art 4).
CLASS_FOR_KIND = {"device_business_licence": 3, "class2_business_filing": 2}


def _covered_elsewhere(record: EnterpriseRecord, holdings: list[Holding] | None) -> bool:
    """Whether another in-force authorisation of the same effect stands in for ``record``."""
    if holdings is None:
        return False
    if record.kind == "online_sales_filing":
        return any(h.kind == "online_sales_filing" and h.number != record.number for h in holdings)
    return any(h.kind == record.kind and h.number != record.number for h in holdings)


def _record_state(record: EnterpriseRecord, doc_type: str, number: str, policy: Policy,
                  holdings: list[Holding] | None = None) -> list[Reason]:
    """LICENCE_REVOKED / LICENCE_CANCELLED / LICENCE_EXPIRED for a licence or filing found in the registry.

    Revoked (吊销/撤销, or a filing 取消 by the bureau) always counts: GSP-NET Art 46 has the
    platform stop service at once. Cancelled (注销) is what happens to a licence its holder
    gave up or let lapse (BIZ22 Art 20): no sanction in itself, so it only rejects a merchant
    when nothing else it holds stands in for it; otherwise it is noted (LICENCE_CANCELLED)."""
    evidence = {"number": number, "registry": record.canonical()}
    if record.status == "cancelled" and _covered_elsewhere(record, holdings):
        return [reason("LICENCE_CANCELLED", doc_name=_doc(doc_type), number=number, evidence=evidence)]
    if record.status in ("revoked", "cancelled"):
        return [reason("LICENCE_REVOKED", doc_name=_doc(doc_type), number=number,
                       status_zh=STATUS_NAMES[record.status], status=record.status, evidence=evidence)]
    if record.status == "expired" or not _in_date(record, policy):
        return [reason("LICENCE_EXPIRED", doc_name=_doc(doc_type), number=number,
                       valid_until=record.valid_until.isoformat() if record.valid_until else "—", evidence=evidence)]
    return []


def licences_on_record(claim: MerchantClaim, documents: list[DocumentFacts], registry: Registry,
                       policy: Policy, holdings: list[Holding] | None = None) -> tuple[list[Reason], list[dict]]:
    """LICENCE_NOT_FOUND / LICENCE_REVOKED / LICENCE_EXPIRED / USCC_MISMATCH / NAME_MISMATCH:
    every uploaded licence or filing is on the regulator's record, in force, and held by
    this merchant. Returns the reasons and the registry rows looked at."""
    out, looked_at = [], []
    for d in documents:
        if d.type not in LICENCE_TYPES or not d.value("number"):
            continue
        number = d.value("number")
        found = registry.enterprise(number)
        if found is None:
            sure = d.confidence("number") >= policy.min_confidence and d.valid("number")
            out.append(reason("LICENCE_NOT_FOUND", severity="block" if sure else "review", field="number",
                              doc_name=_doc(d.type), number=number, evidence=d.evidence("number")))
            continue
        record = found.record
        looked_at.append({"snapshot_id": found.snapshot_id, **record.canonical()})
        out += _record_state(record, d.type, number, policy, holdings)
        if record.uscc and record.uscc != claim.uscc.strip().upper():
            out.append(reason("USCC_MISMATCH", field="uscc", printed=record.uscc, expected=claim.uscc,
                              evidence={"number": number, "registry_uscc": record.uscc, "expected": claim.uscc}))
        verdict = compare_names(record.holder, claim.name)
        if verdict != SAME:
            out.append(reason("NAME_MISMATCH", severity="block" if verdict == DIFFERENT else "review", field="name",
                              printed=record.holder, expected=claim.name,
                              evidence={"number": number, "registry_holder": record.holder, "expected": claim.name}))
    return out, looked_at


def holdings_of(uscc: str, registry: Registry, policy: Policy) -> tuple[list[Holding], list[Reason], list[dict]]:
    """The licences and filings on record for a credit code that are in force today,
    LICENCE_REVOKED for a kind whose only records are revoked or cancelled, and the rows."""
    holdings, looked_at, dead_kinds = [], [], {}
    for found in registry.enterprises_for_uscc(uscc):
        record = found.record
        looked_at.append({"snapshot_id": found.snapshot_id, **record.canonical()})
        if record.status == "active" and _in_date(record, policy):
            holdings.append(Holding(record.kind, record.number, record.scope, record.valid_until, found.snapshot_id,
                                    record.excluded))
        elif record.status in ("revoked", "cancelled"):
            dead_kinds.setdefault(record.kind, record)
    reasons = []
    for kind, record in dead_kinds.items():
        if kind != "platform_filing":
            reasons += _record_state(record, kind, record.number, policy, holdings)
    return holdings, reasons, looked_at


def registered_classes(uscc: str, registry: Registry) -> tuple[set[int], list[str]]:
    """The classes of the active registrations and filings whose registrant (注册人/备案人) has
    this credit code, and a few of their numbers for the record."""
    code = uscc.strip().upper()
    classes, numbers = set(), []
    for found in registry.devices_for_registrant(code):
        record = found.record
        if record.registrant_uscc == code and record.status == "active":
            classes.add(record.device_class)
            numbers.append(record.number)
    return classes, numbers[:10]


def class_requirements(claim: MerchantClaim, holdings: list[Holding], registry: Registry) -> list[Reason]:
    """CLASS3_REQUIRES_LICENCE / CLASS2_REQUIRES_FILING / SELF_REGISTRANT: the classes the merchant
    declared it will sell are covered by what it holds.

    Class III needs the business licence (REG21 Art 42), Class II the Class II business filing
    even beside a licence (REG21 Art 41; BIZ22 Arts 4, 21, 23). A registrant selling its own
    registered products needs neither (REG21 Art 43; BIZ22 Art 27), and a registrant is one the
    regulator lists as such, by credit code: not a production-licence holder, since a contract
    manufacturer holds one and a registrant that outsources manufacturing holds none (REG21
    Art 34). Each listing then checks that the product is its own (listing.within_scope)."""
    kinds = {h.kind for h in holdings}
    missing = [cls for cls in (3, 2) if cls in claim.device_classes
               and not any(CLASS_FOR_KIND.get(kind) == cls for kind in kinds)]
    if not missing:
        return []
    registered, numbers = registered_classes(claim.uscc, registry)
    out = []
    if any(cls in registered for cls in missing):
        out.append(reason("SELF_REGISTRANT", evidence={"registrations": numbers, "classes": sorted(registered)}))
    for cls in missing:
        if cls not in registered:
            out.append(reason("CLASS3_REQUIRES_LICENCE" if cls == 3 else "CLASS2_REQUIRES_FILING",
                              evidence={"declared": list(claim.device_classes), "held": sorted(kinds),
                                        "registered_classes": sorted(registered)}))
    return out


def online_sales_filing(claim: MerchantClaim, documents: list[DocumentFacts], holdings: list[Holding],
                        registry: Registry, policy: Policy) -> tuple[list[Reason], list[dict]]:
    """ONLINE_SALES_NOT_FILED (REG21 Art 46 ¶1; correct-then-report, REG21 Art 89(8)): a merchant
    selling Class II or III devices online has notified (filed) its online sales. Class I-only
    sellers are exempt, as are sellers of only filing-exempt Class II devices, who hold no Class II
    filing and declare no Class II or III sales.

    Numbers come in provincial formats (粤深械网备…, （浙杭）网械企备字[2019]第00119号); one in a
    format not known here, or not in the registry (which holds what bureaus publish, not every
    notification), goes to a person to check, not to a block. A filing the bureau withdrew is
    LICENCE_REVOKED (GSP-NET Art 46)."""
    kinds = {h.kind for h in holdings}
    regulated = bool(set(claim.device_classes) & {2, 3}) or bool(
        kinds & {"device_business_licence", "class2_business_filing"})
    if not regulated:
        return [], []
    number = claim.online_sales_filing_number or next(
        (d.value("number") for d in documents if d.type == "online_sales_filing" and d.value("number")), None)
    if not number:
        if "online_sales_filing" in kinds:
            return [], []
        return [reason("ONLINE_SALES_NOT_FILED", detail=("未提供备案编号，监管数据中也没有该企业的网络销售备案",
                                                         "no number given and none on record for this credit code"))], []
    try:
        parsed = identify(number)
    except IdentifierError:
        parsed = None
    if parsed is None or parsed.kind != "online_sales_filing":
        return [reason("ONLINE_SALES_NOT_FILED", field="online_sales_filing_number",
                       detail=(f"备案编号 {number} 的格式未能识别，需人工核对", f"filing {number} is in a format not "
                               "known here; check it by hand"), evidence={"number": number, "format": "unknown"})], []
    found = registry.enterprise(number)
    if found is None or found.record.kind != "online_sales_filing":
        return [reason("ONLINE_SALES_NOT_FILED", field="online_sales_filing_number",
                       detail=(f"备案编号 {number} 查无记录", f"filing {number} is not on record"),
                       evidence={"number": number, "normalised": parsed.number})], []
    record = found.record
    looked_at = [{"snapshot_id": found.snapshot_id, **record.canonical()}]
    if record.status in ("revoked", "cancelled"):
        return _record_state(record, "online_sales_filing", number, policy, holdings), looked_at
    if record.status != "active":
        return [reason("ONLINE_SALES_NOT_FILED", field="online_sales_filing_number",
                       detail=(f"备案 {number} 已{STATUS_NAMES.get(record.status, record.status)}",
                               f"filing {number} is {record.status}"), evidence={"number": number})], looked_at
    if record.uscc and record.uscc != claim.uscc.strip().upper():
        return [reason("USCC_MISMATCH", field="online_sales_filing_number", printed=record.uscc,
                       expected=claim.uscc, evidence={"number": number, "registry_uscc": record.uscc})], looked_at
    return [], looked_at


@dataclass
class MerchantEvaluation:
    outcome: str
    reasons: list[Reason]
    registry_version: str | None
    holdings: list[Holding] = field(default_factory=list)
    looked_at: dict = field(default_factory=dict)


def evaluate_merchant(claim: MerchantClaim, documents: list[DocumentFacts], registry: Registry,
                      policy: Policy) -> MerchantEvaluation:
    version = registry.version()
    reasons = documents_readable(documents)
    usable = [d for d in documents if d.status == "processed" and d.type]
    reasons += required_documents(usable)
    reasons += key_fields_present(usable)
    reasons += low_confidence_fields(usable, policy)
    reasons += claimed_credit_code(claim)
    reasons += document_credit_codes(claim, usable, policy)
    reasons += documents_untampered(usable)
    reasons += document_names(claim, usable, policy)
    reasons += documents_in_date(usable, policy)
    holdings, holding_reasons, holding_rows = holdings_of(claim.uscc, registry, policy)
    found_reasons, licence_rows = licences_on_record(claim, usable, registry, policy, holdings)
    reasons += found_reasons
    reasons += [r for r in holding_reasons if not any(
        x.code == r.code and x.evidence.get("number") == r.evidence.get("number") for x in reasons)]
    reasons += class_requirements(claim, holdings, registry)
    online_reasons, online_rows = online_sales_filing(claim, usable, holdings, registry, policy)
    reasons += [r for r in online_reasons if not any(
        x.code == r.code and x.evidence.get("number") == r.evidence.get("number") for x in reasons)]
    reasons = policy.apply(reasons)
    rows = {row["number"]: row for row in licence_rows + holding_rows + online_rows}
    looked_at = {
        "documents": [{"id": d.id, "sha256": d.sha256, "status": d.status, "type": d.type,
                       "fields": {k: {"value": v.get("value"), "confidence": v.get("confidence")}
                                  for k, v in d.fields.items()}} for d in documents],
        "registry": list(rows.values()),
        "holdings": [h.number for h in holdings],
    }
    return MerchantEvaluation(merchant_outcome(reasons), reasons, version, holdings, looked_at)
