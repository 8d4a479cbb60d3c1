from __future__ import annotations

from urllib.parse import quote

from flask import Response, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from gateway import web
from gateway.pagination import paginate
from gateway.reports import delivery, schedule
from gateway.reports.models import MEDIA_TYPES, ReportChannel
from gateway.reports.schemas import (ChannelCreateSchema, ChannelSchema, ChannelUpdateSchema, ReportDeliverySchema,
                                     FileQuerySchema, ReportAcceptedSchema, ReportCreateSchema, ReportListQuerySchema,
                                     ReportSchema, ScheduleSchema, ScheduleSetSchema)
from gateway.reports.services import get_report, list_reports_query, report_file, request_report

blp = Blueprint("reports", __name__, url_prefix="/v1/reports",
                description="向药品监管部门的报告 / Reports to the drug regulators")
channels_blp = Blueprint("report_channels", __name__, url_prefix="/v1/report-channels",
                         description="报告报送渠道 / How reports reach the bureaus (S3 drop, SMTP, signed HTTPS)")
schedules_blp = Blueprint("report_schedules", __name__, url_prefix="/v1/report-schedules",
                          description="定期报送计划 / Periodic reports per region (monthly by default)")


@blp.route("")
class Reports(MethodView):
    @blp.arguments(ReportCreateSchema)
    @blp.response(202, ReportAcceptedSchema, description="已受理，生成中 / accepted; generated in the background")
    def post(self, body):
        """生成一份定期报告 / Generate the periodic report of a region and period

        The report is generated as a job (附件1 监督检查情况表, 附件2 网络监测处置情况表 and the case
        list, in XLSX, PDF and JSON), addressed by the platform's routing rule, and sent by every
        enabled report channel that covers the region. Poll `GET /v1/reports/{id}` or wait for
        `report.delivered`.
        """
        report, tasks = request_report(web.session(), web.platform_id(), body["region"], body["period"])
        web.commit_and_dispatch(tasks)
        return ({"id": report.id, "status": report.status}, 202,
                {"Location": url_for(".ReportView", report_id=report.id)})

    @blp.arguments(ReportListQuerySchema, location="query")
    @blp.response(200, ReportSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """列出报告 / List reports, newest first (filters: kind, region, period, status)"""
        return paginate(list_reports_query(web.platform_id(), **query), pagination_parameters)


@blp.route("/<report_id>")
class ReportView(MethodView):
    @blp.response(200, ReportSchema)
    def get(self, report_id):
        """报告状态与文件摘要 / A report: status, bureaus, files and their SHA-256"""
        return get_report(web.session(), web.platform_id(), report_id)


@blp.route("/<report_id>/file")
class ReportFile(MethodView):
    @blp.arguments(FileQuerySchema, location="query")
    @blp.response(200, description="报告文件 / the file", content_type=MEDIA_TYPES["xlsx"])
    @blp.alt_response(409, description="尚未生成 / not generated yet (problem+json)")
    def get(self, query, report_id):
        """下载报告文件 / Download the report as xlsx, pdf or json

        `format` is `xlsx` (default), `pdf` or `json`; the answer's media type follows. A report
        not generated yet answers 409 problem+json with `report_status`.
        """
        report = get_report(web.session(), web.platform_id(), report_id)
        data, media_type, filename = report_file(web.runtime().storage, report, query["format"])
        ascii_name = f"{report.id}.{query['format']}"
        return Response(data, mimetype=media_type, headers={
            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"})


@blp.route("/<report_id>/deliveries")
class ReportDeliveries(MethodView):
    @blp.response(200, ReportDeliverySchema(many=True))
    def get(self, report_id):
        """报送回执 / The report's deliveries and their receipts"""
        report = get_report(web.session(), web.platform_id(), report_id)
        return delivery.deliveries_of(web.session(), "report", report.id)


def _present_channel(channel: ReportChannel, secret: str | None = None) -> dict:
    out = {k: getattr(channel, k) for k in ("id", "kind", "name", "region", "report_kinds", "formats", "config",
                                            "enabled", "created_at", "updated_at")}
    out["has_secret"] = bool(channel.secret_encrypted)
    if secret:
        out["signing_secret"] = secret
    return out


@channels_blp.route("")
class Channels(MethodView):
    @channels_blp.arguments(ChannelCreateSchema)
    @channels_blp.response(201, ChannelSchema)
    def post(self, body):
        """添加报送渠道 / Add a report channel

        `s3`: files dropped in a bucket (any S3-compatible service) with a `manifest.json`;
        `smtp`: a mail with the files attached; `https`: a JSON POST with the files in base64,
        signed like the webhooks with the channel's own `signing_secret` (returned once). Hosts
        that resolve to loopback, private or metadata addresses answer 422 (unless the gateway
        allows private networks). Each delivery is retried with backoff and leaves a receipt.
        """
        runtime = web.runtime()
        channel, secret = delivery.create_channel(web.session(), web.platform_id(), body, runtime.settings.secret_key,
                                                  runtime.outbound)
        web.commit_and_dispatch()
        return _present_channel(channel, secret)

    @channels_blp.response(200, ChannelSchema(many=True))
    def get(self):
        """报送渠道 / The platform's report channels (never their secrets)"""
        return [_present_channel(c) for c in delivery.list_channels(web.session(), web.platform_id())]


@channels_blp.route("/<channel_id>")
class ChannelView(MethodView):
    @channels_blp.response(200, ChannelSchema)
    def get(self, channel_id):
        """一个报送渠道 / One channel"""
        return _present_channel(delivery.get_channel(web.session(), web.platform_id(), channel_id))

    @channels_blp.arguments(ChannelUpdateSchema)
    @channels_blp.response(200, ChannelSchema)
    def patch(self, body, channel_id):
        """修改或停用报送渠道 / Change a channel; `enabled: false` stops it (its receipts stay)"""
        runtime = web.runtime()
        channel = delivery.get_channel(web.session(), web.platform_id(), channel_id)
        delivery.update_channel(web.session(), channel, body, runtime.settings.secret_key, runtime.outbound)
        web.commit_and_dispatch()
        return _present_channel(channel)


@schedules_blp.route("")
class Schedules(MethodView):
    @schedules_blp.response(200, ScheduleSchema(many=True))
    def get(self):
        """定期报送计划 / The platform's periodic-report schedules"""
        return schedule.list_schedules(web.session(), web.platform_id())


@schedules_blp.route("/<region>")
class ScheduleView(MethodView):
    @schedules_blp.arguments(ScheduleSetSchema)
    @schedules_blp.response(200, ScheduleSchema)
    def put(self, body, region):
        """设置某地区的定期报送 / Report on a region every month (or quarter, or year)

        The daily scheduler (`report.scheduled`, or `qingwang reports run-schedule` from cron)
        requests each period's report once it has ended, and catches up on periods it missed.
        """
        row = schedule.set_schedule(web.session(), web.platform_id(), region, body["cadence"], body["enabled"])
        web.commit_and_dispatch()
        return row

    @schedules_blp.response(204)
    def delete(self, region):
        """取消某地区的定期报送 / Stop a region's periodic reports"""
        schedule.delete_schedule(web.session(), web.platform_id(), region)
        web.commit_and_dispatch()
