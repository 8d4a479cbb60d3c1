"""How the registry's record fields are stored: column types and values per storage kind.

The fields themselves are declared once, on the record dataclasses in
``verifiers/registry/records.py``; this module turns their storage kinds into
SQLAlchemy columns (for the tables), into database values (for the importer's rows)
and back into records (for lookups). Lists and scopes are stored as their canonical
JSON, so the database holds what the API shows.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from operator import attrgetter

import orjson
from sqlalchemy import Column, Date, SmallInteger, String, Text
from sqlalchemy.types import TypeEngine

from gateway.db import JSONType
from verifiers.registry.records import CANONICAL_VALUE, FieldSpec, record_fields, scope_items, scope_pairs

#: Numbers and lookup keys: the longest printed number is far shorter.
KEY_LENGTH = 120

#: The column type of each storage kind.
COLUMN_TYPES: dict[str, Callable[[FieldSpec], TypeEngine]] = {
    "key": lambda spec: String(KEY_LENGTH),
    "short": lambda spec: String(spec.length),
    "text": lambda spec: Text(),
    "int": lambda spec: SmallInteger(),
    "date": lambda spec: Date(),
    "list": lambda spec: JSONType(),
    "scope": lambda spec: JSONType(),
}
_JSON_KINDS = ("list", "scope")


def column(spec: FieldSpec) -> Column:
    """The table column of one record field."""
    default = list if spec.storage in _JSON_KINDS else None
    return Column(spec.name, COLUMN_TYPES[spec.storage](spec), primary_key=spec.primary_key,
                  nullable=spec.nullable, index=spec.indexed, default=default)


def _json_text(storage: str) -> Callable:
    canonical = CANONICAL_VALUE[storage]
    return lambda value: orjson.dumps(canonical(value)).decode()


@functools.cache
def stored_values(record_type: type) -> Callable[[object], list]:
    """A function giving a record's database values, in field order: lists and scopes as
    JSON text, the rest as they are (COPY and executemany take them from here)."""
    specs = stored_fields(record_type)
    values = attrgetter(*(spec.name for spec in specs))
    encode = tuple((i, _json_text(spec.storage)) for i, spec in enumerate(specs)
                   if spec.storage in _JSON_KINDS and not spec.exclusions)
    with_exclusions = tuple((i, spec.exclusions) for i, spec in enumerate(specs) if spec.exclusions)

    # attrgetter reads every field in one call; only the JSON fields need work after it.
    def stored(record) -> list:
        row = list(values(record))
        for i, to_json in encode:
            row[i] = to_json(row[i])
        for i, exclusions in with_exclusions:
            row[i] = orjson.dumps(scope_items(row[i], getattr(record, exclusions))).decode()
        return row

    return stored


def _scope_pairs(items) -> tuple[tuple[int, str], ...]:
    return tuple((int(item["class"]), str(item["category"])) for item in items or ())


#: Database value -> record value, per storage kind; kinds not listed come back as they are.
_FROM_STORED = {"list": lambda value: tuple(value or ()), "scope": _scope_pairs}


def stored_fields(record_type: type) -> tuple[FieldSpec, ...]:
    """The fields that are columns, in table order."""
    return tuple(spec for spec in record_fields(record_type) if spec.stored)


def record_from_row(record_type: type, row):
    """The record held in a table row (an ORM object or anything with the columns as attributes)."""
    values = {}
    for spec in stored_fields(record_type):
        if spec.exclusions:
            values[spec.name], values[spec.exclusions] = scope_pairs(getattr(row, spec.name))
        else:
            values[spec.name] = _FROM_STORED.get(spec.storage, _same)(getattr(row, spec.name))
    return record_type(**values)


def _same(value):
    return value
