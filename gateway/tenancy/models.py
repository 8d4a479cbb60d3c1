from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.db import Base, JSONType, UTCDateTime, utcnow
from gateway.ids import new_id


class Platform(Base):
    """A third-party e-commerce platform (医疗器械网络交易服务第三方平台) using the gateway."""

    __tablename__ = "platforms"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("plt"))
    name: Mapped[str] = mapped_column(String(200))
    #: 6-digit division code where the platform is located (its provincial bureau).
    region: Mapped[str] = mapped_column(String(6))
    #: 网械平台备字 filing number, printed on reports.
    filing_number: Mapped[str | None] = mapped_column(String(64))
    #: Per-platform policy: report routing, notice severities and the like.
    settings: Mapped[dict] = mapped_column(JSONType(), default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    api_keys: Mapped[list["ApiKey"]] = relationship(back_populates="platform")


class ApiKey(Base):
    """A platform's API key. Only its SHA-256 is stored; the key is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("key"))
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters of the key, enough to tell keys apart in a list.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: After a rotation the old key keeps working until this moment (the grace period).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the key was last presented, recorded at most once a minute per process.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    platform: Mapped[Platform] = relationship(back_populates="api_keys")


class StaffUser(Base):
    """A compliance reviewer or administrator of the staff console."""

    __tablename__ = "staff_users"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("usr"))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    #: None: staff of the gateway operator, who see every platform.
    platform_id: Mapped[str | None] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
