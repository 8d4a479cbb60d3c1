from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, JSONType, UTCDateTime, utcnow
from gateway.ids import new_id


class Decision(Base):
    """One decision, never changed afterwards; a new one supersedes it.

    It records what it looked at (documents with their SHA-256 and OCR confidences,
    registry rows with their snapshot) so the console, the webhook and a bureau report
    all read the same account.
    """

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_subject", "subject_type", "subject_id", "decided_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("dec"))
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), index=True)
    subject_type: Mapped[str] = mapped_column(String(16))  # merchant | listing
    subject_id: Mapped[str] = mapped_column(String(40))
    #: merchant: approved | rejected | needs_review | suspended; listing: allow | block | review
    outcome: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list] = mapped_column(JSONType(), default=list)
    registry_version: Mapped[str | None] = mapped_column(String(40))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: "rules" for the machine; "staff:<email>" for a person in the console.
    decided_by: Mapped[str] = mapped_column(String(120), default="rules")
    #: Why this decision was taken now: created, documents_added, document_processed,
    #: registry_snapshot, merchant_status, staff_action …
    trigger: Mapped[str | None] = mapped_column(String(40))
    looked_at: Mapped[dict] = mapped_column(JSONType(), default=dict)
