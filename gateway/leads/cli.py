"""``qingwang leads``: import a bureau's spreadsheet, flag overdue leads."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from gateway.jobs.outbox import dispatch_after_commit
from gateway.leads.importer import import_leads
from gateway.leads.services import flag_overdue
from gateway.tenancy.models import Platform
from verifiers.leads.sheet import SheetError
from verifiers.leads.states import SOURCES


@click.group("leads", cls=AppGroup)
def leads_cli():
    """监管线索 / Leads from the bureaus."""


@leads_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--platform", "platform_id",
              help="the platform the leads were sent to (may be left out when the installation has only one)")
@click.option("--source", type=click.Choice(SOURCES), help="source of rows without a 线索来源 column")
@click.option("--region", help="6-digit division code of rows without a 地区代码 column")
@click.option("--json", "as_json", is_flag=True, help='print {"imported", "rejected", "leads", "errors", ...}')
@click.option("--strict", is_flag=True, help="exit with status 3 when any row was rejected")
def import_command(path, platform_id, source, region, as_json, strict):
    """导入线索表（XLSX/CSV） / Import a bureau's spreadsheet of leads (XLSX or CSV).

    The header row (Chinese, as bureaus write it: 线索编号, 线索来源, 地区代码, 移送日期, 办理期限,
    店铺名称, 店铺链接, 统一社会信用代码, 企业名称, 商品编号, 商品链接, 产品名称, 注册证编号,
    线索内容, 重点案件) is found among the first 10 rows. Rows that cannot be read are listed on
    stderr with their row numbers; the good rows still land.
    """
    runtime = current_app.extensions["qingwang"]
    with runtime.db.session() as session:
        if platform_id is None:
            # Design 5a names the command without --platform: a single-platform installation
            # (the usual on-premise case) needs none; with several, guessing would misfile leads.
            ids = session.scalars(select(Platform.id).limit(2)).all()
            if len(ids) != 1:
                raise click.UsageError("有多个平台（或没有平台），请用 --platform 指定 / "
                                       "name the platform with --platform (there is not exactly one)")
            platform_id = ids[0]
        elif session.get(Platform, platform_id) is None:
            raise click.UsageError(f"平台 {platform_id} 不存在 / no platform {platform_id}")
    try:
        result = import_leads(runtime, platform_id, path, source=source, region=region)
    except SheetError as exc:
        raise click.ClickException(f"{exc.zh} / {exc.en}") from None
    for error in result.errors:
        click.echo(f"{path.name}:{error}", err=True)
    if result.leads:
        runtime.dispatcher.wait_idle()
    summary = result.summary()
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
    else:
        click.echo(f"已导入线索 {len(result.leads)} 条，无法读取 {len(result.errors)} 行\n"
                   f"{len(result.leads)} leads imported, {len(result.errors)} rows rejected")
    if strict and result.errors:
        sys.exit(3)


@leads_cli.command("sweep-overdue")
@click.option("--json", "as_json", is_flag=True, help='print {"overdue": [lead ids]}')
def sweep_overdue(as_json):
    """标记超期线索并发送 lead.overdue / Flag open leads past their deadline and send lead.overdue.

    Each lead's check is also scheduled at its deadline; this catches up after an outage.
    """
    runtime = current_app.extensions["qingwang"]
    with runtime.db.session() as session:
        flagged, tasks = flag_overdue(session)
    dispatch_after_commit(runtime.dispatcher, tasks)
    if tasks:
        runtime.dispatcher.wait_idle()
    if as_json:
        click.echo(json.dumps({"overdue": flagged}))
    else:
        click.echo(f"新标记超期线索 {len(flagged)} 条 / {len(flagged)} leads newly overdue")
