"""Creating platforms and keys, and resolving a presented key to its platform."""
from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from cachetools import TTLCache
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from gateway.db import utcnow
from gateway.errors import Conflict, Invalid, NotFound
from gateway.tenancy.models import ApiKey, Platform, StaffUser

log = logging.getLogger(__name__)

ROLES = ("reviewer", "admin")
_REGION = re.compile(r"^\d{6}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class TenancyError(Invalid):
    code = "tenancy-invalid"


def hash_key(key: str) -> str:
    # Keys are 256-bit random tokens, so a fast unsalted hash is enough to make a
    # leaked table useless; a slow KDF would only slow every request down.
    return hashlib.sha256(key.encode()).hexdigest()


def create_platform(session: Session, name: str, region: str, filing_number: str | None = None) -> tuple[Platform, str]:
    """Create a platform and its first API key; return both (the key is not stored)."""
    if not name.strip():
        raise TenancyError("平台名称不能为空", "platform name is required")
    if not _REGION.match(region or ""):
        raise TenancyError(f"地区代码应为6位数字：{region!r}", f"region must be a 6-digit division code: {region!r}")
    platform = Platform(name=name.strip(), region=region, filing_number=filing_number, settings={})
    session.add(platform)
    session.flush()
    return platform, issue_key(session, platform)


def issue_key(session: Session, platform: Platform) -> str:
    key = "qw_" + secrets.token_urlsafe(32)
    session.add(ApiKey(platform_id=platform.id, key_hash=hash_key(key), prefix=key[:10]))
    session.flush()
    return key


def create_staff_user(session: Session, email: str, role: str, password: str | None,
                      platform_id: str | None = None) -> StaffUser:
    if role not in ROLES:
        raise TenancyError(f"角色应为 {'/'.join(ROLES)}", f"role must be one of {ROLES}")
    if not _EMAIL.match(email):
        raise TenancyError(f"邮箱格式不正确：{email!r}", f"not an email address: {email!r}")
    if session.scalar(select(StaffUser).where(StaffUser.email == email.lower())):
        raise Conflict(f"用户已存在：{email}", f"user already exists: {email}")
    user = StaffUser(email=email.lower(), role=role, platform_id=platform_id,
                     password_hash=generate_password_hash(password) if password else None)
    session.add(user)
    session.flush()
    return user


def rotate_key(session: Session, platform_id: str, grace_seconds: int = 0) -> str:
    """A new API key for the platform; its current keys stop working after
    ``grace_seconds`` (0: at once), so the platform can roll the new key out first."""
    if grace_seconds < 0:
        raise TenancyError("宽限期不能为负数", "the grace period cannot be negative")
    platform = session.get(Platform, platform_id)
    if platform is None:
        raise NotFound(f"平台不存在：{platform_id}", f"no platform {platform_id}")
    cutoff = utcnow() + timedelta(seconds=grace_seconds)
    for key in session.scalars(select(ApiKey).where(ApiKey.platform_id == platform_id, ApiKey.revoked_at.is_(None))):
        if key.expires_at is None or key.expires_at > cutoff:
            key.expires_at = cutoff
    return issue_key(session, platform)


@dataclass(frozen=True)
class _Entry:
    platform_id: str | None
    expires_at: datetime | None

    def valid(self, now: datetime) -> str | None:
        if self.expires_at is not None and self.expires_at <= now:
            return None
        return self.platform_id


class KeyCache:
    """Resolves key hashes to platform ids, remembering answers for a short time.

    Every API request authenticates; caching saves a database round trip on the hot
    path. The expiry a rotation sets is cached with the answer, so a key in its grace
    period stops at its moment exactly; a key revoked (or rotated without grace) in
    another process stops within ``ttl`` seconds. The key's last use is recorded at most
    once per ``record_every`` seconds per process: a write per request would cost the hot
    path a write lock.
    """

    def __init__(self, ttl: float = 5.0, max_keys: int = 10_000, record_every: float = 60.0):
        self._entries: TTLCache[str, _Entry] = TTLCache(maxsize=max_keys, ttl=ttl)
        self._recorded: TTLCache[str, bool] = TTLCache(maxsize=max_keys, ttl=record_every)
        self._lock = threading.Lock()  # cachetools caches are not thread-safe

    def clear(self) -> None:
        """Forget every cached answer (after revoking a key in this process)."""
        with self._lock:
            self._entries.clear()

    def platform_id_for(self, engine: Engine, key: str) -> str | None:
        """The platform a key belongs to, if the key works now. Uses its own short
        connections so that no transaction is held open across the request (SQLite allows
        one writer)."""
        digest = hash_key(key)
        with self._lock:
            entry = self._entries.get(digest)
        if entry is None:
            with engine.execution_options(qingwang_read_only=True).connect() as conn:
                row = conn.execute(select(ApiKey.platform_id, ApiKey.expires_at)
                                   .where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))).first()
            entry = _Entry(row.platform_id, row.expires_at) if row else _Entry(None, None)
            with self._lock:
                self._entries[digest] = entry
        platform_id = entry.valid(utcnow())
        if platform_id is not None:
            self._record_use(engine, digest)
        return platform_id

    def _record_use(self, engine: Engine, digest: str) -> None:
        with self._lock:
            if digest in self._recorded:
                return
            self._recorded[digest] = True
        try:
            with engine.begin() as conn:
                conn.execute(update(ApiKey).where(ApiKey.key_hash == digest).values(last_used_at=utcnow()))
        except Exception:  # noqa: BLE001 - bookkeeping must never fail a request
            log.warning("could not record an API key's last use", exc_info=True)
