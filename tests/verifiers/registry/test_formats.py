"""Reading regulator files: which files a folder holds, JSON Lines and CSV rows with their line
numbers (a bad row never stops the good ones), and UDI rows without a 2017 分类编码 storing no false
2017 category (issue 11)."""
import csv
import json

import pytest

from tests.verifiers.rules.support import device, licence
from verifiers.registry.formats import discover, jsonl_chunks, read, read_csv, read_jsonl, read_udi

XML = """<?xml version="1.0" encoding="UTF-8"?>
<udid version="1.0"><header><numberRkeyecordXML>4</numberRkeyecordXML></header><devices>
<device><cpmctymc>一次性使用无菌注射器</cpmctymc><ggxh>1ml</ggxh><yflbm>6815</yflbm><flbm></flbm>
<qxlb>第三类</qxlb><zczbhhzbapzbh>国械注准20153150123</zczbhhzbapzbh></device>
<device><cpmctymc>新型冠状病毒抗原检测试剂盒</cpmctymc><ggxh>1人份</ggxh><yflbm>6840</yflbm>
<zczbhhzbapzbh>国械注准20223400001</zczbhhzbapzbh></device>
<device><cpmctymc>软性亲水接触镜</cpmctymc><ggxh>日抛</ggxh><zczbhhzbapzbh>国械注准20193160393</zczbhhzbapzbh></device>
<device><cpmctymc>医用防护口罩</cpmctymc><ggxh>折叠式</ggxh><yflbm>6864</yflbm>
<zczbhhzbapzbh>粤械注准20182140095</zczbhhzbapzbh></device>
</devices></udid>"""


def categories(tmp_path):
    path = tmp_path / "PART1.xml"
    path.write_text(XML, encoding="utf-8")
    return {row.record.number: row.record.category_code for row in read_udi(path)}


def test_a_2015_number_stores_its_2002_code_not_2017_category_15(tmp_path):
    # 国械注准2015 3 15 0123: 15 is 6815 注射穿刺器械; stored as "15" it matched 患者承载器械.
    assert categories(tmp_path)["国械注准20153150123"] == "6815"


def test_ivd_reagents_keep_40(tmp_path):
    assert categories(tmp_path)["国械注准20223400001"] == "40"


def test_a_2019_number_is_a_2017_sub_catalogue(tmp_path):
    assert categories(tmp_path)["国械注准20193160393"] == "16"


def test_an_uncertain_2018_number_falls_back_to_the_rows_old_code(tmp_path):
    # 2018 straddles the catalogue change: segment 14 could be either, so the row's yflbm decides.
    assert categories(tmp_path)["粤械注准20182140095"] == "6864"


def _touch(folder, *names):
    for name in names:
        (folder / name).write_text("", encoding="utf-8")


def test_discover_reads_one_file_per_kind_preferring_json_lines(tmp_path):
    _touch(tmp_path, "devices.csv", "devices.jsonl", "enterprises.csv", "notes.txt", "other.jsonl")
    found = {(p.name, kind, fmt) for p, kind, fmt in discover(tmp_path)}
    assert found == {("devices.jsonl", "device", "jsonl"), ("enterprises.csv", "enterprise", "csv")}
    # a format asked for is the only one read
    assert [(p.name, k) for p, k, _ in discover(tmp_path, "csv")] == [("devices.csv", "device"),
                                                                    ("enterprises.csv", "enterprise")]


def test_discover_a_single_file_and_udi_folders(tmp_path):
    _touch(tmp_path, "enterprises-2026.ndjson", "PART1.xml", "UDID_FULL.zip")
    assert discover(tmp_path / "enterprises-2026.ndjson") == [(tmp_path / "enterprises-2026.ndjson", "enterprise",
                                                               "jsonl")]
    assert {p.name for p, kind, fmt in discover(tmp_path, "udi-xml")} == {"PART1.xml", "UDID_FULL.zip"}
    empty = tmp_path / "udi"
    empty.mkdir()
    # a folder given as UDI XML is read as one, whatever it holds
    assert discover(empty, "udi-xml") == [(empty, "device", "udi-xml")]


def test_discover_refuses_what_it_cannot_read(tmp_path):
    with pytest.raises(ValueError, match="unknown format"):
        discover(tmp_path, "xlsx")
    with pytest.raises(FileNotFoundError):
        discover(tmp_path / "missing")


def test_json_lines_rows_keep_their_line_numbers(tmp_path):
    path = tmp_path / "devices.jsonl"
    lines = [json.dumps(device(), ensure_ascii=False), "", "{not json", json.dumps({"number": "x"}),
             json.dumps(device(number="国械注准20203140457"), ensure_ascii=False)]
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode("utf-8"))  # a BOM on the first line
    rows = list(read(path, "device", "jsonl"))
    assert [(r.line, r.record is not None) for r in rows] == [(1, True), (3, False), (4, False), (5, True)]
    assert "not valid JSON" in rows[1].error and rows[2].error
    assert rows[0].record.number == "国械注准20203140456" and rows[0].source == "devices.jsonl"
    assert rows == list(read_jsonl(path, "device"))


def test_json_lines_are_read_in_chunks_numbered_by_their_first_line(tmp_path):
    path = tmp_path / "devices.jsonl"
    path.write_text("a\nb\nc\nd\ne\n", encoding="utf-8")
    assert [(first, len(chunk)) for first, chunk in jsonl_chunks(path, lines_per_chunk=2)] == [(1, 2), (3, 2), (5, 1)]


def _write_csv(path, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_csv_cells_hold_lists_as_json_or_typed_by_hand(tmp_path):
    path = tmp_path / "devices.csv"
    as_json = {**device(), "models": json.dumps(["1ml", "5ml"])}
    by_hand = {**device(number="国械注准20203140457"), "models": "1ml；2ml、5ml"}
    broken = {**device(number="国械注准20203140458"), "models": "[1ml"}
    _write_csv(path, [as_json, by_hand, broken])
    rows = list(read_csv(path, "device"))
    assert [r.line for r in rows] == [2, 3, 4]  # the header is line 1
    assert rows[0].record.models == ("1ml", "5ml") and rows[1].record.models == ("1ml", "2ml", "5ml")
    assert rows[2].record is None and "not valid JSON" in rows[2].error


def test_csv_enterprise_scope_and_empty_cells(tmp_path):
    path = tmp_path / "enterprises.csv"
    row = {**licence(), "scope": json.dumps(licence()["scope"]), "address": ""}
    _write_csv(path, [row])
    [read_row] = list(read(path, "enterprise", "csv"))
    assert read_row.error is None and read_row.record.number == "粤深药监械经营许20230001号"
    assert read_row.record.address is None  # an empty cell is no value
