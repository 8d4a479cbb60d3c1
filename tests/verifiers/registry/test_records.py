"""Registry records: the one declaration of their fields, and the canonical form derived from it."""
from dataclasses import dataclass
from datetime import date

import pytest

from verifiers.registry.records import (
    DEVICE_KEYS,
    ENTERPRISE_KEYS,
    DeviceRecord,
    EnterpriseRecord,
    RecordError,
    device_from_mapping,
    enterprise_from_mapping,
    record_field,
    record_fields,
)

# Design §6, written out here on purpose: the derived key lists must match the contract.
DESIGN_DEVICE_KEYS = ("number", "kind", "class", "product_name", "registrant", "registrant_uscc", "models",
                      "category_code", "approved_on", "valid_until", "status", "issuer")
DESIGN_ENTERPRISE_KEYS = ("number", "kind", "holder", "uscc", "region", "scope", "issued_on", "valid_until", "issuer",
                          "status", "address")

FILING = {"number": "粤穗械备20230018号", "kind": "filing", "class": 1, "product_name": "医用冷敷贴",
          "registrant": "广州示例敷料有限公司", "registrant_uscc": None, "models": ["10cm×12cm"], "category_code": "09",
          "approved_on": "2023-03-01", "valid_until": None, "status": "active", "issuer": "广州市市场监督管理局"}
CLASS2_FILING = {"number": "浙杭药监械经营备20210153号", "kind": "class2_business_filing",
                 "holder": "杭州示例医疗器械有限公司", "uscc": "9133010629141777XW", "region": "330106",
                 "scope": [{"class": 2, "category": "07"}, {"class": 2, "category": "14"}],
                 "issued_on": "2021-09-08", "valid_until": None, "issuer": "杭州市市场监督管理局", "status": "active",
                 "address": None}


def test_derived_keys_are_the_design_keys_in_order():
    assert DEVICE_KEYS == DESIGN_DEVICE_KEYS
    assert ENTERPRISE_KEYS == DESIGN_ENTERPRISE_KEYS


def test_canonical_form_round_trips_a_valid_row():
    device = device_from_mapping(FILING)
    assert device.canonical() == FILING and list(device.canonical()) == list(DESIGN_DEVICE_KEYS)
    assert device.device_class == 1 and device.models == ("10cm×12cm",)
    assert device.approved_on == date(2023, 3, 1) and device.valid_until is None
    filing = enterprise_from_mapping(CLASS2_FILING)
    assert filing.canonical() == CLASS2_FILING and filing.scope == ((2, "07"), (2, "14"))


def test_the_lookup_key_is_stored_but_not_canonical():
    key, number = record_fields(DeviceRecord)[:2]
    assert (key.name, key.canonical, key.primary_key) == ("key", None, True)
    assert (number.name, number.canonical, number.required) == ("number", "number", True)
    device = device_from_mapping(FILING)
    assert device.key == "粤穗械备20230018" and "key" not in device.canonical()


def test_field_specs_take_name_and_nullability_from_the_class():
    specs = {spec.name: spec for spec in record_fields(EnterpriseRecord)}
    assert specs["uscc"].nullable and specs["uscc"].indexed and specs["uscc"].length == 18
    assert not specs["holder"].nullable and specs["holder"].storage == "text"
    assert specs["scope"].storage == "scope" and not specs["scope"].nullable
    device = {spec.name: spec for spec in record_fields(DeviceRecord)}
    assert device["device_class"].canonical == "class" and device["device_class"].storage == "int"


def test_a_declaration_names_a_known_storage_kind_and_gives_lengths_only_to_short_fields():
    with pytest.raises(ValueError):
        record_field("blob")
    with pytest.raises(ValueError):
        record_field("short")
    with pytest.raises(ValueError):
        record_field("text", length=10)


def test_a_new_record_class_gets_its_canonical_form_from_its_fields():
    from verifiers.registry.records import _Record

    @dataclass(frozen=True)
    class Recall(_Record):
        key: str = record_field("key", canonical=None, primary_key=True)
        number: str = record_field("key", required=True)
        published_on: date | None = record_field("date", canonical="published")
        models: tuple[str, ...] = record_field("list")

    recall = Recall(key="R1", number="R-1", published_on=date(2026, 1, 2), models=("A",))
    assert recall.canonical() == {"number": "R-1", "published": "2026-01-02", "models": ["A"]}


def test_invalid_rows_still_say_why():
    with pytest.raises(RecordError, match="class"):
        device_from_mapping(dict(FILING, **{"class": 4}))
    with pytest.raises(RecordError, match="region"):
        enterprise_from_mapping(dict(CLASS2_FILING, region="3301"))
