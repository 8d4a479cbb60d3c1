"""Reading a bureau's sheet of leads: sources and dates as bureaus write them, bad rows named."""
from datetime import date, datetime, timedelta

import pytest

from verifiers.leads.sheet import SheetError, parse_moment, parse_sheet, parse_source
from verifiers.reports.periods import CHINA_TZ


def test_source_and_dates_as_bureaus_write_them():
    assert parse_source("国家药监局移送线索") == "nmpa_transfer"
    assert parse_source("省局网络监测") == "provincial_monitoring"
    assert parse_source("外省移送") == "other_province"
    assert parse_source("投诉举报") == "complaint"
    assert parse_source("complaint") == "complaint"
    assert parse_source("") is None
    with pytest.raises(ValueError):
        parse_source("报纸")
    midnight = datetime(2026, 11, 30, tzinfo=CHINA_TZ)
    for text in ("2026-11-30", "2026/11/30", "2026年11月30日", "20261130", "2026.11.30", date(2026, 11, 30), 46356):
        assert parse_moment(text) == midnight, text
    assert parse_moment("2026-11-30 09:30") == midnight + timedelta(hours=9, minutes=30)
    assert parse_moment(None) is None
    with pytest.raises(ValueError):
        parse_moment("下周一")


def test_parse_sheet_finds_the_header_and_names_bad_rows():
    rows = [(1, ["某某省药品监督管理局线索移交表"]),
            (3, ["线索编号", "线索来源", "地区代码", "移送日期", "店铺名称", "问题描述", "无关列"]),
            (4, ["A-1", "国家局移送", "440305", "2026-11-30", "示例店", "描述一"]),
            (5, ["A-2", "", "440305", "2026-11-30", "示例店", "描述二"]),
            (6, ["A-3", "省局监测", "440305.0", "2026-11-31", "", ""]),
            (7, ["A-4", "外省移送", "广东省 深圳市", "2026-11-30", "某店", "描述四"]),
            (8, ["A-5", "外省移送", "市辖区", "2026-11-30", "某店", "描述五"])]
    parsed = parse_sheet(rows)
    assert parsed.columns["description"] == "问题描述" and parsed.ignored_headers == ["无关列"]
    assert [(row, body["reference"], body["source"], body["region"]) for row, body in parsed.leads] == [
        (4, "A-1", "nmpa_transfer", "440305"), (7, "A-4", "other_province", "440300")]  # a place name read as its code
    assert [e.row for e in parsed.errors] == [5, 6, 8]
    assert "市辖区" in parsed.errors[2].zh  # names no one place
    assert "缺少线索来源" in parsed.errors[0].zh
    assert "不是日期" in parsed.errors[1].zh and "no subject" in parsed.errors[1].en
    assert str(parsed.errors[0]).startswith("第5行")
    defaulted = parse_sheet(rows[:2] + [rows[3]], default_source="complaint")
    assert defaulted.leads[0][1]["source"] == "complaint"
    with pytest.raises(SheetError):
        parse_sheet([(1, ["a", "b"]), (2, [1, 2])])
