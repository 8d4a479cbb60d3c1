"""``qingwang audit verify``: walk the audit and evidence hash chain."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from gateway.audit.services import verify_chain


@click.group("audit", cls=AppGroup)
def audit_cli():
    """审计日志 / The audit log."""


@audit_cli.command("verify")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def verify(as_json):
    """校验审计与证据哈希链 / Walk the audit and evidence hash chain.

    Exit 0 when it is intact; otherwise exit 1 naming the first broken entry.
    """
    runtime = current_app.extensions["qingwang"]
    with runtime.db.read_sessionmaker() as session:
        result = verify_chain(session)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
    elif result.intact:
        click.echo(f"审计链完整：{result.entries} 条，链头 {result.head_hash}\n"
                   f"audit chain intact: {result.entries} entries, head {result.head_hash}")
    else:
        first = result.first_broken
        click.echo(f"审计链已损坏（共 {len(result.problems)} 处），首个问题：{first.message}\n"
                   f"audit chain broken ({len(result.problems)} problems); first: {first.message_en}", err=True)
        for problem in result.problems[1:]:
            click.echo(f"  {problem.message} / {problem.message_en}", err=True)
    if not result.intact:
        raise SystemExit(1)
