from __future__ import annotations

from urllib.parse import urlencode

import orjson
from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import Text, cast

from gateway import web
from gateway.audit.services import entries_for
from gateway.db import JSONType
from gateway.violations.models import Violation
from gateway.violations.schemas import (ViolationDetailSchema, ViolationQuerySchema, ViolationSchema,
                                        dump_violation)
from gateway.violations.services import evidence_of, get_violation, list_violations

blp = Blueprint("violations", __name__, url_prefix="/v1/violations",
                description="违法违规记录与证据 / Violations and their evidence")

NEXT_CURSOR = {"X-Next-Cursor": {"description": "下一页的游标；最后一页没有 / cursor of the next page; absent on "
                                                "the last page", "schema": {"type": "string"}},
               "Link": {"description": 'RFC 8288 `<…?cursor=…>; rel="next"`', "schema": {"type": "string"}}}

# The columns the list prints. JSON ones come as text and are parsed with orjson: faster than the
# json module SQLAlchemy's JSON type uses (psycopg's for jsonb), five such columns on each row.
_JSON_COLUMNS = frozenset(name for name in ViolationSchema().dump_fields
                          if isinstance(Violation.__table__.c[name].type, JSONType))
LIST_COLUMNS = tuple(cast(Violation.__table__.c[name], Text).label(name) if name in _JSON_COLUMNS
                     else Violation.__table__.c[name] for name in ViolationSchema().dump_fields)


def _list_item(row) -> dict:
    item = dict(row._mapping)
    for name in _JSON_COLUMNS:
        value = item[name]
        if isinstance(value, (str, bytes)):
            item[name] = orjson.loads(value)
    return dump_violation(item)


@blp.route("")
class Violations(MethodView):
    @blp.arguments(ViolationQuerySchema, location="query")
    @blp.response(200, ViolationSchema(many=True), headers=NEXT_CURSOR)
    def get(self, query):
        """列出违法违规记录 / List violations, newest first

        Filters combine: `status`, `tier`, `region` (a province code covers its cities and
        districts), `merchant`, `listing`, `code`, `period` (2026-11, 2026-Q4, 2026; Beijing time).
        Paged by cursor: pass the `X-Next-Cursor` header of one page as `cursor` for the next.
        """
        rows, next_cursor = list_violations(
            web.session(), web.platform_id(), status=query.get("status"), tier=query.get("tier"),
            region=query.get("region"), merchant_id=query.get("merchant"), listing_id=query.get("listing"),
            code=query.get("code"), period=query.get("period"), page_size=query["page_size"],
            cursor=query.get("cursor"), columns=LIST_COLUMNS)
        headers = {}
        if next_cursor:
            args = request.args.to_dict()
            args["cursor"] = next_cursor
            headers["X-Next-Cursor"] = next_cursor
            headers["Link"] = f'<{request.base_url}?{urlencode(args)}>; rel="next"'
        # Dumped here rather than by the response schema (which stays as the documented one):
        # the same JSON, a fraction of the CPU (schemas.mapping_dumper).
        return current_app.json.response([_list_item(row) for row in rows]), 200, headers


@blp.route("/<violation_id>")
class ViolationItem(MethodView):
    @blp.response(200, ViolationDetailSchema)
    def get(self, violation_id):
        """违法违规记录及证据 / A violation with its frozen evidence and audit chain entries"""
        session = web.session()
        violation = get_violation(session, web.platform_id(), violation_id)
        evidence = evidence_of(session, violation.id)
        audit = entries_for(session, "violation", violation.id)
        for item in evidence:
            audit += entries_for(session, "evidence", item.id)
        out = {c.key: getattr(violation, c.key) for c in violation.__table__.columns}
        out["evidence"] = evidence
        out["audit"] = sorted(audit, key=lambda e: e.sequence)
        return out
