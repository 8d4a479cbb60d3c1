from __future__ import annotations

from sqlalchemy import Select, func, select

from gateway import web

#: Offsets beyond this cannot hold rows and would overflow the databases' 64-bit integers
#: (flask-smorest bounds page_size but not page).
MAX_OFFSET = 2**62


def paginate(query: Select, pagination_parameters) -> list:
    """One page of ``query`` for flask-smorest's ``@blp.paginate()``, with the total count."""
    session = web.session()
    pagination_parameters.item_count = session.scalar(
        select(func.count()).select_from(query.order_by(None).subquery()))
    if pagination_parameters.first_item >= min(pagination_parameters.item_count, MAX_OFFSET):
        return []
    return session.scalars(query.offset(pagination_parameters.first_item)
                           .limit(pagination_parameters.page_size)).all()
