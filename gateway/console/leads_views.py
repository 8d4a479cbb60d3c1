"""The leads queue and the lead page: what a bureau sent, whom it concerns, its history, the
moves left to make (each with a written reason), and the answer to download."""
from __future__ import annotations

import math
from datetime import datetime, time

from flask import request
from sqlalchemy import func, select

from gateway.console.web import back_to, bp, lang, render, runtime, staff, staff_required, t
from gateway.db import utcnow
from gateway.errors import NotFound, ServiceError
from gateway.jobs.outbox import dispatch_after_commit
from gateway.leads.models import Lead
from gateway.leads.services import describe, list_query, summary, transition
from gateway.leads.views import answer_response
from gateway.tenancy.models import Platform
from verifiers.leads.states import DISPOSAL_ACTIONS, SOURCES, STATES, TRANSITIONS
from verifiers.reports.model import LEAD_SOURCES, LEAD_STATES
from verifiers.reports.periods import CHINA_TZ

PAGE_SIZE = 50
MATCH_STATUSES = ("pending", "matched", "candidates", "unmatched", "confirmed")


def _filters() -> dict:
    args = request.args
    flt = {"state": args.get("state") if args.get("state") in STATES else None,
           "source": args.get("source") if args.get("source") in SOURCES else None,
           "match_status": args.get("match_status") if args.get("match_status") in MATCH_STATUSES else None,
           "region": args.get("region") if (args.get("region") or "").isdigit() and len(args["region"]) == 6 else None,
           "overdue": {"1": True, "0": False}.get(args.get("overdue", ""))}
    return flt


def _mine(lead_id: str, session) -> Lead:
    return staff().get(session, Lead, lead_id, "线索不存在", "No such lead")


@bp.get("/leads", endpoint="leads")
@staff_required
def leads():
    flt = _filters()
    page_no = max(1, request.args.get("page", 1, type=int) or 1)
    now = utcnow()
    with runtime().db.read_sessionmaker() as reader:
        query = list_query(flt, now).where(staff().sees(Lead.platform_id))
        total = reader.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        rows = [summary(lead, now) for lead in reader.scalars(query.offset((page_no - 1) * PAGE_SIZE).limit(PAGE_SIZE))]
        names = dict(reader.execute(select(Platform.id, Platform.name).where(
            Platform.id.in_({r["platform_id"] for r in rows}))).all()) if rows else {}
    args = {k: ("1" if v is True else "0" if v is False else v) for k, v in flt.items() if v is not None}
    return render("console/leads.html", rows=rows, total=total, page=page_no,
                  pages=max(1, math.ceil(total / PAGE_SIZE)), flt=flt, args=args, platforms=names,
                  states=STATES, sources=SOURCES, match_statuses=MATCH_STATUSES,
                  state_label=lambda s: LEAD_STATES[s][lang() == "en"],
                  source_label=lambda s: LEAD_SOURCES[s][lang() == "en"])


@bp.get("/leads/<lead_id>", endpoint="lead")
@staff_required
def lead(lead_id):
    with runtime().db.read_sessionmaker() as reader:
        item = _mine(lead_id, reader)
        view = describe(reader, item)
        platform = reader.get(Platform, item.platform_id)
    return render("console/lead.html", lead=view, platform=platform, moves=TRANSITIONS[view["state"]],
                  actions=DISPOSAL_ACTIONS, lang_index=int(lang() == "en"),
                  state_label=lambda s: LEAD_STATES[s][lang() == "en"] if s else "",
                  source_label=lambda s: LEAD_SOURCES[s][lang() == "en"])


def _deadline(text: str) -> datetime | None:
    """A date typed in the form: the end of that day, Beijing time."""
    if not text:
        return None
    return datetime.combine(datetime.strptime(text, "%Y-%m-%d").date(), time(23, 59, 59), CHINA_TZ)


@bp.post("/leads/<lead_id>/transitions", endpoint="lead_transition")
@staff_required
def lead_transition(lead_id):
    form = request.form
    target = form.get("to", "")
    if target not in STATES:
        return back_to("console.lead", t("lead.bad_move"), "error", lead_id=lead_id)
    body = {"to": target, "reason": form.get("reason", "").strip(), "reviewer": form.get("reviewer") or None,
            "merchant_id": form.get("merchant_id") or None, "key_case": bool(form.get("key_case")),
            "violation_ids": [v for v in form.get("violation_ids", "").replace(",", " ").split() if v]}
    if not body["reason"]:
        return back_to("console.lead", t("lead.reason_required"), "error", lead_id=lead_id)
    if target == "disposed":
        try:
            deadline = _deadline(form.get("rectification_deadline", ""))
        except ValueError:
            return back_to("console.lead", t("lead.bad_date"), "error", lead_id=lead_id)
        body["actions"] = [{"kind": kind, "deadline": deadline if kind == "rectification_ordered" else None,
                            "note": form.get(f"note_{kind}") or None}
                           for kind in form.getlist("action") if kind in DISPOSAL_ACTIONS]
    try:
        with runtime().db.session() as writer:
            item = staff().get(writer, Lead, lead_id, "线索不存在", "No such lead", lock=True)
            tasks = transition(writer, item, body, actor=staff().actor)
    except ServiceError as exc:
        return back_to("console.lead", exc.message(lang()), "error", lead_id=lead_id)
    dispatch_after_commit(runtime().dispatcher, tasks)
    return back_to("console.lead", t("saved"), "info", lead_id=lead_id)


@bp.get("/leads/<lead_id>/answer.<fmt>", endpoint="lead_answer")
@staff_required
def lead_answer(lead_id, fmt):
    if fmt not in ("pdf", "xlsx", "json"):
        raise NotFound("文件格式不存在", "No such format")
    with runtime().db.read_sessionmaker() as reader:
        item = _mine(lead_id, reader)
    return answer_response(runtime(), item, fmt)
