"""Key fields of each document type (design §4), read from label/value pairs.

Each field names the labels that introduce it on real certificates and a parser that
turns the printed text into the normalised value. A value that fails its parser is
kept, marked ``valid: false`` with the problem, never dropped.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from verifiers.documents import values
from verifiers.documents.layout import Segment, continuation, find_segments, label_pattern
from verifiers.documents.model import Field, Page

Parser = Callable[[str], "values.Parsed"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    labels: tuple[str, ...]
    parse: Parser
    multiline: bool = False


NUMBER_LABELS = ("许可证编号", "备案编号", "注册证编号", "备案号", "证书编号", "编号", "登记编号")
DATE_ISSUED = ("发证日期", "批准日期", "备案日期", "登记日期", "发证时间", "出具日期")
ISSUER = ("发证部门", "发证机关", "审批部门", "备案部门", "登记机关", "备案机关", "发证单位")
COMMON_STOPS = ("经营方式", "库房地址", "生产地址", "结构及组成", "适用范围", "预期用途", "附件", "备注",
                "其他内容", "网站名称", "网址", "域名", "IP地址", "类型", "注册资本", "成立日期", "营业期限",
                "经营场所", "产品描述", "主要组成成分", "产品储存条件及有效期", "变更情况", "生产国或地区")

_uscc = FieldSpec("uscc", ("统一社会信用代码", "社会信用代码", "信用代码"), values.uscc)
_legal = FieldSpec("legal_representative", ("法定代表人", "法定代表人（负责人）", "法定代表人(负责人)"), values.person)
_manager = FieldSpec("manager", ("企业负责人", "负责人"), values.person)
_issuer = FieldSpec("issuer", ISSUER, values.issuer)
_issued = FieldSpec("issued_on", DATE_ISSUED, values.date_value)
_valid = FieldSpec("valid_until", ("有效期限", "有效期至", "有效期"), values.valid_until)
_address = FieldSpec("address", ("住所", "企业住所", "注册地址", "经营场所"), values.text, multiline=True)

TYPE_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "business_licence": (
        FieldSpec("name", ("名称", "企业名称"), values.name),
        _uscc, FieldSpec("legal_representative", ("法定代表人", "经营者", "负责人", "执行事务合伙人"), values.person),
        FieldSpec("address", ("住所", "经营场所", "主要经营场所"), values.text, multiline=True),
        FieldSpec("issued_on", ("成立日期", "注册日期"), values.date_value),
        FieldSpec("valid_until", ("营业期限", "经营期限"), values.valid_until),
        _issuer,
    ),
    "device_business_licence": (
        FieldSpec("number", NUMBER_LABELS, values.number), FieldSpec("name", ("企业名称", "名称"), values.name),
        _uscc, _legal, _manager, _address,
        FieldSpec("scope", ("经营范围",), values.scope, multiline=True), _issuer, _issued, _valid,
    ),
    "class2_business_filing": (
        FieldSpec("number", NUMBER_LABELS, values.number), FieldSpec("name", ("企业名称", "名称"), values.name),
        _uscc, _legal, _manager, _address,
        FieldSpec("scope", ("经营范围",), values.scope, multiline=True), _issuer, _issued,
    ),
    "registration_certificate": (
        FieldSpec("number", ("注册证编号", "注册证号", "编号"), values.number),
        FieldSpec("registrant", ("注册人名称", "注册人"), values.name),
        FieldSpec("address", ("注册人住所",), values.text, multiline=True),
        FieldSpec("product_name", ("产品名称",), values.text),
        FieldSpec("models", ("型号、规格", "型号，规格", "型号,规格", "型号规格", "规格型号", "型号"), values.models,
                  multiline=True),
        _issuer, _issued, _valid,
    ),
    "class1_filing": (
        FieldSpec("number", ("备案编号", "备案号"), values.number),
        FieldSpec("registrant", ("备案人名称", "备案人"), values.name),
        FieldSpec("address", ("备案人住所", "住所"), values.text, multiline=True),
        FieldSpec("product_name", ("产品名称",), values.text),
        FieldSpec("models", ("型号、规格", "型号规格", "规格型号", "包装规格", "型号"), values.models, multiline=True),
        _issuer, _issued,
    ),
    "production_licence": (
        FieldSpec("number", NUMBER_LABELS, values.number), FieldSpec("name", ("企业名称", "名称"), values.name),
        _uscc, _legal, _manager, _address,
        FieldSpec("scope", ("生产范围",), values.scope, multiline=True), _issuer, _issued, _valid,
    ),
    "online_sales_filing": (
        FieldSpec("number", ("备案编号", "备案号", "编号"), values.number),
        FieldSpec("name", ("企业名称", "名称"), values.name), _uscc, _legal,
        FieldSpec("address", ("住所", "企业住所"), values.text, multiline=True),
        _issuer, _issued,
    ),
}


def _all_labels(specs) -> list[str]:
    return [label for spec in specs for label in spec.labels] + list(COMMON_STOPS)


def _best_segment(segments: list[Segment]) -> Segment | None:
    filled = [s for s in segments if s.value]
    return max(filled, key=lambda s: (len(s.label), s.confidence)) if filled else None


def extract_fields(doc_type: str, pages: list[Page]) -> dict[str, Field]:
    specs = TYPE_FIELDS.get(doc_type, ())
    stops = label_pattern(_all_labels(specs))
    fields: dict[str, Field] = {}
    for spec in specs:
        other_labels = [label for s in specs if s is not spec for label in s.labels] + list(COMMON_STOPS)
        candidates: list[Segment] = []
        for page in pages:
            for segment in find_segments(page, list(spec.labels), other_labels):
                if spec.multiline:
                    segment = continuation(page, segment, stops)
                candidates.append(segment)
        segment = _best_segment(candidates)
        if segment is None:
            continue
        parsed = spec.parse(segment.value)
        fields[spec.name] = Field(value=parsed.value, confidence=segment.confidence, page=segment.page,
                                  box=segment.box, raw=segment.value, valid=parsed.problem is None,
                                  problem=parsed.problem, corrections=parsed.corrections)
    return fields

