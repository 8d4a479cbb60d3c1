"""Importing regulator snapshots: formats, replacement by number, bad rows, atomicity."""
import csv
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gateway.registry.importer import ImportFailed, import_snapshot
from gateway.registry.models import RegistryDevice, RegistryEnterprise, RegistrySnapshot
from gateway.jobs.models import Task

# The public contract's registry sample, copied in so the suite runs from any clone;
# test_contract_sample_copy_is_current notices when the contract's own copy moves on.
CONTRACT = Path(__file__).resolve().parents[2] / "data" / "contract-registry"
SHARED_CONTRACT = Path(__file__).resolve().parents[3].parent / "shared" / "contract" / "registry"

SYRINGE = {"number": "国械注准20203140456", "kind": "registration", "class": 3, "product_name": "一次性使用无菌注射器",
           "registrant": "示例医疗器械制造有限公司", "registrant_uscc": "91340111MA8P9K0G9N", "models": ["1ml", "5ml"],
           "category_code": "14", "approved_on": "2020-05-06", "valid_until": "2030-05-05", "status": "active",
           "issuer": "国家药品监督管理局"}
LICENCE = {"number": "粤深药监械经营许20230001号", "kind": "device_business_licence", "holder": "深圳示例医疗器械有限公司",
           "uscc": "9144030071526726XG", "region": "440305", "scope": [{"class": 3, "category": "14"}],
           "issued_on": "2023-01-10", "valid_until": "2028-01-09", "issuer": "深圳市市场监督管理局", "status": "active",
           "address": "深圳市南山区示例路1号"}


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def count(runtime, model):
    with runtime.db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


@pytest.mark.skipif(not SHARED_CONTRACT.is_dir(), reason="../shared/contract is not beside this clone")
def test_contract_sample_copy_is_current():
    for name in ("devices.jsonl", "enterprises.jsonl"):
        assert (CONTRACT / name).read_bytes() == (SHARED_CONTRACT / name).read_bytes(), name


def test_contract_sample_imports_as_one_snapshot(runtime):
    result = import_snapshot(runtime.db, CONTRACT, "jsonl")
    assert (result.devices, result.enterprises, result.rejected) == (2, 2, 0)
    assert len(result.sha256) == 64
    with runtime.db.session() as s:
        snapshot = s.get(RegistrySnapshot, result.snapshot)
        assert snapshot.status == "complete" and snapshot.devices == 2
        assert s.get(RegistryDevice, "国械注准20203140456").models == ["1ml", "5ml"]
        # The key drops the trailing 号; the printed number is kept as printed.
        assert s.get(RegistryEnterprise, "粤深药监械经营许20230001").number == "粤深药监械经营许20230001号"


def test_later_snapshot_replaces_by_number_and_marks_only_changes(runtime, tmp_path):
    first = tmp_path / "a"
    first.mkdir()
    write_jsonl(first / "devices.jsonl", [SYRINGE])
    write_jsonl(first / "enterprises.jsonl", [LICENCE])
    one = import_snapshot(runtime.db, first)
    second = tmp_path / "b"
    second.mkdir()
    write_jsonl(second / "devices.jsonl", [dict(SYRINGE, status="cancelled")])
    write_jsonl(second / "enterprises.jsonl", [LICENCE])
    two = import_snapshot(runtime.db, second)
    assert (two.changed_devices, two.changed_enterprises) == (1, 0)
    with runtime.db.session() as s:
        device = s.get(RegistryDevice, "国械注准20203140456")
        licence = s.get(RegistryEnterprise, "粤深药监械经营许20230001")
        assert device.status == "cancelled" and device.snapshot_id == two.snapshot
        assert licence.snapshot_id == one.snapshot  # unchanged: keeps the snapshot that last changed it
    assert count(runtime, RegistryDevice) == 1


def test_changes_queue_a_reevaluation(runtime, tmp_path):
    write_jsonl(tmp_path / "devices.jsonl", [SYRINGE])
    result = import_snapshot(runtime.db, tmp_path / "devices.jsonl")
    assert [t.kind for t in result.tasks] == ["registry.reevaluate"]
    again = import_snapshot(runtime.db, tmp_path / "devices.jsonl")
    assert again.tasks == []  # nothing changed, nothing to re-check
    with runtime.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Task)) == 1


def test_bad_rows_are_reported_with_file_line_and_reason(runtime, tmp_path):
    rows = [SYRINGE, "{not json", dict(SYRINGE, number="国械注准20203140457", **{"class": 4}),
            dict(SYRINGE, number="", product_name="x"), dict(SYRINGE, number="国械注准20203140458", approved_on="2020-13-01"),
            dict(SYRINGE, number="国械注准20203140459", status="withdrawn"), "", dict(SYRINGE, number="国械注准20203140460")]
    seen = []
    result = import_snapshot(runtime.db, write_jsonl(tmp_path / "devices.jsonl", rows), on_error=seen.append)
    assert result.devices == 2 and result.rejected == 5
    by_line = {e["line"]: e for e in seen}
    assert set(by_line) == {2, 3, 4, 5, 6}
    assert all(e["file"] == "devices.jsonl" for e in seen)
    assert "JSON" in by_line[2]["reason"]
    assert "class" in by_line[3]["reason"]
    assert "number" in by_line[4]["reason"]
    assert "日期" in by_line[5]["reason"] or "date" in by_line[5]["reason"]
    assert "status" in by_line[6]["reason"]
    with runtime.db.session() as s:
        assert s.get(RegistrySnapshot, result.snapshot).errors[0]["line"] == 2


def test_duplicate_numbers_in_one_file_last_wins(runtime, tmp_path):
    rows = [SYRINGE, dict(SYRINGE, product_name="一次性使用无菌注射器（新）")]
    import_snapshot(runtime.db, write_jsonl(tmp_path / "devices.jsonl", rows))
    with runtime.db.session() as s:
        assert s.get(RegistryDevice, "国械注准20203140456").product_name == "一次性使用无菌注射器（新）"


def test_duplicate_numbers_in_a_later_snapshot_last_wins(runtime, tmp_path):
    """A registry that already holds rows is merged from a staging table (PostgreSQL); a
    number met twice is merged last, from its last line."""
    other = dict(SYRINGE, number="国械注准20203140457")
    first = import_snapshot(runtime.db, write_jsonl(tmp_path / "devices.jsonl", [SYRINGE, other]))
    rows = [dict(SYRINGE, product_name="旧"), other, dict(SYRINGE, product_name="新")]
    second = import_snapshot(runtime.db, write_jsonl(tmp_path / "devices.jsonl", rows))
    with runtime.db.session() as s:
        assert s.get(RegistryDevice, "国械注准20203140456").product_name == "新"
        assert s.get(RegistryDevice, "国械注准20203140457").snapshot_id == first.snapshot
    assert second.changed_devices >= 1 and count(runtime, RegistryDevice) == 2


def test_row_hashes_are_stable(runtime, tmp_path):
    """The change hash is taken over the stored values: if it moved, the next import after
    an upgrade would mark every record as changed and re-check every merchant and listing."""
    write_jsonl(tmp_path / "devices.jsonl", [SYRINGE])
    write_jsonl(tmp_path / "enterprises.jsonl", [LICENCE])
    import_snapshot(runtime.db, tmp_path)
    with runtime.db.session() as s:
        assert s.get(RegistryDevice, "国械注准20203140456").row_hash == "77cbc526a976086d3830b91ae35bdae28c00be25"
        assert s.get(RegistryEnterprise, "粤深药监械经营许20230001").row_hash == "7b923585feaaa5ed781332b0f3fe563e59ef5df4"


def test_tables_are_the_record_fields_and_the_bookkeeping():
    from gateway.registry.columns import COLUMN_TYPES
    from verifiers.registry.records import STORAGE_KINDS, DeviceRecord, EnterpriseRecord, record_fields

    assert set(COLUMN_TYPES) == set(STORAGE_KINDS)

    for model, record_type in ((RegistryDevice, DeviceRecord), (RegistryEnterprise, EnterpriseRecord)):
        names = [spec.name for spec in record_fields(record_type) if spec.stored]
        assert list(model.__table__.columns.keys()) == names + ["snapshot_id", "row_hash"]
        assert [c.name for c in model.__table__.primary_key] == ["key"]
    # The scope's exclusions travel inside the scope column, flagged.
    assert [spec.name for spec in record_fields(EnterpriseRecord) if not spec.stored] == ["excluded"]


def test_csv_form_with_json_cells(runtime, tmp_path):
    path = tmp_path / "devices.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(SYRINGE))
        writer.writeheader()
        writer.writerow(dict(SYRINGE, models=json.dumps(SYRINGE["models"], ensure_ascii=False), valid_until=""))
        writer.writerow(dict(SYRINGE, number="粤械注准20212070123", models="ET-1;ET-2", **{"class": 2}))
    enterprises = tmp_path / "enterprises.csv"
    with open(enterprises, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(LICENCE))
        writer.writeheader()
        writer.writerow(dict(LICENCE, scope=json.dumps(LICENCE["scope"])))
    result = import_snapshot(runtime.db, tmp_path, "csv")
    assert (result.devices, result.enterprises, result.rejected) == (2, 1, 0)
    with runtime.db.session() as s:
        assert s.get(RegistryDevice, "国械注准20203140456").valid_until is None
        assert s.get(RegistryDevice, "粤械注准20212070123").models == ["ET-1", "ET-2"]
        assert s.get(RegistryEnterprise, "粤深药监械经营许20230001").scope == [{"class": 3, "category": "14"}]


UDI_XML = """<?xml version="1.0" encoding="UTF-8"?>
<udid version="1.0"><header><numberRkeyecordXML>3</numberRkeyecordXML></header><devices>
<device><zxxsdycpbs>06901234567890</zxxsdycpbs><cpmctymc>一次性使用无菌注射器</cpmctymc><ggxh>1ml</ggxh>
<qxlb>Ⅲ类</qxlb><flbm>14-02-01</flbm><ylqxzcrbarmc>示例医疗器械制造有限公司 & 子公司</ylqxzcrbarmc>
<tyshxydm>91340111MA8P9K0G9N</tyshxydm><zczbhhzbapzbh>国械注准20203140456</zczbhhzbapzbh>
<packingList><packing><bzcpbs>16901234567897</bzcpbs></packing></packingList><versionStauts>新增</versionStauts></device>
<device><zxxsdycpbs>06901234567891</zxxsdycpbs><cpmctymc>一次性使用无菌注射器</cpmctymc><ggxh>5ml</ggxh>
<qxlb>第三类</qxlb><flbm>14-02-01</flbm><ylqxzcrbarmc>示例医疗器械制造有限公司</ylqxzcrbarmc>
<tyshxydm>91340111MA8P9K0G9N</tyshxydm><zczbhhzbapzbh>国械注准20203140456</zczbhhzbapzbh></device>
<device><zxxsdycpbs>06901234567892</zxxsdycpbs><cpmctymc>医用冷敷贴</cpmctymc><ggxh>10贴/盒</ggxh>
<qxlb>Ⅰ类</qxlb><flbm>09-02-03</flbm><ylqxzcrbarmc>示例\x01敷料厂</ylqxzcrbarmc>
<zczbhhzbapzbh>粤穗械备20230018号</zczbhhzbapzbh></device>
<device><zxxsdycpbs>06901234567893</zxxsdycpbs><cpmctymc>无编号产品</cpmctymc><zczbhhzbapzbh></zczbhhzbapzbh></device>
</devices></udid>
"""


def test_udi_zip_merges_rows_by_number_and_keeps_dates(runtime, tmp_path):
    write_jsonl(tmp_path / "devices.jsonl", [SYRINGE])
    import_snapshot(runtime.db, tmp_path / "devices.jsonl")
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("PART1.xml", UDI_XML)
    outer = tmp_path / "UDID_FULL_20261101.zip"
    with zipfile.ZipFile(outer, "w") as z:
        z.write(inner, "UDID_FULL_20261101_1.zip")
    seen = []
    result = import_snapshot(runtime.db, outer, "udi-xml", on_error=seen.append)
    assert result.devices == 2 and result.rejected == 1
    assert seen[0]["line"] > 1 and "zczbhhzbapzbh" in seen[0]["reason"]
    with runtime.db.session() as s:
        syringe = s.get(RegistryDevice, "国械注准20203140456")
        assert syringe.models == ["1ml", "5ml"]
        assert syringe.registrant == "示例医疗器械制造有限公司 & 子公司"  # bare & cleaned, not fatal
        assert str(syringe.valid_until) == "2030-05-05"  # UDI has no dates: the earlier snapshot's stay
        plaster = s.get(RegistryDevice, "粤穗械备20230018")
        assert plaster.kind == "filing" and plaster.device_class == 1 and plaster.category_code == "09"


def test_nothing_to_import_is_an_error(runtime, tmp_path):
    (tmp_path / "readme.txt").write_text("nothing")
    with pytest.raises(ImportFailed):
        import_snapshot(runtime.db, tmp_path)


def test_a_failed_import_leaves_no_trace(runtime, tmp_path, monkeypatch):
    from gateway.registry import importer

    write_jsonl(tmp_path / "devices.jsonl", [SYRINGE, dict(SYRINGE, number="国械注准20203140457")])

    def explode(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer._SqliteWriter, "finish", explode)
    monkeypatch.setattr(importer._PostgresWriter, "finish", explode)
    with pytest.raises(RuntimeError):
        import_snapshot(runtime.db, tmp_path)
    assert count(runtime, RegistryDevice) == 0
    assert count(runtime, RegistrySnapshot) == 0


def test_cli_import_prints_json_summary(runner, tmp_path):
    write_jsonl(tmp_path / "devices.jsonl", [SYRINGE, {"number": "坏"}])
    result = runner.invoke(args=["registry", "import", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads([ln for ln in result.output.splitlines() if ln.startswith("{")][-1])
    assert summary["devices"] == 1 and summary["enterprises"] == 0 and summary["rejected"] == 1
    assert summary["snapshot"].startswith("snap_")
    strict = runner.invoke(args=["registry", "import", str(tmp_path), "--strict"])
    assert strict.exit_code == 3


def test_parallel_parsing_gives_the_same_snapshot(runtime, tmp_path, monkeypatch):
    """Large files are parsed by a process pool; the result is the same as sequential,
    including the last-line-wins rule, rejected rows and awkward characters for COPY."""
    from gateway.registry import importer

    rows = [dict(SYRINGE, number=f"国械注准2020314{i:04d}", product_name=f"注射器\t{i}\\型\n") for i in range(3000)]
    rows[1500] = "{broken"
    rows.append(dict(SYRINGE, number="国械注准20203140007", product_name="最后一行为准"))
    path = write_jsonl(tmp_path / "devices.jsonl", rows)
    monkeypatch.setattr(importer, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr("verifiers.registry.formats.jsonl_chunks.__defaults__", (500,))
    seen = []
    result = import_snapshot(runtime.db, path, workers=2, on_error=seen.append)
    assert (result.devices, result.rejected) == (3000, 1) and seen[0]["line"] == 1501
    with runtime.db.session() as s:
        assert s.get(RegistryDevice, "国械注准20203140007").product_name == "最后一行为准"
        assert s.get(RegistryDevice, "国械注准20203142999").product_name == "注射器\t2999\\型"
    assert count(runtime, RegistryDevice) == 2999
