from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from gateway import web
from gateway.decisions.models import Decision
from gateway.listings.models import Listing, ListingDocument
from gateway.listings.schemas import ListingCreateSchema, ListingSchema
from gateway.listings.services import get_listing, submit_listing
from gateway.pagination import paginate

blp = Blueprint("listings", __name__, url_prefix="/v1/listings",
                description="商品核验 / Listing checks (synchronous decisions)")


def present(listing: Listing, decision: Decision | None = None, document_ids: list[str] | None = None) -> dict:
    session = web.session()
    decision = decision or (session.get(Decision, listing.decision_id) if listing.decision_id else None)
    out = {c: getattr(listing, c) for c in ("id", "merchant_id", "external_id", "title", "description",
                                            "registration_number", "product_name", "manufacturer", "model",
                                            "device_class", "url", "outcome", "created_at", "updated_at")}
    out["decision"] = decision
    if document_ids is None:
        document_ids = list(session.scalars(select(ListingDocument.document_id)
                                            .where(ListingDocument.listing_id == listing.id)))
    out["document_ids"] = document_ids
    return out


@blp.route("")
class Listings(MethodView):
    # Schema instances, not classes: this is the hot path, and an instance is built once.
    @blp.arguments(ListingCreateSchema())
    @blp.response(200, ListingSchema())
    def post(self, body):
        """核验商品 / Check a listing and decide now: allow, block or review

        The same `external_id` again updates the listing and decides anew. Every
        applicable reason is reported. Attached certificate images are cross-checked
        when read; a change of outcome then arrives as a `listing.*` webhook.
        """
        listing, decision, document_ids = submit_listing(web.runtime(), web.platform_id(), body, web.unit_of_work)
        return present(listing, decision, document_ids)

    @blp.response(200, ListingSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """列出商品 / List listings, newest first"""
        rows = paginate(select(Listing).where(Listing.platform_id == web.platform_id())
                        .order_by(Listing.created_at.desc(), Listing.id.desc()), pagination_parameters)
        return [present(r) for r in rows]


@blp.route("/<listing_id>")
class ListingView(MethodView):
    @blp.response(200, ListingSchema)
    def get(self, listing_id):
        """商品及其最新结论 / A listing and its latest decision"""
        return present(get_listing(web.session(), web.platform_id(), listing_id))
