from __future__ import annotations

from datetime import date

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from gateway import web
from gateway.errors import NotFound
from gateway.pagination import paginate
from gateway.registry.models import RegistrySnapshot
from gateway.registry.schemas import DeviceRecordSchema, EnterpriseLookupSchema, SnapshotSchema
from verifiers.identifiers.uscc import is_valid_uscc
from verifiers.registry.records import Found

blp = Blueprint("registry", __name__, url_prefix="/v1/registry",
                description="监管数据（本网关所见） / Regulator data as the gateway sees it")


def _in_date(record) -> bool:
    return record.valid_until is None or record.valid_until >= date.today()


def _snapshot_ref(snapshot_id: str) -> dict:
    snapshot = web.runtime().registry.snapshot(snapshot_id)
    return {"id": snapshot_id, "completed_at": snapshot.completed_at if snapshot else None}


def present(found: Found) -> dict:
    body = found.record.canonical()
    body["in_date"] = _in_date(found.record)
    body["snapshot"] = _snapshot_ref(found.snapshot_id)
    return body


@blp.route("/devices/<path:number>")
class Device(MethodView):
    @blp.response(200, DeviceRecordSchema)
    def get(self, number):
        """注册证或备案凭证 / A registration certificate or Class I filing by number

        The number is matched however it is typed (full-width digits, spaces, with or
        without 号).
        """
        registry = web.runtime().registry
        found = registry.device(number)
        if found is None:
            raise NotFound(f"数据中没有注册证/备案编号 {number}", f"No device registration or filing {number}",
                           code="registry-not-found", registry_version=registry.version())
        return dict(present(found), registry_version=registry.version())


@blp.route("/enterprises/<path:number_or_uscc>")
class Enterprise(MethodView):
    @blp.response(200, EnterpriseLookupSchema)
    def get(self, number_or_uscc):
        """企业许可与备案 / An enterprise's licences and filings by number or credit code

        A valid unified social credit code returns every licence and filing the
        enterprise holds; anything else is taken as a licence or filing number.
        """
        registry = web.runtime().registry
        query = number_or_uscc.strip()
        if is_valid_uscc(query):
            records, matched_by = registry.enterprises_for_uscc(query), "uscc"
        else:
            found = registry.enterprise(query)
            records, matched_by = ((found,) if found else ()), "number"
        if not records:
            raise NotFound(f"数据中没有 {query} 的许可或备案", f"No licence or filing for {query}",
                           code="registry-not-found", registry_version=registry.version())
        return {"query": query, "matched_by": matched_by, "registry_version": registry.version(),
                "records": [present(f) for f in records]}


@blp.route("/snapshots")
class Snapshots(MethodView):
    @blp.response(200, SnapshotSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """数据快照 / Registry snapshots, newest first"""
        return paginate(select(RegistrySnapshot).order_by(RegistrySnapshot.created_at.desc(),
                                                          RegistrySnapshot.id.desc()), pagination_parameters)
