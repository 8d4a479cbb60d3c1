"""``qingwang listings rescreen``: a whole catalogue decided again against the rules in force."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from gateway.monitoring.models import ScreeningRun
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
