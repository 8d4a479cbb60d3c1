from __future__ import annotations

import marshmallow as ma

from verifiers.registry.records import DeviceRecord, EnterpriseRecord, FieldSpec, record_fields


class ScopeItemSchema(ma.Schema):
    class_ = ma.fields.Integer(data_key="class", attribute="class", metadata={"description": "1, 2 or 3"})
    category = ma.fields.String(metadata={"description": "2017 catalogue sub-catalogue code, e.g. 14"})
    excluded = ma.fields.Boolean(metadata={"description": "true: the scope excludes this item (不含…)"})


class SnapshotRefSchema(ma.Schema):
    id = ma.fields.String()
    completed_at = ma.fields.DateTime(allow_none=True)


def _record_field(spec: FieldSpec) -> ma.fields.Field:
    """The API field of one record field, in its canonical (design §6) form."""
    options = {"required": True} if spec.required else {}
    if spec.nullable:
        options["allow_none"] = True
    metadata = {"description": spec.description} if spec.description else {}
    if spec.storage == "int":
        return ma.fields.Integer(**options, metadata=metadata)
    if spec.storage == "list":
        return ma.fields.List(ma.fields.String(), **options, metadata=metadata)
    if spec.storage == "scope":
        return ma.fields.List(ma.fields.Nested(ScopeItemSchema), **options, metadata=metadata)
    if spec.storage == "date":  # canonical dates are ISO text already
        metadata["format"] = "date"
    return ma.fields.String(**options, metadata=metadata)


def record_schema(record_type: type) -> type[ma.Schema]:
    """A schema of a record's canonical form, its fields derived from the record's declaration."""
    return ma.Schema.from_dict({spec.canonical: _record_field(spec) for spec in record_fields(record_type)
                                if spec.canonical is not None}, name=f"{record_type.__name__}Fields")


class DeviceRecordSchema(record_schema(DeviceRecord)):
    """A registration certificate (注册证) or Class I filing (备案凭证) as imported."""

    in_date = ma.fields.Boolean(metadata={"description": "有效期内（今日） / valid today"})
    snapshot = ma.fields.Nested(SnapshotRefSchema, metadata={"description": "最近修改此记录的数据快照"})
    registry_version = ma.fields.String(allow_none=True, metadata={"description": "当前最新数据快照"})


class EnterpriseRecordSchema(record_schema(EnterpriseRecord)):
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
