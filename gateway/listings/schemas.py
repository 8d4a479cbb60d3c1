from __future__ import annotations

import marshmallow as ma

from gateway.decisions.schemas import DecisionSchema
from gateway.documents.schemas import document_ids_field


class ListingCreateSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    merchant_id = ma.fields.String(required=True)
    external_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=128))
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=20000))
    registration_number = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=120),
                                           metadata={"description": "注册证编号或备案编号"})
    product_name = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=500))
    manufacturer = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=500))
    model = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=500))
    device_class = ma.fields.Integer(allow_none=True, validate=ma.validate.OneOf([1, 2, 3]))
    url = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=1000))
    document_ids = document_ids_field(metadata={"description": "certificate images to cross-check when read, "
                                                               "at most 100"})


class ListingSchema(ma.Schema):
    id = ma.fields.String(required=True)
    merchant_id = ma.fields.String()
    external_id = ma.fields.String()
    title = ma.fields.String()
    description = ma.fields.String()
    registration_number = ma.fields.String(allow_none=True)
    product_name = ma.fields.String(allow_none=True)
    manufacturer = ma.fields.String(allow_none=True)
    model = ma.fields.String(allow_none=True)
    device_class = ma.fields.Integer(allow_none=True)
    url = ma.fields.String(allow_none=True)
    outcome = ma.fields.String(allow_none=True, metadata={"description": "allow, block or review"})
    decision = ma.fields.Nested(DecisionSchema, required=True)
    document_ids = ma.fields.List(ma.fields.String())
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


#: Items per batch call: large enough to screen a catalogue quickly, small enough that one
#: call stays a few seconds and a few megabytes.
MAX_BATCH = 1000


class BatchRequestSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    items = ma.fields.List(ma.fields.Raw(), required=True, validate=ma.validate.Length(min=1, max=MAX_BATCH),
                           metadata={"description": "listings as in POST /v1/listings; each is checked on its own"})


class BatchItemErrorSchema(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String()
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    errors = ma.fields.Dict()


class BatchItemSchema(ma.Schema):
    id = ma.fields.String(metadata={"description": "the listing, when the item was decided"})
    external_id = ma.fields.String(allow_none=True)
    outcome = ma.fields.String(metadata={"description": "allow, block or review"})
    decision = ma.fields.Nested(DecisionSchema)
    error = ma.fields.Nested(BatchItemErrorSchema, metadata={"description": "why this item was not decided"})


class BatchResponseSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(BatchItemSchema), required=True,
                           metadata={"description": "one result per item, in the order given"})
