"""``qingwang``: the one command line (also ``python -m gateway``)."""
from __future__ import annotations

import ipaddress
import json
import os
import sys
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, ScriptInfo
from flask_smorest.spec import openapi_cli

from gateway import migrations
from gateway.app import create_app
from gateway.audit.cli import audit_cli
from gateway.claims.services import import_file
from gateway.config import Settings
from gateway.demo import find_samples, run_demo
from gateway.errors import ServiceError
from gateway.jobs.names import QUEUES
from gateway.jobs.outbox import dispatch_after_commit
from gateway.leads.cli import leads_cli
from gateway.monitoring import rescreen
from gateway.monitoring.cli import listings_cli, monitor_cli
from gateway.registry.importer import import_snapshot
from gateway.reports.cli import reports_cli
from gateway.tenancy.services import create_platform, create_staff_user, rotate_key
from gateway.violations.cli import violations_cli
from workers.pool import run_workers


def _runtime():
    return current_app.extensions["qingwang"]


class Group(AppGroup):
    """Commands run in an app context. A service's error is printed in both languages: a
    request that cannot be served as asked exits 2 (a usage error), an outage 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ServiceError as exc:
            for problems in (exc.errors or {}).values():  # field by field, or entry by entry
                for problem in problems if isinstance(problems, list) else [problems]:
                    click.echo(problem, err=True)
            if exc.status < 500:
                raise click.UsageError(exc.bilingual(), ctx) from None
            raise click.ClickException(exc.bilingual()) from None


@click.group(cls=Group)
def cli():
    """清网 Qingwang：医疗器械网络销售合规网关 / compliance gateway for online medical-device sales.

    With no settings it runs on the embedded defaults (SQLite, local files, in-process
    jobs) under ./qingwang-data. Settings: DATABASE_URL, REDIS_URL, STORAGE_URL, SECRET_KEY.
    """


def _emit(as_json: bool, payload: dict, text: str) -> None:
    click.echo(json.dumps(payload, ensure_ascii=False) if as_json else text)


# --- serve / worker --------------------------------------------------------------------------------------


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", type=int, help="gunicorn worker processes (default WEB_WORKERS or 2)")
@click.option("--threads", type=int, help="threads per worker (default WEB_THREADS or 4)")
def serve(host, port, workers, threads):
    """运行 API 与控制台（gunicorn） / Run the API and the staff console on gunicorn.

    On any address but loopback, SECRET_KEY must be set, random and at least 32 characters.
    """
    settings = Settings()
    problem = None if _loopback(host) else settings.secret_key_problem()
    if problem:
        raise click.UsageError(f"{problem[0]} / {problem[1]}")
    # The embedded default must work on the first run: bring the schema up to date.
    if settings.embedded:
        migrations.upgrade(settings.database_url)
    env = dict(os.environ, QINGWANG_BIND=f"{host}:{port}",
               WEB_WORKERS=str(workers or settings.web_workers), WEB_THREADS=str(threads or settings.web_threads))
    if "PROMETHEUS_MULTIPROC_DIR" not in env:
        # Made for this server, so removed when it exits (gateway.gunicorn_conf.on_exit);
        # a directory the operator names is theirs and stays.
        env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="qingwang-metrics-")
        env["QINGWANG_OWNS_METRICS_DIR"] = "1"
    # Exec a fresh interpreter so prometheus_client sees PROMETHEUS_MULTIPROC_DIR before
    # its first import, and gunicorn owns the process (signals, reloads).
    os.execvpe(sys.executable, [sys.executable, "-m", "gunicorn", "-c", "python:gateway.gunicorn_conf"], env)


def _loopback(host: str) -> bool:
    """Whether only this machine can reach ``host`` (a name other than localhost may not)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@cli.command()
@click.option("--queues", default=",".join(QUEUES), show_default=True, help="rq queues, in priority order")
@click.option("--processes", default=1, show_default=True, type=int, help="worker processes to run")
@click.option("--burst", is_flag=True, help="exit when the queues are empty")
def worker(queues, processes, burst):
    """运行后台任务进程（需要 REDIS_URL） / Run rq workers (needs REDIS_URL)."""
    sys.exit(run_workers(queues.split(","), processes, burst))


@cli.command()
@click.option("--samples", "samples_dir", help="the samples directory (default: ./samples)")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def demo(samples_dir, lang):
    """演示完整流程（样例数据） / Run the whole flow on samples/ and print each decision."""
    runtime = _runtime()
    migrations.upgrade(runtime.settings.database_url)
    summary = run_demo(runtime, find_samples(samples_dir), lang)
    if summary["merchants"]["as_expected"] != summary["merchants"]["total"] or \
            summary["listings"]["as_expected"] != summary["listings"]["total"]:
        sys.exit(1)


# --- db ------------------------------------------------------------------------------------------------


@cli.group()
def db():
    """数据库迁移 / Database migrations."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision):
    """应用迁移 / Apply migrations up to REVISION (default head)."""
    url = _runtime().settings.database_url
    migrations.upgrade(url, revision)
    click.echo(f"数据库已升级到 {migrations.current_revision(url)} / database at {migrations.current_revision(url)}")


# --- platforms and users -----------------------------------------------------------------------------------


@cli.group()
def platforms():
    """平台（租户）与 API 密钥 / Platforms (tenants) and their API keys."""


@platforms.command("create")
@click.argument("name")
@click.option("--region", required=True, help="6-digit division code where the platform is located")
@click.option("--filing-number", help="网械平台备字 filing number")
@click.option("--json", "as_json", is_flag=True, help='print {"id", "api_key"}')
def platforms_create(name, region, filing_number, as_json):
    """创建平台并签发 API 密钥（仅显示一次） / Create a platform and its API key (shown once)."""
    with _runtime().db.session() as session:
        platform, key = create_platform(session, name, region, filing_number)
    _emit(as_json, {"id": platform.id, "api_key": key},
          f"平台已创建 / platform created: {platform.id}\nAPI 密钥（仅显示一次） / API key (shown once): {key}")


@platforms.command("rotate-key")
@click.argument("platform_id")
@click.option("--grace", default=0, show_default=True, type=click.IntRange(min=0),
              help="seconds the current keys keep working")
@click.option("--json", "as_json", is_flag=True, help='print {"id", "api_key"}')
def platforms_rotate_key(platform_id, grace, as_json):
    """签发新 API 密钥，旧密钥在宽限期后失效 / Issue a new API key; the old ones stop after the grace."""
    runtime = _runtime()
    with runtime.db.session() as session:
        key = rotate_key(session, platform_id, grace)
    current_app.extensions["qingwang.keys"].clear()
    _emit(as_json, {"id": platform_id, "api_key": key},
          f"新 API 密钥（仅显示一次） / new API key (shown once): {key}\n"
          f"旧密钥 {grace} 秒后失效 / the old keys stop working in {grace} s")


@cli.group()
def users():
    """控制台用户 / Staff console users."""


@users.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["reviewer", "admin"]))
@click.option("--platform", "platform_id", help="limit the user to one platform's cases")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@click.option("--json", "as_json", is_flag=True)
def users_create(email, role, platform_id, password_stdin, as_json):
    """创建控制台用户 / Create a staff user."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    if password_stdin and len(password or "") < 8:
        raise click.UsageError("密码至少8个字符 / the password must have at least 8 characters")
    with _runtime().db.session() as session:
        user = create_staff_user(session, email, role, password, platform_id)
    _emit(as_json, {"id": user.id, "email": user.email, "role": user.role},
          f"用户已创建 / user created: {user.email} ({user.role})")


cli.add_command(openapi_cli)
cli.add_command(listings_cli)
cli.add_command(leads_cli)
cli.add_command(reports_cli)
cli.add_command(monitor_cli)
cli.add_command(audit_cli)
cli.add_command(violations_cli)


# --- registry ----------------------------------------------------------------------------------------------


@cli.group()
def registry():
    """监管数据 / Regulator filing data."""


@registry.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "udi-xml"]),
              help="file format (default: from the file names)")
@click.option("--json", "as_json", is_flag=True, help='print {"snapshot", "devices", "enterprises", ...}')
@click.option("--strict", is_flag=True, help="exit with status 3 when any row was rejected")
def registry_import(path, fmt, as_json, strict):
    """导入一个监管数据快照 / Import one regulator data snapshot.

    PATH is a directory holding devices.* and enterprises.* (JSON Lines or CSV), or a
    single such file, or an NMPA UDI download (XML, ZIP, or a directory of them).
    Rejected rows are listed on stderr with file, line and reason; good rows still land.
    """
    runtime = _runtime()

    def report(error):
        click.echo(f"{error['file']}:{error['line']}: 已拒绝 / rejected: {error['reason']}", err=True)

    try:
        result = import_snapshot(runtime.db, path, fmt, on_error=report)
    except (ValueError, FileNotFoundError) as exc:  # a file that is not what its name says
        raise click.ClickException(str(exc)) from None
    runtime.registry.invalidate()
    dispatch_after_commit(runtime.dispatcher, result.tasks)
    if result.tasks:
        runtime.dispatcher.wait_idle()
    summary = result.summary()
    _emit(as_json, summary,
          f"快照 {result.snapshot}：器械 {result.devices} 条，企业 {result.enterprises} 条，"
          f"变更 {result.changed_devices + result.changed_enterprises} 条，拒绝 {result.rejected} 条\n"
          f"snapshot {result.snapshot}: {result.devices} devices, {result.enterprises} enterprises, "
          f"{result.changed_devices + result.changed_enterprises} changed, {result.rejected} rejected")
    if strict and result.rejected:
        sys.exit(3)


# --- claims ------------------------------------------------------------------------------------------------


@cli.group()
def claims():
    """违规宣传用语列表 / The banned-claim phrase list (versioned)."""


@claims.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help='print {"version", "entries", "source", "sha256"}')
def claims_import(path, as_json):
    """导入新版本并立即生效 / Import FILE (CSV or JSON) as the next version, in force at once.

    Columns: id, phrase, kind (literal/regex), category, severity (block/review/info), article,
    explanation_zh, explanation_en, and optionally exclude and applies_to. Every entry is
    checked first; one bad entry rejects the whole file, each problem listed.
    """
    runtime = _runtime()
    row = import_file(runtime.db, path)
    runtime.claims.invalidate()
    # A new phrase list can change any listing's decision: every catalogue is screened again.
    run = rescreen.start(runtime, "claims_import")
    _emit(as_json, {"version": row.version, "entries": len(row.entries), "source": row.source, "sha256": row.sha256,
                    "rescreen": run.id},
          f"违规用语列表第 {row.version} 版已生效（{len(row.entries)} 条），全部商品重新核验（{run.id}） / "
          f"phrase list version {row.version} in force ({len(row.entries)} entries); "
          f"every listing is screened again ({run.id})")


def main():
    # Long-running commands log at INFO; one-off commands only say what went wrong.
    if len(sys.argv) > 1 and sys.argv[1] not in ("serve", "worker"):
        os.environ.setdefault("LOG_LEVEL", "WARNING")
    # AppGroup commands run inside an app context built lazily from this ScriptInfo,
    # so `--help` and `serve` never construct an app they don't need.
    cli.main(prog_name="qingwang", obj=ScriptInfo(create_app=create_app, set_debug_flag=False))
