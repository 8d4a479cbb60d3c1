"""The facts a regulator report is made of, as frozen dataclasses (报告事实).

They are shaped by what a bureau reads (domain.md §8 "Content derived from GSP-NET Arts 39, 41,
42 and 46"): who the platform is, the seller's Art 39 file, the product and whether it matched
the NMPA / UDI data, what was wrong (violation type and legal tier), the evidence, the actions
taken with their times, and how the rectification stands. The gateway fills them from its
database; nothing here knows where they came from.

Every datetime must be timezone-aware (the gateway stores UTC): periods are counted in Beijing
time and a naive datetime would silently shift events across a month boundary.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

# --- legal tiers (GSP-NET Art 42) -------------------------------------------------------------

#: Most serious first. ``stop_and_report``: serious violations (Art 42 ¶2, Art 45): stop the
#: service and the display at once and report immediately. ``correct_then_report``: minor ones
#: (Art 42 ¶1): demand immediate correction, report only if not corrected. ``none``: recorded,
#: nothing owed to a bureau.
TIERS = ("stop_and_report", "correct_then_report", "none")
TIER_LABELS = {
    "stop_and_report": ("立即停止并报告", "stop at once and report"),
    "correct_then_report": ("责令改正，未改正的报告", "correct; report if not corrected"),
    "none": ("无需报告", "no report due"),
}


def worst_tier(tiers: Iterable[str]) -> str:
    """The most serious of ``tiers`` (``none`` when empty)."""
    worst = "none"
    for tier in tiers:  # a loop, not min(key=...): this runs for every one of 100,000 violations
        if tier == "stop_and_report":
            return tier
        if tier == "correct_then_report":
            worst = tier
    return worst


# --- violation types (GSP-NET Arts 41, 42, 45; 广告法) -----------------------------------------

@dataclass(frozen=True)
class ViolationType:
    key: str
    zh: str
    en: str
    basis: str  # the article a bureau would look for
    default_tier: str


#: Most serious first: a violation with reasons of several types is reported as the first.
VIOLATION_TYPES: dict[str, ViolationType] = {t.key: t for t in (
    ViolationType("unlicensed_seller", "未取得医疗器械经营许可或备案从事经营", "seller without a business licence or filing",
                  "《医疗器械网络销售质量管理规范》第四十二条第二款", "stop_and_report"),
    ViolationType("unregistered_product", "销售未经注册或者备案的医疗器械", "unregistered or unfiled device",
                  "《医疗器械网络销售质量管理规范》第四十一条第（二）项、第四十二条第二款", "stop_and_report"),
    ViolationType("banned_product", "销售监管部门禁止销售的医疗器械", "device the regulator has banned from sale",
                  "《医疗器械网络销售质量管理规范》第四十二条第二款、第四十六条", "stop_and_report"),
    ViolationType("beyond_scope", "超出经营范围或者经营方式销售", "beyond the licensed scope or sales mode",
                  "《医疗器械网络销售质量管理规范》第四十一条第（四）项、第四十二条第二款", "stop_and_report"),
    ViolationType("quality_hazard", "存在严重质量安全隐患", "serious quality-safety hazard",
                  "《医疗器械网络销售质量管理规范》第四十五条", "stop_and_report"),
    ViolationType("product_info_mismatch", "展示的产品信息与注册或者备案信息不一致",
                  "product information differs from the registration or filing",
                  "《医疗器械网络销售质量管理规范》第四十一条第（三）项", "correct_then_report"),
    ViolationType("no_product_certificate_display", "未展示产品注册证或者备案凭证",
                  "registration or filing certificate not displayed",
                  "《医疗器械网络销售质量管理规范》第四十一条第（一）项、第四十二条第一款", "correct_then_report"),
    ViolationType("no_qualification_display", "未展示经营资质信息", "business qualification not displayed",
                  "《医疗器械网络销售质量管理规范》第四十一条第（一）项、第四十二条第一款", "correct_then_report"),
    # Not on the Art 41/42 list: advertising law, but platforms must stop it (ECL Art 29).
    ViolationType("false_claims", "虚假、夸大宣传", "false or exaggerated claims",
                  "《广告法》第十六条；《医疗器械网络销售质量管理规范》第四十一条", "correct_then_report"),
    ViolationType("other", "其他违法违规情形", "other", "", "none"),
)}
_TYPE_RANK = {key: rank for rank, key in enumerate(VIOLATION_TYPES)}

#: Reason code (verifiers/rules/codes.py) -> violation type. A code missing here (one added later)
#: maps to ``other`` until someone places it; ``test_every_rule_code_has_a_type`` lists them.
CODE_VIOLATION_TYPES: dict[str, str] = {
    # No valid licence or filing behind the seller. An expired document is mostly a licence (a
    # listing's expired certificate arrives as REGNO_EXPIRED); a licence that names another
    # company (name or credit code) is no licence of this seller's.
    "LICENCE_NOT_FOUND": "unlicensed_seller", "LICENCE_EXPIRED": "unlicensed_seller",
    "LICENCE_REVOKED": "unlicensed_seller", "CLASS3_REQUIRES_LICENCE": "unlicensed_seller",
    "CLASS2_REQUIRES_FILING": "unlicensed_seller", "ONLINE_SALES_NOT_FILED": "unlicensed_seller",
    "DOC_EXPIRED": "unlicensed_seller", "NAME_MISMATCH": "unlicensed_seller", "USCC_MISMATCH": "unlicensed_seller",
    # A licence whose QR code names another credit code than the one printed: an altered copy is
    # no licence of this seller's either (a review until a person confirms it).
    "DOC_TAMPERED": "unlicensed_seller",
    "LICENCE_SCOPE_EXCLUDES": "beyond_scope", "SCOPE_UNDETERMINED": "beyond_scope",
    # A device offered with no registration or filing number shown: sold as something else.
    "UNDECLARED_DEVICE": "no_product_certificate_display",
    "REGNO_INVALID": "unregistered_product", "REGNO_NOT_FOUND": "unregistered_product",
    "REGNO_EXPIRED": "unregistered_product", "REGNO_CANCELLED": "unregistered_product",
    "PRODUCT_MISMATCH": "product_info_mismatch", "MODEL_MISMATCH": "product_info_mismatch",
    "CLASS_MISMATCH": "product_info_mismatch", "REGISTRANT_MISMATCH": "product_info_mismatch",
    "CERTIFICATE_MISMATCH": "product_info_mismatch",
    # A required licence that was never shown: the Art 41(1) display duty.
    "DOC_MISSING": "no_qualification_display",
    "BANNED_CLAIM": "false_claims",
    # Reading problems, informational notes and platform-internal states are not violations of law.
    "DOC_UNREADABLE": "other", "DOC_TYPE_UNKNOWN": "other", "DOC_FIELD_MISSING": "other", "DOC_PENDING": "other",
    "LOW_CONFIDENCE": "other", "USCC_INVALID": "other", "FOCUS_CATEGORY": "other", "NOTICE_MISSING": "other",
    "MERCHANT_NOT_APPROVED": "other", "MERCHANT_SUSPENDED": "other", "SELF_REGISTRANT": "other",
    "LICENCE_CANCELLED": "other", "CLASS2_FILING_EXEMPT": "other",
}


def violation_type_for(code: str) -> ViolationType:
    """The violation type a reason code stands for (``other`` for a code not mapped yet)."""
    return VIOLATION_TYPES[CODE_VIOLATION_TYPES.get(code, "other")]


def violation_type_of(codes: Iterable[str]) -> ViolationType:
    """The most serious type among several reason codes (``other`` for none)."""
    best, best_rank = "other", _TYPE_RANK["other"]
    for code in codes:  # a plain loop: this runs once per violation, 100,000 times for a big report
        key = CODE_VIOLATION_TYPES.get(code, "other")
        if _TYPE_RANK[key] < best_rank:
            best, best_rank = key, _TYPE_RANK[key]
    return VIOLATION_TYPES[best]


def tier_for_code(code: str) -> str:
    """The legal tier a reason code carries by default (its type's)."""
    return violation_type_for(code).default_tier


# --- actions, states, lead sources -------------------------------------------------------------

#: What a platform did about a violation or lead (GSP-NET Arts 39(5), 42, 45, 46).
ACTION_KINDS = {
    "rectification_ordered": ("责令整改", "ordered to rectify"),
    "listing_removed": ("商品下架", "listing taken down"),
    "listing_blocked": ("屏蔽商品信息", "listing blocked"),
    "merchant_suspended": ("暂停商户经营", "merchant suspended"),
    "service_stopped": ("停止提供网络交易平台服务", "platform service stopped"),
    "interviewed": ("约谈", "merchant interviewed"),
    "reported": ("报告药品监督管理部门", "reported to the drug regulator"),
    "referred_police": ("移送公安机关", "referred to the police"),
    "referred_cyberspace": ("移送网信、通信主管部门", "referred to the cyberspace or telecom authority"),
    "exposed": ("公开曝光", "publicly exposed"),
}
RECTIFICATION_LABELS = {
    "not_required": ("无需整改", "not required"),
    "pending": ("整改中", "in progress"),
    "rectified": ("已整改", "rectified"),
    "overdue": ("逾期未整改", "not rectified by the deadline"),
}
VIOLATION_STATUS_LABELS = {
    "open": ("处理中", "open"),
    "reported": ("已报告", "reported"),
    "rectified": ("已整改", "rectified"),
    "closed": ("已结案", "closed"),
}
#: Where a lead (线索) came from. The first three are the rows of 附件2.
LEAD_SOURCES = {
    "nmpa_transfer": ("国家药监局移送线索", "Leads transferred by the NMPA"),
    "provincial_monitoring": ("省局网络监测线索", "Provincial monitoring leads"),
    "other_province": ("外省移送线索", "Leads transferred from other provinces"),
    "platform_monitoring": ("平台自行监测线索", "The platform's own monitoring"),
    "complaint": ("投诉举报线索", "Complaints and tip-offs"),
}
#: design §5; a lead is traced through 监测—分办—核查—反馈.
LEAD_STATES = {
    "received": ("已接收", "received"), "assigned": ("已分办", "assigned"), "verifying": ("核查中", "verifying"),
    "disposed": ("已处置", "disposed"), "answered": ("已反馈", "answered"), "closed": ("已办结", "closed"),
}


def label(table: dict[str, tuple[str, str]], key: str, lang: int = 0) -> str:
    """The Chinese (``lang=0``) or English (1) label of ``key``, or the key itself when unknown."""
    entry = table.get(key)
    return entry[lang] if entry else key


def _aware(name: str, moment: datetime | None) -> None:
    if moment is not None and moment.utcoffset() is None:  # None for a naive datetime
        raise ValueError(f"{name}缺少时区：{moment.isoformat()} / {name} has no time zone: {moment.isoformat()}")


# --- the facts --------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlatformFacts:
    """The reporting platform (GSP-NET Art 37; O38 Art 16-17)."""

    name: str
    uscc: str
    filing_number: str  # 网械平台备字
    region: str  # six-digit division code where the platform is located
    contact_person: str
    contact_phone: str | None = None


@dataclass(frozen=True)
class LicenceRef:
    kind: str  # a DOC_NAMES key: device_business_licence, class2_business_filing, online_sales_filing, ...
    number: str


@dataclass(frozen=True)
class MerchantFacts:
    """The seller's file as GSP-NET Art 39 lists it (入驻企业档案)."""

    id: str  # the gateway's id
    name: str
    uscc: str
    external_id: str  # the platform's unique id for the seller (平台内唯一标识)
    region: str  # six-digit division code where the seller is located
    address: str | None = None
    shop_name: str | None = None
    shop_url: str | None = None
    licences: tuple[LicenceRef, ...] = ()


@dataclass(frozen=True)
class ProductFacts:
    name: str
    model: str | None = None
    registration_number: str | None = None  # as the listing claims it
    registry_match: bool | None = None  # matched the NMPA / UDI data; None: not checked
    snapshot_id: str | None = None  # the registry snapshot it was checked against
    listing_external_id: str | None = None


@dataclass(frozen=True)
class ReasonFacts:
    code: str  # a reason code of verifiers/rules/codes.py
    severity: str  # block | review | info
    tier: str  # one of TIERS
    message: str | None = None  # the decision's Chinese message

    def __post_init__(self):
        if self.tier not in TIER_LABELS:
            raise ValueError(f"未知的处置分级：{self.tier!r} / unknown tier {self.tier!r}")


@dataclass(frozen=True)
class EvidenceRefs:
    """Where the frozen evidence is: everything by reference, nothing copied into the report."""

    listing_url: str | None = None
    document_sha256s: tuple[str, ...] = ()
    snapshot_id: str | None = None
    decision_ids: tuple[str, ...] = ()
    chain_hashes: tuple[str, ...] = ()  # entries of the append-only evidence chain


@dataclass(frozen=True)
class ActionFacts:
    kind: str  # an ACTION_KINDS key
    at: datetime
    deadline: datetime | None = None  # for rectification_ordered
    note: str | None = None

    def __post_init__(self):
        if self.at.utcoffset() is None or self.deadline is not None and self.deadline.utcoffset() is None:
            _aware("措施时间", self.at)  # one of the two is naive: say which
            _aware("整改期限", self.deadline)


@dataclass(frozen=True)
class ViolationFacts:
    id: str
    detected_at: datetime
    merchant: MerchantFacts
    reasons: tuple[ReasonFacts, ...]
    product: ProductFacts | None = None  # None for a merchant-level violation
    evidence: EvidenceRefs = field(default_factory=EvidenceRefs)
    actions: tuple[ActionFacts, ...] = ()
    rectification_status: str = "pending"  # a RECTIFICATION_LABELS key
    status: str = "open"  # a VIOLATION_STATUS_LABELS key (others are shown as given)
    violation_type: str | None = None  # set to override the type derived from the reason codes
    # Derived once here rather than as cached properties: Python 3.11's cached_property takes a
    # lock on every access, which costs a second over a 100,000-case report.
    tier: str = field(init=False, repr=False, compare=False)  # the most serious tier of the reasons
    type: ViolationType = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        _aware("发现时间", self.detected_at)
        if self.violation_type is not None and self.violation_type not in VIOLATION_TYPES:
            raise ValueError(f"未知的违法违规类型：{self.violation_type!r} / unknown violation type {self.violation_type!r}")
        object.__setattr__(self, "tier", worst_tier([r.tier for r in self.reasons]))
        object.__setattr__(self, "type", VIOLATION_TYPES[self.violation_type] if self.violation_type is not None
                           else violation_type_of([r.code for r in self.reasons]))

    def has_action(self, kind: str) -> bool:
        return any(a.kind == kind for a in self.actions)


@dataclass(frozen=True)
class LeadFacts:
    """A lead (线索) for the monitoring-disposal form (附件2)."""

    id: str
    source: str  # a LEAD_SOURCES key
    received_at: datetime
    state: str  # a LEAD_STATES key
    answered: bool  # the disposal was fed back to the bureau that sent it (处置情况反馈)
    region: str | None = None  # the subject's division code, when known
    merchant_id: str | None = None  # the merchant the lead was matched to, when it was
    actions: tuple[ActionFacts, ...] = ()
    violation_ids: tuple[str, ...] = ()  # violations the verification found
    key_case: bool = False  # 重点案件
    description: str | None = None

    def __post_init__(self):
        _aware("线索接收时间", self.received_at)
        if self.source not in LEAD_SOURCES:
            raise ValueError(f"未知的线索来源：{self.source!r} / unknown lead source {self.source!r}")
