from __future__ import annotations

from urllib.parse import quote

from flask import Response, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from gateway import web
from gateway.db import utcnow
from gateway.leads.answer import ANSWER_MEDIA_TYPES, answer_file
from gateway.leads.models import Lead
from gateway.leads.schemas import (AnswerFileArgsSchema, LeadCreateSchema, LeadListArgsSchema, LeadSchema,
                                   LeadSummarySchema, LeadTransitionSchema)
from gateway.leads.services import (create_lead, get_lead, lead_document_ids, lead_events, lead_matches,
                                    overdue_condition, transition)
from gateway.listings.models import Listing
from gateway.merchants.models import Merchant
from gateway.pagination import paginate
from verifiers.reports.routing import region_prefix

blp = Blueprint("leads", __name__, url_prefix="/v1/leads",
                description="监管线索 / Leads from the bureaus: intake, matching, handling and the answer")

SUMMARY = ("id", "reference", "source", "region", "state", "reviewer", "received_at", "due_at", "due_source",
           "match_status", "merchant_id", "subject", "created_at", "updated_at")


def summary(lead: Lead, now=None) -> dict:
    return {**{c: getattr(lead, c) for c in SUMMARY}, "overdue": lead.overdue(now or utcnow())}


def present(lead: Lead) -> dict:
    session = web.session()
    matches = []
    for m in lead_matches(session, lead.id):
        merchant = session.get(Merchant, m.merchant_id)
        listing = session.get(Listing, m.listing_id) if m.listing_id else None
        matches.append({"kind": m.kind, "merchant_id": m.merchant_id, "listing_id": m.listing_id,
                        "merchant_external_id": merchant.external_id if merchant else None,
                        "merchant_name": merchant.name if merchant else None,
                        "listing_external_id": listing.external_id if listing else None,
                        "listing_title": listing.title if listing else None,
                        "confidence": m.confidence, "evidence": m.evidence})
    answer = dict(lead.answer) if lead.answer else None
    if answer and "files" in answer:  # storage keys are the gateway's business
        answer["files"] = {fmt: {k: v for k, v in f.items() if k != "key"} for fmt, f in answer["files"].items()}
    return {**summary(lead), **{c: getattr(lead, c) for c in ("description", "key_case", "disposal", "violation_ids",
                                                               "answered_at", "closed_at", "origin")},
            "document_ids": lead_document_ids(session, lead.id), "matches": matches,
            "events": lead_events(session, lead.id), "answer": answer}


@blp.route("")
class Leads(MethodView):
    @blp.arguments(LeadCreateSchema)
    @blp.response(201, LeadSchema)
    def post(self, body):
        """登记线索 / Record a lead from a bureau (or the platform's own monitoring)

        Matching to merchants and listings runs in the background (`match_status` pending
        until it has); `lead.received` is sent at once, `lead.overdue` when the deadline
        passes with the lead still open.
        """
        lead, tasks = create_lead(web.session(), web.platform_id(), body)
        web.commit_and_dispatch(tasks)
        return present(lead), 201, {"Location": url_for(".LeadView", lead_id=lead.id)}

    @blp.arguments(LeadListArgsSchema, location="query")
    @blp.response(200, LeadSummarySchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """列出线索 / List leads, earliest deadline first (filters: state, source, region, overdue)"""
        now = utcnow()
        query = select(Lead).where(Lead.platform_id == web.platform_id())
        for name in ("state", "source", "match_status"):
            if args.get(name):
                query = query.where(getattr(Lead, name) == args[name])
        if args.get("region"):
            query = query.where(Lead.region.startswith(region_prefix(args["region"])))
        if args.get("overdue") is True:
            query = query.where(overdue_condition(now))
        elif args.get("overdue") is False:
            query = query.where(~overdue_condition(now))
        leads = paginate(query.order_by(Lead.due_at, Lead.id), pagination_parameters)
        return [summary(lead, now) for lead in leads]


@blp.route("/<lead_id>")
class LeadView(MethodView):
    @blp.response(200, LeadSchema)
    def get(self, lead_id):
        """线索详情 / A lead: its matches, disposal, history and answer"""
        return present(get_lead(web.session(), web.platform_id(), lead_id))


@blp.route("/<lead_id>/transitions")
class LeadTransitions(MethodView):
    @blp.arguments(LeadTransitionSchema)
    @blp.response(200, LeadSchema)
    def post(self, body, lead_id):
        """推进线索办理 / Move a lead: assigned, verifying, disposed, answered, closed

        A move the state machine does not have answers 409. `assigned` names the
        `reviewer`; `disposed` records `actions` (or `no_violation`) and the
        `violation_ids` found; `answered` generates the answer to the bureau and
        delivers it.
        """
        session = web.session()
        lead = get_lead(session, web.platform_id(), lead_id, lock=True)
        tasks = transition(session, lead, body, actor=(body.get("by") or "").strip() or "api")
        web.commit_and_dispatch(tasks)
        return present(lead)


@blp.route("/<lead_id>/answer")
class LeadAnswerFile(MethodView):
    @blp.arguments(AnswerFileArgsSchema, location="query")
    @blp.response(200, description="the answer file (application/pdf, XLSX or JSON)")
    def get(self, args, lead_id):
        """线索反馈文件 / The answer to the bureau as a file (format=pdf, xlsx or json)"""
        lead = get_lead(web.session(), web.platform_id(), lead_id)
        data = answer_file(web.runtime(), lead, args["format"])
        name = f"{lead.reference or lead.id}-answer.{args['format']}"
        return Response(data, mimetype=ANSWER_MEDIA_TYPES[args["format"]],
                        headers={"Content-Disposition": f"attachment; filename=\"{lead.id}-answer.{args['format']}\"; "
                                                        f"filename*=UTF-8''{quote(name)}"})
