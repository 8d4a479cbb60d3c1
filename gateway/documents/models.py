from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, event, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, JSONType, UTCDateTime, utcnow
from gateway.ids import new_id
from gateway.storage.retention import RetentionHeld


class Document(Base):
    """One uploaded file and what was read from it.

    The bytes live in storage under a content-addressed key (one copy per SHA-256,
    whoever uploaded it); the row belongs to one platform, which has one row per content:
    the unique index settles concurrent uploads of the same file.
    """

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_platform_sha256", "platform_id", "sha256", unique=True),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("doc"))
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), index=True)
    #: awaiting_upload (presigned, not yet confirmed) -> processing -> processed | failed
    status: Mapped[str] = mapped_column(String(20), default="processing")
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(BigInteger)
    media_type: Mapped[str | None] = mapped_column(String(64))
    pages: Mapped[int | None] = mapped_column(Integer)
    filename: Mapped[str | None] = mapped_column(String(255))
    storage_key: Mapped[str | None] = mapped_column(String(255))
    #: The type the uploader said it is, if any; ``type`` is what was detected.
    type_hint: Mapped[str | None] = mapped_column(String(40))
    type: Mapped[str | None] = mapped_column(String(40))
    type_confidence: Mapped[float | None]
    #: {name: {value, confidence, page, box}} per design §4, plus ``problems`` for fields
    #: that were read but failed validation.
    fields: Mapped[dict | None] = mapped_column(JSONType())
    #: Pages with their recognised lines and boxes, and the corrections applied.
    ocr: Mapped[dict | None] = mapped_column(JSONType())
    #: {code, message, message_en} when status is failed.
    error: Mapped[dict | None] = mapped_column(JSONType())
    engine: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    processing_ms: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    #: Evidence of a violation refers to this file: neither the row nor the stored bytes may be
    #: deleted before this moment (domain.md §1.5; 9999-12-31 for implantables: forever).
    retain_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


@event.listens_for(Document, "before_delete")
def _keep_retained(_mapper, _connection, document: Document) -> None:
    """A document that is evidence is not deleted before its retention ends (domain.md §1.5)."""
    if document.retain_until is not None and document.retain_until > utcnow():
        raise RetentionHeld(document.storage_key or document.id, document.retain_until)
