from __future__ import annotations

import marshmallow as ma

from gateway.violations import TIERS
from gateway.violations.models import ViolationAction, ViolationStatus


class ViolationQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    status = ma.fields.String(validate=ma.validate.OneOf(ViolationStatus.ALL),
                              metadata={"description": "open, reported, corrected or closed"})
    tier = ma.fields.String(validate=ma.validate.OneOf(TIERS),
                            metadata={"description": "法定处置分级 / legal tier (GSP-NET Art 42)"})
    region = ma.fields.String(validate=ma.validate.Regexp(r"^\d{6}$"), metadata={
        "description": "商户所在地行政区划代码；省级代码含其下全部市县 / the merchant's division code; a province "
                       "code such as 440000 covers its cities and districts"})
    merchant = ma.fields.String(metadata={"description": "merchant id"})
    listing = ma.fields.String(metadata={"description": "listing id"})
    code = ma.fields.String(validate=ma.validate.Length(max=40), metadata={"description": "reason code, e.g. REGNO_NOT_FOUND"})
    period = ma.fields.String(validate=ma.validate.Length(max=10), metadata={
        "description": "发现时间所在期间（北京时间） / detected in: 2026-11, 2026-Q4 or 2026 (Beijing time)"})
    page_size = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))
    cursor = ma.fields.String(validate=ma.validate.Length(max=200), metadata={
        "description": "上一页响应头 X-Next-Cursor 的值 / the X-Next-Cursor header of the previous page"})


class BureauSchema(ma.Schema):
    """A bureau a case is reported to (verifiers/reports/routing.py, ``Bureau.as_dict()``): the one
    shape for a violation's bureaus and a report's, which both store that dict (reports import it
    from here, the lower layer)."""

    code = ma.fields.String()
    level = ma.fields.String(metadata={"description": "municipal or provincial"})
    name_zh = ma.fields.String()
    name_en = ma.fields.String(allow_none=True)
    rule = ma.fields.String(metadata={"description": "seller_municipal, platform_provincial, both or region"})
    fallback = ma.fields.Boolean(metadata={"description": "no municipal bureau could be resolved; the province's"})
    confirmed = ma.fields.Boolean(metadata={"description": "false: the name follows the naming pattern (unconfirmed)"})
    division_name = ma.fields.String()
    requested = ma.fields.String()


class ViolationReasonSchema(ma.Schema):
    code = ma.fields.String()
    severity = ma.fields.String()
    tier = ma.fields.String()
    message = ma.fields.String(allow_none=True)
    message_en = ma.fields.String(allow_none=True)


class ViolationActionSchema(ma.Schema):
    kind = ma.fields.String(metadata={"description": "listing_blocked, merchant_suspended, service_stopped, "
                                                     "rectification_ordered, reported"})
    at = ma.fields.String()
    deadline = ma.fields.String()


class ViolationSchema(ma.Schema):
    id = ma.fields.String()
    merchant_id = ma.fields.String()
    listing_id = ma.fields.String(allow_none=True)
    subject_type = ma.fields.String(metadata={"description": "listing or merchant"})
    region = ma.fields.String(allow_none=True)
    bureau_code = ma.fields.String(allow_none=True, metadata={"description": "报送机关 / the bureau it is reported to"})
    bureaus = ma.fields.List(ma.fields.Nested(BureauSchema))
    codes = ma.fields.List(ma.fields.String())
    reasons = ma.fields.List(ma.fields.Nested(ViolationReasonSchema))
    tier = ma.fields.String(metadata={"description": "stop_and_report, correct_then_report or none"})
    violation_type = ma.fields.String()
    action = ma.fields.String(metadata={"description": ", ".join(ViolationAction.ALL)})
    actions = ma.fields.List(ma.fields.Nested(ViolationActionSchema))
    rectification_deadline = ma.fields.DateTime(allow_none=True)
    status = ma.fields.String(metadata={"description": ", ".join(ViolationStatus.ALL)})
    decision_ids = ma.fields.List(ma.fields.String())
    correction_decision_id = ma.fields.String(allow_none=True)
    detected_at = ma.fields.DateTime()
    reported_at = ma.fields.DateTime(allow_none=True)
    corrected_at = ma.fields.DateTime(allow_none=True)
    closed_at = ma.fields.DateTime(allow_none=True)
    updated_at = ma.fields.DateTime()


class EvidenceDocumentSchema(ma.Schema):
    id = ma.fields.String()
    sha256 = ma.fields.String()
    size = ma.fields.Integer(allow_none=True)
    media_type = ma.fields.String(allow_none=True)
    filename = ma.fields.String(allow_none=True)
    type = ma.fields.String(allow_none=True)
    status = ma.fields.String(allow_none=True)
    fields = ma.fields.Dict(allow_none=True)
    ocr = ma.fields.Dict(allow_none=True)
    processed_at = ma.fields.String(allow_none=True)


class EvidenceSchema(ma.Schema):
    id = ma.fields.String()
    captured_at = ma.fields.DateTime()
    listing = ma.fields.Dict(allow_none=True, metadata={"description": "商品信息（提交时） / the listing as submitted"})
    merchant = ma.fields.Dict(metadata={"description": "商户档案 / the merchant's file (GSP-NET Art 39)"})
    documents = ma.fields.List(ma.fields.Nested(EvidenceDocumentSchema))
    registry_records = ma.fields.Dict(metadata={"description": "{registry_version, snapshot_ids, rows}"})
    decisions = ma.fields.List(ma.fields.Dict())
    retain_until = ma.fields.DateTime()
    sha256 = ma.fields.String(metadata={"description": "SHA-256 of the evidence, entered in the audit chain"})


class AuditRefSchema(ma.Schema):
    sequence = ma.fields.Integer()
    kind = ma.fields.String()
    actor = ma.fields.String()
    created_at = ma.fields.DateTime()
    hash = ma.fields.String()


class ViolationDetailSchema(ViolationSchema):
    evidence = ma.fields.List(ma.fields.Nested(EvidenceSchema))
    audit = ma.fields.List(ma.fields.Nested(AuditRefSchema), metadata={
        "description": "审计链中的记录 / its entries in the audit chain (sequence and hash)"})


# --- the list's fast path ---------------------------------------------------------------------

def _text(value):
    return value if value is None or type(value) is str else ma.utils.ensure_text_type(value)


def _iso(value):
    return None if value is None else value.isoformat()


def _converter(field: ma.fields.Field):
    """value -> what ``field`` dumps it as: exactly marshmallow's result, without its per-value
    machinery. Field kinds not special-cased here are handed to the field itself."""
    if type(field) is ma.fields.String:
        return _text
    if type(field) is ma.fields.DateTime and field.format in (None, "iso", "iso8601"):
        return _iso
    if type(field) is ma.fields.List:
        inner = _converter(field.inner)
        return lambda value: None if value is None else [inner(each) for each in value]
    if type(field) is ma.fields.Nested and not field.many:
        dump = mapping_dumper(field.schema)
        return lambda value: None if value is None else dump(value)
    return lambda value: field._serialize(value, field.name, None)


def mapping_dumper(schema: ma.Schema):
    """A function giving what ``schema.dump(mapping)`` gives for a mapping (a dict, a row's
    ``_mapping``): the same keys in the same order, a key absent from the mapping left out, the
    same values. GET /v1/violations pages 50 rows of nested lists; marshmallow's general
    machinery was half of a page's CPU (docs/benchmarks.md). tests/gateway/test_violations_api.py
    compares the two on every field."""
    plan = tuple((field.attribute or name, field.data_key or name, _converter(field))
                 for name, field in schema.dump_fields.items())
    absent = object()

    def dump(mapping) -> dict:
        out = {}
        for attribute, key, convert in plan:
            value = mapping.get(attribute, absent)
            if value is not absent:
                out[key] = convert(value)
        return out

    return dump


#: ViolationSchema's dump for a row's mapping (the list endpoint's rows).
dump_violation = mapping_dumper(ViolationSchema())
