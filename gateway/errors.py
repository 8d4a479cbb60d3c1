"""The one error type services raise for a caller to see, and its common kinds.

A :class:`ServiceError` carries everything every edge needs: a stable ``code`` (also the
problem type's slug), the HTTP ``status``, and the message in Chinese and English. The
web layer turns it into RFC 9457 problem+json in one place (gateway.problems); the CLI
prints both languages; jobs record it. Services never know which edge called them
(the warehouse habit: narrow named exceptions, mapped once).
"""
from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa_exc


class ServiceError(Exception):
    """An error meant for the caller: a request it made that cannot be served as asked."""

    status: int = 422
    code: str = "validation-error"

    def __init__(self, zh: str, en: str | None = None, *, status: int | None = None, code: str | None = None,
                 errors: dict | None = None, headers: dict | None = None, **extra):
        super().__init__(en or zh)
        self.zh = zh
        self.en = en or zh
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        #: Field problems, by location and name (``{"json": {"document_ids": [...]}}``).
        self.errors = errors
        #: Response headers the problem needs (``Retry-After``, ``WWW-Authenticate`` …).
        self.headers = headers or {}
        #: Extension members of the problem document.
        self.extra = extra

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh

    def bilingual(self) -> str:
        """``中文 / English``, for logs and the command line."""
        return self.zh if self.zh == self.en else f"{self.zh} / {self.en}"


class BadRequest(ServiceError):
    status, code = 400, "bad-request"


class Unauthorized(ServiceError):
    status, code = 401, "unauthorized"


class Forbidden(ServiceError):
    status, code = 403, "forbidden"


class NotFound(ServiceError):
    status, code = 404, "not-found"


class Conflict(ServiceError):
    status, code = 409, "conflict"


class Invalid(ServiceError):
    status, code = 422, "validation-error"


class Unavailable(ServiceError):
    """A dependency (database, storage, queue) cannot serve now; the caller should retry."""

    status, code = 503, "service-unavailable"

    def __init__(self, zh: str, en: str | None = None, *, retry_after: int = 5, **kwargs):
        headers = {"Retry-After": str(retry_after), **kwargs.pop("headers", {})}
        super().__init__(zh, en, headers=headers, **kwargs)


def field_error(location: str, field: str, zh: str, en: str, messages: list[str] | None = None) -> Invalid:
    """A 422 about one field of the request (``location`` is ``json``, ``form``, ``query`` …)."""
    return Invalid(zh, en, errors={location: {field: messages or [en]}})


#: What a database that cannot serve now raises: locked or busy (SQLite's single writer, a
#: PostgreSQL lock or serialisation failure), unreachable, restarting, or out of pooled
#: connections. SQLite's lock wait (gateway.db) raises the driver's own error.
DATABASE_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.TimeoutError, sqlite3.OperationalError)


def database_unavailable(exc: BaseException) -> Unavailable | None:
    """The one place a database outage becomes an error for the caller: a 503 to retry,
    never a 500. None for anything else (a bug stays a bug)."""
    if not isinstance(exc, DATABASE_UNAVAILABLE):
        return None
    return Unavailable("数据库繁忙或暂不可用，请稍后重试", "The database is busy or unavailable; retry shortly",
                       retry_after=2, code="database-unavailable")
