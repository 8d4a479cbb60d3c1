"""Device and enterprise records in the canonical form of design §6, validated.

The record dataclasses are the one declaration of the registry's fields: each field's
metadata (:func:`record_field`) names its key in the canonical form and how it is
stored, and the rest is derived from them: :meth:`canonical`, the design §6 key lists,
and, in the gateway, the database tables, the importer's rows, the lookup's records and
the API schemas; the sample generator writes its rows through them too. Storage kinds are
plain names here (this package knows nothing of databases); the gateway maps them to
column types.

A row that cannot be a record (no number, a class that is not 1–3, a date that is not
a date) raises :class:`RecordError` with a reason; the importer reports it with its
file and line and goes on with the next row.
"""
from __future__ import annotations

import functools
import typing
from dataclasses import MISSING, dataclass, field, fields
from datetime import date
from operator import attrgetter

from verifiers.identifiers import lookup_key
from verifiers.scope import parse_scope

DEVICE_KINDS = ("registration", "filing")
DEVICE_STATUSES = ("active", "cancelled", "revoked")
ENTERPRISE_KINDS = ("device_business_licence", "class2_business_filing", "production_licence",
                    "online_sales_filing", "platform_filing")
ENTERPRISE_STATUSES = ("active", "expired", "cancelled", "revoked")

#: How a field is stored: ``key`` an identifier (a number or its lookup key), ``short`` a
#: code of at most ``length`` characters, ``text`` free text, ``int`` a small integer,
#: ``date`` a day, ``list`` a list of text, ``scope`` a list of (class, category) pairs.
STORAGE_KINDS = ("key", "short", "text", "int", "date", "list", "scope")
#: The metadata key under which :func:`record_field` puts a field's :class:`FieldSpec`.
SPEC = "qingwang.registry"
_OWN_NAME = "<own name>"


@dataclass(frozen=True)
class FieldSpec:
    """What a record field is, beyond its Python type (whose ``| None`` says it may be empty)."""

    name: str
    #: The design §6 key (``class`` for ``device_class``); None: not part of the canonical
    #: form (the lookup key, which is derived from the number).
    canonical: str | None
    storage: str
    nullable: bool
    #: ``short`` fields: the longest value stored.
    length: int | None = None
    #: The record's identity in storage: the lookup key.
    primary_key: bool = False
    #: Always present and always given: the number a record is known by.
    required: bool = False
    #: Records are looked up by it (an enterprise's credit code).
    indexed: bool = False
    #: What the API documentation says of it.
    description: str | None = None
    #: False: not stored in a column of its own, but inside another field's (see ``exclusions``).
    stored: bool = True
    #: ``scope`` fields: the field holding the scope's own exclusions (不含…), which the stored
    #: and canonical forms carry among the items, flagged ``"excluded": true``.
    exclusions: str | None = None


def record_field(storage: str, *, canonical: str | None = _OWN_NAME, length: int | None = None,
                 primary_key: bool = False, required: bool = False, indexed: bool = False,
                 description: str | None = None, stored: bool = True, exclusions: str | None = None,
                 default=MISSING):
    """A record field with its :class:`FieldSpec`; its name and nullability come from the class."""
    if storage not in STORAGE_KINDS:
        raise ValueError(f"unknown storage kind {storage!r}")
    if (storage == "short") != (length is not None):
        raise ValueError("a length goes with, and only with, a short field")
    return field(default=default, metadata={SPEC: dict(
        canonical=canonical, storage=storage, length=length, primary_key=primary_key, required=required,
        indexed=indexed, description=description, stored=stored, exclusions=exclusions)})


@functools.cache
def record_fields(record_type: type) -> tuple[FieldSpec, ...]:
    """The fields of a record class, in declaration order, with their names and nullability resolved."""
    hints = typing.get_type_hints(record_type)
    specs = []
    for f in fields(record_type):
        meta = dict(f.metadata[SPEC])
        if meta["canonical"] == _OWN_NAME:
            meta["canonical"] = f.name
        specs.append(FieldSpec(name=f.name, nullable=type(None) in typing.get_args(hints[f.name]), **meta))
    return tuple(specs)


def canonical_keys(record_type: type) -> tuple[str, ...]:
    """Design §6's keys for a record class, in the canonical order."""
    return tuple(spec.canonical for spec in record_fields(record_type) if spec.canonical is not None)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def scope_items(scope, excluded=()) -> list[dict]:
    """Scope as design §6 writes it; exclusions carry ``"excluded": true`` (an extension)."""
    return ([{"class": c, "category": cat} for c, cat in scope]
            + [{"class": c, "category": cat, "excluded": True} for c, cat in excluded])


def scope_pairs(items) -> tuple[tuple[tuple[int, str], ...], tuple[tuple[int, str], ...]]:
    """(permitted, excluded) pairs of scope items in their stored or canonical form."""
    permitted, excluded = [], []
    for item in items or ():
        (excluded if item.get("excluded") else permitted).append((int(item["class"]), str(item["category"])))
    return tuple(permitted), tuple(excluded)


#: Canonical (JSON-ready) value of a field per storage kind; kinds not listed are as stored.
CANONICAL_VALUE = {"date": _iso, "list": list, "scope": scope_items}


@functools.cache
def _canonical_plan(record_type: type):
    specs = [s for s in record_fields(record_type) if s.canonical is not None]
    return (attrgetter(*(s.name for s in specs)),
            tuple((s.canonical, CANONICAL_VALUE.get(s.storage)) for s in specs))


@functools.cache
def _with_exclusions(record_type: type) -> tuple[FieldSpec, ...]:
    return tuple(s for s in record_fields(record_type) if s.exclusions and s.canonical is not None)


class _Record:
    """What both record classes share: their canonical form, derived from their fields."""

    def canonical(self) -> dict:
        """The record with design §6's keys and JSON-ready values."""
        values, plan = _canonical_plan(type(self))
        out = {key: convert(value) if convert else value for (key, convert), value in zip(plan, values(self))}
        for spec in _with_exclusions(type(self)):
            out[spec.canonical] = scope_items(getattr(self, spec.name), getattr(self, spec.exclusions))
        return out


class RecordError(ValueError):
    """A row that is not a valid record; ``reason`` says why, in Chinese and English."""


@dataclass(frozen=True)
class DeviceRecord(_Record):
    """A registration certificate (注册证) or Class I filing (备案凭证) as the regulator lists it."""

    key: str = record_field("key", canonical=None, primary_key=True)
    number: str = record_field("key", required=True)
    kind: str = record_field("short", length=16, description="registration or filing")
    device_class: int = record_field("int", canonical="class")
    product_name: str = record_field("text")
    registrant: str | None = record_field("text")
    #: Indexed: merchant rules ask which devices a credit code is the registrant of.
    registrant_uscc: str | None = record_field("short", length=18, indexed=True)
    models: tuple[str, ...] = record_field("list")
    category_code: str | None = record_field("short", length=4)
    approved_on: date | None = record_field("date")
    #: Indexed: the monitoring sweep asks what expires between two dates.
    valid_until: date | None = record_field("date", indexed=True)
    status: str = record_field("short", length=16, description="active, cancelled or revoked")
    issuer: str | None = record_field("text")


@dataclass(frozen=True)
class EnterpriseRecord(_Record):
    """A licence or filing held by an enterprise (经营许可证, 经营备案, 生产许可证, 网络销售备案, 平台备案)."""

    key: str = record_field("key", canonical=None, primary_key=True)
    number: str = record_field("key", required=True)
    kind: str = record_field("short", length=32)
    holder: str = record_field("text")
    uscc: str | None = record_field("short", length=18, indexed=True)
    region: str | None = record_field("short", length=6)
    scope: tuple[tuple[int, str], ...] = record_field("scope", exclusions="excluded")
    issued_on: date | None = record_field("date")
    #: Indexed: the monitoring sweep asks what expires between two dates.
    valid_until: date | None = record_field("date", indexed=True)
    issuer: str | None = record_field("text")
    status: str = record_field("short", length=16)
    address: str | None = record_field("text")
    #: What the scope's own 不含… clauses take out (class, category), e.g. ((3, "6846"),); stored
    #: and shown among the scope's items, flagged excluded.
    excluded: tuple[tuple[int, str], ...] = record_field("scope", canonical=None, stored=False, default=())


DEVICE_KEYS = canonical_keys(DeviceRecord)
ENTERPRISE_KEYS = canonical_keys(EnterpriseRecord)


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
