from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, JSONType, UTCDateTime, utcnow
from gateway.ids import new_id
from gateway.registry.columns import column, stored_fields
from verifiers.registry.records import DeviceRecord, EnterpriseRecord


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


def _registry_table(name: str, record_type: type) -> Table:
    """A registry table: the record's fields (declared on the record), then the bookkeeping."""
    return Table(
        name, Base.metadata,
        *(column(spec) for spec in stored_fields(record_type)),
        # No foreign key: only the importer writes it, in the snapshot's own transaction, and
        # checking a million rows against it would cost a third of the import's database time.
        Column("snapshot_id", String(40), nullable=False, index=True),
        # SHA-1 of the row's stored values: an unchanged record keeps its snapshot id.
        Column("row_hash", String(40), nullable=False),
    )


class RegistryDevice(Base):
    """A registration certificate or Class I filing, as of the latest snapshot that changed it."""

    __table__ = _registry_table("registry_devices", DeviceRecord)


class RegistryEnterprise(Base):
    """A licence or filing held by an enterprise, as of the latest snapshot that changed it."""

    __table__ = _registry_table("registry_enterprises", EnterpriseRecord)
