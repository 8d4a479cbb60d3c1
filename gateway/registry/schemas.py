from __future__ import annotations

import marshmallow as ma


class ScopeItemSchema(ma.Schema):
    class_ = ma.fields.Integer(data_key="class", attribute="class", metadata={"description": "1, 2 or 3"})
    category = ma.fields.String(metadata={"description": "2017 catalogue sub-catalogue code, e.g. 14"})
    excluded = ma.fields.Boolean(metadata={"description": "true: the scope excludes this item (不含…)"})


class SnapshotRefSchema(ma.Schema):
    id = ma.fields.String()
    completed_at = ma.fields.DateTime(allow_none=True)


class DeviceRecordSchema(ma.Schema):
    """A registration certificate (注册证) or Class I filing (备案凭证) as imported."""

    number = ma.fields.String(required=True)
    kind = ma.fields.String(metadata={"description": "registration or filing"})
    class_ = ma.fields.Integer(data_key="class", attribute="class")
    product_name = ma.fields.String()
    registrant = ma.fields.String(allow_none=True)
    registrant_uscc = ma.fields.String(allow_none=True)
    models = ma.fields.List(ma.fields.String())
    category_code = ma.fields.String(allow_none=True)
    approved_on = ma.fields.String(allow_none=True, metadata={"format": "date"})
    valid_until = ma.fields.String(allow_none=True, metadata={"format": "date"})
    status = ma.fields.String(metadata={"description": "active, cancelled or revoked"})
    issuer = ma.fields.String(allow_none=True)
    in_date = ma.fields.Boolean(metadata={"description": "有效期内（今日） / valid today"})
    snapshot = ma.fields.Nested(SnapshotRefSchema, metadata={"description": "最近修改此记录的数据快照"})
    registry_version = ma.fields.String(allow_none=True, metadata={"description": "当前最新数据快照"})


class EnterpriseRecordSchema(ma.Schema):
    number = ma.fields.String(required=True)
    kind = ma.fields.String()
    holder = ma.fields.String()
    uscc = ma.fields.String(allow_none=True)
    region = ma.fields.String(allow_none=True)
    scope = ma.fields.List(ma.fields.Nested(ScopeItemSchema))
    issued_on = ma.fields.String(allow_none=True, metadata={"format": "date"})
    valid_until = ma.fields.String(allow_none=True, metadata={"format": "date"})
    issuer = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    address = ma.fields.String(allow_none=True)
    in_date = ma.fields.Boolean()
    snapshot = ma.fields.Nested(SnapshotRefSchema)


class EnterpriseLookupSchema(ma.Schema):
    query = ma.fields.String(required=True)
    matched_by = ma.fields.String(metadata={"description": "number or uscc"})
    registry_version = ma.fields.String(allow_none=True)
    records = ma.fields.List(ma.fields.Nested(EnterpriseRecordSchema))


class SnapshotSchema(ma.Schema):
    id = ma.fields.String()
    status = ma.fields.String()
    created_at = ma.fields.DateTime()
    completed_at = ma.fields.DateTime(allow_none=True)
    format = ma.fields.String()
    sha256 = ma.fields.String(allow_none=True)
    devices = ma.fields.Integer()
    enterprises = ma.fields.Integer()
    changed_devices = ma.fields.Integer()
    changed_enterprises = ma.fields.Integer()
    rejected = ma.fields.Integer()
