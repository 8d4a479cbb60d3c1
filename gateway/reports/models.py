"""Reports to the bureaus, the channels they travel by, the receipts of each delivery, and the
schedules of the periodic ones (监管报告、报送渠道、报送回执、定期报送计划)."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, JSONType, UTCDateTime, utcnow
from gateway.ids import new_id


class ReportStatus(StrEnum):
    QUEUED = "queued"
    GENERATED = "generated"
    FAILED = "failed"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


#: The files of a report, in the order a bureau reads them.
FORMATS = ("xlsx", "pdf", "json")
MEDIA_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "pdf": "application/pdf", "json": "application/json"}
CHANNEL_KINDS = ("s3", "smtp", "https")
REPORT_KINDS = ("periodic", "immediate")
CADENCES = ("monthly", "quarterly", "yearly")


class Report(Base):
    """One report to one bureau: a periodic summary of a region and period (附件1, 附件2 and the case
    list), or the immediate report of one stop-and-report violation (立即报告)."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_platform_created", "platform_id", "created_at"),
                      Index("ix_reports_platform_region_period", "platform_id", "region", "period"))

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("rep"))
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="periodic")  # periodic | immediate
    #: Six-digit division code the report covers (a province code covers its cities).
    region: Mapped[str] = mapped_column(String(6))
    #: ``2026-11``, ``2026-Q4`` or ``2026``; None for an immediate report.
    period: Mapped[str | None] = mapped_column(String(8))
    #: The violation an immediate report is about.
    violation_id: Mapped[str | None] = mapped_column(String(40), index=True)
    #: The bureaus it is addressed to: [{code, level, name_zh, name_en, rule, fallback, confirmed, ...}].
    bureaus: Mapped[list] = mapped_column(JSONType(), default=list)
    #: The routing rule in force when it was requested: seller_municipal | platform_provincial | both.
    routing_rule: Mapped[str] = mapped_column(String(24), default="seller_municipal")
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.QUEUED)
    error: Mapped[str | None] = mapped_column(Text)
    #: {format: {key, sha256, bytes, media_type, filename}} once generated.
    files: Mapped[dict] = mapped_column(JSONType(), default=dict)
    case_count: Mapped[int | None] = mapped_column(Integer)
    #: SHA-256 of the case list rows (the PDF prints it: ties the three files together).
    case_digest: Mapped[str | None] = mapped_column(String(64))
    #: api | cli | schedule | violation | demo
    requested_by: Mapped[str] = mapped_column(String(16), default="api")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    generated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReportChannel(Base):
    """How a platform's reports reach a bureau: an object-storage drop (``s3``), mail (``smtp``) or
    a signed HTTPS POST (``https``). A channel serves the reports whose region lies inside its own
    (None: every region); its secret (S3 secret key, SMTP password, HTTPS signing secret) is kept
    encrypted with SECRET_KEY, because sending needs it in clear."""

    __tablename__ = "report_channels"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("chn"))
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # s3 | smtp | https
    name: Mapped[str] = mapped_column(String(120))
    region: Mapped[str | None] = mapped_column(String(6))
    #: Which reports it carries: ["periodic", "immediate"] (and other subjects, e.g. "lead_answer").
    report_kinds: Mapped[list] = mapped_column(JSONType(), default=list)
    formats: Mapped[list] = mapped_column(JSONType(), default=list)
    #: Everything but the secret: bucket, prefix, endpoint_url … / host, port, security, username,
    #: sender, recipients / url.
    config: Mapped[dict] = mapped_column(JSONType(), default=dict)
    secret_encrypted: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReportDelivery(Base):
    """One parcel of files sent by one channel, and its receipt (报送回执): what the channel
    answered, when, and the SHA-256 of every file it carried. The subject is a report, or anything
    else sent the same way (a lead's answer to a bureau)."""

    __tablename__ = "report_deliveries"
    __table_args__ = (Index("ix_report_deliveries_subject", "subject_type", "subject_id"),
                      Index("ix_report_deliveries_platform_created", "platform_id", "created_at"))

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("rdl"))
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(ForeignKey("report_channels.id", ondelete="CASCADE"), index=True)
    subject_type: Mapped[str] = mapped_column(String(24))  # report | lead_answer | …
    subject_id: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    #: {format: {key, sha256, bytes, media_type, filename}}: the stored files to send.
    files: Mapped[dict] = mapped_column(JSONType(), default=dict)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: [{at, ok, error, ms}]
    attempt_log: Mapped[list] = mapped_column(JSONType(), default=list)
    #: The receipt, once delivered: {channel, kind, answer, delivered_at, files: {format: sha256}}.
    receipt: Mapped[dict | None] = mapped_column(JSONType())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)


class ReportSchedule(Base):
    """A periodic report a platform owes for one region: monthly by default. ``last_period`` is
    the latest period already requested, so a scheduler run twice, or a day missed, neither
    repeats nor skips a period."""

    __tablename__ = "report_schedules"

    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), primary_key=True)
    region: Mapped[str] = mapped_column(String(6), primary_key=True)
    cadence: Mapped[str] = mapped_column(String(16), default="monthly")
    enabled: Mapped[bool] = mapped_column(default=True)
    last_period: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
