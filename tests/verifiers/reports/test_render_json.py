"""The JSON rendering: the same content, ASCII keys, labels beside, null for blank."""
from __future__ import annotations

import hashlib
import json

import pytest

from verifiers.reports.forms import CASE_COLUMNS, build_immediate_report, build_periodic_report
from verifiers.reports.periods import parse_period
from verifiers.reports.render_json import (IMMEDIATE_SCHEMA, PERIODIC_SCHEMA, render_immediate_report,
                                           render_periodic_report)
from verifiers.reports.routing import default_directory

from .support import GENERATED_AT, LEADS, PLATFORM, V1, VIOLATIONS, bj


@pytest.fixture(scope="module")
def document():
    report = build_periodic_report(platform=PLATFORM, region="440000", period=parse_period("2026-11"),
                                   violations=VIOLATIONS, leads=LEADS, merchants_checked=57, generated_at=GENERATED_AT)
    return report, json.loads(render_periodic_report(report))


def _keys(value):
    """Every dict key anywhere in a JSON value."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner)


def test_keys_are_ascii(document):
    _, doc = document
    assert all(key.isascii() for key in _keys(doc))


def test_header(document):
    _, doc = document
    assert doc["schema"] == PERIODIC_SCHEMA
    assert doc["title"] == {"zh": "医疗器械网络交易监测处置情况报告",
                            "en": "Online medical-device trading: monitoring and disposal report"}
    assert doc["period"] == {"key": "2026-11", "kind": "month", "start": "2026-11-01", "end_exclusive": "2026-12-01",
                             "label": {"zh": "2026年11月", "en": "November 2026"}}
    assert doc["region"] == {"code": "440000", "name_zh": "广东省"}
    assert doc["bureau"]["name_zh"] == "广东省药品监督管理局" and doc["bureau"]["confirmed"] is True
    assert doc["platform"]["filing_number"] == "（浙）网械平台备字[2019]第00099号"
    assert doc["generated_at"] == "2026-12-01T09:30:00+08:00"


def test_forms_blank_is_null(document):
    _, doc = document
    form1, form2 = doc["forms"]
    assert form1["title"]["zh"] == "医疗器械“清网”行动监督检查情况表" and form1["unit"]["label"]["zh"] == "单位名称（公章）"
    sellers = form1["rows"][0]
    assert sellers["zh"] == "医疗器械网络销售企业"
    assert sellers["values"] == {
        "enterprises_checked": 57, "ordered_to_rectify": 2, "interviewed": 1, "cases": 3,
        "penalty_warning": None, "penalty_fine": None, "penalty_confiscated_income": None,
        "penalty_confiscated_property": None, "penalty_closure_ordered": None, "penalty_licences_revoked": None,
        "referred_police": 1, "referred_sites": 1, "exposed": 1}
    assert set(form1["rows"][1]["values"].values()) == {None}
    penalty = [c for c in form1["columns"] if c["group"] == "penalties"]
    assert [c["zh"] for c in penalty] == ["警告", "罚款（万元）", "没收违法所得（万元）", "没收非法财物", "责令停业", "吊销许可证（张）"]
    assert all(c["filled_by"] == "bureau" for c in penalty)
    assert form1["groups"] == [{"key": "penalties", "zh": "行政处罚情况", "en": "Administrative penalties"}]
    assert [r["key"] for r in form2["rows"]] == ["nmpa_transfer", "provincial_monitoring", "other_province"]
    assert form2["rows"][0]["values"]["key_cases"] == "1件：L-1"


def test_cases_table(document):
    report, doc = document
    cases = doc["cases"]
    assert cases["count"] == 3 and [c["key"] for c in cases["columns"]] == [c.key for c in CASE_COLUMNS]
    assert cases["rows"] == [list(row) for row in report.cases]
    assert cases["labels"]["tier"]["stop_and_report"] == {"zh": "立即停止并报告", "en": "stop at once and report"}
    # The digest can be recomputed from the file with the standard library, as the docstring says.
    recomputed = hashlib.sha256(json.dumps(cases["rows"], ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()
    assert recomputed == cases["sha256"] == report.case_digest
    assert doc["summary"]["cases"] == 3
    assert {e["type"]: (e["stop_and_report"], e["correct_then_report"]) for e in doc["summary"]["by_type"]} == {
        "unlicensed_seller": (1, 0), "unregistered_product": (1, 0), "no_product_certificate_display": (0, 1)}


def test_immediate_report():
    bureaus = default_directory().route(seller_region="440305", platform_region="330106", rule="both")
    doc = json.loads(render_immediate_report(build_immediate_report(platform=PLATFORM, violation=V1, bureaus=bureaus,
                                                                    reported_at=bj(3, 11))))
    assert doc["schema"] == IMMEDIATE_SCHEMA and doc["violation_id"] == "V-0001"
    assert [b["name_zh"] for b in doc["bureaus"]] == ["深圳市市场监督管理局", "浙江省药品监督管理局"]
    assert [s["key"] for s in doc["sections"]] == ["platform", "bureau", "merchant", "product", "violation", "evidence",
                                                   "actions", "rectification"]
    fields = {f["key"]: f for s in doc["sections"] for f in s["fields"]}
    assert fields["shop_url"] == {"key": "shop_url", "zh": "店铺链接", "en": "shop URL", "value": "https://shop.example.com/1001"}
    assert fields["rectification_deadline"]["value"] is None
    facts = doc["facts"]
    assert facts["violation_type"] == "unregistered_product" and facts["tier"] == "stop_and_report"
    assert facts["violation"]["actions"][0] == {"kind": "listing_removed", "at": "2026-11-03T10:05:00+08:00",
                                                "deadline": None, "note": None}
    assert facts["violation"]["evidence"]["document_sha256s"] == ["a" * 64, "b" * 64]
    assert facts["violation"]["merchant"]["licences"][0] == {"kind": "device_business_licence",
                                                             "number": "粤深食药监械经营许20190001号"}
