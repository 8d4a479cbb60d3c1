"""The stored versions of the banned-claim phrase list."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.db import Base, UTCDateTime, utcnow
from gateway.ids import new_id


class ClaimListVersion(Base):
    """One imported version of the list; the highest version is in force."""

    __tablename__ = "claim_lists"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("cll"))
    version: Mapped[int] = mapped_column(Integer, unique=True)
    #: The imported file's name (or "shipped" for the list in verifiers/data).
    source: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    entries: Mapped[list["ClaimEntry"]] = relationship(back_populates="claim_list", order_by="ClaimEntry.position",
                                                       cascade="all, delete-orphan")


class ClaimEntry(Base):
    """One entry of a version, as imported (see verifiers.claims.COLUMNS)."""

    __tablename__ = "claim_entries"

    list_id: Mapped[str] = mapped_column(ForeignKey("claim_lists.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    phrase: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    article: Mapped[str] = mapped_column(Text)
    explanation_zh: Mapped[str] = mapped_column(Text)
    explanation_en: Mapped[str] = mapped_column(Text)
    exclude: Mapped[str] = mapped_column(Text, default="")
    applies_to: Mapped[str] = mapped_column(Text, default="")

    claim_list: Mapped[ClaimListVersion] = relationship(back_populates="entries")

    def as_row(self) -> dict:
        return {"id": self.rule_id, "phrase": self.phrase, "kind": self.kind, "category": self.category,
                "severity": self.severity, "article": self.article, "explanation_zh": self.explanation_zh,
                "explanation_en": self.explanation_en, "exclude": self.exclude, "applies_to": self.applies_to}
