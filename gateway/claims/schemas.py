from __future__ import annotations

import marshmallow as ma


class ClaimEntrySchema(ma.Schema):
    id = ma.fields.String(metadata={"description": "稳定的条目标识 / stable entry id"})
    phrase = ma.fields.String(metadata={"description": "用语（literal：以 | 分隔的多个用语；regex：一个有界正则）"})
    kind = ma.fields.String(metadata={"description": "literal or regex"})
    category = ma.fields.String()
    severity = ma.fields.String(metadata={"description": "block, review or info"})
    article = ma.fields.String(metadata={"description": "法律依据 / the article it rests on"})
    explanation_zh = ma.fields.String()
    explanation_en = ma.fields.String()
    exclude = ma.fields.String(metadata={"description": "包含命中时使其作废的用语，以 | 分隔"})
    applies_to = ma.fields.String(metadata={"description": "仅适用于含这些词的产品，以 | 分隔；空：全部"})


class ClaimListSchema(ma.Schema):
    version = ma.fields.Integer(required=True, metadata={"description": "生效的版本号（1 为随附默认列表）"})
    source = ma.fields.String(metadata={"description": "导入的文件名；shipped 为随附默认列表"})
    sha256 = ma.fields.String()
    created_at = ma.fields.DateTime(allow_none=True)
    entries = ma.fields.List(ma.fields.Nested(ClaimEntrySchema))
