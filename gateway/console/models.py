"""The console's own tables: server-side sessions, login failures, case claims and
overturns waiting for a second reviewer."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, JSONType, UTCDateTime, utcnow
from gateway.ids import new_id


class ConsoleSession(Base):
    """A signed-in (or about to sign in) browser. The cookie carries a random token; only its
    SHA-256 is stored, so a leaked table signs nobody in."""

    __tablename__ = "console_sessions"
    __table_args__ = (Index("ix_console_sessions_expires_at", "expires_at"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    #: What the console keeps for the session (the CSRF secret, the user id).
    data: Mapped[dict] = mapped_column(JSONType(), default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Idle expiry, pushed forward while the session is used, never past ``absolute_expires_at``.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    absolute_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LoginThrottle(Base):
    """Failed sign-ins per email address (known or not, so the answer does not reveal which
    addresses exist), and the lockout they caused."""

    __tablename__ = "console_login_throttle"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CaseClaim(Base):
    """A reviewer working a case: others see who, and cannot act on it until it expires or
    is released."""

    __tablename__ = "console_case_claims"

    #: merchant | listing (| violation once that area exists)
    subject_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PendingOverturn(Base):
    """A reviewer's overturn of a machine block, waiting for a second reviewer (when the
    platform's ``overturn_requires_second_reviewer`` setting is on)."""

    __tablename__ = "console_pending_overturns"
    __table_args__ = (Index("ix_console_pending_overturns_subject", "subject_type", "subject_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("ovr"))
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), index=True)
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    #: The machine decision being overturned; a newer decision makes the proposal stale.
    decision_id: Mapped[str | None] = mapped_column(String(40))
    proposed_by: Mapped[str] = mapped_column(String(254))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: pending -> confirmed | withdrawn | stale
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
