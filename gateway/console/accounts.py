"""Who is signed in, signing in (with lockout) and the users an administrator manages.

A user created by ``qingwang users create`` signs in with that password (Flask's
werkzeug hash, as stored in ``staff_users``). After ``MAX_FAILURES`` wrong passwords
within ``FAILURE_WINDOW`` the address is locked for ``LOCKOUT``, whether or not a user
has it (so the answer tells nobody which addresses exist); the password is checked
outside any write transaction (a hash takes tens of milliseconds).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from gateway.audit.services import append as audit
from gateway.console.models import LoginThrottle
from gateway.console.sessions import end_user_sessions
from gateway.db import Database, utcnow
from gateway.errors import Forbidden, Invalid, NotFound, ServiceError
from gateway.tenancy.models import Platform, StaffUser
from gateway.tenancy.services import ROLES, create_staff_user

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10


class SignInFailed(ServiceError):
    status, code = 401, "console-sign-in-failed"


class LockedOut(ServiceError):
    status, code = 429, "console-locked-out"


@dataclass(frozen=True)
class Staff:
    """The signed-in user, as every console page sees them."""

    id: str
    email: str
    role: str
    #: None: the operator's staff, who see every platform.
    platform_id: str | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def actor(self) -> str:
        """``decided_by`` of this user's decisions (design: ``staff:<email>``)."""
        return f"staff:{self.email}"

    def sees(self, column) -> ColumnElement[bool]:
        """A WHERE clause limiting ``column`` (a platform id) to what this user may see."""
        return true() if self.platform_id is None else column == self.platform_id

    def may_see(self, platform_id: str) -> bool:
        return self.platform_id is None or self.platform_id == platform_id

    def get(self, session: Session, model, row_id: str, zh: str, en: str, lock: bool = False):
        """The row of ``model`` (which has a ``platform_id``) if this user may see it; otherwise
        404 with the given messages, whether it is absent or another platform's (as the API answers)."""
        row = session.get(model, row_id, with_for_update=lock) if model is not None else None
        if row is None or not self.may_see(row.platform_id):
            raise NotFound(zh, en)
        return row

    @classmethod
    def of(cls, user: StaffUser) -> Staff:
        return cls(user.id, user.email, user.role, user.platform_id)


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("not-a-password")


def sign_in(db: Database, email: str, password: str) -> Staff:
    """The user with this address and password; :class:`LockedOut` or :class:`SignInFailed`."""
    email = (email or "").strip().lower()
    now = utcnow()
    with db.read_sessionmaker() as reader:
        throttle = reader.get(LoginThrottle, email)
        user = reader.scalar(select(StaffUser).where(StaffUser.email == email))
    if throttle is not None and throttle.locked_until and throttle.locked_until > now:
        raise _locked(throttle.locked_until - now)
    stored = user.password_hash if user is not None and user.active and user.password_hash else None
    # A missing user costs the same hash as a wrong password: timing tells nothing.
    ok = check_password_hash(stored or _dummy_hash(), password or "") and stored is not None
    with db.session() as writer:
        throttle = writer.get(LoginThrottle, email, with_for_update=True)
        if ok:
            if throttle is not None:
                writer.delete(throttle)
            audit(writer, platform_id=user.platform_id, kind="console.signed_in", subject_type="staff_user",
                  subject_id=user.id, actor=f"staff:{user.email}", data={})
            return Staff.of(user)
        if throttle is None:
            throttle = LoginThrottle(email=email, failures=0)
            writer.add(throttle)
        if throttle.first_failure_at is None or now - throttle.first_failure_at > FAILURE_WINDOW:
            throttle.failures, throttle.first_failure_at = 0, now
        throttle.failures += 1
        locked = throttle.failures >= MAX_FAILURES
        if locked:
            throttle.locked_until, throttle.failures, throttle.first_failure_at = now + LOCKOUT, 0, None
            # The address is recorded only when it belongs to a user (no stranger's typing is kept).
            if user is not None:
                audit(writer, platform_id=user.platform_id, kind="console.locked_out", subject_type="staff_user",
                      subject_id=user.id, actor="system:console", data={"until": throttle.locked_until.isoformat()})
    if locked:
        raise _locked(LOCKOUT)
    raise SignInFailed("邮箱或密码不正确", "Wrong email address or password")


def _locked(left: timedelta) -> LockedOut:
    minutes = max(1, int(left.total_seconds() // 60) + 1)
    return LockedOut(f"登录失败次数过多，请 {minutes} 分钟后再试", f"Too many failed sign-ins; try again in {minutes} min",
                     headers={"Retry-After": str(int(left.total_seconds()) + 1)})


def current(db: Database, user_id: str | None) -> Staff | None:
    """The session's user if still active (a deactivated user is signed out at once)."""
    if not user_id:
        return None
    with db.read_sessionmaker() as reader:
        user = reader.get(StaffUser, user_id)
    return Staff.of(user) if user is not None and user.active else None


# --- administration ----------------------------------------------------------------------------


def require_admin(staff: Staff) -> None:
    if not staff.is_admin:
        raise Forbidden("只有管理员可以访问此页面", "Only administrators may open this page")


def list_users(session: Session, staff: Staff) -> list[StaffUser]:
    require_admin(staff)
    return list(session.scalars(select(StaffUser).where(staff.sees(StaffUser.platform_id))
                                .order_by(StaffUser.platform_id.is_not(None), StaffUser.email)))


def add_user(session: Session, staff: Staff, email: str, role: str, password: str,
             platform_id: str | None) -> StaffUser:
    """A new user; a platform's administrator adds users of that platform only."""
    require_admin(staff)
    if staff.platform_id is not None:
        platform_id = staff.platform_id
    if platform_id and session.get(Platform, platform_id) is None:
        raise Invalid(f"平台不存在：{platform_id}", f"No platform {platform_id}")
    if role not in ROLES:
        raise Invalid("角色无效", "Unknown role")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise Invalid(f"密码至少 {MIN_PASSWORD_LENGTH} 个字符", f"The password needs at least {MIN_PASSWORD_LENGTH} characters")
    user = create_staff_user(session, email.strip(), role, password, platform_id or None)
    audit(session, platform_id=user.platform_id, kind="console.user_added", subject_type="staff_user",
          subject_id=user.id, actor=staff.actor, data={"email": user.email, "role": role})
    return user


def set_active(session: Session, staff: Staff, user_id: str, active: bool) -> StaffUser:
    require_admin(staff)
    user = session.get(StaffUser, user_id)
    if user is None or not staff.may_see(user.platform_id or "") or (staff.platform_id and user.platform_id is None):
        raise NotFound("用户不存在", "No such user")
    if user.id == staff.id and not active:
        raise Invalid("不能停用自己的账号", "You cannot deactivate your own account")
    user.active = active
    if not active:
        end_user_sessions(session, user.id)
    audit(session, platform_id=user.platform_id, kind="console.user_activated" if active else "console.user_deactivated",
          subject_type="staff_user", subject_id=user.id, actor=staff.actor, data={})
    return user


def platforms(session: Session, staff: Staff) -> list[Platform]:
    return list(session.scalars(select(Platform).where(staff.sees(Platform.id)).order_by(Platform.name)))
