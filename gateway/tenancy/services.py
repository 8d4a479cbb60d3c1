"""Creating platforms and keys, and resolving a presented key to its platform."""
from __future__ import annotations

import hashlib
import re
import secrets
import threading

from cachetools import TTLCache
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from gateway.errors import Conflict, Invalid
from gateway.tenancy.models import ApiKey, Platform, StaffUser

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


class KeyCache:
    """Resolves key hashes to platform ids, remembering answers for a short time.

    Every API request authenticates; caching saves a database round trip on the hot
    path while a revoked key stops working within ``ttl`` seconds.
    """

    def __init__(self, ttl: float = 30.0, max_keys: int = 10_000):
        self._entries: TTLCache[str, str | None] = TTLCache(maxsize=max_keys, ttl=ttl)
        self._lock = threading.Lock()  # cachetools caches are not thread-safe

    def clear(self) -> None:
        """Forget every cached answer (after revoking a key in this process)."""
        with self._lock:
            self._entries.clear()

    def platform_id_for(self, engine: Engine, key: str) -> str | None:
        """The platform a key belongs to. Uses its own short connection so that no
        transaction is held open across the request (SQLite allows one writer)."""
        digest = hash_key(key)
        with self._lock:
            if digest in self._entries:
                return self._entries[digest]
        with engine.execution_options(qingwang_read_only=True).connect() as conn:
            row = conn.execute(
                select(ApiKey.platform_id).where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))
            ).first()
        platform_id = row[0] if row else None
        with self._lock:
            self._entries[digest] = platform_id
        return platform_id
