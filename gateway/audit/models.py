"""Audit entries, the one-row chain head that serialises appends, and entries waiting to be sealed."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.audit.append_only import protect
from gateway.db import Base, JSONType, UTCDateTime, utcnow

#: The ``prev_hash`` of the first entry.
GENESIS = "0" * 64


@protect
class AuditEntry(Base):
    """One fact that happened, never changed or removed afterwards.

    ``hash`` is SHA-256 over the canonical JSON of the entry's fields and ``prev_hash`` (the
    hash of the entry before it), so changing, deleting or reordering any entry breaks every
    link after it. ``sequence`` is dense from 1; a gap is a deleted entry. No foreign key on
    ``platform_id``: deleting a platform must not take its audit trail with it.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_subject", "subject_type", "subject_id", "sequence"),)

    sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True,
                                          autoincrement=False)
    id: Mapped[str] = mapped_column(String(40), unique=True)
    platform_id: Mapped[str | None] = mapped_column(String(40), index=True)
    #: What happened: decision.recorded, violation.recorded, evidence.frozen, violation.reported …
    kind: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(24))
    subject_id: Mapped[str] = mapped_column(String(40))
    #: "rules", "staff:<email>", "system:<what>".
    actor: Mapped[str] = mapped_column(String(120))
    data: Mapped[dict] = mapped_column(JSONType(), default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """The last sequence number and hash of the chain, in one row (``id`` 1).

    Appends lock it (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's single writer does the
    same), so concurrent transactions add their entries one after another and the chain
    stays a line. It also lets verification notice entries deleted from the end.
    """

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sequence: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditPending(Base):
    """An entry written with its transaction but not yet in the chain (see
    :mod:`gateway.audit.sealing`): the machine's listing decisions, which a web process records
    hundreds of times a second. The sealer moves these rows into ``audit_entries`` in
    ``position`` order, giving each its sequence and hash, and deletes them here in the same
    transaction. Until then a row is durable (it committed with the decision it records) but
    not yet tamper-evident; ``qingwang audit verify`` reports how many wait and since when.
    """

    __tablename__ = "audit_pending"

    #: Insertion order (SQLite's rowid; a PostgreSQL identity), the order sealing takes.
    position: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                          autoincrement=True)
    id: Mapped[str] = mapped_column(String(40))
    platform_id: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(24))
    subject_id: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(120))
    data: Mapped[dict] = mapped_column(JSONType(), default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
