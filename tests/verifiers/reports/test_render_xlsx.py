"""The workbook, opened with openpyxl: every header cell, merge and number against the facts."""
from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from samples.report_world import make_report_world
from verifiers.reports.forms import CASE_COLUMNS, CASE_INDEX, FORM1_COLUMNS, FORM2_COLUMNS, build_periodic_report
from verifiers.reports.periods import CHINA_TZ, parse_period
from verifiers.reports.render_xlsx import CELL_LIMIT, render_periodic_report, splice_rows

from .support import GENERATED_AT, LEADS, PLATFORM, VIOLATIONS

FORM1_MERGES = {"A2:N2", "A3:D3", "E3:K3", "L3:N3", "A4:A5", "B4:B5", "C4:C5", "D4:D5", "E4:E5", "F4:K4", "L4:L5",
                "M4:M5", "N4:N5", "A9:N9", "A10:N10"}
FORM2_MERGES = {"A2:N2", "A3:D3", "E3:K3", "L3:N3", "A4:A5", "B4:B5", "C4:C5", "D4:D5", "E4:E5", "F4:K4", "L4:L5",
                "M4:M5", "N4:N5", "A10:N10", "A11:N11", "A12:N12"}


@pytest.fixture(scope="module")
def report():
    return build_periodic_report(platform=PLATFORM, region="440000", period=parse_period("2026-11"),
                                 violations=VIOLATIONS, leads=LEADS, merchants_checked=57, generated_at=GENERATED_AT)


@pytest.fixture(scope="module")
def workbook(report):
    return load_workbook(io.BytesIO(render_periodic_report(report)))


def test_sheets(workbook):
    assert workbook.sheetnames == ["附件1", "附件2", "案件清单"]


def test_form1_layout_and_numbers(workbook):
    ws = workbook["附件1"]
    assert {str(r) for r in ws.merged_cells.ranges} == FORM1_MERGES
    assert ws["A1"].value == "附件1"
    assert ws["A2"].value == "医疗器械“清网”行动监督检查情况表"
    assert ws["A3"].value == "单位名称（公章）：示例健康商城（杭州）网络科技有限公司"
    assert ws["E3"].value == "统计期间：2026年11月（2026年11月1日至2026年11月30日）  地区：广东省"
    assert ws["L3"].value == "日期：2026年12月1日"
    assert ws["A4"].value is None  # the corner, empty as on the bureau's form
    top = [ws.cell(4, c).value for c in range(2, 15)]
    assert top == ["监督检查企业数", "责令整改企业数", "约谈企业数", "查处违法违规案件数", "行政处罚情况", None, None, None, None,
                   None, "移送公安机关案件数", "移送网信、通信主管部门网站数", "公开曝光企业数"]
    assert [ws.cell(5, c).value for c in range(6, 12)] == ["警告", "罚款（万元）", "没收违法所得（万元）", "没收非法财物", "责令停业",
                                                         "吊销许可证（张）"]
    assert [ws.cell(6, c).value for c in range(1, 15)] == [
        "医疗器械网络销售企业", 57, 2, 1, 3, None, None, None, None, None, None, 1, 1, 1]
    assert [ws.cell(7, c).value for c in range(1, 15)] == ["医疗器械网络交易服务第三方平台"] + [None] * 13
    assert ws["A9"].value.startswith("注：行政处罚情况及第三方平台行由药品监督管理部门填写")
    assert ws.page_setup.orientation == "landscape"


def test_blank_cells_hold_no_value(workbook):
    """Blank, not zero: a penalty cell has no value at all; a real zero is the number 0."""
    ws = workbook["附件1"]
    for column in range(6, 12):
        assert ws.cell(6, column).value is None and ws.cell(6, column).data_type == "n"
    ws2 = workbook["附件2"]
    assert ws2.cell(8, 2).value == 0 and ws2.cell(8, 6).value is None  # 外省移送: 0 leads; penalties blank


def test_form2_layout_and_numbers(workbook):
    ws = workbook["附件2"]
    assert {str(r) for r in ws.merged_cells.ranges} == FORM2_MERGES
    assert (ws["A1"].value, ws["A2"].value) == ("附件2", "网络监测处置情况表")
    assert ws["A3"].value == "填报单位：示例健康商城（杭州）网络科技有限公司"
    headers = [ws.cell(4, c).value or ws.cell(5, c).value for c in range(2, 15)]
    assert headers[:5] == ["医疗器械网络监测线索数", "处置情况反馈数", "责令整改企业数", "查处违法违规案件数", "行政处罚情况"]
    assert [ws.cell(5, c).value for c in range(6, 12)] == ["警告", "罚款（万元）", "没收违法所得（万元）", "没收非法财物", "责令停业",
                                                         "吊销许可证（张）"]
    assert headers[10:] == ["移送公安机关案件数", "移送网信、通信主管部门网站数", "重点案件情况"]
    rows = {ws.cell(r, 1).value: [ws.cell(r, c).value for c in range(2, 15)] for r in (6, 7, 8)}
    assert rows == {
        "国家药监局移送线索": [2, 1, 1, 2, None, None, None, None, None, None, 1, 1, "1件：L-1"],
        "省局网络监测线索": [2, 2, 1, 1, None, None, None, None, None, None, 1, 0, "无"],
        "外省移送线索": [0, 0, 0, 0, None, None, None, None, None, None, 0, 0, "无"],
    }
    notes = [ws.cell(r, 1).value for r in (10, 11, 12)]
    assert "平台自行监测线索1条、投诉举报线索1条" in notes[1] and "1条线索所在地区不明" in notes[2]


def test_case_sheet(workbook, report):
    ws = workbook["案件清单"]
    assert ws["A1"].value.startswith("案件清单（广东省，2026年11月）共3件")
    assert report.case_digest in ws["A1"].value
    assert [ws.cell(2, c).value for c in range(1, len(CASE_COLUMNS) + 1)] == [c.zh for c in CASE_COLUMNS]
    assert ws.freeze_panes == "C3" and ws.auto_filter.ref == "A2:Z5"
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 3
    labels = {"registry_match": {"no": "否", "unchecked": "未核对", "not_applicable": "不涉及"},
              "violation_type": {"unregistered_product": "销售未经注册或者备案的医疗器械",
                                 "no_product_certificate_display": "未展示产品注册证或者备案凭证",
                                 "unlicensed_seller": "未取得医疗器械经营许可或备案从事经营"},
              "tier": {"stop_and_report": "立即停止并报告", "correct_then_report": "责令改正，未改正的报告"},
              "rectification": {"not_required": "无需整改", "overdue": "逾期未整改", "pending": "整改中"},
              "status": {"reported": "已报告", "open": "处理中"}}
    for got, want in zip(rows, report.cases):
        expected = list(want)
        for column, table in labels.items():
            expected[CASE_INDEX[column]] = table[expected[CASE_INDEX[column]]]
        assert list(got) == [v if v != "" else None for v in expected]  # "" is written as an empty cell
    assert rows[0][CASE_INDEX["listing_url"]] == "https://item.example.com/5001?a=1&b=<2>"  # escaped and back


def test_bilingual_headers(report):
    ws = load_workbook(io.BytesIO(render_periodic_report(report, lang="bilingual")))["附件1"]
    assert ws["A2"].value == "医疗器械“清网”行动监督检查情况表\nMedical device 'Clean Web' action: supervision and inspection"
    assert ws["B4"].value == "监督检查企业数\nEnterprises checked"
    assert ws["F4"].value == "行政处罚情况\nAdministrative penalties"
    assert ws["A6"].value == "医疗器械网络销售企业\nOnline device sellers"
    assert ws["B6"].value == 57  # the data stay as they are
    with pytest.raises(ValueError):
        render_periodic_report(report, lang="en")


def test_awkward_values_survive_the_fast_path():
    """Escaping, XML-illegal characters, the row separators, spaces and Excel's cell limit."""
    from openpyxl import Workbook
    book = Workbook()
    book.active.title = "x"
    book.active["A1"] = "header"
    buffer = io.BytesIO()
    book.save(buffer)
    rows = [(1, "a & b < c > d", "tab\there", " padded ", "", "末尾"),
            (2, "bell\x07 and \x00 nul and \x01 soh", "x" * (CELL_LIMIT + 10), "‘引号’ \"q\" 'q'", "\ufffe", "é"),
            (3, "the separators ␀ and ␁ are data too", "", "", "", "")]
    data = splice_rows(buffer.getvalue(), "x", rows, 2)
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    ws = load_workbook(io.BytesIO(data))["x"]
    got = list(ws.iter_rows(min_row=2, values_only=True))
    assert got[0] == (1, "a & b < c > d", "tab\there", " padded ", None, "末尾")
    assert got[1][1] == "bell and  nul and  soh"
    assert len(got[1][2]) == CELL_LIMIT and got[1][2].endswith("…")
    assert got[1][3:] == ("‘引号’ \"q\" 'q'", None, "é")
    assert got[2] == (3, "the separators ␀ and ␁ are data too", None, None, None, None)
    assert ws.max_row == 4 and ws.max_column == 6


def test_many_rows_cross_chunk_boundaries():
    world = make_report_world(9_000, seed=3)
    report = build_periodic_report(platform=world.platform, region=world.region, period=parse_period(world.period),
                                   violations=world.violations, leads=world.leads,
                                   merchants_checked=world.merchants_checked,
                                   generated_at=GENERATED_AT.astimezone(CHINA_TZ))
    ws = load_workbook(io.BytesIO(render_periodic_report(report)), read_only=True)["案件清单"]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 9_000
    assert [r[0] for r in rows] == list(range(1, 9_001))
    for index in (0, 3_999, 4_000, 4_001, 8_999):  # around the 4,000-row chunks
        assert rows[index][1] == report.cases[index][1] and rows[index][-1] == report.cases[index][-1]
    assert ws.calculate_dimension() == "A1:Z9002"


def test_form_columns_are_the_forms():
    assert len(FORM1_COLUMNS) == len(FORM2_COLUMNS) == 13
