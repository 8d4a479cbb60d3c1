from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, JSONType, UTCDateTime, utcnow
from gateway.ids import new_id


class RegistrySnapshot(Base):
    """One import of regulator data. Decisions name the snapshot they were made on."""

    __tablename__ = "registry_snapshots"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("snap"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: importing -> complete (the whole import is one transaction, so a failed one leaves no rows)
    status: Mapped[str] = mapped_column(String(16), default="importing")
    source: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(16))
    #: SHA-256 over the imported files, in name order: the same data gives the same hash.
    sha256: Mapped[str | None] = mapped_column(String(64))
    devices: Mapped[int] = mapped_column(Integer, default=0)
    enterprises: Mapped[int] = mapped_column(Integer, default=0)
    changed_devices: Mapped[int] = mapped_column(Integer, default=0)
    changed_enterprises: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    #: The first rejected rows: [{file, line, kind, reason}]
    errors: Mapped[list] = mapped_column(JSONType(), default=list)


class RegistryDevice(Base):
    """A registration certificate or Class I filing, as of the latest snapshot that changed it."""

    __tablename__ = "registry_devices"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    number: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))
    device_class: Mapped[int] = mapped_column(SmallInteger)
    product_name: Mapped[str] = mapped_column(Text)
    registrant: Mapped[str | None] = mapped_column(Text)
    #: Indexed: merchant rules ask which devices a credit code is the registrant of.
    registrant_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    models: Mapped[list] = mapped_column(JSONType(), default=list)
    category_code: Mapped[str | None] = mapped_column(String(4))
    approved_on: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    issuer: Mapped[str | None] = mapped_column(Text)
    #: No foreign key: only the importer writes it, in the snapshot's own transaction, and
    #: checking a million rows against it would cost a third of the import's database time.
    snapshot_id: Mapped[str] = mapped_column(String(40), index=True)
    row_hash: Mapped[str] = mapped_column(String(40))


class RegistryEnterprise(Base):
    """A licence or filing held by an enterprise, as of the latest snapshot that changed it."""

    __tablename__ = "registry_enterprises"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    number: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(32))
    holder: Mapped[str] = mapped_column(Text)
    uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    region: Mapped[str | None] = mapped_column(String(6))
    scope: Mapped[list] = mapped_column(JSONType(), default=list)
    issued_on: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    issuer: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(Text)
    snapshot_id: Mapped[str] = mapped_column(String(40), index=True)
    row_hash: Mapped[str] = mapped_column(String(40))
