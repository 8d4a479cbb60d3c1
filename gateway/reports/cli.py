"""``qingwang reports``: a report now, the schedule run from cron, and a report's files on disk."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from gateway.jobs.runner import run_task
from gateway.reports.delivery import deliveries_of
from gateway.reports.models import FORMATS, Report
from gateway.reports.services import request_report
from gateway.reports.tasks import run_schedules
from gateway.runtime import Runtime
from gateway.tenancy.models import Platform


@click.group("reports", cls=AppGroup)
def reports_cli():
    """监管报告 / Reports to the drug regulators."""


def _platform_id(runtime: Runtime, given: str | None) -> str:
    if given:
        return given
    with runtime.db.session() as session:
        ids = session.scalars(select(Platform.id).order_by(Platform.created_at).limit(2)).all()
        count = session.scalar(select(func.count()).select_from(Platform))
    if count == 1:
        return ids[0]
    raise click.UsageError("有多个平台（或没有平台），请用 --platform 指定 / "
                           "there is not exactly one platform: name it with --platform")


def write_files(runtime: Runtime, report_id: str, out: Path) -> dict[str, str]:
    """Copy a generated report's files into ``out``; returns {format: path}."""
    with runtime.db.session() as session:
        report = session.get(Report, report_id)
        files = dict(report.files or {})
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for fmt in FORMATS:
        if fmt in files:
            path = out / files[fmt]["filename"]
            path.write_bytes(runtime.storage.get(files[fmt]["key"]))
            paths[fmt] = str(path)
    return paths


def generate_now(runtime: Runtime, platform_id: str, region: str, period: str, requested_by: str = "cli") -> dict:
    """Request a report and generate it in this process (its deliveries go to the dispatcher);
    returns its summary: id, status, bureaus, case count, files with SHA-256, deliveries."""
    with runtime.db.session() as session:
        report, tasks = request_report(session, platform_id, region, period, requested_by)
        report_id, task_ids = report.id, [t.id for t in tasks]
    for task_id in task_ids:  # claimed like any task, so a worker that also got it does nothing twice
        run_task(task_id, runtime)
    runtime.dispatcher.wait_idle(timeout=600)
    with runtime.db.session() as session:
        report = session.get(Report, report_id)
        return {"id": report.id, "status": report.status, "error": report.error, "region": report.region,
                "period": report.period, "bureaus": [b["name_zh"] for b in report.bureaus],
                "case_count": report.case_count,
                "files": {fmt: {"sha256": f["sha256"], "bytes": f["bytes"]} for fmt, f in (report.files or {}).items()},
                "deliveries": [{"id": d.id, "channel_id": d.channel_id, "status": d.status}
                               for d in deliveries_of(session, "report", report.id)]}


@reports_cli.command("generate")
@click.option("--region", required=True, help="6-digit division code (a province code covers its cities)")
@click.option("--period", required=True, help="2026-11 (month), 2026-Q4 (quarter) or 2026 (year)")
@click.option("--platform", "platform_id", help="the platform (needed when there is more than one)")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="where to write the files (default: <QINGWANG_DATA_DIR>/reports)")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
def generate(region, period, platform_id, out_dir, as_json):
    """立即生成报告 / Generate a region's report for a period now, and send it by the platform's channels."""
    runtime = current_app.extensions["qingwang"]
    summary = generate_now(runtime, _platform_id(runtime, platform_id), region, period)
    if summary["status"] == "generated":
        summary["paths"] = write_files(runtime, summary["id"], out_dir or runtime.settings.data_dir / "reports")
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
    else:
        click.echo(f"报告 {summary['id']}（{summary['status']}）：{summary['region']} {summary['period']}，"
                   f"案件 {summary['case_count']} 件，报送 {'、'.join(summary['bureaus'])}\n"
                   f"report {summary['id']} ({summary['status']}): {summary['case_count']} cases")
        for fmt, path in summary.get("paths", {}).items():
            click.echo(f"  {fmt}: {path}")
        for item in summary["deliveries"]:
            click.echo(f"  报送 / delivery {item['id']} via {item['channel_id']}: {item['status']}")
    if summary["status"] != "generated":
        raise click.ClickException(f"报告生成失败 / the report failed: {summary['error']}")


@reports_cli.command("run-schedule")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="the day to run for (default: today, Beijing time)")
@click.option("--platform", "platform_id", help="one platform's schedules (default: every platform's)")
@click.option("--json", "as_json", is_flag=True, help='print {"reports": [...]}')
def run_schedule(day, platform_id, as_json):
    """请求到期的定期报告（供 cron 调用） / Request the periodic reports due (for cron); they generate as jobs."""
    runtime = current_app.extensions["qingwang"]
    ids = run_schedules(runtime, day.date() if day else None, platform_id)
    runtime.dispatcher.wait_idle(timeout=3600)
    with runtime.db.session() as session:
        rows = [{"id": r.id, "platform_id": r.platform_id, "region": r.region, "period": r.period, "status": r.status}
                for r in (session.get(Report, i) for i in ids)]
    if as_json:
        click.echo(json.dumps({"reports": rows}, ensure_ascii=False))
    else:
        click.echo(f"已请求定期报告 {len(rows)} 份 / periodic reports requested: {len(rows)}")
        for row in rows:
            click.echo(f"  {row['id']} {row['region']} {row['period']}: {row['status']}")
