from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from gateway import web
from gateway.errors import Conflict
from gateway.pagination import paginate
from gateway.webhooks import EVENTS
from gateway.webhooks.models import WebhookDelivery, WebhookEndpoint
from gateway.webhooks.schemas import DeliverySchema, WebhookSchema, WebhookSetSchema
from gateway.webhooks.services import get_endpoint, record_event, set_endpoint

blp = Blueprint("webhook", __name__, url_prefix="/v1/webhook",
                description="回调设置与投递记录 / Webhook endpoint and delivery log")


def _present(endpoint: WebhookEndpoint, secret: str | None = None) -> dict:
    out = {"url": endpoint.url, "created_at": endpoint.created_at, "updated_at": endpoint.updated_at,
           "events": [e for e in EVENTS if e != "webhook.test"]}
    if secret:
        out["secret"] = secret
    return out


@blp.route("")
class Webhook(MethodView):
    @blp.arguments(WebhookSetSchema)
    @blp.response(200, WebhookSchema)
    def put(self, body):
        """设置回调地址 / Set the callback URL; the signing secret is returned once

        Events are signed per the Standard Webhooks spec (`webhook-id`,
        `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`).
        `rotate_secret: true` issues a new secret. A URL whose host is a loopback,
        private, link-local or cloud-metadata address answers 422 (unless the
        gateway allows private networks for on-premise receivers).
        """
        runtime = web.runtime()
        endpoint, secret = set_endpoint(web.session(), web.platform_id(), body["url"], runtime.settings.secret_key,
                                        runtime.outbound, body["rotate_secret"])
        web.commit_and_dispatch()
        return _present(endpoint, secret)

    @blp.response(200, WebhookSchema)
    def get(self):
        """当前回调设置 / The callback URL (never the secret)"""
        return _present(get_endpoint(web.session(), web.platform_id()))


@blp.route("/deliveries")
class Deliveries(MethodView):
    @blp.response(200, DeliverySchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """投递记录 / Delivery log, newest first"""
        return paginate(select(WebhookDelivery).where(WebhookDelivery.platform_id == web.platform_id())
                        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()), pagination_parameters)


@blp.route("/test")
class WebhookTest(MethodView):
    @blp.response(202, DeliverySchema)
    def post(self):
        """发送测试事件 / Send a signed `webhook.test` event"""
        session = web.session()
        if session.get(WebhookEndpoint, web.platform_id()) is None:
            raise Conflict("请先设置回调地址", "Set a webhook endpoint first")
        delivery, tasks = record_event(session, web.platform_id(), "webhook.test", {"message": "hello from Qingwang"})
        web.commit_and_dispatch(tasks)
        return delivery
