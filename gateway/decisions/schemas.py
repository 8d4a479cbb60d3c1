from __future__ import annotations

import marshmallow as ma


class ReasonSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "stable reason code, e.g. REGNO_EXPIRED"})
    severity = ma.fields.String(required=True, metadata={"description": "block, review or info"})
    message = ma.fields.String(required=True, metadata={"description": "说明（中文） / explanation in Chinese"})
    message_en = ma.fields.String(metadata={"description": "explanation in English"})
    field = ma.fields.String(metadata={"description": "the field the reason is about"})
    evidence = ma.fields.Dict(metadata={"description": "what was compared: printed value, registry value, document"})


class DecisionSchema(ma.Schema):
    id = ma.fields.String()
    outcome = ma.fields.String(required=True)
    reasons = ma.fields.List(ma.fields.Nested(ReasonSchema), required=True)
    registry_version = ma.fields.String(allow_none=True, required=True,
                                        metadata={"description": "the registry snapshot the decision used"})
    decided_at = ma.fields.DateTime(required=True)
    decided_by = ma.fields.String(required=True, metadata={"description": "rules, or staff:<email>"})
    trigger = ma.fields.String(allow_none=True)
