from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, JSONType, UTCDateTime, utcnow
from gateway.ids import new_id
from verifiers.leads.states import OPEN_STATES


class Lead(Base):
    """A lead (线索) a bureau sent the platform, or one the platform found itself, and how it
    was handled: 监测—分办—核查—反馈 (design §5; domain §8, 附件2)."""

    __tablename__ = "leads"
    __table_args__ = (UniqueConstraint("platform_id", "reference"),
                      Index("ix_leads_platform_state_due", "platform_id", "state", "due_at"))

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("lead"))
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), index=True)
    #: The bureau's own number for the lead (线索编号), when it gave one; unique per platform.
    reference: Mapped[str | None] = mapped_column(String(64))
    #: nmpa_transfer, provincial_monitoring, other_province, platform_monitoring, complaint
    source: Mapped[str] = mapped_column(String(32))
    #: 6-digit division code the lead concerns (the 附件2 form counts it under this region).
    region: Mapped[str] = mapped_column(String(6))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: "bureau" (the deadline came with the lead) or "platform_default".
    due_source: Mapped[str] = mapped_column(String(20))
    #: What the lead is about, in the bureau's terms: shop_name, shop_url, uscc, listing_external_id,
    #: listing_url, product_name, registration_number.
    subject: Mapped[dict] = mapped_column(JSONType(), default=dict)
    description: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="received")
    reviewer: Mapped[str | None] = mapped_column(String(200))
    #: pending (matching queued), matched (a certain match), candidates (only likely ones), unmatched
    match_status: Mapped[str] = mapped_column(String(16), default="pending")
    #: The merchant the best match names (the seller the lead is about), when there is one.
    merchant_id: Mapped[str | None] = mapped_column(ForeignKey("merchants.id", ondelete="SET NULL"), index=True)
    #: {"actions": [{"kind", "at", "note"?, "deadline"?}], "finding", "disposed_at", "by"}
    disposal: Mapped[dict | None] = mapped_column(JSONType())
    #: Violations the verification found or raised.
    violation_ids: Mapped[list] = mapped_column(JSONType(), default=list)
    #: 重点案件: counted on 附件2 by id.
    key_case: Mapped[bool] = mapped_column(default=False)
    #: The answer to the bureau (反馈): {"status", "files": {format: {"key", "sha256", "bytes"}},
    #: "generated_at", "deliveries": [...]}.
    answer: Mapped[dict | None] = mapped_column(JSONType())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When lead.overdue was sent (once per lead).
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: api, or import:<file name>
    origin: Mapped[str] = mapped_column(String(200), default="api")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    def overdue(self, now: datetime) -> bool:
        """Past its deadline without an answer to the bureau."""
        return self.state in OPEN_STATES and self.due_at <= now


class LeadMatch(Base):
    """A merchant or listing a lead concerns, how it was found and how sure that is."""

    __tablename__ = "lead_matches"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("lmt"))
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    #: merchant or listing
    kind: Mapped[str] = mapped_column(String(16))
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"))
    listing_id: Mapped[str | None] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    #: The subject fields that matched and how: [{"field", "method", "score"}]
    evidence: Mapped[list] = mapped_column(JSONType(), default=list)
    confidence: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LeadEvent(Base):
    """One step in a lead's history: a transition, the overdue notice, matching, the answer's
    delivery. The console and the answer show this timeline."""

    __tablename__ = "lead_events"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("lev"))
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    #: transition, overdue, matched, answer_generated, answer_delivered
    kind: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    #: Who: api (the platform's key), a person's name or email, system
    actor: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict] = mapped_column(JSONType(), default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LeadDocument(Base):
    """Files the bureau sent with the lead (screenshots, its transfer letter)."""

    __tablename__ = "lead_documents"

    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)
