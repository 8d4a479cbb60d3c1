"""The answer to the bureau about one lead (线索核查处置情况反馈), in JSON, XLSX and PDF.

A bureau that sent a lead expects it back with what was verified and what was done, traceable
through 监测—分办—核查—反馈 (domain.md §8). The answer says: who answers (the platform); the lead
as the bureau sent it (its number, source, what it said, when it arrived, its deadline); whom it
concerned (the merchants and listings matched, and on what evidence); what the verification
found and which violations it raised; the actions taken and when; the evidence by reference
(file hashes, decision ids, evidence-chain hashes); and the lead's history step by step, with
whether the answer came in time. The same sections render in every format.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import orjson
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

from verifiers.leads.states import DISPOSAL_ACTIONS
from verifiers.reports.forms import ReportField, ReportSection
from verifiers.reports.model import LEAD_SOURCES, LEAD_STATES, PlatformFacts, ViolationFacts, label
from verifiers.reports.periods import CHINA_TZ
from verifiers.reports.render_pdf import render_sections

SCHEMA = "qingwang.lead-answer/1"
CELL_LIMIT = 32767  # Excel's characters in one cell
TITLE = ("线索核查处置情况反馈", "Answer to the bureau: verification and disposal of a lead")
SUBJECT_LABELS = {
    "shop_name": "店铺名称", "shop_url": "店铺链接", "uscc": "统一社会信用代码", "enterprise_name": "企业名称",
    "listing_external_id": "商品编号", "listing_url": "商品链接", "product_name": "产品名称",
    "registration_number": "注册证/备案编号",
}
STEP_LABELS = {
    "transition": ("状态变更", "moved"), "overdue": ("超期提醒", "overdue"), "matched": ("比对", "matched"),
    "answer_generated": ("生成反馈", "answer generated"), "answer_delivered": ("反馈送达", "answer delivered"),
}


@dataclass(frozen=True)
class MatchedSubject:
    """A merchant (and listing) the lead was matched to, as the answer names it."""

    kind: str  # merchant | listing
    confidence: float
    fields: tuple[str, ...]  # the subject fields that agreed
    merchant_name: str
    uscc: str
    merchant_external_id: str
    shop_name: str | None = None
    listing_external_id: str | None = None
    listing_title: str | None = None
    registration_number: str | None = None


@dataclass(frozen=True)
class LeadStep:
    at: datetime
    kind: str  # a STEP_LABELS key
    actor: str
    from_state: str | None = None
    to_state: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class AnswerAction:
    kind: str  # a DISPOSAL_ACTIONS key
    at: datetime
    deadline: datetime | None = None
    note: str | None = None


@dataclass(frozen=True)
class LeadAnswerFacts:
    """Everything the answer says about one lead; the gateway fills it from its records."""

    lead_id: str
    reference: str | None
    source: str
    region: str
    region_name: str
    received_at: datetime
    due_at: datetime
    description: str
    subject: dict
    state: str
    reviewer: str | None
    finding: str | None
    actions: tuple[AnswerAction, ...]
    answered_at: datetime
    matches: tuple[MatchedSubject, ...] = ()
    violations: tuple[ViolationFacts, ...] = ()
    violation_ids: tuple[str, ...] = ()  # as linked (those with facts are in ``violations``)
    document_sha256s: tuple[str, ...] = ()  # the files the bureau sent with the lead
    steps: tuple[LeadStep, ...] = ()
    key_case: bool = False

    def __post_init__(self):
        for name in ("received_at", "due_at", "answered_at"):
            if getattr(self, name).utcoffset() is None:
                raise ValueError(f"{name} has no time zone")


@dataclass(frozen=True)
class LeadAnswer:
    platform: PlatformFacts
    facts: LeadAnswerFacts
    sections: tuple[ReportSection, ...] = ()
    title_zh: str = TITLE[0]
    title_en: str = TITLE[1]

    @property
    def in_time(self) -> bool:
        return self.facts.answered_at <= self.facts.due_at

    def field(self, key: str) -> ReportField:
        return next(f for s in self.sections for f in s.fields if f.key == key)


def _when(moment: datetime | None) -> str | None:
    return moment.astimezone(CHINA_TZ).isoformat(" ", "seconds") if moment else None


def _lines(items) -> str | None:
    text = "\n".join(i for i in items if i)
    return text or None


def _match_text(m: MatchedSubject) -> str:
    seller = f"{m.merchant_name}（{m.uscc}，平台内标识 {m.merchant_external_id}" + (f"，店铺 {m.shop_name}" if m.shop_name else "") + "）"
    listing = (f"；商品 {m.listing_external_id} {m.listing_title or ''}".rstrip()
               + (f"（{m.registration_number}）" if m.registration_number else "")) if m.kind == "listing" else ""
    basis = "、".join(SUBJECT_LABELS.get(f, f) for f in m.fields)
    return f"{seller}{listing}；比对依据：{basis}；置信度 {m.confidence:.2f}"


def _action_text(a: AnswerAction) -> str:
    text = f"{_when(a.at)} {label(DISPOSAL_ACTIONS, a.kind)}"
    if a.deadline:
        text += f"（期限 {_when(a.deadline)}）"
    return text + (f"：{a.note}" if a.note else "")


def _step_text(s: LeadStep) -> str:
    what = label(STEP_LABELS, s.kind)
    if s.kind == "transition" and s.to_state:
        what = f"{label(LEAD_STATES, s.from_state) if s.from_state else ''}→{label(LEAD_STATES, s.to_state)}"
    return f"{_when(s.at)} {what}（{s.actor}）" + (f"：{s.reason}" if s.reason else "")


def build_answer(platform: PlatformFacts, facts: LeadAnswerFacts) -> LeadAnswer:
    """The answer's sections, in the order a bureau reads them."""
    f = facts
    violation_lines = [f"{v.id}：{v.type.zh}（{'、'.join(r.code for r in v.reasons)}）" for v in f.violations]
    known = {v.id for v in f.violations}
    violation_lines += [i for i in f.violation_ids if i not in known]
    evidence = [e for v in f.violations for e in (v.evidence.listing_url, *v.evidence.document_sha256s,
                                                  *v.evidence.decision_ids, *v.evidence.chain_hashes)]
    late = f.answered_at > f.due_at
    sections = (
        ReportSection("platform", "一、反馈单位", "Answering platform", (
            ReportField("platform_name", "平台名称", "platform", platform.name),
            ReportField("platform_uscc", "统一社会信用代码", "unified social credit code", platform.uscc or None),
            ReportField("platform_filing_number", "平台备案编号", "platform filing number", platform.filing_number or None),
            ReportField("contact_person", "联系人", "contact person", platform.contact_person or None),
            ReportField("contact_phone", "联系电话", "telephone", platform.contact_phone),
        )),
        ReportSection("lead", "二、线索情况", "The lead", (
            ReportField("reference", "线索编号", "reference", f.reference or f.lead_id),
            ReportField("lead_id", "平台登记号", "platform's lead id", f.lead_id),
            ReportField("source", "线索来源", "source", label(LEAD_SOURCES, f.source)),
            ReportField("region", "涉及地区", "region", f"{f.region_name}（{f.region}）"),
            ReportField("received_at", "接收时间", "received", _when(f.received_at)),
            ReportField("due_at", "办理期限", "deadline", _when(f.due_at)),
            ReportField("subject", "线索对象", "subject",
                        _lines(f"{SUBJECT_LABELS.get(k, k)}：{v}" for k, v in f.subject.items())),
            ReportField("description", "线索内容", "what the bureau reported", f.description),
        )),
        ReportSection("matches", "三、核查对象", "Whom it concerns", (
            ReportField("matches", "比对结果", "merchants and listings matched",
                        _lines(map(_match_text, f.matches)) or "未能比对到本平台入驻企业或商品"),
        )),
        ReportSection("verification", "四、核查情况", "Verification", (
            ReportField("reviewer", "核查人员", "reviewer", f.reviewer),
            ReportField("finding", "核查结论", "finding", f.finding),
            ReportField("violations", "发现的违法违规行为", "violations found", _lines(violation_lines) or "无"),
            ReportField("key_case", "重点案件", "key case", "是" if f.key_case else "否"),
        )),
        ReportSection("actions", "五、处置措施", "Actions taken", (
            ReportField("actions", "措施及时间", "actions and times", _lines(map(_action_text, f.actions))),
        )),
        ReportSection("evidence", "六、证据", "Evidence", (
            ReportField("lead_documents", "线索附件SHA-256", "files sent with the lead (SHA-256)",
                        _lines(f.document_sha256s)),
            ReportField("violation_evidence", "违法行为证据", "evidence of the violations", _lines(evidence)),
        )),
        ReportSection("history", "七、办理过程", "History", (
            ReportField("steps", "监测—分办—核查—反馈", "monitor, assign, verify, answer", _lines(map(_step_text, f.steps))),
        )),
        ReportSection("answer", "八、反馈", "Answer", (
            ReportField("answered_at", "反馈时间", "answered", _when(f.answered_at)),
            ReportField("in_time", "是否按期", "within the deadline", "逾期反馈" if late else "按期反馈"),
        )),
    )
    return LeadAnswer(platform=platform, facts=facts, sections=sections)


def answer_dict(answer: LeadAnswer) -> dict:
    f = answer.facts
    return {
        "schema": SCHEMA,
        "title": {"zh": answer.title_zh, "en": answer.title_en},
        "lead_id": f.lead_id,
        "reference": f.reference,
        "source": f.source,
        "region": f.region,
        "received_at": f.received_at.isoformat(),
        "due_at": f.due_at.isoformat(),
        "answered_at": f.answered_at.isoformat(),
        "in_time": answer.in_time,
        "subject": f.subject,
        "matches": [{"kind": m.kind, "confidence": m.confidence, "fields": list(m.fields),
                     "merchant_name": m.merchant_name, "uscc": m.uscc, "merchant_external_id": m.merchant_external_id,
                     "listing_external_id": m.listing_external_id, "registration_number": m.registration_number}
                    for m in f.matches],
        "finding": f.finding,
        "actions": [{"kind": a.kind, "at": a.at.isoformat(), "deadline": a.deadline.isoformat() if a.deadline else None,
                     "note": a.note} for a in f.actions],
        "violation_ids": list(f.violation_ids),
        "steps": [{"at": s.at.isoformat(), "kind": s.kind, "actor": s.actor, "from": s.from_state, "to": s.to_state,
                   "reason": s.reason} for s in f.steps],
        "sections": [{"key": s.key, "zh": s.zh, "en": s.en,
                      "fields": [{"key": x.key, "zh": x.zh, "en": x.en, "value": x.value} for x in s.fields]}
                     for s in answer.sections],
    }


def render_json(answer: LeadAnswer) -> bytes:
    return orjson.dumps(answer_dict(answer), option=orjson.OPT_INDENT_2)


def _text_cell(ws, row: int, column: int, value: str | None):
    """A cell holding ``value`` as text, whatever it looks like: a bureau's description starting
    with ``=`` is not a formula, and characters XML cannot hold are dropped."""
    cell = ws.cell(row, column, ILLEGAL_CHARACTERS_RE.sub("", value)[:CELL_LIMIT] if value else None)
    if value:
        cell.data_type = "s"
    return cell


def render_xlsx(answer: LeadAnswer) -> bytes:
    """One sheet, 反馈: the title, then each section's label-value rows (blank values stay blank)."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = "反馈"
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 90
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2)
    title = _text_cell(ws, 1, 1, answer.title_zh)
    title.font, title.alignment = Font(name="宋体", size=16, bold=True), Alignment(horizontal="center")
    row = 2
    for section in answer.sections:
        _text_cell(ws, row, 1, section.zh).font = Font(name="宋体", size=12, bold=True)
        row += 1
        for f in section.fields:
            _text_cell(ws, row, 1, f.zh)
            _text_cell(ws, row, 2, f.value).alignment = Alignment(wrap_text=True, vertical="top")
            row += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render_pdf(answer: LeadAnswer, *, lang: str = "zh", font: str | None = None, font_cache=None) -> bytes:
    f = answer.facts
    return render_sections(title_zh=answer.title_zh, title_en=answer.title_en,
                           footer=f"{answer.platform.name} · {f.reference or f.lead_id}", author=answer.platform.name,
                           moment=f.answered_at, moment_label="反馈时间", sections=answer.sections, lang=lang,
                           font=font, font_cache=font_cache)


RENDERERS = {"json": render_json, "xlsx": render_xlsx, "pdf": render_pdf}
