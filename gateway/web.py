"""Request-scoped access to the runtime, the database session and the calling platform."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, g
from sqlalchemy.orm import Session

from gateway.jobs.outbox import dispatch_after_commit

if TYPE_CHECKING:
    from gateway.runtime import Runtime


def runtime() -> Runtime:
    return current_app.extensions["qingwang"]


def session() -> Session:
    """The request's session; committed by the view, closed (rolled back if open) at teardown."""
    if "db_session" not in g:
        g.db_session = runtime().db.sessionmaker()
    return g.db_session


def end_transaction() -> None:
    """Roll back whatever the request's session left uncommitted (views commit what
    they mean to keep), so that other sessions in this thread can take the write lock."""
    db_session = g.get("db_session")
    if db_session is not None and db_session.in_transaction():
        db_session.rollback()


def platform_id() -> str:
    return g.platform_id


def commit_and_dispatch(tasks=()) -> None:
    """Commit the request's work, then hand its new tasks to the dispatcher."""
    session().commit()
    if tasks:
        dispatch_after_commit(runtime().dispatcher, list(tasks))


def init_app(app) -> None:
    @app.teardown_appcontext
    def _close_session(_exc):
        db_session = g.pop("db_session", None)
        if db_session is not None:
            db_session.close()
