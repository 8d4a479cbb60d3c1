"""Request-scoped access to the runtime, the database session and the calling platform."""
from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Iterator

from flask import current_app, g
from sqlalchemy.orm import Session

from gateway.db import SHARED_UNIT
from gateway.jobs.outbox import dispatch_after_commit

if TYPE_CHECKING:
    from gateway.runtime import Runtime


def runtime() -> Runtime:
    return current_app.extensions["qingwang"]


def session() -> Session:
    """The request's session; committed by the view (:func:`commit_and_dispatch`), closed
    (rolled back if open) at teardown."""
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


def defer_commit() -> None:
    """Hold this request's commit until its response is built: gateway.idempotency then
    commits the Idempotency-Key's record with the work, in one transaction, so a crash
    leaves both or neither."""
    g.deferred_tasks = []
    g.commit_requested = False


def take_deferred() -> tuple[bool, list]:
    """Whether the view asked for its work to be committed, and the tasks it raised."""
    return g.pop("commit_requested", False), g.pop("deferred_tasks", [])


def commit_and_dispatch(tasks=()) -> None:
    """Commit the request's work, then hand its new tasks to the dispatcher (or, in a
    request whose commit is deferred, flush now and leave both for later)."""
    if "deferred_tasks" in g:
        session().flush()
        g.deferred_tasks.extend(tasks)
        g.commit_requested = True
        return
    session().commit()
    if tasks:
        dispatch_after_commit(runtime().dispatcher, list(tasks))


@contextlib.contextmanager
def unit_of_work() -> Iterator[Session]:
    """A write transaction for a service that manages its own (the listing hot path): its
    own short one, committed on leaving; or, when the commit is deferred, the request's
    session, flushed and committed with the Idempotency-Key's record."""
    if "deferred_tasks" not in g:
        with runtime().db.session() as own:
            yield own
        return
    request_session = session()
    request_session.info[SHARED_UNIT] = True
    try:
        yield request_session
        request_session.flush()
    except BaseException:
        request_session.rollback()
        raise
    g.commit_requested = True


def shared_unit_of_work():
    """:func:`unit_of_work` when the request's writes must commit together (an Idempotency-Key's
    record); None when a service may write in its own transaction, as it sees fit."""
    return unit_of_work if "deferred_tasks" in g else None


def init_app(app) -> None:
    @app.teardown_appcontext
    def _close_session(_exc):
        db_session = g.pop("db_session", None)
        if db_session is not None:
            db_session.close()
