from __future__ import annotations

import marshmallow as ma

from gateway.decisions.schemas import DecisionSchema
from gateway.documents.schemas import document_ids_field


class MerchantCreateSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    external_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=128),
                                   metadata={"description": "the platform's own id for the merchant"})
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200),
                            metadata={"description": "企业名称 as on its business licence"})
    uscc = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40),
                            metadata={"description": "统一社会信用代码"})
    document_ids = document_ids_field(load_default=list,
                                      metadata={"description": "uploaded licences (POST /v1/documents), at most 100"})
    online_sales_filing_number = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=64),
                                                  metadata={"description": "医疗器械网络销售备案编号"})
    device_classes = ma.fields.List(ma.fields.Integer(validate=ma.validate.OneOf([1, 2, 3])), load_default=list,
                                    metadata={"description": "device classes the merchant will sell (1, 2, 3)"})
    shop_name = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))
    shop_url = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=500))
    address = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=500))
    contact = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))
    business_mode = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=40),
                                     metadata={"description": "批发 / 零售 / 批零兼营"})


class MerchantDocumentsSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    document_ids = document_ids_field(min_items=1, required=True, metadata={"description": "at most 100"})
    replace = ma.fields.Boolean(load_default=False,
                                metadata={"description": "true: these documents replace the current ones"})


class MerchantAcceptedSchema(ma.Schema):
    id = ma.fields.String(required=True)
    external_id = ma.fields.String()
    status = ma.fields.String(required=True)


class MerchantDocumentRefSchema(ma.Schema):
    id = ma.fields.String()
    type = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    sha256 = ma.fields.String(allow_none=True)


class LicenceSchema(ma.Schema):
    number = ma.fields.String()
    kind = ma.fields.String()
    status = ma.fields.String()
    valid_until = ma.fields.String(allow_none=True)
    scope = ma.fields.List(ma.fields.Dict())
    region = ma.fields.String(allow_none=True)
    in_force = ma.fields.Boolean()


class MerchantSchema(ma.Schema):
    id = ma.fields.String(required=True)
    external_id = ma.fields.String()
    name = ma.fields.String()
    uscc = ma.fields.String()
    online_sales_filing_number = ma.fields.String(allow_none=True)
    device_classes = ma.fields.List(ma.fields.Integer())
    status = ma.fields.String(required=True, metadata={
        "description": "pending, approved, rejected, needs_review or suspended"})
    reverifying = ma.fields.Boolean(metadata={"description": "a re-verification is under way"})
    region = ma.fields.String(allow_none=True)
    decision = ma.fields.Nested(DecisionSchema, allow_none=True)
    documents = ma.fields.List(ma.fields.Nested(MerchantDocumentRefSchema))
    licences = ma.fields.List(ma.fields.Nested(LicenceSchema),
                              metadata={"description": "licences and filings on record for its credit code"})
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    verified_at = ma.fields.DateTime(allow_none=True)
