"""The forms' counts, worked out by hand from the world in reports_support.py."""
from __future__ import annotations

from datetime import datetime

import pytest

from verifiers.reports.forms import (CASE_COLUMNS, CASE_INDEX, FORM1_COLUMNS, FORM2_COLUMNS, PENALTY_COLUMNS,
                                     build_immediate_report, build_periodic_report, case_digest)
from verifiers.reports.periods import parse_period
from verifiers.reports.routing import default_directory

from .support import GENERATED_AT, LEADS, PLATFORM, V1, V2, V3, V4, V5, VIOLATIONS, bj

PENALTY_KEYS = [c.key for c in PENALTY_COLUMNS]


def report(region="440000", period="2026-11", merchants_checked=57, **kwargs):
    return build_periodic_report(platform=PLATFORM, region=region, period=parse_period(period),
                                 violations=VIOLATIONS, leads=LEADS, merchants_checked=merchants_checked,
                                 generated_at=GENERATED_AT, **kwargs)


def test_the_forms_have_the_bureaus_columns():
    """domain.md §8, column by column, with the six penalty sub-columns under 行政处罚情况."""
    assert [c.zh for c in FORM1_COLUMNS] == [
        "监督检查企业数", "责令整改企业数", "约谈企业数", "查处违法违规案件数", "警告", "罚款（万元）", "没收违法所得（万元）",
        "没收非法财物", "责令停业", "吊销许可证（张）", "移送公安机关案件数", "移送网信、通信主管部门网站数", "公开曝光企业数"]
    assert [c.zh for c in FORM2_COLUMNS] == [
        "医疗器械网络监测线索数", "处置情况反馈数", "责令整改企业数", "查处违法违规案件数", "警告", "罚款（万元）",
        "没收违法所得（万元）", "没收非法财物", "责令停业", "吊销许可证（张）", "移送公安机关案件数",
        "移送网信、通信主管部门网站数", "重点案件情况"]
    form = report().form1
    spans = [(g.zh if g else None, first, last) for g, first, last in form.header_spans()]
    assert spans == [(None, 0, 0), (None, 1, 1), (None, 2, 2), (None, 3, 3), ("行政处罚情况", 4, 9),
                     (None, 10, 10), (None, 11, 11), (None, 12, 12)]
    assert [r.zh for r in form.rows] == ["医疗器械网络销售企业", "医疗器械网络交易服务第三方平台"]
    assert [r.zh for r in report().form2.rows] == ["国家药监局移送线索", "省局网络监测线索", "外省移送线索"]
    assert (form.title_zh, form.unit_label_zh, form.date_label_zh) == ("医疗器械“清网”行动监督检查情况表", "单位名称（公章）", "日期")
    assert (report().form2.title_zh, report().form2.unit_label_zh) == ("网络监测处置情况表", "填报单位")


def test_form1_guangdong_november():
    """440000: V1, V2 (Shenzhen) and V3 (Guangzhou, 23:30 on 30 Nov). Not V4 (Hubei), V5 (Beijing),
    the October and December records, or the tier-none one."""
    form = report().form1
    assert form.value("online_sellers", "enterprises_checked") == 57  # as the gateway counted it
    assert form.value("online_sellers", "ordered_to_rectify") == 2  # Shenzhen (V2), Guangzhou (V3)
    assert form.value("online_sellers", "interviewed") == 1  # Shenzhen (V2)
    assert form.value("online_sellers", "cases") == 3
    assert form.value("online_sellers", "referred_police") == 1  # V1
    assert form.value("online_sellers", "referred_sites") == 1  # V3's shop
    assert form.value("online_sellers", "exposed") == 1  # V3


def test_blank_is_never_zero():
    r = report(merchants_checked=None)
    for key in PENALTY_KEYS:
        assert r.form1.value("online_sellers", key) is None
        for row in r.form2.rows:
            assert r.form2.value(row.key, key) is None
    assert all(v is None for v in r.form1.rows[1].values)  # the platform row is the bureau's
    assert r.form1.value("online_sellers", "enterprises_checked") is None  # unknown, not zero
    # ...while what the platform knows to be none is a real 0.
    assert report(region="310000").form1.value("online_sellers", "cases") == 0


def test_form2_guangdong_november():
    form = report().form2
    row = dict(zip([c.key for c in FORM2_COLUMNS], next(r for r in form.rows if r.key == "nmpa_transfer").values))
    # L-1 (Shenzhen, answered, key case, found V1) and L-2 (Guangzhou, found V3). Not L-8 (no region)
    # or L-9 (December).
    assert {k: row[k] for k in ("leads", "feedback", "ordered_to_rectify", "cases", "referred_police",
                                "referred_sites", "key_cases")} == {
        "leads": 2, "feedback": 1, "ordered_to_rectify": 1, "cases": 2, "referred_police": 1, "referred_sites": 1,
        "key_cases": "1件：L-1"}
    row = dict(zip([c.key for c in FORM2_COLUMNS], next(r for r in form.rows if r.key == "provincial_monitoring").values))
    # L-3 found V2 (rectification ordered); L-4 was referred to the police by the platform itself.
    assert (row["leads"], row["feedback"], row["ordered_to_rectify"], row["cases"], row["referred_police"],
            row["referred_sites"], row["key_cases"]) == (2, 2, 1, 1, 1, 0, "无")
    row = next(r for r in form.rows if r.key == "other_province")
    assert row.values[:4] == (0, 0, 0, 0)  # L-5 is in Hubei
    notes = " ".join(zh for zh, _ in form.notes)
    assert "平台自行监测线索1条、投诉举报线索1条" in notes
    assert "另有1条线索所在地区不明" in notes


def test_hubei_report_counts_the_county_directly_under_the_province():
    r = report(region="420000")
    assert r.form1.value("online_sellers", "cases") == 1  # V4, Xiantao 429004
    assert r.form2.value("other_province", "leads") == 1  # L-5
    assert r.bureau.name_zh == "湖北省药品监督管理局"
    assert report(region="429004").bureau.name_zh == "仙桃市市场监督管理局"


def test_quarter_and_city_reports():
    assert report(period="2026-Q4").form1.value("online_sellers", "cases") == 5  # + V-0900, V-0901
    shenzhen = report(region="440300")
    assert shenzhen.form1.value("online_sellers", "cases") == 2
    assert shenzhen.bureau.name_zh == "深圳市市场监督管理局"
    assert shenzhen.region_name == "广东省深圳市"


def test_case_list():
    r = report()
    assert [row[CASE_INDEX["violation_id"]] for row in r.cases] == ["V-0001", "V-0002", "V-0003"]
    assert [row[0] for row in r.cases] == [1, 2, 3]
    assert all(len(row) == len(CASE_COLUMNS) for row in r.cases)
    first = dict(zip([c.key for c in CASE_COLUMNS], r.cases[0]))
    assert first["detected_at"] == "2026-11-03 10:00:00+08:00"
    assert first["merchant_external_id"] == "shop-1001" and first["uscc"] == "91440300MA5F000001"
    assert first["licences"] == "医疗器械经营许可证：粤深食药监械经营许20190001号；医疗器械网络销售备案凭证：粤深网械备20190001号"
    assert (first["registry_match"], first["violation_type"], first["tier"]) == ("no", "unregistered_product",
                                                                                 "stop_and_report")
    assert first["reason_codes"] == "REGNO_NOT_FOUND；PRODUCT_MISMATCH"
    assert first["actions"].startswith("2026-11-03 10:05:00+08:00 商品下架；2026-11-03 11:00:00+08:00 报告药品监督管理部门")
    assert first["document_sha256"] == "a" * 64 + "；" + "b" * 64
    assert (first["snapshot_id"], first["decision_ids"], first["chain_hashes"]) == ("snap-202611", "D-11；D-12", "c" * 64)
    assert first["listing_url"] == "https://item.example.com/5001?a=1&b=<2>"
    assert first["bureau"] == "深圳市市场监督管理局"
    third = dict(zip([c.key for c in CASE_COLUMNS], r.cases[2]))
    assert (third["detected_at"], third["product_name"], third["registry_match"]) == (
        "2026-11-30 23:30:00+08:00", "", "not_applicable")
    assert third["bureau"] == "广州市市场监督管理局"
    assert r.case_digest == case_digest(r.cases) and len(r.case_digest) == 64
    assert r.type_counts == {"unregistered_product": {"stop_and_report": 1},
                             "no_product_certificate_display": {"correct_then_report": 1},
                             "unlicensed_seller": {"stop_and_report": 1}}


def test_naive_generation_time_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        build_periodic_report(platform=PLATFORM, region="440000", period=parse_period("2026-11"), violations=(),
                              generated_at=datetime(2026, 12, 1))


def test_immediate_report_fields():
    bureaus = default_directory().route(seller_region="440305", platform_region="330106", rule="both")
    im = build_immediate_report(platform=PLATFORM, violation=V1, bureaus=bureaus, reported_at=bj(3, 11))
    assert [s.zh for s in im.sections] == ["一、报告单位", "二、报送机关", "三、涉事企业（入驻企业档案）", "四、涉事产品",
                                           "五、违法违规情形", "六、证据", "七、已采取的措施", "八、整改情况"]
    values = {f.key: f.value for s in im.sections for f in s.fields}
    assert values["platform_filing_number"] == "（浙）网械平台备字[2019]第00099号"
    assert values["bureaus"] == "深圳市市场监督管理局（名称依命名规则生成，待核实）\n浙江省药品监督管理局"
    assert "第四十六条" in values["routing_basis"] and "第二十六条" in values["routing_basis"]
    assert (values["merchant_name"], values["merchant_external_id"]) == ("深圳康宁医疗器械有限公司", "shop-1001")
    assert values["merchant_region"] == "广东省深圳市（440305）"
    assert values["shop_url"] == "https://shop.example.com/1001"
    assert values["registration_number"] == "粤械注准20192140001" and values["registry_match"] == "否"
    assert values["violation_type"] == "销售未经注册或者备案的医疗器械"
    assert "第四十二条第二款" in values["basis"] and values["tier"] == "立即停止并报告"
    assert values["reasons"].startswith("REGNO_NOT_FOUND：监管数据中查无注册证/备案编号")
    assert values["document_sha256"] == "a" * 64 + "\n" + "b" * 64
    assert values["actions"].splitlines()[0] == "2026-11-03 10:05:00+08:00 商品下架"
    assert values["rectification_status"] == "无需整改" and values["rectification_deadline"] is None
    assert values["reported_at"] == "2026-11-03 11:00:00+08:00"


def test_immediate_report_only_when_owed():
    bureaus = (default_directory().municipal_bureau("440305"),)
    # A minor violation past its deadline (V2 is overdue) is owed one; one still rectifying is not.
    im = build_immediate_report(platform=PLATFORM, violation=V2, bureaus=bureaus, reported_at=bj(9))
    assert im.field("rectification_deadline").value == "2026-11-08 12:00:00+08:00"
    with pytest.raises(ValueError, match="owes no immediate report"):
        build_immediate_report(platform=PLATFORM, violation=V4, bureaus=bureaus, reported_at=bj(13))
    with pytest.raises(ValueError, match="no bureau"):
        build_immediate_report(platform=PLATFORM, violation=V1, bureaus=(), reported_at=bj(3))
    assert V3.tier == V5.tier == "stop_and_report"


def test_a_seller_of_unknown_region_still_gets_its_reports():
    """The violations area records a seller's region when it knows it; with none (or a code that is
    not a mainland division) the immediate report and the case list leave the place blank rather
    than fail."""
    import dataclasses

    from verifiers.reports.forms import build_case_rows, build_immediate_report

    directory = default_directory()
    for region in ("", "990000"):
        unknown = dataclasses.replace(V1, merchant=dataclasses.replace(V1.merchant, region=region))
        report = build_immediate_report(platform=PLATFORM, violation=unknown, reported_at=GENERATED_AT,
                                        bureaus=[directory.provincial_bureau(PLATFORM.region)])
        assert report.field("merchant_region").value == (region or None)
        [row] = build_case_rows([unknown], directory.municipal_bureau)
        assert row[CASE_INDEX["bureau"]] == "" and row[CASE_INDEX["region"]] == region
