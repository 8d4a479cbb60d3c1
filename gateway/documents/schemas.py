from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload

from gateway.documents import DOCUMENT_TYPES
from gateway.documents.intake import ACCEPTED

TYPE_DESCRIPTION = ("文件类型 / document type: business_licence 营业执照, device_business_licence 医疗器械经营许可证, "
                    "class2_business_filing 第二类医疗器械经营备案凭证, registration_certificate 医疗器械注册证, "
                    "class1_filing 第一类医疗器械备案凭证, production_licence 医疗器械生产许可证, "
                    "online_sales_filing 医疗器械网络销售备案凭证")


#: Documents one merchant or listing may name in a request: real ones have a handful; the
#: bound keeps a request from turning into a 70,000-parameter query.
MAX_DOCUMENT_IDS = 100


def document_ids_field(min_items: int = 0, **kwargs) -> ma.fields.List:
    """A list of document ids, bounded in number and length."""
    return ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=40)),
                          validate=ma.validate.Length(min=min_items, max=MAX_DOCUMENT_IDS), **kwargs)


class UploadFileSchema(ma.Schema):
    file = Upload(required=True, metadata={"description": "JPEG, PNG, TIFF, WebP or PDF"})


class UploadFormSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    type = ma.fields.String(validate=ma.validate.OneOf(DOCUMENT_TYPES), metadata={"description": TYPE_DESCRIPTION})


class FieldSchema(ma.Schema):
    """One extracted field: its normalised value, the OCR confidence, where it was read."""

    value = ma.fields.Raw(allow_none=True, metadata={"description": "规范化后的值 / normalised value"})
    raw = ma.fields.String(allow_none=True, metadata={"description": "原始识别文本 / text as read"})
    confidence = ma.fields.Float(allow_none=True)
    page = ma.fields.Integer(allow_none=True, metadata={"description": "1-based page number"})
    box = ma.fields.List(ma.fields.Float(), allow_none=True,
                         metadata={"description": "[x0, y0, x1, y1] in page pixels (PDF text: points)"})
    valid = ma.fields.Boolean(metadata={"description": "是否通过格式校验 / passed format validation"})
    problem = ma.fields.Dict(allow_none=True, metadata={"description": "校验问题 / validation problem"})
    corrections = ma.fields.List(ma.fields.Dict(), metadata={"description": "自动更正及其依据 / corrections applied"})


class ErrorInfoSchema(ma.Schema):
    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    message_en = ma.fields.String()


class OcrLineSchema(ma.Schema):
    text = ma.fields.String()
    confidence = ma.fields.Float()
    box = ma.fields.List(ma.fields.Float())


class OcrPageSchema(ma.Schema):
    page = ma.fields.Integer()
    width = ma.fields.Float()
    height = ma.fields.Float()
    source = ma.fields.String(metadata={"description": "text_layer or ocr"})
    rotation = ma.fields.Integer(allow_none=True)
    overlay = ma.fields.Dict(metadata={
        "description": "平台水印（已识别并去除）/ a platform watermark seen and read through: angle (degrees), lines "
                       "(its lines on the first reading), level (grey level turned to paper; null: too dark to "
                       "separate, its lines only dropped), dropped (lines dropped)"})
    codes = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "营业执照二维码 / QR codes decoded on a business licence: payload, box, uscc (the credit code "
                       "it names, or null)"})
    lines = ma.fields.List(ma.fields.Nested(OcrLineSchema))


class OcrDocumentSchema(ma.Schema):
    """One of several documents found in one file (two certificates copied onto one sheet)."""

    page = ma.fields.Integer()
    region = ma.fields.List(ma.fields.Float(), allow_none=True,
                            metadata={"description": "[x0, y0, x1, y1] of the document on its page"})
    type = ma.fields.String(allow_none=True, metadata={"description": TYPE_DESCRIPTION})
    type_confidence = ma.fields.Float(allow_none=True)
    fields = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(FieldSchema))


class OcrSchema(ma.Schema):
    engine = ma.fields.String(allow_none=True)
    pages = ma.fields.List(ma.fields.Nested(OcrPageSchema))
    documents = ma.fields.List(ma.fields.Nested(OcrDocumentSchema), metadata={
        "description": "一个文件中的多份证照，各自分类和识别 / every document found when the file holds more than "
                       "one, each classified and read on its own; the document's own type and fields are the one "
                       "the upload was for (its type hint, else the first)"})


class DocumentSchema(ma.Schema):
    id = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={
        "description": "processing 处理中, processed 已处理, failed 失败 (see error), awaiting_upload 待上传 (presigned)"})
    sha256 = ma.fields.String(allow_none=True)
    size = ma.fields.Integer(allow_none=True)
    media_type = ma.fields.String(allow_none=True)
    pages = ma.fields.Integer(allow_none=True)
    filename = ma.fields.String(allow_none=True)
    type_hint = ma.fields.String(allow_none=True)
    type = ma.fields.String(allow_none=True, metadata={"description": "detected type; " + TYPE_DESCRIPTION})
    type_confidence = ma.fields.Float(allow_none=True)
    fields = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(FieldSchema), allow_none=True)
    ocr = ma.fields.Nested(OcrSchema, allow_none=True)
    error = ma.fields.Nested(ErrorInfoSchema, allow_none=True)
    created_at = ma.fields.DateTime()
    processed_at = ma.fields.DateTime(allow_none=True)


class DocumentSummarySchema(DocumentSchema):
    class Meta:
        exclude = ("ocr", "fields")


class PresignRequestSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    filename = ma.fields.String(validate=ma.validate.Length(max=255))
    media_type = ma.fields.String(validate=ma.validate.OneOf(sorted(ACCEPTED)))
    type = ma.fields.String(validate=ma.validate.OneOf(DOCUMENT_TYPES), metadata={"description": TYPE_DESCRIPTION})


class UploadTargetSchema(ma.Schema):
    url = ma.fields.String(required=True)
    method = ma.fields.String(required=True, metadata={"description": "PUT (the file as the body) or POST (a form)"})
    headers = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    fields = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), metadata={
        "description": "POST only: form fields to send, in any order, before the file (`file`)"})
    expires_at = ma.fields.DateTime()


class PresignResponseSchema(ma.Schema):
    id = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    upload = ma.fields.Nested(UploadTargetSchema, required=True)
    confirm_url = ma.fields.String(required=True, metadata={"description": "POST here after the upload"})
