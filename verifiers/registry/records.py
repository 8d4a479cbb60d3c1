"""Device and enterprise records in the canonical form of design §6, validated.

A row that cannot be a record (no number, a class that is not 1–3, a date that is not
a date) raises :class:`RecordError` with a reason; the importer reports it with its
file and line and goes on with the next row.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from verifiers.identifiers import lookup_key

DEVICE_KINDS = ("registration", "filing")
DEVICE_STATUSES = ("active", "cancelled", "revoked")
ENTERPRISE_KINDS = ("device_business_licence", "class2_business_filing", "production_licence",
                    "online_sales_filing", "platform_filing")
ENTERPRISE_STATUSES = ("active", "expired", "cancelled", "revoked")
DEVICE_KEYS = ("number", "kind", "class", "product_name", "registrant", "registrant_uscc", "models",
               "category_code", "approved_on", "valid_until", "status", "issuer")
ENTERPRISE_KEYS = ("number", "kind", "holder", "uscc", "region", "scope", "issued_on", "valid_until", "issuer",
                   "status", "address")


class RecordError(ValueError):
    """A row that is not a valid record; ``reason`` says why, in Chinese and English."""


@dataclass(frozen=True)
class DeviceRecord:
    """A registration certificate (注册证) or Class I filing (备案凭证) as the regulator lists it."""

    key: str
    number: str
    kind: str
    device_class: int
    product_name: str
    registrant: str | None
    registrant_uscc: str | None
    models: tuple[str, ...]
    category_code: str | None
    approved_on: date | None
    valid_until: date | None
    status: str
    issuer: str | None

    def canonical(self) -> dict:
        """The record with design §6's keys and JSON-ready values."""
        return {"number": self.number, "kind": self.kind, "class": self.device_class,
                "product_name": self.product_name, "registrant": self.registrant,
                "registrant_uscc": self.registrant_uscc, "models": list(self.models),
                "category_code": self.category_code, "approved_on": _iso(self.approved_on),
                "valid_until": _iso(self.valid_until), "status": self.status, "issuer": self.issuer}



@dataclass(frozen=True)
class EnterpriseRecord:
    """A licence or filing held by an enterprise (经营许可证, 经营备案, 生产许可证, 网络销售备案, 平台备案)."""

    key: str
    number: str
    kind: str
    holder: str
    uscc: str | None
    region: str | None
    scope: tuple[tuple[int, str], ...]
    issued_on: date | None
    valid_until: date | None
    issuer: str | None
    status: str
    address: str | None
    #: What the scope's own 不含… clauses take out (class, category), e.g. ((3, "6846"),).
    excluded: tuple[tuple[int, str], ...] = ()

    def canonical(self) -> dict:
        return {"number": self.number, "kind": self.kind, "holder": self.holder, "uscc": self.uscc,
                "region": self.region, "scope": scope_items(self.scope, self.excluded),
                "issued_on": _iso(self.issued_on), "valid_until": _iso(self.valid_until), "issuer": self.issuer,
                "status": self.status, "address": self.address}



def scope_items(scope, excluded=()) -> list[dict]:
    """Scope as design §6 writes it; exclusions carry ``"excluded": true`` (an extension)."""
    return ([{"class": c, "category": cat} for c, cat in scope]
            + [{"class": c, "category": cat, "excluded": True} for c, cat in excluded])


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _text(row: dict, key: str, required: bool = False) -> str | None:
    value = row.get(key)
    if type(value) is str:  # the common case first: this runs ten times per imported row
        value = value.strip()
        if value:
            return value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    elif value is not None:
        raise RecordError(f"字段 {key} 应为文本 / field {key} must be text")
    if required:
        raise RecordError(f"缺少必填字段 {key} / missing required field {key}")
    return None


def _date(row: dict, key: str) -> date | None:
    value = _text(row, key)
    if value is None:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise RecordError(f"{key} 不是有效日期（应为 YYYY-MM-DD）：{value} / {key} is not a date: {value}") from None


def _choice(row: dict, key: str, allowed: tuple[str, ...], default: str | None = None) -> str:
    value = _text(row, key) or default
    if value not in allowed:
        raise RecordError(f"{key} 应为 {'/'.join(allowed)}，实为 {value!r} / {key} must be one of {allowed}")
    return value


def _uscc(row: dict, key: str) -> str | None:
    value = _text(row, key)
    return value.upper().replace(" ", "") if value else None


def _models(value) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise RecordError("models 应为文本列表 / models must be a list of text")
    out = []
    for item in value:
        if not isinstance(item, (str, int, float)):
            raise RecordError("models 应为文本列表 / models must be a list of text")
        text = str(item).strip()
        if text:
            out.append(text)
    return tuple(out)


def _device_class(value) -> int:
    if value in (1, 2, 3):  # the common case: already an int
        return int(value)
    try:
        device_class = int(value)
    except (TypeError, ValueError):
        device_class = 0
    if device_class not in (1, 2, 3) or isinstance(value, bool):
        raise RecordError(f"class 应为 1、2 或 3，实为 {value!r} / class must be 1, 2 or 3")
    return device_class


def device_from_mapping(row: dict) -> DeviceRecord:
    if not isinstance(row, dict):
        raise RecordError("记录应为对象 / a record must be an object")
    number = _text(row, "number", required=True)
    device_class = _device_class(row.get("class"))
    category = _text(row, "category_code")
    if category is not None and not (category.isdigit() and len(category) <= 4):
        raise RecordError(f"category_code 应为分类目录代码（如 14）：{category} / category_code must be a catalogue code")
    kind = _choice(row, "kind", DEVICE_KINDS)
    approved_on, valid_until = _date(row, "approved_on"), _date(row, "valid_until")
    if approved_on and valid_until and valid_until < approved_on:
        raise RecordError("valid_until 早于 approved_on / valid_until is before approved_on")
    return DeviceRecord(
        key=lookup_key(number), number=number, kind=kind, device_class=device_class,
        product_name=_text(row, "product_name", required=True), registrant=_text(row, "registrant"),
        registrant_uscc=_uscc(row, "registrant_uscc"), models=_models(row.get("models")),
        category_code=category.zfill(2) if category else None, approved_on=approved_on, valid_until=valid_until,
        status=_choice(row, "status", DEVICE_STATUSES, default="active"), issuer=_text(row, "issuer"))


def _scope(value) -> tuple[tuple[tuple[int, str], ...], tuple[tuple[int, str], ...]]:
    """(permitted, excluded) items. The scope may also come as printed text, as regulators
    publish it (``Ⅲ类：6815，6866（不含6846）``), and is then read like a licence's."""
    if value in (None, ""):
        return (), ()
    if isinstance(value, str) or (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
        from verifiers.scope import parse_scope

        text = value if isinstance(value, str) else "；".join(value)
        value = parse_scope(text)
        if not value:
            raise RecordError(f"无法识别经营范围文本：{text[:60]} / the scope text could not be read")
    if not isinstance(value, list):
        raise RecordError("scope 应为 {class, category} 列表 / scope must be a list of {class, category}")
    items, excluded = [], []
    for item in value:
        try:
            cls, category = int(item["class"]), str(item["category"]).strip()
        except (TypeError, KeyError, ValueError):
            raise RecordError(f"scope 项无效：{item!r} / invalid scope item") from None
        if cls not in (1, 2, 3) or not category.isdigit():
            raise RecordError(f"scope 项无效：{item!r} / invalid scope item")
        (excluded if item.get("excluded") is True else items).append((cls, category.zfill(2)))
    return tuple(items), tuple(excluded)


def enterprise_from_mapping(row: dict) -> EnterpriseRecord:
    if not isinstance(row, dict):
        raise RecordError("记录应为对象 / a record must be an object")
    number = _text(row, "number", required=True)
    region = _text(row, "region")
    if region is not None and not (region.isdigit() and len(region) == 6):
        raise RecordError(f"region 应为6位行政区划代码：{region} / region must be a 6-digit division code")
    issued_on, valid_until = _date(row, "issued_on"), _date(row, "valid_until")
    if issued_on and valid_until and valid_until < issued_on:
        raise RecordError("valid_until 早于 issued_on / valid_until is before issued_on")
    scope, excluded = _scope(row.get("scope"))
    return EnterpriseRecord(
        key=lookup_key(number), number=number, kind=_choice(row, "kind", ENTERPRISE_KINDS),
        holder=_text(row, "holder", required=True), uscc=_uscc(row, "uscc"), region=region,
        scope=scope, issued_on=issued_on, valid_until=valid_until, issuer=_text(row, "issuer"),
        status=_choice(row, "status", ENTERPRISE_STATUSES, default="active"), address=_text(row, "address"),
        excluded=excluded)


@dataclass(frozen=True)
class Found:
    """A registry record and the snapshot that last changed it."""

    record: DeviceRecord | EnterpriseRecord
    snapshot_id: str
