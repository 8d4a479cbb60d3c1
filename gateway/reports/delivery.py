"""Report channels and deliveries: set a channel, queue a parcel, send it, keep the receipt.

A delivery never holds a database transaction while it calls out (the webhooks' rule): what to
send is read in one short transaction, the files are read from storage and sent with no
transaction open, and the attempt is recorded in another. A failed attempt is retried by the
task machinery with the backoff of :data:`RETRY_SCHEDULE`; the last failure marks the delivery
failed. A delivered report raises the ``report.delivered`` webhook; any other subject (a lead's
answer) is announced by the :data:`delivered` signal so its own area can react.

Other areas send through here too (:func:`queue_parcel`): the leads area sends its answers to a
bureau by the same channels, with the same receipts.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from blinker import Namespace
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.audit.services import append
from gateway.db import utcnow
from gateway.errors import Conflict, NotFound, field_error
from gateway.ids import new_id
from gateway.jobs import outbox
from gateway.jobs.names import TaskName
from gateway.outbound import OutboundClient
from gateway.reports.channels import (Answer, HttpsPost, Parcel, ParcelFile, S3Drop, SmtpMail, Transport,
                                      check_destination)
from gateway.reports.models import (CHANNEL_KINDS, FORMATS, REPORT_KINDS, DeliveryStatus, Report, ReportChannel,
                                    ReportDelivery)
from gateway.storage import FileStorage
from gateway.webhooks import signing
from gateway.webhooks.services import emit
from verifiers.reports.routing import region_covers

#: Seconds before each retry: soon at first, then spread over about a day (a bureau's mail server
#: or exchange may be down for maintenance overnight).
RETRY_SCHEDULE = (30, 120, 600, 1800, 3600, 7200, 21600, 43200)
#: Seconds one send may take in all.
SEND_TIMEOUT_S = 60

_signals = Namespace()
#: Sent (``sender`` = the subject type) after a delivery of a subject other than a report is
#: recorded as delivered, with ``session`` and ``delivery``; receivers may return tasks.
delivered = _signals.signal("report-delivery.delivered")

#: Per kind: the config keys a channel takes (required first), and the name of its secret.
CHANNEL_FIELDS = {
    "s3": (("bucket",), ("prefix", "endpoint_url", "region", "access_key_id"), "secret_access_key"),
    "smtp": (("host", "sender", "recipients"), ("port", "security", "username"), "password"),
    "https": (("url",), (), "signing_secret"),
}
SMTP_SECURITY = ("starttls", "ssl", "none")


# --- channels -------------------------------------------------------------------------------------

def _clean_config(kind: str, config: dict) -> dict:
    required, optional, _ = CHANNEL_FIELDS[kind]
    missing = [k for k in required if not config.get(k)]
    if missing:
        raise field_error("json", "config", f"{kind} 渠道缺少配置：{', '.join(missing)}",
                          f"a {kind} channel needs: {', '.join(missing)}")
    unknown = sorted(set(config) - set(required) - set(optional))
    if unknown:
        raise field_error("json", "config", f"未知的配置项：{', '.join(unknown)}", f"unknown settings: {', '.join(unknown)}")
    clean = {k: config[k] for k in (*required, *optional) if config.get(k) not in (None, "")}
    if kind == "smtp":
        recipients = clean["recipients"]
        if isinstance(recipients, str):
            recipients = [r.strip() for r in recipients.split(",") if r.strip()]
        if not recipients or not all(isinstance(r, str) and "@" in r for r in recipients):
            raise field_error("json", "config", "收件人须为邮箱地址列表", "recipients must be a list of mail addresses")
        clean["recipients"] = recipients
        clean["security"] = clean.get("security", "starttls")
        if clean["security"] not in SMTP_SECURITY:
            raise field_error("json", "config", f"security 应为 {'/'.join(SMTP_SECURITY)}",
                              f"security must be one of {', '.join(SMTP_SECURITY)}")
        clean["port"] = int(clean.get("port") or (465 if clean["security"] == "ssl" else 587))
    return clean


def _check_lists(report_kinds, formats) -> None:
    if formats is not None and (not formats or set(formats) - set(FORMATS)):
        raise field_error("json", "formats", f"格式应为 {'/'.join(FORMATS)}", f"formats must be among {', '.join(FORMATS)}")
    if report_kinds is not None and not report_kinds:
        raise field_error("json", "report_kinds", "至少选择一类报告", "choose at least one kind of report")


def create_channel(session: Session, platform_id: str, body: dict, secret_key: str,
                   outbound: OutboundClient) -> tuple[ReportChannel, str | None]:
    """A new channel; returns it and, for ``https``, the signing secret (shown once, like the
    webhook's). The destination is checked (a DNS lookup) before the session is touched."""
    kind = body["kind"]
    if kind not in CHANNEL_KINDS:
        raise field_error("json", "kind", f"渠道类型应为 {'/'.join(CHANNEL_KINDS)}",
                          f"kind must be one of {', '.join(CHANNEL_KINDS)}")
    config = _clean_config(kind, dict(body.get("config") or {}))
    _check_lists(body.get("report_kinds"), body.get("formats"))
    check_destination(outbound, kind, config)
    shown = None
    secret = body.get("secret")
    if kind == "https":
        secret = shown = signing.new_secret()
    channel = ReportChannel(id=new_id("chn"), platform_id=platform_id, kind=kind,
                            name=body.get("name") or kind, region=body.get("region"),
                            report_kinds=list(body.get("report_kinds") or REPORT_KINDS),
                            formats=list(body.get("formats") or FORMATS), config=config,
                            secret_encrypted=signing.seal(secret, secret_key) if secret else None,
                            enabled=body.get("enabled", True))
    session.add(channel)
    session.flush()
    return channel, shown


def get_channel(session: Session, platform_id: str, channel_id: str) -> ReportChannel:
    channel = session.get(ReportChannel, channel_id)
    if channel is None or channel.platform_id != platform_id:
        raise NotFound("报送渠道不存在", "No such report channel")
    return channel


def update_channel(session: Session, channel: ReportChannel, body: dict, secret_key: str,
                   outbound: OutboundClient) -> ReportChannel:
    """Change a channel's name, region, kinds, formats, config, secret or ``enabled``."""
    if "config" in body:
        config = _clean_config(channel.kind, dict(body["config"] or {}))
        check_destination(outbound, channel.kind, config)
        channel.config = config
    _check_lists(body.get("report_kinds"), body.get("formats"))
    for key in ("name", "region", "report_kinds", "formats", "enabled"):
        if key in body:
            setattr(channel, key, body[key])
    if body.get("secret") and channel.kind != "https":
        channel.secret_encrypted = signing.seal(body["secret"], secret_key)
    channel.updated_at = utcnow()
    session.flush()
    return channel


def list_channels(session: Session, platform_id: str) -> list[ReportChannel]:
    return list(session.scalars(select(ReportChannel).where(ReportChannel.platform_id == platform_id)
                                .order_by(ReportChannel.created_at, ReportChannel.id)))


def channels_for(session: Session, platform_id: str, region: str, kind: str) -> list[ReportChannel]:
    """The enabled channels that carry a ``kind`` subject for ``region``: those whose own region
    covers it (a province's channel carries its cities' reports), or that have none."""
    return [c for c in list_channels(session, platform_id)
            if c.enabled and kind in (c.report_kinds or ()) and (not c.region or region_covers(c.region, region))]


def transport_for(channel: ReportChannel, secret_key: str, outbound: OutboundClient,
                  timeout_s: float = SEND_TIMEOUT_S) -> Transport:
    """The transport a channel's kind and config describe, its secret decrypted."""
    secret = signing.unseal(channel.secret_encrypted, secret_key) if channel.secret_encrypted else None
    config = dict(channel.config)
    if channel.kind == "s3":
        return S3Drop(outbound, secret_access_key=secret, timeout_s=timeout_s, **config)
    if channel.kind == "smtp":
        return SmtpMail(outbound, password=secret, timeout_s=timeout_s, **config)
    if channel.kind == "https":
        if not secret:
            raise Conflict("HTTPS 渠道缺少签名密钥", "The https channel has no signing secret")
        return HttpsPost(outbound, url=config["url"], secret=secret, timeout_s=timeout_s)
    raise ValueError(f"unknown channel kind {channel.kind!r}")


# --- deliveries -----------------------------------------------------------------------------------

def stored_file(key: str, data: bytes, media_type: str, filename: str) -> dict:
    """The description of one stored file that a delivery (and a report) keeps."""
    return {"key": key, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "media_type": media_type,
            "filename": filename}


def queue_parcel(session: Session, channel: ReportChannel, *, subject_type: str, subject_id: str, title: str,
                 files: dict[str, dict]) -> tuple[ReportDelivery, list]:
    """Record a delivery of ``files`` (``{format: stored_file(...)}``; those of the channel's
    formats go) by ``channel`` in the caller's transaction; returns it and the task to dispatch."""
    chosen = {fmt: meta for fmt, meta in files.items() if fmt in (channel.formats or FORMATS)} or dict(files)
    delivery = ReportDelivery(id=new_id("rdl"), platform_id=channel.platform_id, channel_id=channel.id,
                              subject_type=subject_type, subject_id=subject_id, title=title, files=chosen,
                              status=DeliveryStatus.PENDING, attempts=0, attempt_log=[], created_at=utcnow())
    session.add(delivery)
    session.flush()
    return delivery, [outbox.enqueue(session, TaskName.REPORT_DELIVER, {"delivery_id": delivery.id},
                                     max_attempts=len(RETRY_SCHEDULE) + 1)]


def deliveries_of(session: Session, subject_type: str, subject_id: str) -> list[ReportDelivery]:
    return list(session.scalars(select(ReportDelivery).where(ReportDelivery.subject_type == subject_type,
                                                             ReportDelivery.subject_id == subject_id)
                                .order_by(ReportDelivery.created_at, ReportDelivery.id)))


@dataclass(frozen=True)
class Outgoing:
    """A delivery ready to send with no database: its transport and what to read from storage."""

    delivery_id: str
    channel_kind: str
    transport: Transport
    subject_type: str
    subject_id: str
    title: str
    files: dict
    #: Facts for the envelope (the S3 manifest, the HTTPS body): a report's kind, region, period, bureaus.
    meta: dict


def _meta(session: Session, delivery: ReportDelivery) -> dict:
    if delivery.subject_type != "report":
        return {}
    report = session.get(Report, delivery.subject_id)
    if report is None:
        return {}
    return {"report_kind": report.kind, "region": report.region, "period": report.period,
            "violation_id": report.violation_id, "case_count": report.case_count, "case_digest": report.case_digest,
            "bureaus": [{"code": b["code"], "name_zh": b["name_zh"]} for b in report.bureaus]}


def prepare(session: Session, delivery_id: str, secret_key: str, outbound: OutboundClient) -> Outgoing | None:
    """What to send for a pending delivery; None when there is nothing to (delivered already, or the
    channel was disabled: then the delivery ends failed)."""
    delivery = session.get(ReportDelivery, delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return None
    channel = session.get(ReportChannel, delivery.channel_id)
    if channel is None or not channel.enabled:
        delivery.status, delivery.last_error = DeliveryStatus.FAILED, "channel disabled"
        return None
    return Outgoing(delivery.id, channel.kind, transport_for(channel, secret_key, outbound), delivery.subject_type,
                    delivery.subject_id, delivery.title, dict(delivery.files), _meta(session, delivery))


def parcel_text(title: str, subject_type: str, subject_id: str) -> str:
    return (f"{title}\n\n本邮件由清网合规网关自动发送，附件为报告文件及其 SHA-256 摘要。\n"
            f"This message was sent by the Qingwang gateway; the attachments are the files of "
            f"{subject_type} {subject_id}, listed with their SHA-256 below.")


def load_parcel(storage: FileStorage, outgoing: Outgoing) -> Parcel:
    """The parcel with its files read from storage (no transaction open); a file whose bytes no
    longer match the recorded SHA-256 is refused rather than sent."""
    files = []
    for fmt in FORMATS + tuple(sorted(set(outgoing.files) - set(FORMATS))):
        info = outgoing.files.get(fmt)
        if info is None:
            continue
        data = storage.get(info["key"])
        digest = hashlib.sha256(data).hexdigest()
        if digest != info["sha256"]:
            raise ValueError(f"stored file {info['key']} does not match its SHA-256 ({digest} != {info['sha256']})")
        files.append(ParcelFile(info["filename"], info["media_type"], data, digest))
    return Parcel(outgoing.delivery_id, outgoing.subject_type, outgoing.subject_id, outgoing.title,
                  parcel_text(outgoing.title, outgoing.subject_type, outgoing.subject_id), tuple(files), outgoing.meta)


def record_attempt(session: Session, outgoing: Outgoing, answer: Answer, ms: float) -> tuple[float | None, list]:
    """Log the attempt; on success write the receipt and raise the ``report.delivered`` webhook
    (or the :data:`delivered` signal). Returns (seconds until the next try or None, tasks)."""
    delivery = session.get(ReportDelivery, outgoing.delivery_id, with_for_update=True)
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return None, []
    now = utcnow()
    delivery.attempts += 1
    delivery.attempt_log = [*delivery.attempt_log, {"at": now.isoformat(), "ok": answer.ok, "error": answer.error,
                                                    "ms": ms}]
    if not answer.ok:
        delivery.last_error = answer.error
        return RETRY_SCHEDULE[min(delivery.attempts - 1, len(RETRY_SCHEDULE) - 1)], []
    delivery.status, delivery.delivered_at, delivery.last_error = DeliveryStatus.DELIVERED, now, None
    delivery.receipt = {"channel_id": delivery.channel_id, "kind": outgoing.channel_kind, "answer": answer.detail,
                        "delivered_at": now.isoformat(),
                        "files": {fmt: info["sha256"] for fmt, info in delivery.files.items()}}
    append(session, platform_id=delivery.platform_id, kind="delivery.delivered", subject_type=delivery.subject_type,
           subject_id=delivery.subject_id, actor="system",
           data={"delivery_id": delivery.id, "channel_id": delivery.channel_id, "channel_kind": outgoing.channel_kind,
                 "files": delivery.receipt["files"], "delivered_at": now.isoformat()})
    if delivery.subject_type == "report":
        return None, emit(session, delivery.platform_id, "report.delivered", {
            "report_id": delivery.subject_id, "delivery_id": delivery.id, "channel_id": delivery.channel_id,
            "channel_kind": outgoing.channel_kind, "delivered_at": now.isoformat(),
            "files": delivery.receipt["files"]})
    tasks = []
    for _receiver, result in delivered.send(delivery.subject_type, session=session, delivery=delivery):
        tasks.extend(result or [])
    return None, tasks


def mark_failed(session: Session, delivery_id: str, error: str) -> None:
    delivery = session.get(ReportDelivery, delivery_id)
    if delivery is not None and delivery.status == DeliveryStatus.PENDING:
        delivery.status, delivery.last_error = DeliveryStatus.FAILED, delivery.last_error or error[:500]
