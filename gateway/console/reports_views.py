"""Reports to the bureaus for staff: the list, generating one, downloading its files, and each
report's delivery receipts (报送回执). An administrator sees each platform's report channels on
the platform page (gateway/console/admin_views.py)."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, request
from sqlalchemy import select

from gateway.console import accounts
from gateway.console.queue import PAGE_SIZE
from gateway.console.web import back_to, bp, lang, page_of, render, runtime, staff, staff_required, t
from gateway.errors import ServiceError, field_error
from gateway.jobs.outbox import dispatch_after_commit
from gateway.reports.delivery import deliveries_of
from gateway.reports.models import FORMATS, Report, ReportChannel, ReportStatus
from gateway.reports.services import report_file, request_report
from gateway.tenancy.models import Platform

#: ``requested_by`` of reports asked for in the console (the column is short; the audit names the user).
REQUESTED_BY = "console"


@bp.get("/reports", endpoint="reports")
@staff_required
def reports():
    status = request.args.get("status") if request.args.get("status") in tuple(ReportStatus) else None
    query = select(Report).where(staff().sees(Report.platform_id))
    if status:
        query = query.where(Report.status == status)
    with runtime().db.read_sessionmaker() as reader:
        paged = page_of(reader, query.order_by(Report.created_at.desc(), Report.id.desc()), PAGE_SIZE)
        platforms = accounts.platforms(reader, staff())
    return render("console/reports.html", **paged, status=status,
                  statuses=tuple(ReportStatus), platforms=platforms, names={p.id: p.name for p in platforms},
                  args={"status": status} if status else {})


@bp.post("/reports")
@staff_required
def generate_report():
    form = request.form
    platform_id = staff().platform_id or form.get("platform_id", "")
    try:
        with runtime().db.session() as writer:
            platform = writer.get(Platform, platform_id) if platform_id else None
            if platform is None or not staff().may_see(platform.id):
                raise field_error("form", "platform_id", "请选择平台", "Choose a platform")
            report, tasks = request_report(writer, platform.id, form.get("region", "").strip(),
                                           form.get("period", "").strip(), requested_by=REQUESTED_BY)
            report_id = report.id
    except ServiceError as exc:
        return back_to("console.reports", exc.message(lang()), "error")
    dispatch_after_commit(runtime().dispatcher, tasks)
    return back_to("console.report", t("report_queued"), "info", report_id=report_id)


def _report(reader, report_id: str) -> Report:
    return staff().get(reader, Report, report_id, "报告不存在", "No such report")


@bp.get("/reports/<report_id>")
@staff_required
def report(report_id):
    with runtime().db.read_sessionmaker() as reader:
        found = _report(reader, report_id)
        receipts = deliveries_of(reader, "report", found.id)
        channels = dict(reader.execute(select(ReportChannel.id, ReportChannel.name)
                                       .where(ReportChannel.id.in_({d.channel_id for d in receipts}))).all())
        return render("console/report.html", report=found, formats=FORMATS, receipts=receipts, channels=channels,
                      platform=reader.get(Platform, found.platform_id))


@bp.get("/reports/<report_id>/file")
@staff_required
def report_download(report_id):
    with runtime().db.read_sessionmaker() as reader:
        found = _report(reader, report_id)
    data, media_type, filename = report_file(runtime().storage, found, request.args.get("format", ""))
    response = Response(data, mimetype=media_type)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
