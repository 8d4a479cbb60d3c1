from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from gateway import web
from gateway.decisions.models import Decision
from gateway.errors import ServiceError
from gateway.i18n import pick
from gateway.listings.models import Listing, ListingDocument
from gateway.listings.schemas import (BatchRequestSchema, BatchResponseSchema, ListingCreateSchema,
                                      ListingSchema)
from gateway.listings.services import get_listing, submit_listing, submit_listings
from gateway.pagination import paginate
from gateway.problems import problem_document, service_error_document

blp = Blueprint("listings", __name__, url_prefix="/v1/listings",
                description="商品核验 / Listing checks (synchronous decisions)")


_PRESENTED = ("id", "merchant_id", "external_id", "title", "description", "registration_number", "product_name",
              "manufacturer", "model", "device_class", "url", "outcome", "created_at", "updated_at")


def present(listing: Listing, decision: Decision | None = None, document_ids: list[str] | None = None) -> dict:
    # The request's session only when something is left to read: a fresh decision comes
    # with everything (no session is opened for it on the hot path).
    if decision is None and listing.decision_id:
        decision = web.session().get(Decision, listing.decision_id)
    out = {c: getattr(listing, c) for c in _PRESENTED}
    out["decision"] = decision
    if document_ids is None:
        document_ids = list(web.session().scalars(select(ListingDocument.document_id)
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
        done = submit_listing(web.runtime(), web.platform_id(), body, web.shared_unit_of_work())
        return present(done.listing, done.decision, done.document_ids)

    @blp.response(200, ListingSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """列出商品 / List listings, newest first"""
        rows = paginate(select(Listing).where(Listing.platform_id == web.platform_id())
                        .order_by(Listing.created_at.desc(), Listing.id.desc()), pagination_parameters)
        return [present(r) for r in rows]


_ITEM = ListingCreateSchema()


@blp.route("/batch")
class ListingBatch(MethodView):
    @blp.arguments(BatchRequestSchema())
    @blp.response(200, BatchResponseSchema())
    def post(self, body):
        """批量核验商品 / Check up to 1,000 listings in one call (a whole catalogue, in batches)

        One result per item, in order: `{id, external_id, decision}`, or `{external_id, error}`
        with the item's problem (RFC 9457 details) when it cannot be decided. A bad item
        never fails the rest. Items are created or updated by `external_id`, so sending a
        batch again decides the same listings anew rather than adding new ones.
        """
        results: list[dict | None] = [None] * len(body["items"])
        valid, positions = [], []
        for index, item in enumerate(body["items"]):
            try:
                valid.append(_ITEM.load(item))
                positions.append(index)
            except ma.ValidationError as exc:
                results[index] = {"external_id": _external_id(item), "error": problem_document(
                    422, pick("该项有字段不符合要求，见 errors", "Some fields of this item are invalid, see errors"),
                    slug="validation-error", errors={"json": exc.messages})}
        outcomes = submit_listings(web.runtime(), web.platform_id(), valid, web.shared_unit_of_work())
        for index, item, outcome in zip(positions, valid, outcomes):
            if isinstance(outcome, ServiceError):
                results[index] = {"external_id": item["external_id"], "error": service_error_document(outcome)}
            else:
                results[index] = {"id": outcome.listing.id, "external_id": item["external_id"],
                                  "outcome": outcome.decision.outcome, "decision": outcome.decision}
        return {"items": results}


def _external_id(item) -> str | None:
    value = item.get("external_id") if isinstance(item, dict) else None
    return value if isinstance(value, str) else None


@blp.route("/<listing_id>")
class ListingView(MethodView):
    @blp.response(200, ListingSchema)
    def get(self, listing_id):
        """商品及其最新结论 / A listing and its latest decision"""
        return present(get_listing(web.session(), web.platform_id(), listing_id))
