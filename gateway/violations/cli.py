"""``qingwang violations escalate``: report overdue correct-then-report violations."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from gateway.violations.tasks import escalate


@click.group("violations", cls=AppGroup)
def violations_cli():
    """违法违规 / Violations."""


@violations_cli.command("escalate")
@click.option("--json", "as_json", is_flag=True, help='print {"reported": [ids]}')
def escalate_command(as_json):
    """逾期未改正的上报 / Report every correct-then-report violation not corrected by its deadline."""
    reported = escalate(current_app.extensions["qingwang"])
    if as_json:
        click.echo(json.dumps({"reported": reported}))
    else:
        click.echo(f"逾期未改正并已上报：{len(reported)} 条 / overdue and now reported: {len(reported)}")
