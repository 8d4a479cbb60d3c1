"""Key fields of each document type (design §4), read from label/value pairs.

Each field names the labels that introduce it on real certificates and a parser that
turns the printed text into the normalised value. A value that fails its parser is
kept, marked ``valid: false`` with the problem, never dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from verifiers.documents import values
from verifiers.documents.layout import (Segment, compact, continuation, find_segments, label_pattern, row_neighbours,
                                        union)
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
#: The last entries are the labels with their final character lost under a seal or glare.
ISSUER = ("发证部门", "发证机关", "审批部门", "备案部门", "登记机关", "备案机关", "发证单位", "发证部", "审批部", "备案部")
COMMON_STOPS = ("经营方式", "库房地址", "生产地址", "结构及组成", "适用范围", "预期用途", "附件", "备注",
                "其他内容", "网站名称", "网址", "域名", "IP地址", "类型", "注册资本", "成立日期", "营业期限", "经营范围",
                "质量负责人", "登记机关", "证照编号",
                "经营场所", "产品描述", "主要组成成分", "产品储存条件及有效期", "变更情况", "生产国或地区")

_uscc = FieldSpec("uscc", ("统一社会信用代码", "社会信用代码", "信用代码"), values.uscc)
_legal = FieldSpec("legal_representative", ("法定代表人", "法定代表人（负责人）", "法定代表人(负责人)"), values.person)
_manager = FieldSpec("manager", ("企业负责人", "负责人"), values.person)
_issuer = FieldSpec("issuer", ISSUER, values.issuer)
_issued = FieldSpec("issued_on", DATE_ISSUED, values.date_value)
_valid = FieldSpec("valid_until", ("有效期限", "有效期至", "有效期"), values.valid_until)
#: On licences and filings the address field is 住所 (the registered domicile, which the
#: registry holds), not 经营场所 (the premises), printed beside it.
_address = FieldSpec("address", ("住所", "企业住所", "注册地址"), values.text, multiline=True)

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
        FieldSpec("scope", ("经营范围",), values.scope_for("device_business_licence"), multiline=True),
        _issuer, _issued, _valid,
    ),
    "class2_business_filing": (
        FieldSpec("number", NUMBER_LABELS, values.number), FieldSpec("name", ("企业名称", "名称"), values.name),
        _uscc, _legal, _manager, _address,
        FieldSpec("scope", ("经营范围",), values.scope_for("class2_business_filing"), multiline=True),
        _issuer, _issued,
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
        FieldSpec("uscc", ("备案人统一社会信用代码", "统一社会信用代码", "社会信用代码"), values.uscc),
        FieldSpec("address", ("备案人住所", "住所"), values.text, multiline=True),
        FieldSpec("product_name", ("产品名称",), values.text),
        FieldSpec("models", ("型号、规格", "型号规格", "规格型号", "包装规格", "型号"), values.models, multiline=True),
        _issuer, _issued,
    ),
    "production_licence": (
        FieldSpec("number", NUMBER_LABELS, values.number), FieldSpec("name", ("企业名称", "名称"), values.name),
        _uscc, _legal, _manager, _address,
        FieldSpec("scope", ("生产范围",), values.scope_for("production_licence"), multiline=True),
        _issuer, _issued, _valid,
    ),
    "online_sales_filing": (
        FieldSpec("number", ("备案编号", "备案号", "编号"), values.number),
        FieldSpec("name", ("企业名称", "名称"), values.name), _uscc, _legal, _manager,
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
        candidates: list[tuple[Segment, Page]] = []
        for page in pages:
            for segment in find_segments(page, list(spec.labels), other_labels):
                if spec.multiline:
                    segment = continuation(page, segment, stops)
                candidates.append((segment, page))
        found = _best_segment([c[0] for c in candidates])
        if found is None:
            continue
        page = next(p for seg, p in candidates if seg is found)
        parsed = spec.parse(found.value)
        if not spec.multiline and not _complete(spec, found.value, parsed):
            found, parsed = _wrapped(spec, page, found, parsed, stops)
        guessed = any(c.get("guessed") for c in parsed.corrections)
        field = Field(value=parsed.value, confidence=found.confidence * (0.8 if guessed else 1.0), page=found.page,
                      box=found.box,
                      raw=found.value, valid=parsed.problem is None, problem=parsed.problem,
                      corrections=parsed.corrections)
        if spec.name == "uscc" and not field.valid:
            field = _uscc_split_across_boxes(page, found) or field
        fields[spec.name] = field
    return _validation_guided(doc_type, fields, pages)


#: How an enterprise's name ends (its legal form or kind of establishment).
_NAME_ENDINGS = ("公司", "厂", "店", "中心", "所", "院", "社", "部", "行", "馆", "企业", "场", "站", "会", "局", ")", "）")


def _complete(spec: FieldSpec, value: str, parsed) -> bool:
    if parsed.problem is not None:
        return False
    if spec.name in ("name", "registrant"):
        return compact(value).endswith(_NAME_ENDINGS)
    return True


def _wrapped(spec: FieldSpec, page: Page, found: Segment, parsed, stops):
    """A one-line field whose value is cut short (a number or code failing its check, a
    name stopping before its legal form) continued from the line wrapped beneath it in
    its column, as narrow screens (a regulator's query page on a phone) print them;
    kept only when the joined value is whole."""
    longer = continuation(page, found, stops, max_lines=2)
    if longer.value == found.value:
        return found, parsed
    joined = spec.parse(longer.value)
    if _complete(spec, longer.value, joined):
        return longer, joined
    return found, parsed


def _uscc_split_across_boxes(page: Page, segment: Segment) -> Field | None:
    """A credit code OCR cut in two ("统一社会信用代码：9" + "1440…"): join the pieces on
    the row and keep the result only if its check character agrees."""
    if segment.line is None:
        return None
    joined = segment.value
    for neighbour in row_neighbours(page, segment.line)[:2]:
        joined += neighbour.text
        parsed = values.uscc(joined)
        if parsed.problem is None:
            return Field(value=parsed.value, confidence=min(segment.confidence, neighbour.confidence),
                         page=segment.page, box=union([segment.box, neighbour.box]), raw=joined,
                         corrections=[*parsed.corrections, {"from": segment.value, "to": parsed.value,
                                      "reason": "代码被识别为相邻的两段，合并后校验码通过 / the code was read as two "
                                                "pieces; joined, its check character agrees"}])
    return None


#: What kind of number each document type carries (identifier kinds).
NUMBER_KINDS = {"device_business_licence": ("device_business_licence",),
                "class2_business_filing": ("class2_business_filing",),
                "production_licence": ("production_licence",), "registration_certificate": ("registration",),
                "class1_filing": ("filing",), "online_sales_filing": ("online_sales_filing",)}
_NUMBERISH = re.compile(r"[\u4e00-\u9fff()（）〔〕\[\]]{1,16}\s*\d[\d\sA-Z()（）]{5,16}号?")
_USCC_RUN = re.compile(r"(?<![0-9A-Z])[0-9A-Z]{18}(?![0-9A-Z])")


def _page_candidates(pages: list[Page], pattern: re.Pattern):
    for page in pages:
        for line in page.lines:
            text = values.simplify(compact(line.text))
            for match in pattern.finditer(text):
                yield match.group(0), line, page


def _validation_guided(doc_type: str, fields: dict[str, Field], pages: list[Page]) -> dict[str, Field]:
    """Where a key identifier is missing, malformed or of the wrong kind, look for one on
    the page that passes its check (the credit-code check character; the number format
    of this document type) and take it, recording why."""
    from verifiers.identifiers import IdentifierError, identify

    wanted = NUMBER_KINDS.get(doc_type)
    current = fields.get("number")
    if wanted and not _number_of_kind(current, wanted):
        for text, line, page in _page_candidates(pages, _NUMBERISH):
            try:
                parsed = identify(values.normalise_identifier(text))
            except IdentifierError:
                continue
            if parsed.kind in wanted:
                fields["number"] = Field(
                    value=parsed.number, confidence=line.confidence, page=page.number, box=line.box, raw=line.text,
                    corrections=[{"from": current.value if current else None, "to": parsed.number,
                                  "reason": "按本类文件的编号格式在页面上找到 / found on the page by this "
                                            "document type's number format"}])
                break
    if "uscc" in _KEY_USCC_TYPES.get(doc_type, ()) and not (fields.get("uscc") and fields["uscc"].valid):
        previous = fields.get("uscc")
        for text, line, page in _page_candidates(pages, _USCC_RUN):
            parsed = values.uscc(text)
            if parsed.problem is None and not parsed.corrections:
                fields["uscc"] = Field(value=parsed.value, confidence=line.confidence, page=page.number,
                                       box=line.box, raw=line.text,
                                       corrections=[{"from": previous.value if previous else None, "to": parsed.value,
                                                     "reason": "页面上唯一通过校验码的统一社会信用代码 / the credit "
                                                               "code on the page whose check character agrees"}])
                break
    _complete_issuer_head(fields)
    return fields


def _issuer_heads(fields: dict[str, Field]) -> tuple[str, ...]:
    """How the issuer's name can begin, from where the document's number or credit code
    says it was issued: 国家 for a national number, else the province's full name."""
    from verifiers.identifiers import IdentifierError, identify
    from verifiers.identifiers.regions import province_by_abbreviation, province_by_code

    number = fields.get("number")
    if number is not None and number.valid and number.value:
        try:
            parsed = identify(number.value)
        except IdentifierError:
            parsed = None
        if parsed is not None:
            if parsed.authority == "national":
                return ("国家",)
            province = province_by_abbreviation(parsed.province) if parsed.province else None
            return (province.full_name,) if province else ()
    uscc = fields.get("uscc")
    if uscc is not None and uscc.valid and uscc.value:
        province = province_by_code(uscc.value[2:4])
        return (province.full_name,) if province else ()
    return ()


def _complete_issuer_head(fields: dict[str, Field]) -> None:
    """An issuer whose beginning was lost under the seal ("东省药品监督管理局", "京市朝阳区…")
    gets it back from the number's (or credit code's) province, when the reading starts
    with the tail of that province's name. A lone 市 is not enough: "市…" may be what is
    left of any city."""
    issuer = fields.get("issuer")
    if issuer is None or not issuer.value:
        return
    value = issuer.value
    for head in _issuer_heads(fields):
        if value.startswith(head):
            return
        for k in range(1, len(head)):
            tail = head[k:]
            if value.startswith(tail) and tail != "市":
                fixed = head[:k] + value
                issuer.corrections = [*issuer.corrections, {
                    "from": value, "to": fixed,
                    "reason": f"编号显示发证地为{head}，被印章遮住的开头已补全 / the number says the issuer is in "
                              f"{head}; the beginning lost under the seal was completed"}]
                issuer.value = fixed
                return


_KEY_USCC_TYPES = {t: ("uscc",) for t in ("business_licence", "device_business_licence", "class2_business_filing",
                                          "production_licence", "online_sales_filing")}


def _number_of_kind(field: Field | None, kinds: tuple[str, ...]) -> bool:
    from verifiers.identifiers import IdentifierError, identify

    if field is None or not field.valid or not field.value:
        return False
    try:
        return identify(field.value).kind in kinds
    except IdentifierError:
        return False
