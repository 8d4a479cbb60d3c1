from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime, utcnow
from gateway.ids import new_id


class ScreeningRun(Base):
    """One re-screening of a catalogue (a platform's, or every platform's), and its result.

    Listings whose decision did not change get no new decision; this row is the record
    that they were screened again, when, why and against what.
    """

    __tablename__ = "screening_runs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("scr"))
    #: None: every platform's listings (a rule change that applies to all).
    platform_id: Mapped[str | None] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), index=True)
    #: Why: claims_import, policy_change, manual …
    trigger: Mapped[str] = mapped_column(String(40))
    #: running -> done
    status: Mapped[str] = mapped_column(String(16), default="running")
    parts: Mapped[int] = mapped_column(Integer, default=1)
    parts_done: Mapped[int] = mapped_column(Integer, default=0)
    listings_seen: Mapped[int] = mapped_column(Integer, default=0)
    listings_changed: Mapped[int] = mapped_column(Integer, default=0)
    registry_version: Mapped[str | None] = mapped_column(String(40))
    claims_version: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
