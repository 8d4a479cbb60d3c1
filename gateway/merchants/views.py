from __future__ import annotations

from datetime import date

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from gateway import web
from gateway.decisions.models import Decision
from gateway.merchants.models import Merchant
from gateway.merchants.schemas import (MerchantAcceptedSchema, MerchantCreateSchema, MerchantDocumentsSchema,
                                       MerchantSchema)
from gateway.merchants.services import add_documents, create_merchant, get_merchant, merchant_documents
from gateway.pagination import paginate

blp = Blueprint("merchants", __name__, url_prefix="/v1/merchants",
                description="商户入驻核验 / Merchant onboarding verification")


def _mine(merchant_id: str) -> Merchant:
    return get_merchant(web.session(), web.platform_id(), merchant_id)


def present(merchant: Merchant) -> dict:
    session = web.session()
    decision = session.get(Decision, merchant.decision_id) if merchant.decision_id else None
    today = date.today()
    licences = [dict(f.record.canonical(), in_force=f.record.status == "active" and (
        f.record.valid_until is None or f.record.valid_until >= today))
        for f in web.runtime().registry.enterprises_for_uscc(merchant.uscc)] if merchant.uscc else []
    return {**{c: getattr(merchant, c) for c in ("id", "external_id", "name", "uscc", "online_sales_filing_number",
                                                  "device_classes", "status", "reverifying", "region", "created_at",
                                                  "updated_at", "verified_at")},
            "decision": decision,
            "documents": [{"id": d.id, "type": d.type, "status": d.status, "sha256": d.sha256}
                          for d in merchant_documents(session, merchant.id)],
            "licences": licences}


@blp.route("")
class Merchants(MethodView):
    @blp.arguments(MerchantCreateSchema)
    @blp.response(202, MerchantAcceptedSchema, description="已受理，核验中 / accepted; verification runs in the background")
    def post(self, body):
        """登记商户并开始核验 / Register a merchant and start its verification

        The same `external_id` again updates the merchant and verifies it anew. Poll
        `GET /v1/merchants/{id}` or wait for the `merchant.*` webhook.
        """
        merchant, _, tasks = create_merchant(web.session(), web.platform_id(), body)
        web.commit_and_dispatch(tasks)
        return ({"id": merchant.id, "external_id": merchant.external_id, "status": merchant.status}, 202,
                {"Location": url_for(".MerchantView", merchant_id=merchant.id)})

    @blp.response(200, MerchantAcceptedSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """列出商户 / List merchants, newest first"""
        return paginate(select(Merchant).where(Merchant.platform_id == web.platform_id())
                        .order_by(Merchant.created_at.desc(), Merchant.id.desc()), pagination_parameters)


@blp.route("/<merchant_id>")
class MerchantView(MethodView):
    @blp.response(200, MerchantSchema)
    def get(self, merchant_id):
        """商户状态与核验结论 / A merchant's status, decision, documents and licences on record"""
        return present(_mine(merchant_id))


@blp.route("/<merchant_id>/documents")
class MerchantDocuments(MethodView):
    @blp.arguments(MerchantDocumentsSchema)
    @blp.response(202, MerchantAcceptedSchema)
    def post(self, body, merchant_id):
        """补充或更换证照并重新核验 / Add or replace documents and verify again"""
        merchant = _mine(merchant_id)
        tasks = add_documents(web.session(), merchant, body["document_ids"], body["replace"])
        web.commit_and_dispatch(tasks)
        return {"id": merchant.id, "external_id": merchant.external_id, "status": merchant.status}
