"""Rows the ORM refuses to change or delete (audit entries, frozen evidence).

PostgreSQL also refuses UPDATE, DELETE and TRUNCATE of them by trigger (migration 0008).
Neither stops someone with the database owner's rights; the hash chain is what makes that
evident (``qingwang audit verify``).
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session


class AppendOnlyError(RuntimeError):
    """Something tried to change or remove an append-only row."""


_protected: set[type] = set()


def protect(model: type) -> type:
    """Refuse ORM updates and deletes of ``model``'s rows, one by one or in bulk."""

    def refuse(_mapper, _connection, target) -> None:
        raise AppendOnlyError(f"{model.__tablename__} rows are append-only")

    event.listen(model, "before_update", refuse)
    event.listen(model, "before_delete", refuse)
    _protected.add(model)
    return model


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(state) -> None:
    if (state.is_update or state.is_delete) and state.bind_mapper is not None \
            and state.bind_mapper.class_ in _protected:
        raise AppendOnlyError(f"{state.bind_mapper.class_.__tablename__} rows are append-only")
