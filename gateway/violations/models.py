"""Violations, the reason codes they carry (for filtering), and their frozen evidence."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.audit.append_only import protect
from gateway.db import Base, JSONType, UTCDateTime, utcnow
from gateway.ids import new_id
from gateway.violations import ACTIONS, STATUSES


class ViolationStatus:
    OPEN = "open"  # found; a correct-then-report one waits for the correction until its deadline
    REPORTED = "reported"  # owed to the bureau and reported (stop-and-report at once; overdue correct-then-report)
    CORRECTED = "corrected"  # put right before it was due to be reported
    CLOSED = "closed"  # reported, and later put right: nothing more to do

    ALL = STATUSES
    UNRESOLVED = (OPEN, REPORTED)


class ViolationAction:
    """What the platform did (brief vocabulary; ``actions`` carries the report forms' kinds)."""

    BLOCKED = "blocked"  # the listing is no longer displayed or sold
    SUSPENDED = "suspended"  # the merchant is suspended (no legal tier: staff's own judgement)
    SERVICE_STOPPED = "service_stopped"  # serious: the platform's service to the merchant stopped (Art 42 ¶2)
    RECTIFICATION_ORDERED = "rectification_ordered"  # minor: correct by ``rectification_deadline`` (Art 42 ¶1)

    ALL = ACTIONS


class Violation(Base):
    """One violation by a merchant (and, for a listing's, the listing) as the platform found it.

    The bureau it routes to is fixed when it is found, from the merchant's region and the
    platform's routing rule (verifiers/reports/routing.py); ``tier`` is the most serious legal
    tier of its reason codes (verifiers/rules/codes.py, GSP-NET Art 42).
    """

    __tablename__ = "violations"
    __table_args__ = (
        # Keyset paging of GET /v1/violations: newest first within a platform, then by filter.
        Index("ix_violations_platform_detected", "platform_id", "detected_at", "id"),
        Index("ix_violations_platform_status_detected", "platform_id", "status", "detected_at", "id"),
        Index("ix_violations_platform_tier_detected", "platform_id", "tier", "detected_at", "id"),
        # A region filter names a province (440000), a prefecture (440300) or a county (440305):
        # each level has its own column, so each is an equality on an index ordered for paging.
        Index("ix_violations_platform_region_detected", "platform_id", "region", "detected_at", "id"),
        Index("ix_violations_platform_prefecture_detected", "platform_id", "prefecture", "detected_at", "id"),
        Index("ix_violations_platform_province_detected", "platform_id", "province", "detected_at", "id"),
        Index("ix_violations_merchant_detected", "merchant_id", "detected_at", "id"),
        Index("ix_violations_listing_detected", "listing_id", "detected_at", "id"),
        # Escalation: open correct-then-report violations by deadline.
        Index("ix_violations_status_deadline", "status", "rectification_deadline"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("vio"))
    # No cascades: a violation and its evidence outlive what they are about (retention, domain.md §1.5).
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"))
    merchant_id: Mapped[str] = mapped_column(String(40))
    listing_id: Mapped[str | None] = mapped_column(String(40))
    #: listing | merchant: what the decision that found it was about.
    subject_type: Mapped[str] = mapped_column(String(16))
    #: Six-digit division code where the merchant is located (None when unknown).
    region: Mapped[str | None] = mapped_column(String(6))
    #: The region's prefecture (``440300``) and province (``440000``) codes, for the region filter.
    prefecture: Mapped[str | None] = mapped_column(String(6))
    province: Mapped[str | None] = mapped_column(String(6))
    #: The bureau's division code, and every bureau the report goes to (Bureau.as_dict()).
    bureau_code: Mapped[str | None] = mapped_column(String(6))
    bureaus: Mapped[list] = mapped_column(JSONType(), default=list)
    codes: Mapped[list] = mapped_column(JSONType(), default=list)
    #: [{code, severity, tier, message, message_en}] of the reasons that make the violation.
    reasons: Mapped[list] = mapped_column(JSONType(), default=list)
    #: stop_and_report | correct_then_report | none
    tier: Mapped[str] = mapped_column(String(24))
    #: A key of verifiers.reports.model.VIOLATION_TYPES (unlicensed_seller, unregistered_product …).
    violation_type: Mapped[str] = mapped_column(String(40))
    #: A ViolationAction value.
    action: Mapped[str] = mapped_column(String(24))
    #: [{kind (verifiers.reports.model.ACTION_KINDS key), at, deadline?}], in order.
    actions: Mapped[list] = mapped_column(JSONType(), default=list)
    rectification_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: A ViolationStatus value.
    status: Mapped[str] = mapped_column(String(16), default=ViolationStatus.OPEN)
    #: The decisions that found it (first) and kept it (later re-checks with the same codes).
    decision_ids: Mapped[list] = mapped_column(JSONType(), default=list)
    #: The decision that put it right (allowed the listing, approved the merchant), if any.
    correction_decision_id: Mapped[str | None] = mapped_column(String(40))
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ViolationCode(Base):
    """One reason code of one violation: ``GET /v1/violations?code=`` reads this index."""

    __tablename__ = "violation_codes"
    __table_args__ = (Index("ix_violation_codes_platform_code_detected", "platform_id", "code", "detected_at",
                            "violation_id"),)

    violation_id: Mapped[str] = mapped_column(ForeignKey("violations.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    platform_id: Mapped[str] = mapped_column(String(40))
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime())


@protect
class Evidence(Base):
    """What the violation rested on, frozen when it was found (证据), never changed afterwards.

    ``sha256`` is the SHA-256 of the canonical JSON of the content fields; the same hash is
    entered in the audit chain (``evidence.frozen``), so ``qingwang audit verify`` notices a
    changed evidence row. Documents are referenced with their file's SHA-256 and storage key;
    the files themselves are kept (``documents.retain_until``).
    """

    __tablename__ = "evidence"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("evd"))
    violation_id: Mapped[str] = mapped_column(ForeignKey("violations.id"), index=True)
    platform_id: Mapped[str] = mapped_column(String(40))
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The listing's fields as submitted (None for a merchant's violation).
    listing: Mapped[dict | None] = mapped_column(JSONType())
    #: The merchant's file as the platform gave it (Art 39): name, uscc, external_id, region, profile …
    merchant: Mapped[dict] = mapped_column(JSONType(), default=dict)
    #: [{id, sha256, storage_key, size, media_type, filename, type, status, fields, ocr}]
    documents: Mapped[list] = mapped_column(JSONType(), default=list)
    #: {registry_version, snapshot_ids, rows}: the registry rows the decision compared against.
    registry_records: Mapped[dict] = mapped_column(JSONType(), default=dict)
    #: [{id, outcome, reasons, looked_at, trigger, decided_by, decided_at}]
    decisions: Mapped[list] = mapped_column(JSONType(), default=list)
    #: Until when nothing may delete it or its documents (domain.md §1.5); 9999-12-31: forever (implantables).
    retain_until: Mapped[datetime] = mapped_column(UTCDateTime())
    sha256: Mapped[str] = mapped_column(String(64))
