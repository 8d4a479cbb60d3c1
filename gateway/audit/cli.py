"""``qingwang audit verify``: walk the audit and evidence hash chain."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from gateway.audit.sealing import seal_pending
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
    if result.pending and not as_json:
        since = result.oldest_pending_at.isoformat(timespec="seconds")
        click.echo(f"另有 {result.pending} 条待封存入链（最早 {since}；qingwang audit seal 可立即封存）\n"
                   f"{result.pending} more entries wait to be sealed into the chain (oldest {since}; "
                   f"qingwang audit seal seals them now)")
    if not result.intact:
        raise SystemExit(1)


@audit_cli.command("seal")
def seal():
    """将待封存的审计记录封存入链 / Seal the entries waiting in audit_pending into the chain now.

    Web processes do this by themselves within moments; this is for after a process was killed
    between a commit and its sealing, with no web process or worker running to pick them up.
    """
    runtime = current_app.extensions["qingwang"]
    sealed = seal_pending(runtime.db.engine)
    click.echo(f"已封存 {sealed} 条 / sealed {sealed} entries")
