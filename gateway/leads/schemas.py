from __future__ import annotations

import marshmallow as ma

from gateway.documents.schemas import document_ids_field
from verifiers.leads.matching import SUBJECT_FIELDS
from verifiers.leads.states import DISPOSAL_ACTIONS, SOURCES, STATES

_SUBJECT_HELP = {
    "shop_name": "店铺名称", "shop_url": "店铺链接", "uscc": "统一社会信用代码",
    "enterprise_name": "企业名称 (an extension: bureaus' sheets carry it)", "listing_external_id": "the platform's listing id",
    "listing_url": "商品链接", "product_name": "产品名称", "registration_number": "注册证/备案编号",
}


class LeadSubjectSchema(ma.Schema):
    """What the lead is about, in the bureau's terms (at least one field)."""

    class Meta:
        unknown = ma.EXCLUDE

    locals().update({name: ma.fields.String(allow_none=True, validate=ma.validate.Length(max=500),
                                            metadata={"description": _SUBJECT_HELP[name]})
                     for name in SUBJECT_FIELDS})

    @ma.validates_schema
    def _at_least_one(self, data, **kwargs):
        if not any((v or "").strip() for v in data.values()):
            raise ma.ValidationError(f"name at least one of {', '.join(SUBJECT_FIELDS)}", "_schema")


class LeadCreateSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    source = ma.fields.String(required=True, validate=ma.validate.OneOf(SOURCES),
                              metadata={"description": "线索来源: " + ", ".join(SOURCES)})
    region = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^\d{6}$"),
                              metadata={"description": "6-digit division code the lead concerns"})
    received_at = ma.fields.DateTime(required=True, metadata={
        "description": "when the platform received it (ISO 8601; without an offset, Beijing time)"})
    due_at = ma.fields.DateTime(allow_none=True, metadata={
        "description": "the bureau's deadline for the answer; default received_at + the platform's "
                       "lead_due_days setting (15)"})
    subject = ma.fields.Nested(LeadSubjectSchema, required=True)
    description = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=10000),
                                   metadata={"description": "线索内容, as the bureau wrote it"})
    document_ids = document_ids_field(load_default=list, metadata={"description": "files sent with the lead"})
    reference = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=64),
                                 metadata={"description": "the bureau's own number (线索编号); unique per platform"})
    key_case = ma.fields.Boolean(load_default=False, metadata={"description": "重点案件"})


class LeadActionSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(tuple(DISPOSAL_ACTIONS)),
                            metadata={"description": ", ".join(DISPOSAL_ACTIONS)})
    at = ma.fields.DateTime(allow_none=True, metadata={"description": "when it was done (default now)"})
    deadline = ma.fields.DateTime(allow_none=True, metadata={"description": "rectification deadline"})
    note = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=2000))


class LeadTransitionSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    to = ma.fields.String(required=True, validate=ma.validate.OneOf(STATES))
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=4000),
                              metadata={"description": "why; for `disposed`, the verification's finding"})
    reviewer = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200),
                                metadata={"description": "required for `assigned`: who verifies it"})
    by = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200),
                          metadata={"description": "the person acting (recorded; default: the API key)"})
    actions = ma.fields.List(ma.fields.Nested(LeadActionSchema), validate=ma.validate.Length(max=20),
                             metadata={"description": "required for `disposed`: what was done, or no_violation"})
    violation_ids = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=40)),
                                   validate=ma.validate.Length(max=100),
                                   metadata={"description": "for `disposed`: violations the verification found"})
    merchant_id = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=40),
                                   metadata={"description": "confirms which merchant the lead concerns"})
    key_case = ma.fields.Boolean(allow_none=True, metadata={"description": "重点案件"})


class LeadListArgsSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    state = ma.fields.String(validate=ma.validate.OneOf(STATES))
    source = ma.fields.String(validate=ma.validate.OneOf(SOURCES))
    region = ma.fields.String(validate=ma.validate.Regexp(r"^\d{6}$"),
                              metadata={"description": "a division code; a province (440000) covers its cities"})
    overdue = ma.fields.Boolean(metadata={"description": "true: open leads past their deadline"})
    match_status = ma.fields.String(validate=ma.validate.OneOf(("pending", "matched", "candidates", "unmatched",
                                                                 "confirmed")))


class LeadMatchSchema(ma.Schema):
    kind = ma.fields.String(metadata={"description": "merchant or listing"})
    merchant_id = ma.fields.String()
    merchant_external_id = ma.fields.String(allow_none=True)
    merchant_name = ma.fields.String(allow_none=True)
    listing_id = ma.fields.String(allow_none=True)
    listing_external_id = ma.fields.String(allow_none=True)
    listing_title = ma.fields.String(allow_none=True)
    confidence = ma.fields.Float(metadata={"description": "0-1; 0.9 and above is taken as certain"})
    evidence = ma.fields.List(ma.fields.Dict(), metadata={"description": "[{field, method, score, confidence}]"})


class LeadEventSchema(ma.Schema):
    kind = ma.fields.String()
    from_state = ma.fields.String(allow_none=True)
    to_state = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    actor = ma.fields.String()
    detail = ma.fields.Dict()
    at = ma.fields.DateTime()


class LeadSummarySchema(ma.Schema):
    id = ma.fields.String(required=True)
    reference = ma.fields.String(allow_none=True)
    source = ma.fields.String()
    region = ma.fields.String()
    state = ma.fields.String(metadata={"description": ", ".join(STATES)})
    reviewer = ma.fields.String(allow_none=True)
    received_at = ma.fields.DateTime()
    due_at = ma.fields.DateTime()
    due_source = ma.fields.String(metadata={"description": "bureau or platform_default"})
    overdue = ma.fields.Boolean(metadata={"description": "open and past its deadline"})
    match_status = ma.fields.String(metadata={"description": "pending, matched, candidates, unmatched or confirmed"})
    merchant_id = ma.fields.String(allow_none=True)
    subject = ma.fields.Dict()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class LeadSchema(LeadSummarySchema):
    description = ma.fields.String()
    key_case = ma.fields.Boolean()
    disposal = ma.fields.Dict(allow_none=True, metadata={"description": "{actions, finding, disposed_at, by}"})
    violation_ids = ma.fields.List(ma.fields.String())
    document_ids = ma.fields.List(ma.fields.String())
    matches = ma.fields.List(ma.fields.Nested(LeadMatchSchema))
    events = ma.fields.List(ma.fields.Nested(LeadEventSchema), metadata={"description": "its history, oldest first"})
    answer = ma.fields.Dict(allow_none=True, metadata={
        "description": "the answer to the bureau: {status, files: {json, xlsx, pdf: {sha256, bytes}}, deliveries}"})
    answered_at = ma.fields.DateTime(allow_none=True)
    closed_at = ma.fields.DateTime(allow_none=True)
    origin = ma.fields.String()


class AnswerFileArgsSchema(ma.Schema):
    format = ma.fields.String(load_default="pdf", validate=ma.validate.OneOf(("pdf", "xlsx", "json")))
