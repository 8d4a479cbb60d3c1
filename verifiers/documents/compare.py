"""A document's extracted fields beside the registry's record of the same number.

The console shows each extracted field next to what the regulator's data says, with the
differences marked; this module decides what corresponds to what and what differs. Values
are compared as a reader would: full- and half-width alike, spaces and case ignored,
lists as sets, scope as (class, category) pairs.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

#: Extracted field -> registry key, for documents the registry lists by number.
ENTERPRISE_KEYS = {"number": "number", "name": "holder", "uscc": "uscc", "address": "address", "scope": "scope",
                   "issuer": "issuer", "issued_on": "issued_on", "valid_until": "valid_until"}
DEVICE_KEYS = {"number": "number", "product_name": "product_name", "registrant": "registrant", "models": "models",
               "issuer": "issuer", "issued_on": "approved_on", "valid_until": "valid_until"}
#: Document types whose number is a device record (the rest, but the business licence, are enterprises).
DEVICE_TYPES = frozenset({"registration_certificate", "class1_filing"})
#: The business licence is not in the device registry: its fields are compared with what the
#: merchant declared.
DECLARED_KEYS = {"name": "name", "uscc": "uscc"}


@dataclass(frozen=True)
class FieldRow:
    name: str
    extracted: object
    confidence: float | None
    page: int | None
    record: object
    #: True: both present and different; False: the same; None: one side is missing.
    differs: bool | None


def keys_for(document_type: str | None) -> dict[str, str]:
    if document_type == "business_licence":
        return DECLARED_KEYS
    return DEVICE_KEYS if document_type in DEVICE_TYPES else ENTERPRISE_KEYS


def _text(value) -> str:
    return "".join(unicodedata.normalize("NFKC", str(value)).split()).casefold().rstrip("号")


def _normal(value):
    if isinstance(value, list):
        items = []
        for item in value:
            if isinstance(item, dict) and "class" in item:
                items.append((str(item.get("class")), str(item.get("category")), bool(item.get("excluded"))))
            else:
                items.append(_text(item))
        return frozenset(items)
    return _text(value)


def same(extracted, record) -> bool | None:
    if extracted in (None, "", []) or record in (None, "", []):
        return None
    return _normal(extracted) == _normal(record)


def compare(document_type: str | None, fields: dict, record: dict | None) -> list[FieldRow]:
    """One row per extracted field (and per record key the document should have shown),
    in the order of the mapping, then any other extracted fields."""
    mapping = keys_for(document_type)
    record = record or {}
    rows, seen = [], set()
    for name, key in mapping.items():
        field = fields.get(name) or {}
        value = record.get(key)
        if not field and value in (None, "", []):
            continue
        differs = same(field.get("value"), value)
        rows.append(FieldRow(name, field.get("value"), field.get("confidence"), field.get("page"), value,
                             None if differs is None else not differs))
        seen.add(name)
    for name, field in fields.items():
        if name not in seen and isinstance(field, dict) and "value" in field:
            rows.append(FieldRow(name, field.get("value"), field.get("confidence"), field.get("page"), None, None))
    return rows
