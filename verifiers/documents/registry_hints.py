"""Correcting a misread licence number with the regulator's own records.

When the number read off a licence is not on record, but the enterprise that the
same document names by its (checksum-verified) credit code holds a licence of this
kind whose number differs by one or two characters, the document almost certainly
shows that licence and OCR slipped (0/8, 6/8, 1/7). The correction is made only when
exactly one record is that close, and it is recorded with the evidence; a number that
is far from anything on record is left alone for the rules to report.
"""
from __future__ import annotations

from rapidfuzz.distance import Levenshtein

from verifiers.documents.model import Field
from verifiers.identifiers import lookup_key
from verifiers.rules.facts import Registry

KIND_FOR_TYPE = {"device_business_licence": "device_business_licence",
                 "class2_business_filing": "class2_business_filing", "production_licence": "production_licence",
                 "online_sales_filing": "online_sales_filing"}


def correct_number(doc_type: str | None, fields: dict[str, Field], registry: Registry) -> dict[str, Field]:
    kind = KIND_FOR_TYPE.get(doc_type or "")
    number, uscc = fields.get("number"), fields.get("uscc")
    if not kind or number is None or not number.value or uscc is None or not uscc.valid or not uscc.value:
        return fields
    if registry.enterprise(number.value) is not None:
        return fields
    printed = lookup_key(number.value)
    close = [f.record for f in registry.enterprises_for_uscc(uscc.value)
             if f.record.kind == kind and Levenshtein.distance(printed, f.record.key) <= 2]
    if len(close) != 1:
        return fields
    record = close[0]
    fields["number"] = Field(
        value=record.number, confidence=number.confidence, page=number.page, box=number.box, raw=number.raw,
        valid=True, corrections=[*number.corrections, {
            "from": number.value, "to": record.number,
            "reason": f"识别出的编号查无记录；该企业（{uscc.value}）名下同类许可仅此一项且仅差{Levenshtein.distance(printed, record.key)}个字符 / "
                      f"the number read is not on record; the one {kind} this credit code holds differs from it "
                      f"by {Levenshtein.distance(printed, record.key)} character(s)"}])
    return fields
