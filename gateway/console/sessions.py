"""Server-side sessions for the console: Flask's ``session`` kept in a table.

The cookie holds only a random token (path ``/console``, HttpOnly, SameSite=Lax); the
row, keyed by the token's SHA-256, holds the data (the signed-in user, flask-wtf's CSRF
secret). Signing out deletes the row, so a copied cookie stops working at once, which a
signed client-side cookie cannot do. A session expires after ``IDLE`` without use and
after ``ABSOLUTE`` in any case. Requests outside /console never read or write the table.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete, select
from werkzeug.datastructures import CallbackDict

from gateway.console.models import ConsoleSession
from gateway.db import utcnow

COOKIE = "qw_console"
PREFIX = "/console"
IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
#: The row's idle expiry is pushed forward at most this often (not a write per page view).
TOUCH_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, token: str | None = None, touched_at=None):
        def on_update(_self):
            _self.modified = True

        super().__init__(initial or {}, on_update)
        self.token = token
        self.new = token is None
        self.modified = False
        self.touched_at = touched_at
        #: Set by :func:`rotate`: a new token at sign-in (no session fixation).
        self.rotate_requested = False
        self.destroy_requested = False


def rotate(session: ServerSession) -> None:
    """Give the session a new token when it is next saved (call at sign-in)."""
    session.rotate_requested = True
    session.modified = True


def destroy(session: ServerSession) -> None:
    """Delete the session's row and cookie (sign-out)."""
    session.clear()
    session.destroy_requested = True


class DatabaseSessionInterface(SessionInterface):
    def _db(self, app: Flask):
        return app.extensions["qingwang"].db

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        token = request.cookies.get(COOKIE)
        if not request.path.startswith(PREFIX) or not token:
            return ServerSession()
        now = utcnow()
        with self._db(app).read_sessionmaker() as reader:
            row = reader.scalar(select(ConsoleSession).where(ConsoleSession.token_hash == _hash(token)))
        if row is None or row.expires_at <= now or row.absolute_expires_at <= now:
            return ServerSession()
        return ServerSession(row.data, token, touched_at=row.last_seen_at)

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:
        if not isinstance(session, ServerSession):
            return
        db, now = self._db(app), utcnow()
        secure = app.config.get("SESSION_COOKIE_SECURE", False)
        if session.destroy_requested or (session.token and not session and session.modified):
            if session.token:
                with db.session() as writer:
                    writer.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == _hash(session.token)))
            response.delete_cookie(COOKIE, path=PREFIX, httponly=True, samesite="Lax", secure=secure)
            return
        if not session.modified and not (session.token and session.touched_at
                                         and now - session.touched_at >= TOUCH_EVERY):
            return
        if not session and session.token is None:
            return  # nothing to keep for a visitor who stored nothing
        with db.session() as writer:
            row = None
            if session.token:
                if session.rotate_requested:
                    writer.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == _hash(session.token)))
                else:
                    row = writer.get(ConsoleSession, _hash(session.token))
            if row is None:
                # Expired rows are removed as new ones are made: the table holds live sessions.
                writer.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= now))
                session.token = secrets.token_urlsafe(32)
                row = ConsoleSession(token_hash=_hash(session.token), created_at=now, absolute_expires_at=now + ABSOLUTE)
                writer.add(row)
            row.data = dict(session)
            row.user_id = session.get("user_id")
            row.last_seen_at = now
            row.expires_at = min(now + IDLE, row.absolute_expires_at)
            session.rotate_requested = False
        response.set_cookie(COOKIE, session.token, path=PREFIX, httponly=True, samesite="Lax", secure=secure,
                            max_age=int(ABSOLUTE.total_seconds()))
        response.vary.add("Cookie")


def end_user_sessions(writer, user_id: str) -> None:
    """Sign a user out everywhere (deactivated)."""
    writer.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id))
