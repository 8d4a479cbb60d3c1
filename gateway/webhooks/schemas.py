from __future__ import annotations

import marshmallow as ma


class WebhookSetSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    url = ma.fields.Url(required=True, schemes={"http", "https"}, require_tld=False)
    rotate_secret = ma.fields.Boolean(load_default=False, metadata={"description": "issue a new signing secret"})


class WebhookSchema(ma.Schema):
    url = ma.fields.String(required=True)
    secret = ma.fields.String(metadata={"description": "whsec_… signing secret, shown only when issued"})
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    events = ma.fields.List(ma.fields.String())


class DeliverySchema(ma.Schema):
    id = ma.fields.String()
    event_type = ma.fields.String()
    status = ma.fields.String(metadata={"description": "pending, delivered or failed"})
    attempts = ma.fields.Integer()
    attempt_log = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "每次投递 / each attempt: {at, url, status_code, error, ms}; error is null on 2xx, else "
                       "`HTTP <status>` or one of timeout, refused, connection, tls, protocol, dns, "
                       "forbidden_address"})
    created_at = ma.fields.DateTime()
    delivered_at = ma.fields.DateTime(allow_none=True)
    last_error = ma.fields.String(allow_none=True)
    payload = ma.fields.Dict()
