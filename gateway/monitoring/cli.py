"""``qingwang listings rescreen`` (a whole catalogue decided again against the rules in force) and
``qingwang monitor run`` (the daily sweep by date)."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from gateway.monitoring import sweep
from gateway.monitoring.models import MonitorRun, ScreeningRun
from gateway.monitoring.rescreen import start


@click.group("listings", cls=AppGroup)
def listings_cli():
    """商品 / Listings."""


@listings_cli.command("rescreen")
@click.option("--platform", "platform_id", help="one platform's catalogue (default: every platform's)")
@click.option("--parts", default=2, show_default=True, type=int, help="slices screened in parallel by the workers")
@click.option("--wait/--no-wait", default=True, show_default=True,
              help="wait for the run to finish (it runs in this process without REDIS_URL)")
@click.option("--json", "as_json", is_flag=True, help="print the run as JSON")
def rescreen(platform_id, parts, wait, as_json):
    """重新核验全部商品 / Decide every listing again; only changed decisions are written."""
    runtime = current_app.extensions["qingwang"]
    run = start(runtime, "manual", platform_id, parts)
    if wait:
        runtime.dispatcher.wait_idle(timeout=24 * 3600)
    with runtime.db.session() as session:
        run = session.get(ScreeningRun, run.id)
        out = {"id": run.id, "status": run.status, "listings_seen": run.listings_seen,
               "listings_changed": run.listings_changed, "registry_version": run.registry_version,
               "claims_version": run.claims_version}
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False))
    else:
        click.echo(f"重新核验 {out['id']}（{out['status']}）：已核验 {out['listings_seen']} 个商品，"
                   f"结论变化 {out['listings_changed']} 个\n"
                   f"re-screen {out['id']} ({out['status']}): {out['listings_seen']} listings seen, "
                   f"{out['listings_changed']} changed")


@click.group("monitor", cls=AppGroup)
def monitor_cli():
    """按日期监测 / Monitoring by date."""


def run_summary(run: MonitorRun) -> dict:
    return {"id": run.id, "swept_on": run.swept_on.isoformat(), "since": run.since.isoformat() if run.since else None,
            "trigger": run.trigger, "status": run.status, "stage": run.stage,
            "merchants_seen": run.merchants_seen, "merchants_changed": run.merchants_changed,
            "listings_seen": run.listings_seen, "listings_changed": run.listings_changed,
            "merchants_reverified": run.merchants_reverified, "warnings_sent": run.warnings_sent,
            "violations_escalated": run.violations_escalated,
            "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None}


@monitor_cli.command("run")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="the date to sweep, YYYY-MM-DD (default: today in China)")
@click.option("--wait/--no-wait", default=True, show_default=True,
              help="wait for the sweep to finish (it runs in this process without REDIS_URL)")
@click.option("--json", "as_json", is_flag=True, help="print the run as JSON")
def monitor_run(day, wait, as_json):
    """到期监测与定期复核 / Sweep for DATE: re-decide what expired since the last sweep,
    re-verify sellers not verified for 6 months, send 90/60/30-day pre-warnings, report
    violations not corrected by their deadline.

    The worker runs the same sweep on its schedule; a date already swept is not swept again.
    """
    runtime = current_app.extensions["qingwang"]
    run, started = sweep.start(runtime, day.date() if day else None, "manual")
    if wait and started:
        runtime.dispatcher.wait_idle(timeout=24 * 3600)
    with runtime.db.session() as session:
        out = run_summary(session.get(MonitorRun, run.id))
    out["started"] = started
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    if not started:
        click.echo(f"{out['swept_on']} 已监测过（{out['id']}，{out['status']}） / "
                   f"{out['swept_on']} was already swept ({out['id']}, {out['status']})")
    click.echo(f"监测 {out['id']}（{out['swept_on']}，{out['status']}）：商户变更 {out['merchants_changed']} 个，"
               f"商品变更 {out['listings_changed']} 个，定期复核 {out['merchants_reverified']} 个，"
               f"到期预警 {out['warnings_sent']} 条，逾期未整改上报 {out['violations_escalated']} 起\n"
               f"sweep {out['id']} ({out['swept_on']}, {out['status']}): {out['merchants_changed']} merchants and "
               f"{out['listings_changed']} listings changed, {out['merchants_reverified']} merchants re-verified, "
               f"{out['warnings_sent']} pre-warnings sent, {out['violations_escalated']} overdue violations reported")


@monitor_cli.command("runs")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1), help="how many, newest date first")
@click.option("--json", "as_json", is_flag=True, help="print the runs as JSON lines")
def monitor_runs(limit, as_json):
    """监测记录 / The latest sweeps: the date each swept, since when, and what it changed."""
    runtime = current_app.extensions["qingwang"]
    with runtime.db.session() as session:
        runs = [run_summary(r) for r in session.scalars(
            select(MonitorRun).order_by(MonitorRun.swept_on.desc()).limit(limit))]
    if not runs and not as_json:
        click.echo("尚无监测记录 / no sweep has run yet")
    for out in runs:
        if as_json:
            click.echo(json.dumps(out, ensure_ascii=False))
        else:
            click.echo(f"{out['swept_on']}  {out['status']:<7} {out['trigger']:<8} since {out['since'] or '—'}  "
                       f"merchants {out['merchants_changed']}, listings {out['listings_changed']}, "
                       f"re-verified {out['merchants_reverified']}, warnings {out['warnings_sent']}, "
                       f"escalated {out['violations_escalated']}")
