from __future__ import annotations

import marshmallow as ma

from gateway.reports.models import CADENCES, CHANNEL_KINDS, FORMATS, REPORT_KINDS
from gateway.violations.schemas import BureauSchema

_REGION = ma.validate.Regexp(r"^\d{6}$", error="region must be a 6-digit division code")


class ReportCreateSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    region = ma.fields.String(required=True, validate=_REGION, metadata={
        "description": "6位行政区划代码 / 6-digit division code; a province code (440000) covers its cities"})
    period = ma.fields.String(required=True, validate=ma.validate.Length(min=4, max=16), metadata={
        "description": "统计期间 / period: 2026-11 (month), 2026-Q4 (quarter) or 2026 (year), Beijing time"})


class ReportAcceptedSchema(ma.Schema):
    id = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"description": "queued, generated or failed"})


class StoredFileSchema(ma.Schema):
    sha256 = ma.fields.String()
    bytes = ma.fields.Integer()
    media_type = ma.fields.String()
    filename = ma.fields.String()


class ReportListQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    kind = ma.fields.String(validate=ma.validate.OneOf(REPORT_KINDS))
    region = ma.fields.String(validate=_REGION)
    period = ma.fields.String(validate=ma.validate.Length(min=4, max=16))
    status = ma.fields.String(validate=ma.validate.OneOf(["queued", "generated", "failed"]))


class ReportSchema(ma.Schema):
    id = ma.fields.String(required=True)
    kind = ma.fields.String(metadata={"description": "periodic or immediate (one stop-and-report violation)"})
    region = ma.fields.String()
    period = ma.fields.String(allow_none=True)
    violation_id = ma.fields.String(allow_none=True)
    bureaus = ma.fields.List(ma.fields.Nested(BureauSchema), metadata={"description": "报送机关 / addressed to"})
    routing_rule = ma.fields.String()
    status = ma.fields.String(required=True, metadata={"description": "queued, generated or failed"})
    error = ma.fields.String(allow_none=True)
    files = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(StoredFileSchema), metadata={
        "description": "xlsx, pdf, json: SHA-256, size and name of each file, once generated"})
    case_count = ma.fields.Integer(allow_none=True)
    case_digest = ma.fields.String(allow_none=True, metadata={
        "description": "SHA-256 of the case list (printed in the PDF; ties the three files together)"})
    requested_by = ma.fields.String()
    created_at = ma.fields.DateTime()
    generated_at = ma.fields.DateTime(allow_none=True)


class FileQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    format = ma.fields.String(load_default="xlsx", validate=ma.validate.OneOf(FORMATS))


class ReportDeliverySchema(ma.Schema):
    id = ma.fields.String()
    channel_id = ma.fields.String()
    subject_type = ma.fields.String()
    subject_id = ma.fields.String()
    title = ma.fields.String()
    status = ma.fields.String(metadata={"description": "pending, delivered or failed"})
    attempts = ma.fields.Integer()
    attempt_log = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "每次投递 / each attempt: {at, ok, error, ms}; error: timeout, refused, connection, tls, dns, "
                       "forbidden_address, auth, rejected, `HTTP <status>`, `S3 <code>`, file_missing"})
    receipt = ma.fields.Dict(allow_none=True, metadata={
        "description": "回执 / receipt: {channel_id, kind, answer (what the channel said), delivered_at, "
                       "files: {format: sha256}}"})
    created_at = ma.fields.DateTime()
    delivered_at = ma.fields.DateTime(allow_none=True)
    last_error = ma.fields.String(allow_none=True)


class ChannelCreateSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(CHANNEL_KINDS))
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=120))
    region = ma.fields.String(allow_none=True, validate=_REGION, metadata={
        "description": "reports of this region (and the cities inside it); null: every region"})
    report_kinds = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(REPORT_KINDS + ("lead_answer",))),
                                  metadata={"description": "default: periodic and immediate"})
    formats = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(FORMATS)),
                             metadata={"description": "default: xlsx, pdf and json"})
    enabled = ma.fields.Boolean()
    config = ma.fields.Dict(required=True, metadata={"description": (
        "s3: {bucket, prefix?, endpoint_url?, region?, access_key_id?}; "
        "smtp: {host, port?, security? (starttls|ssl|none), sender, recipients[], username?}; "
        "https: {url}")})
    secret = ma.fields.String(load_only=True, validate=ma.validate.Length(min=1, max=500), metadata={
        "description": "s3: secret access key; smtp: password (write-only; https channels get a generated "
                       "signing secret instead)"})


class ChannelUpdateSchema(ChannelCreateSchema):
    kind = ma.fields.String(dump_only=True)
    config = ma.fields.Dict()


class ChannelSchema(ma.Schema):
    id = ma.fields.String()
    kind = ma.fields.String()
    name = ma.fields.String()
    region = ma.fields.String(allow_none=True)
    report_kinds = ma.fields.List(ma.fields.String())
    formats = ma.fields.List(ma.fields.String())
    config = ma.fields.Dict()
    has_secret = ma.fields.Boolean()
    signing_secret = ma.fields.String(metadata={"description": "https: the whsec_… signing secret, shown once"})
    enabled = ma.fields.Boolean()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class ScheduleSetSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    cadence = ma.fields.String(load_default="monthly", validate=ma.validate.OneOf(CADENCES))
    enabled = ma.fields.Boolean(load_default=True)


class ScheduleSchema(ma.Schema):
    region = ma.fields.String()
    cadence = ma.fields.String()
    enabled = ma.fields.Boolean()
    last_period = ma.fields.String(allow_none=True, metadata={"description": "the latest period already requested"})
    updated_at = ma.fields.DateTime()
