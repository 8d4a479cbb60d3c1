from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
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


class MonitorRun(Base):
    """One daily sweep (design §6, monitoring by date): the date it swept and what it did.

    ``since`` is the previous sweep's date: what expired from then until ``swept_on`` is
    re-decided, so a missed day is caught up by the next run. One run per date: running
    the same date again finds this row and does nothing.
    """

    __tablename__ = "monitor_runs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("mon"))
    swept_on: Mapped[date] = mapped_column(Date(), unique=True)
    since: Mapped[date | None] = mapped_column(Date())
    #: schedule (the worker's scheduler) or manual (``qingwang monitor run``)
    trigger: Mapped[str] = mapped_column(String(40))
    #: running -> done
    status: Mapped[str] = mapped_column(String(16), default="running")
    #: The stage now running: expiry_merchants, expiry_listings, reverify, warn_merchants,
    #: warn_listings, escalate, then done.
    stage: Mapped[str] = mapped_column(String(32), default="expiry_merchants")
    merchants_seen: Mapped[int] = mapped_column(Integer, default=0)
    merchants_changed: Mapped[int] = mapped_column(Integer, default=0)
    listings_seen: Mapped[int] = mapped_column(Integer, default=0)
    listings_changed: Mapped[int] = mapped_column(Integer, default=0)
    merchants_reverified: Mapped[int] = mapped_column(Integer, default=0)
    warnings_sent: Mapped[int] = mapped_column(Integer, default=0)
    #: Correct-then-report violations reported because their rectification deadline passed.
    violations_escalated: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ExpiryWarning(Base):
    """A pre-warning threshold (90, 60 or 30 days) passed for a licence, filing or
    registration a subject relies on; the row is what makes each threshold sent once.

    When a sweep finds several thresholds passed at once (a first sweep, a record imported
    late) one event is sent, for the nearest; the others are recorded as not sent.
    """

    __tablename__ = "expiry_warnings"
    __table_args__ = (UniqueConstraint("subject_type", "subject_id", "number", "valid_until", "threshold",
                                       name="uq_expiry_warnings_once"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("exw"))
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), index=True)
    #: merchant | listing
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(40))
    #: device_business_licence, class2_business_filing, … for a merchant; registration or filing for a listing
    document_kind: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(120))
    valid_until: Mapped[date] = mapped_column(Date())
    threshold: Mapped[int] = mapped_column(Integer)
    days_left: Mapped[int] = mapped_column(Integer)
    #: Whether an event went out for this threshold (False: a nearer one was sent instead).
    sent: Mapped[bool] = mapped_column(default=True)
    run_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
