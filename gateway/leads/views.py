from __future__ import annotations

from urllib.parse import quote

from flask import Response, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from gateway import web
from gateway.db import utcnow
from gateway.leads.answer import ANSWER_MEDIA_TYPES, answer_file
from gateway.leads.models import Lead
from gateway.leads.schemas import (AnswerFileArgsSchema, LeadCreateSchema, LeadListArgsSchema, LeadSchema,
                                   LeadSummarySchema, LeadTransitionSchema)
from gateway.leads.services import create_lead, describe, get_lead, list_query, summary, transition
from gateway.pagination import paginate

blp = Blueprint("leads", __name__, url_prefix="/v1/leads",
                description="监管线索 / Leads from the bureaus: intake, matching, handling and the answer")


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
        return describe(web.session(), lead), 201, {"Location": url_for(".LeadView", lead_id=lead.id)}

    @blp.arguments(LeadListArgsSchema, location="query")
    @blp.response(200, LeadSummarySchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """列出线索 / List leads, earliest deadline first (filters: state, source, region, overdue)"""
        now = utcnow()
        leads = paginate(list_query(args, now).where(Lead.platform_id == web.platform_id()), pagination_parameters)
        return [summary(lead, now) for lead in leads]


@blp.route("/<lead_id>")
class LeadView(MethodView):
    @blp.response(200, LeadSchema)
    def get(self, lead_id):
        """线索详情 / A lead: its matches, disposal, history and answer"""
        return describe(web.session(), get_lead(web.session(), web.platform_id(), lead_id))


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
        return describe(session, lead)


@blp.route("/<lead_id>/answer")
class LeadAnswerFile(MethodView):
    @blp.arguments(AnswerFileArgsSchema, location="query")
    @blp.response(200, description="the answer file (application/pdf, XLSX or JSON)")
    def get(self, args, lead_id):
        """线索反馈文件 / The answer to the bureau as a file (format=pdf, xlsx or json)"""
        lead = get_lead(web.session(), web.platform_id(), lead_id)
        return answer_response(web.runtime(), lead, args["format"])


def answer_response(runtime, lead: Lead, fmt: str) -> Response:
    """The stored answer file as a download (the API's and the console's)."""
    name = f"{lead.reference or lead.id}-answer.{fmt}"
    return Response(answer_file(runtime, lead, fmt), mimetype=ANSWER_MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f"attachment; filename=\"{lead.id}-answer.{fmt}\"; "
                                                    f"filename*=UTF-8''{quote(name)}"})
