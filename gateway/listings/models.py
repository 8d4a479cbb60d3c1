from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime, utcnow
from gateway.ids import new_id


class Listing(Base):
    __tablename__ = "listings"
    __table_args__ = (UniqueConstraint("platform_id", "external_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("lst"))
    # No index of its own: the unique (platform_id, external_id) index leads with it and serves
    # look-ups by platform (and the cascade from platforms). A second index on it cost every
    # insert a write and, on PostgreSQL, gave the planner a wrong choice (see migration 0015).
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    registration_number: Mapped[str | None] = mapped_column(String(120))
    #: lookup key of the registration number, to find listings a registry change touches
    registration_key: Mapped[str | None] = mapped_column(String(160), index=True)
    product_name: Mapped[str | None] = mapped_column(Text)
    manufacturer: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(Text)
    device_class: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(16))
    decision_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ListingDocument(Base):
    __tablename__ = "listing_documents"

    listing_id: Mapped[str] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)
