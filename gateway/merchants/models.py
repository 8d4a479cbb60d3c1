from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, JSONType, UTCDateTime, utcnow
from gateway.ids import new_id


class Merchant(Base):
    """A seller on a platform: the platform's registration file (GSP-NET Art 39)."""

    __tablename__ = "merchants"
    __table_args__ = (UniqueConstraint("platform_id", "external_id"), Index("ix_merchants_uscc", "uscc"))

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("mer"))
    # No index of its own: the unique (platform_id, external_id) index leads with it and serves
    # look-ups by platform (and the cascade from platforms). A second index on it cost every
    # insert a write and, on PostgreSQL, gave the planner a wrong choice (see migration 0015).
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))
    #: As given (up to 40 characters): an invalid code is a reason (USCC_INVALID), not a 4xx.
    uscc: Mapped[str] = mapped_column(String(40))
    online_sales_filing_number: Mapped[str | None] = mapped_column(String(64))
    #: Device classes the merchant declared it will sell (may be empty).
    device_classes: Mapped[list] = mapped_column(JSONType(), default=list)
    #: Shop name and link, address, contacts: the Art 39 file (not sent in webhooks).
    profile: Mapped[dict] = mapped_column(JSONType(), default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    #: Set while a new verification runs for a merchant that keeps its current standing.
    reverifying: Mapped[bool] = mapped_column(default=False)
    #: Who suspended it: "rules" (lifted by a passing re-verification) or "staff:<email>".
    suspended_by: Mapped[str | None] = mapped_column(String(120))
    #: 6-digit division code: from its licences on record, else its credit code.
    region: Mapped[str | None] = mapped_column(String(6))
    decision_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The monitoring sweep's date of its last six-monthly re-verification (GSP-NET Art 39):
    #: the sweep's own date, so a sweep run for a date ahead (--date) is not repeated.
    reverified_on: Mapped[date | None] = mapped_column(Date())
    note: Mapped[str | None] = mapped_column(Text)


class MerchantDocument(Base):
    __tablename__ = "merchant_documents"

    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
