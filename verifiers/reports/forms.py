"""The report's content, built from the facts: the two forms, the case list, the immediate report.

The two forms reproduce attachments 1 and 2 of the 2020 清网 action plan (domain.md §8): headers,
rows, columns and the six 行政处罚情况 sub-columns. A platform fills what its own records show and
leaves the rest to the bureau. A column the platform cannot know is ``None`` (rendered blank),
never 0: a 0 would tell the bureau "we checked, there were none" when the truth is "not ours to
say". The bureau-only columns are the penalties (a platform imposes none) and the whole
third-party-platform row of 附件1 (a platform inspects no platforms).

How each count of 附件1, row 医疗器械网络销售企业, is derived. "The period's violations" are the
violations detected in the period whose seller lies in the report region, excluding tier ``none``
(not a violation of law; nothing is owed to a bureau); the case list lists exactly these.

- 监督检查企业数: ``merchants_checked`` as the gateway counted it: distinct sellers in the region
  whose qualifications the platform checked in the period (onboarding, the 6-monthly re-verification
  of GSP-NET Art 39, expiry sweeps, registry re-checks). Not derivable from violations, so the
  caller passes it; ``None`` (unknown) is left blank.
- 责令整改企业数: distinct sellers among the period's violations with a ``rectification_ordered`` action.
- 约谈企业数: distinct sellers among them with an ``interviewed`` action.
- 查处违法违规案件数: the number of the period's violations (found and stopped by the platform).
- 行政处罚情况 (all six): blank, the bureau's.
- 移送公安机关案件数: the period's violations with a ``referred_police`` action.
- 移送网信、通信主管部门网站数: distinct shops (shop URL, else seller) with a ``referred_cyberspace`` action.
- 公开曝光企业数: distinct sellers with an ``exposed`` action.

Actions count whenever they were taken (up to the report's generation): a violation found on 30
November and taken down on 1 December belongs, with its take-down, to November's report.

附件2 rows are leads by source (国家药监局移送 / 省局网络监测 / 外省移送), received in the period, whose
subject lies in the region. Leads from the platform's own monitoring and from complaints are not
among the form's three sources; a note says how many there were (what they found is in 附件1).

- 医疗器械网络监测线索数: leads received.
- 处置情况反馈数: those whose disposal has been fed back (``answered``).
- 责令整改企业数: distinct sellers (the lead's, and its violations') where rectification was ordered,
  on the lead or on one of its violations.
- 查处违法违规案件数: distinct violations the leads' verification found.
- 行政处罚情况: blank.
- 移送公安机关案件数 / 移送网信、通信主管部门网站数: leads with that action, on the lead or one of its
  violations (one case, one site per lead).
- 重点案件情况: the key cases' lead ids (``无`` when there are none: the platform knows that).
"""
from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import attrgetter

import orjson

from verifiers.reports.model import (ACTION_KINDS, LEAD_SOURCES, RECTIFICATION_LABELS, TIER_LABELS, TIERS,
                                     VIOLATION_STATUS_LABELS, VIOLATION_TYPES, LeadFacts, PlatformFacts,
                                     ViolationFacts, label)
from verifiers.reports.periods import CHINA_TZ, Period
from verifiers.reports.routing import Bureau, DivisionDirectory, RoutingError, default_directory, region_covers
from verifiers.rules.codes import DOC_NAMES

# --- columns and forms ----------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnGroup:
    key: str
    zh: str
    en: str


@dataclass(frozen=True)
class Column:
    key: str  # stable ASCII
    zh: str
    en: str
    filled_by: str = "platform"  # platform | bureau
    kind: str = "count"  # count | amount | text | int
    group: str | None = None  # the ColumnGroup spanning this column's header
    width: float = 10  # relative width for the renderers (XLSX characters, PDF proportion)


PENALTIES = ColumnGroup("penalties", "行政处罚情况", "Administrative penalties")
PENALTY_COLUMNS = (
    Column("penalty_warning", "警告", "Warnings", "bureau", "count", "penalties", 6),
    Column("penalty_fine", "罚款（万元）", "Fines (10,000 yuan)", "bureau", "amount", "penalties", 8),
    Column("penalty_confiscated_income", "没收违法所得（万元）", "Illegal income confiscated (10,000 yuan)", "bureau",
           "amount", "penalties", 10),
    Column("penalty_confiscated_property", "没收非法财物", "Illegal property confiscated", "bureau", "count",
           "penalties", 8),
    Column("penalty_closure_ordered", "责令停业", "Ordered to suspend business", "bureau", "count", "penalties", 6),
    Column("penalty_licences_revoked", "吊销许可证（张）", "Licences revoked", "bureau", "count", "penalties", 8),
)
_ORDERED = Column("ordered_to_rectify", "责令整改企业数", "Enterprises ordered to rectify", width=8)
_CASES = Column("cases", "查处违法违规案件数", "Violation cases", width=9)
_POLICE = Column("referred_police", "移送公安机关案件数", "Cases referred to the police", width=9)
_SITES = Column("referred_sites", "移送网信、通信主管部门网站数", "Websites referred to the cyberspace or telecom authority",
                width=11)

FORM1_COLUMNS = (
    Column("enterprises_checked", "监督检查企业数", "Enterprises checked", width=8),
    _ORDERED,
    Column("interviewed", "约谈企业数", "Enterprises interviewed", width=6),
    _CASES,
    *PENALTY_COLUMNS,
    _POLICE,
    _SITES,
    Column("exposed", "公开曝光企业数", "Enterprises publicly exposed", width=8),
)
FORM2_COLUMNS = (
    Column("leads", "医疗器械网络监测线索数", "Monitoring leads", width=10),
    Column("feedback", "处置情况反馈数", "Disposals fed back", width=8),
    _ORDERED,
    _CASES,
    *PENALTY_COLUMNS,
    _POLICE,
    _SITES,
    Column("key_cases", "重点案件情况", "Key cases", kind="text", width=16),
)
FORM1_ROWS = (("online_sellers", "医疗器械网络销售企业", "Online device sellers"),
              ("platforms", "医疗器械网络交易服务第三方平台", "Third-party trading platforms"))
FORM2_SOURCES = ("nmpa_transfer", "provincial_monitoring", "other_province")


@dataclass(frozen=True)
class FormRow:
    key: str
    zh: str
    en: str
    values: tuple[int | float | str | None, ...]  # one per column, in column order


@dataclass(frozen=True)
class Form:
    key: str  # form1 | form2
    attachment_zh: str  # 附件1
    attachment_en: str
    title_zh: str
    title_en: str
    unit_label_zh: str  # 单位名称（公章） | 填报单位
    unit_label_en: str
    unit_name: str
    date_label_zh: str
    date_label_en: str
    date: date
    columns: tuple[Column, ...]
    rows: tuple[FormRow, ...]
    notes: tuple[tuple[str, str], ...] = ()  # (zh, en) lines printed under the table
    corner_zh: str = ""  # the header cell above the row labels; the bureaus' form leaves it empty
    corner_en: str = ""

    @property
    def groups(self) -> dict[str, ColumnGroup]:
        return {PENALTIES.key: PENALTIES}

    def value(self, row_key: str, column_key: str):
        row = next(r for r in self.rows if r.key == row_key)
        return row.values[[c.key for c in self.columns].index(column_key)]

    def header_spans(self) -> list[tuple[ColumnGroup | None, int, int]]:
        """Column runs for the two-level header: ``(group, first, last)``, indices into ``columns``;
        ``group`` None is a single column whose header spans both header rows."""
        spans: list[tuple[ColumnGroup | None, int, int]] = []
        for index, column in enumerate(self.columns):
            if column.group and spans and spans[-1][0] is not None and spans[-1][0].key == column.group:
                spans[-1] = (spans[-1][0], spans[-1][1], index)
            else:
                spans.append((self.groups[column.group] if column.group else None, index, index))
        return spans


# --- the case list --------------------------------------------------------------------------

#: One row per violation. Values are strings ("" when absent) except ``seq``; the enumerated
#: columns (``ENUM_LABELS``) hold their ASCII keys and renderers show the labels.
CASE_COLUMNS = (
    Column("seq", "序号", "No.", kind="int", width=7),
    Column("violation_id", "案件编号", "Case id", kind="text", width=14),
    Column("detected_at", "发现时间（北京时间）", "Detected at (Beijing time)", kind="text", width=22),
    Column("merchant_name", "企业名称", "Seller", kind="text", width=26),
    Column("uscc", "统一社会信用代码", "Unified social credit code", kind="text", width=20),
    Column("merchant_external_id", "平台内唯一标识", "Platform seller id", kind="text", width=14),
    Column("shop_name", "店铺名称", "Shop", kind="text", width=18),
    Column("shop_url", "店铺链接", "Shop URL", kind="text", width=28),
    Column("region", "所在地区代码", "Division code", kind="text", width=10),
    Column("licences", "许可/备案编号", "Licence and filing numbers", kind="text", width=30),
    Column("product_name", "产品名称", "Product", kind="text", width=20),
    Column("model", "型号规格", "Model", kind="text", width=12),
    Column("registration_number", "注册证/备案编号（标称）", "Registration or filing number claimed", kind="text",
           width=22),
    Column("registry_match", "与国家药监局/UDI数据一致", "Matches NMPA / UDI data", kind="text", width=10),
    Column("violation_type", "违法违规类型", "Violation type", kind="text", width=24),
    Column("reason_codes", "原因代码", "Reason codes", kind="text", width=24),
    Column("tier", "处置分级", "Legal tier", kind="text", width=16),
    Column("actions", "已采取措施（时间）", "Actions taken (time)", kind="text", width=40),
    Column("rectification", "整改情况", "Rectification", kind="text", width=10),
    Column("status", "状态", "Status", kind="text", width=8),
    Column("listing_url", "商品链接", "Listing URL", kind="text", width=30),
    Column("document_sha256", "证照文件SHA-256", "document SHA-256", kind="text", width=30),
    Column("snapshot_id", "监管数据快照", "Registry snapshot", kind="text", width=14),
    Column("decision_ids", "决定编号", "Decision ids", kind="text", width=16),
    Column("chain_hashes", "存证哈希", "Evidence-chain hashes", kind="text", width=30),
    Column("bureau", "主管药品监管部门", "Competent bureau", kind="text", width=22),
)
CASE_INDEX = {c.key: i for i, c in enumerate(CASE_COLUMNS)}
REGISTRY_MATCH_LABELS = {"yes": ("是", "yes"), "no": ("否", "no"), "unchecked": ("未核对", "not checked"),
                         "not_applicable": ("不涉及", "not applicable")}
#: Enumerated case-list columns: column key -> {value key: (zh, en)}.
ENUM_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "registry_match": REGISTRY_MATCH_LABELS,
    "violation_type": {k: (t.zh, t.en) for k, t in VIOLATION_TYPES.items()},
    "tier": TIER_LABELS,
    "rectification": RECTIFICATION_LABELS,
    "status": VIOLATION_STATUS_LABELS,
}
#: The tiers a periodic report shows, most serious first (``none`` never reaches a report).
REPORTED_TIERS = tuple(t for t in TIERS if t != "none")
LIST_SEPARATOR = "；"  # between the items of a list cell (Chinese semicolon: never inside an id or hash)


@dataclass(frozen=True)
class PeriodicReport:
    """Everything a periodic report says, ready for any renderer."""

    platform: PlatformFacts
    region: str
    region_name: str
    period: Period
    bureau: Bureau
    generated_at: datetime
    form1: Form
    form2: Form
    cases: list[tuple]  # CASE_COLUMNS rows, sorted by detection time then id
    case_digest: str  # SHA-256 of the case rows as compact JSON (see case_digest())
    type_counts: dict[str, dict[str, int]]  # violation type -> tier -> cases

    title_zh = "医疗器械网络交易监测处置情况报告"
    title_en = "Online medical-device trading: monitoring and disposal report"

    @property
    def subtitle_zh(self) -> str:
        return f"{self.platform.name}  {self.region_name}  {self.period.label_zh}"


def case_digest(rows: Sequence[tuple]) -> str:
    """SHA-256 (hex) of the case rows serialised as compact JSON arrays, UTF-8, non-ASCII unescaped:
    what ``json.dumps(rows, ensure_ascii=False, separators=(",", ":"))`` gives from the JSON file's
    ``cases.rows``. The PDF prints it, so a bureau can tie the PDF to the XLSX and JSON lists."""
    return hashlib.sha256(orjson.dumps(rows)).hexdigest()


# --- building -------------------------------------------------------------------------------

def build_periodic_report(*, platform: PlatformFacts, region: str, period: Period,
                          violations: Iterable[ViolationFacts], leads: Iterable[LeadFacts] = (),
                          merchants_checked: int | None = None, generated_at: datetime,
                          bureau: Bureau | None = None, directory: DivisionDirectory | None = None,
                          ) -> PeriodicReport:
    """The periodic report for one region and period.

    ``violations`` and ``leads`` may be wider than the region and period (the caller may pass a
    whole platform's month); only those inside are counted. ``bureau`` defaults to the bureau
    supervising the region (:meth:`DivisionDirectory.bureau_for_region`); a platform that reports
    under ``platform_provincial`` passes its provincial bureau.
    """
    if generated_at.tzinfo is None:
        raise ValueError("generated_at 缺少时区 / generated_at has no time zone")
    directory = directory or default_directory()
    region_name = directory.region_name(region)
    bureau = bureau or directory.bureau_for_region(region)
    start, end = period.start_at, period.end_at
    all_violations = list(violations)
    selected = [v for v in all_violations
                if start <= v.detected_at < end and v.tier != "none" and region_covers(region, v.merchant.region)]
    selected.sort(key=attrgetter("detected_at", "id"))
    lead_list = [lead for lead in leads if start <= lead.received_at < end]
    in_region = [lead for lead in lead_list if lead.region and region_covers(region, lead.region)]
    unplaced = sum(1 for lead in lead_list if not lead.region)
    cases = build_case_rows(selected, directory.municipal_bureau)
    report_day = generated_at.astimezone(CHINA_TZ).date()
    type_counts: dict[str, dict[str, int]] = {}
    for (type_key, tier), count in Counter((v.type.key, v.tier) for v in selected).items():
        type_counts.setdefault(type_key, {})[tier] = count
    return PeriodicReport(
        platform=platform, region=region, region_name=region_name, period=period, bureau=bureau,
        generated_at=generated_at, form1=build_form1(platform, selected, merchants_checked, report_day),
        form2=build_form2(platform, in_region, all_violations, report_day, unplaced=unplaced),
        cases=cases, case_digest=case_digest(cases), type_counts=type_counts)


def build_form1(platform: PlatformFacts, violations: Sequence[ViolationFacts], merchants_checked: int | None,
                day: date) -> Form:
    """附件1 医疗器械“清网”行动监督检查情况表 (counts: see the module docstring)."""
    sellers_with: dict[str, set[str]] = {"rectification_ordered": set(), "interviewed": set(), "exposed": set()}
    sites: set[str] = set()
    police = 0
    for v in violations:  # one pass: this runs over every case of the period
        kinds = {a.kind for a in v.actions}
        for kind in kinds & sellers_with.keys():
            sellers_with[kind].add(v.merchant.id)
        if "referred_cyberspace" in kinds:
            sites.add(v.merchant.shop_url or v.merchant.id)
        police += "referred_police" in kinds
    seller_values = {
        "enterprises_checked": merchants_checked,
        "ordered_to_rectify": len(sellers_with["rectification_ordered"]),
        "interviewed": len(sellers_with["interviewed"]),
        "cases": len(violations),
        "referred_police": police,
        "referred_sites": len(sites),
        "exposed": len(sellers_with["exposed"]),
    }
    rows = (
        FormRow(*FORM1_ROWS[0], tuple(seller_values.get(c.key) for c in FORM1_COLUMNS)),
        FormRow(*FORM1_ROWS[1], tuple(None for _ in FORM1_COLUMNS)),
    )
    notes = (
        ("行政处罚情况及第三方平台行由药品监督管理部门填写，本平台留空（空白表示不适用或未知，不表示零）。",
         "Penalties and the platform row are the bureau's to fill; blank means not applicable or unknown, not zero."),
        ("监督检查企业数为本期本地区经本平台资质核验（入驻审核、定期复核、到期巡检）的入驻企业数。",
         "Enterprises checked: sellers in the region whose qualifications the platform checked in the period."),
    )
    return Form("form1", "附件1", "Attachment 1", "医疗器械“清网”行动监督检查情况表",
                "Medical device 'Clean Web' action: supervision and inspection", "单位名称（公章）",
                "Organisation (seal)", platform.name, "日期", "Date", day, FORM1_COLUMNS, rows, notes)


def build_form2(platform: PlatformFacts, leads: Sequence[LeadFacts], violations: Iterable[ViolationFacts],
                day: date, unplaced: int = 0) -> Form:
    """附件2 网络监测处置情况表 (counts: see the module docstring)."""
    by_id = {v.id: v for v in violations}
    rows = []
    for source in FORM2_SOURCES:
        own = [lead for lead in leads if lead.source == source]
        rectified: set[str] = set()
        cases: set[str] = set()
        police = sites = 0
        for lead in own:
            found = [by_id[i] for i in lead.violation_ids if i in by_id]
            cases.update(lead.violation_ids)
            kinds = {a.kind for a in lead.actions} | {a.kind for v in found for a in v.actions}
            if "rectification_ordered" in kinds:
                rectified.update(v.merchant.id for v in found if v.has_action("rectification_ordered"))
                if lead.merchant_id and any(a.kind == "rectification_ordered" for a in lead.actions):
                    rectified.add(lead.merchant_id)
            police += "referred_police" in kinds
            sites += "referred_cyberspace" in kinds
        key_ids = [lead.id for lead in own if lead.key_case]
        values = {
            "leads": len(own),
            "feedback": sum(1 for lead in own if lead.answered),
            "ordered_to_rectify": len(rectified),
            "cases": len(cases),
            "referred_police": police,
            "referred_sites": sites,
            "key_cases": f"{len(key_ids)}件：{'、'.join(key_ids)}" if key_ids else "无",
        }
        zh, en = LEAD_SOURCES[source]
        rows.append(FormRow(source, zh, en, tuple(values.get(c.key) for c in FORM2_COLUMNS)))
    others = Counter(lead.source for lead in leads if lead.source not in FORM2_SOURCES)
    notes = [("行政处罚情况由药品监督管理部门填写，本平台留空（空白不表示零）。",
              "Penalties are the bureau's to fill; blank is not zero.")]
    if others:
        notes.append(((f"本期另有平台自行监测线索{others['platform_monitoring']}条、投诉举报线索{others['complaint']}条，"
                       f"不属本表三类来源，其发现的违法违规行为已计入附件1和案件清单。"),
                      (f"Outside this form's three sources: leads from the platform's own monitoring "
                       f"{others['platform_monitoring']}, complaints {others['complaint']}; what they found is in "
                       f"attachment 1 and the case list.")))
    if unplaced:
        notes.append((f"另有{unplaced}条线索所在地区不明，未计入本表。",
                      f"Leads whose region is unknown, not counted here: {unplaced}."))
    return Form("form2", "附件2", "Attachment 2", "网络监测处置情况表", "Online monitoring and disposal",
                "填报单位", "Reporting organisation", platform.name, "日期", "Date", day, FORM2_COLUMNS,
                tuple(rows), tuple(notes))


def _when(moment: datetime) -> str:
    """``2026-11-03 10:05:00+08:00``: ISO 8601 in Beijing time, readable in a spreadsheet."""
    return moment.astimezone(CHINA_TZ).isoformat(" ", "seconds")


def _action_text(action, when: Callable[[datetime], str] = _when) -> str:
    text = f"{when(action.at)} {label(ACTION_KINDS, action.kind)}"
    if action.deadline is not None:
        text += f"（期限{when(action.deadline)}）"
    return text + (f"（{action.note}）" if action.note else "")


def build_case_rows(violations: Sequence[ViolationFacts], bureau_of: Callable[[str], Bureau]) -> list[tuple]:
    """The case list rows (CASE_COLUMNS), one per violation, in the order given. ``bureau`` is the
    seller's municipal bureau (REG21 Art 46), whatever rule the report itself was routed by.

    Built for 100,000 rows: a seller's cells are formatted once however many cases it has, and
    the bureau lookup is cached by the directory.
    """
    sep = LIST_SEPARATOR
    merchant_cells: dict[int, tuple] = {}
    # A case's actions are mostly taken at the moment it was detected: each moment is formatted
    # once (a timezone conversion and an isoformat, 340,000 of them over 100,000 cases).
    moments: dict[datetime, str] = {}

    def when(moment: datetime) -> str:
        text = moments.get(moment)
        if text is None:
            text = moments[moment] = _when(moment)
        return text

    def action_text(action) -> str:
        return _action_text(action, when)

    def bureau_name(region: str) -> str:
        # A seller whose region is unknown or not a mainland code has no bureau to name: blank.
        try:
            return bureau_of(region).name_zh if region else ""
        except RoutingError:
            return ""

    rows = []
    for seq, v in enumerate(violations, 1):
        m = v.merchant
        cells = merchant_cells.get(id(m))
        if cells is None:
            licences = sep.join(f"{DOC_NAMES.get(lic.kind, (lic.kind,))[0]}：{lic.number}" for lic in m.licences)
            cells = (m.name, m.uscc, m.external_id, m.shop_name or "", m.shop_url or "", m.region or "", licences,
                     bureau_name(m.region))
            merchant_cells[id(m)] = cells
        p = v.product
        if p is None:
            product = ("", "", "", "not_applicable")
        else:
            match = "unchecked" if p.registry_match is None else ("yes" if p.registry_match else "no")
            product = (p.name, p.model or "", p.registration_number or "", match)
        e = v.evidence
        rows.append((seq, v.id, when(v.detected_at), *cells[:-1], *product, v.type.key,
                     sep.join(r.code for r in v.reasons), v.tier, sep.join(map(action_text, v.actions)),
                     v.rectification_status, v.status, e.listing_url or "", sep.join(e.document_sha256s),
                     e.snapshot_id or (p.snapshot_id if p and p.snapshot_id else ""), sep.join(e.decision_ids),
                     sep.join(e.chain_hashes), cells[-1]))
    return rows


# --- the immediate report -------------------------------------------------------------------

@dataclass(frozen=True)
class ReportField:
    key: str
    zh: str
    en: str
    value: str | None  # display text; None when the platform has nothing to put there


@dataclass(frozen=True)
class ReportSection:
    key: str
    zh: str
    en: str
    fields: tuple[ReportField, ...]


@dataclass(frozen=True)
class ImmediateReport:
    """One serious violation, reported at once (立即报告, REG21 Art 46; GSP-NET Arts 42, 45)."""

    title_zh: str
    title_en: str
    violation_id: str
    reported_at: datetime
    bureaus: tuple[Bureau, ...]
    sections: tuple[ReportSection, ...]
    violation: ViolationFacts
    platform: PlatformFacts

    def field(self, key: str) -> ReportField:
        return next(f for s in self.sections for f in s.fields if f.key == key)


_RULE_BASIS = {
    "seller_municipal": "《医疗器械监督管理条例》第四十六条：报告销售者所在地设区的市级负责药品监督管理的部门",
    "platform_provincial": "《医疗器械网络销售监督管理办法》第二十二条、第二十六条：报告平台所在地省级药品监督管理部门",
    "region": "报告地区的主管药品监督管理部门",
}


def _region_text(directory: DivisionDirectory, code: str | None) -> str | None:
    if not code:
        return None  # the seller's region is unknown: the field stays blank
    try:
        name = directory.region_name(code)  # a county code's name already carries the code
    except RoutingError:
        return code
    return name if code in name else f"{name}（{code}）"


def _basis(bureau: Bureau) -> str:
    if bureau.rule == "platform_provincial" or (bureau.rule == "both" and bureau.level == "provincial"):
        return _RULE_BASIS["platform_provincial"]
    return _RULE_BASIS["region" if bureau.rule == "region" else "seller_municipal"]


def build_immediate_report(*, platform: PlatformFacts, violation: ViolationFacts, bureaus: Sequence[Bureau],
                           reported_at: datetime, directory: DivisionDirectory | None = None) -> ImmediateReport:
    """The immediate report for one violation, with the GSP-NET Art 39/41/42/46 content.

    Owed for a ``stop_and_report`` violation, and for a ``correct_then_report`` one whose
    rectification is overdue (Art 42 ¶1: not corrected -> report). Anything else raises ValueError:
    reporting a minor violation still inside its deadline is not what the law asks.
    """
    v = violation
    if not (v.tier == "stop_and_report" or (v.tier == "correct_then_report" and v.rectification_status == "overdue")):
        raise ValueError(f"违法行为{v.id}（{v.tier}，{v.rectification_status}）无需立即报告 / "
                         f"violation {v.id} ({v.tier}, {v.rectification_status}) owes no immediate report")
    if reported_at.tzinfo is None:
        raise ValueError("reported_at 缺少时区 / reported_at has no time zone")
    if not bureaus:
        raise ValueError("没有报送机关 / no bureau to report to")
    directory = directory or default_directory()
    m, p, e = v.merchant, v.product, v.evidence
    lines = "\n".join

    def bureau_text(b: Bureau) -> str:
        return (b.name_zh + ("（未能确定设区的市级部门，报省级部门）" if b.fallback else "")
                + ("（名称依命名规则生成，待核实）" if not b.confirmed else ""))

    rectification_deadlines = [a.deadline for a in v.actions if a.kind == "rectification_ordered" and a.deadline]
    sections = (
        ReportSection("platform", "一、报告单位", "Reporting platform", (
            ReportField("platform_name", "平台名称", "platform", platform.name),
            ReportField("platform_uscc", "统一社会信用代码", "unified social credit code", platform.uscc),
            ReportField("platform_filing_number", "平台备案编号", "platform filing number", platform.filing_number),
            ReportField("contact_person", "联系人", "contact person", platform.contact_person),
            ReportField("contact_phone", "联系电话", "telephone", platform.contact_phone),
        )),
        ReportSection("bureau", "二、报送机关", "Reported to", (
            ReportField("bureaus", "报送机关", "bureau", lines(bureau_text(b) for b in bureaus)),
            ReportField("routing_basis", "报送依据", "basis", lines(dict.fromkeys(map(_basis, bureaus)))),
        )),
        ReportSection("merchant", "三、涉事企业（入驻企业档案）", "Seller (the Art 39 file)", (
            ReportField("merchant_name", "企业名称", "name", m.name),
            ReportField("merchant_uscc", "统一社会信用代码", "unified social credit code", m.uscc),
            ReportField("merchant_external_id", "平台内唯一标识", "platform seller id", m.external_id),
            ReportField("merchant_address", "住所/经营场所", "address", m.address),
            ReportField("shop_name", "店铺名称", "shop", m.shop_name),
            ReportField("shop_url", "店铺链接", "shop URL", m.shop_url),
            ReportField("licences", "许可/备案编号", "licence and filing numbers",
                        lines(f"{DOC_NAMES.get(x.kind, (x.kind,))[0]}：{x.number}" for x in m.licences) or None),
            ReportField("merchant_region", "所在地区", "region", _region_text(directory, m.region)),
        )),
        ReportSection("product", "四、涉事产品", "Product", (
            ReportField("product_name", "产品名称", "product", p.name if p else None),
            ReportField("model", "型号规格", "model", p.model if p else None),
            ReportField("registration_number", "标称注册证/备案编号", "registration or filing number claimed",
                        p.registration_number if p else None),
            ReportField("registry_match", "与国家药监局/UDI数据比对", "checked against NMPA / UDI data",
                        None if p is None else label(REGISTRY_MATCH_LABELS, "unchecked" if p.registry_match is None
                                                     else ("yes" if p.registry_match else "no"))),
            ReportField("snapshot_id", "比对数据版本", "registry snapshot", (p.snapshot_id if p else None) or e.snapshot_id),
        )),
        ReportSection("violation", "五、违法违规情形", "Violation", (
            ReportField("violation_id", "案件编号", "case id", v.id),
            ReportField("violation_type", "违法违规类型", "violation type", v.type.zh),
            ReportField("basis", "依据", "basis", v.type.basis or None),
            ReportField("tier", "处置分级", "legal tier", label(TIER_LABELS, v.tier)),
            ReportField("reasons", "发现的问题", "findings",
                        lines(f"{r.code}：{r.message}" if r.message else r.code for r in v.reasons)),
            ReportField("detected_at", "发现时间", "detected at", _when(v.detected_at)),
        )),
        ReportSection("evidence", "六、证据", "Evidence", (
            ReportField("listing_url", "商品链接", "listing URL", e.listing_url),
            ReportField("document_sha256", "证照文件SHA-256", "document SHA-256", lines(e.document_sha256s) or None),
            ReportField("decision_ids", "决定编号", "decision ids", lines(e.decision_ids) or None),
            ReportField("chain_hashes", "存证哈希", "evidence-chain hashes", lines(e.chain_hashes) or None),
        )),
        ReportSection("actions", "七、已采取的措施", "Actions taken", (
            ReportField("actions", "措施及时间", "actions and times", lines(map(_action_text, v.actions)) or None),
        )),
        ReportSection("rectification", "八、整改情况", "Rectification", (
            ReportField("rectification_status", "整改状态", "status", label(RECTIFICATION_LABELS, v.rectification_status)),
            ReportField("rectification_deadline", "整改期限", "deadline",
                        _when(max(rectification_deadlines)) if rectification_deadlines else None),
            ReportField("reported_at", "报告时间", "reported at", _when(reported_at)),
        )),
    )
    return ImmediateReport(
        title_zh="医疗器械网络交易违法行为报告", title_en="Report of an online medical-device trading violation",
        violation_id=v.id, reported_at=reported_at, bureaus=tuple(bureaus), sections=sections, violation=v,
        platform=platform)
