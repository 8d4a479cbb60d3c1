"""Administration: users, and each platform's review setting, webhook endpoint and delivery log."""
from __future__ import annotations

from flask import request
from sqlalchemy import select

from gateway.audit.services import append as audit
from gateway.console import accounts
from gateway.console.actions import SECOND_REVIEWER_SETTING
from gateway.console.web import admin_required, back_to, bp, lang, page_of, render, runtime, staff, t
from gateway.errors import NotFound, ServiceError
from gateway.reports.delivery import get_channel, list_channels, update_channel
from gateway.tenancy.models import Platform
from gateway.webhooks.models import WebhookDelivery, WebhookEndpoint

DELIVERIES_PER_PAGE = 50


@bp.get("/admin/users", endpoint="users")
@admin_required
def users():
    with runtime().db.read_sessionmaker() as reader:
        listed = accounts.list_users(reader, staff())
        platforms = accounts.platforms(reader, staff())
    return render("console/users.html", users=listed, platforms=platforms, roles=("reviewer", "admin"))


def _admin_write(work, done: str, endpoint: str, **values):
    try:
        with runtime().db.session() as writer:
            work(writer)
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        return back_to(endpoint, exc.message(lang()), "error", **values)
    return back_to(endpoint, t(done), "info", **values)


@bp.post("/admin/users")
@admin_required
def add_user():
    form = request.form
    return _admin_write(lambda s: accounts.add_user(s, staff(), form.get("email", ""), form.get("role", ""),
                                                    form.get("password", ""), form.get("platform_id") or None),
                        "saved", "console.users")


@bp.post("/admin/users/<user_id>/active")
@admin_required
def set_user_active(user_id):
    active = request.form.get("active") == "1"
    return _admin_write(lambda s: accounts.set_active(s, staff(), user_id, active), "saved", "console.users")


@bp.get("/admin/platforms", endpoint="platforms")
@admin_required
def platforms():
    with runtime().db.read_sessionmaker() as reader:
        listed = accounts.platforms(reader, staff())
        endpoints = {e.platform_id: e for e in reader.scalars(
            select(WebhookEndpoint).where(WebhookEndpoint.platform_id.in_([p.id for p in listed])))}
    return render("console/platforms.html", platforms=listed, endpoints=endpoints)


def _platform(session, platform_id: str) -> Platform:
    platform = session.get(Platform, platform_id)
    if platform is None or not staff().may_see(platform.id):
        raise NotFound("平台不存在", "No such platform")
    return platform


@bp.get("/admin/platforms/<platform_id>")
@admin_required
def platform(platform_id):
    with runtime().db.read_sessionmaker() as reader:
        found = _platform(reader, platform_id)
        endpoint = reader.get(WebhookEndpoint, platform_id)
        paged = page_of(reader, select(WebhookDelivery).where(WebhookDelivery.platform_id == platform_id)
                        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()), DELIVERIES_PER_PAGE)
        channels = list_channels(reader, platform_id)
    return render("console/platform.html", platform=found, endpoint=endpoint, deliveries=paged.pop("rows"),
                  channels=channels, **paged,
                  second_reviewer=bool((found.settings or {}).get(SECOND_REVIEWER_SETTING)))


@bp.post("/admin/platforms/<platform_id>/settings")
@admin_required
def platform_settings(platform_id):
    wanted = request.form.get(SECOND_REVIEWER_SETTING) == "1"

    def work(s):
        found = _platform(s, platform_id)
        found.settings = {**(found.settings or {}), SECOND_REVIEWER_SETTING: wanted}
        audit(s, platform_id=platform_id, kind="console.setting_changed", subject_type="platform",
              subject_id=platform_id, actor=staff().actor, data={SECOND_REVIEWER_SETTING: wanted})
    return _admin_write(work, "saved", "console.platform", platform_id=platform_id)


@bp.post("/admin/platforms/<platform_id>/channels/<channel_id>/enabled")
@admin_required
def channel_enabled(platform_id, channel_id):
    enabled = request.form.get("enabled") == "1"
    rt = runtime()

    def work(s):
        _platform(s, platform_id)
        channel = get_channel(s, platform_id, channel_id)
        update_channel(s, channel, {"enabled": enabled}, rt.settings.secret_key, rt.outbound)
        audit(s, platform_id=platform_id, kind="console.channel_enabled" if enabled else "console.channel_disabled",
              subject_type="report_channel", subject_id=channel_id, actor=staff().actor, data={})
    return _admin_write(work, "saved", "console.platform", platform_id=platform_id)
