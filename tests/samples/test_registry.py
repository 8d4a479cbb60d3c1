"""The sample regulator data: design §6 keys, domain.md number formats, coherent dates."""
from __future__ import annotations

import csv
import hashlib
import json
import re
import zipfile
from datetime import date, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest

from samples import make_registry
from samples.world import SNAPSHOT_DATE, add_years
from verifiers.identifiers.uscc import is_valid_uscc, organisation_check_character

REPO = Path(__file__).resolve().parents[2]
DEVICE_KEYS = ["number", "kind", "class", "product_name", "registrant", "registrant_uscc", "models", "category_code",
               "approved_on", "valid_until", "status", "issuer"]
ENTERPRISE_KEYS = ["number", "kind", "holder", "uscc", "region", "scope", "issued_on", "valid_until", "issuer",
                   "status", "address"]

# The regexes of domain.md §2, copied as written (P = the province set, H = any CJK character).
P = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川蜀贵黔云滇藏陕秦甘陇青宁新"
H = r"\u4e00-\u9fff"
REGISTRATION = re.compile(rf"^(?P<auth>国|[{P}])械注(?P<form>准|进|许)(?P<year>(19|20)\d{{2}})(?P<cls>[23])(?P<cat>\d{{2}})"
                          rf"(?P<serial>\d{{4}})$")
CLASS1_FILING = re.compile(rf"^(?P<auth>国|[{P}][{H}]{{0,2}})械备(?P<year>(19|20)\d{{2}})(?P<serial>\d{{4}})号?$")
BUSINESS_LICENCE = re.compile(rf"^(?P<prov>[{P}])(?P<city>[{H}]{{0,2}}?)(?:食)?药监械经营许(?P<year>\d{{4}})"
                              rf"(?P<serial>[0-9A-Z]{{4}})号?$")
BUSINESS_FILING = re.compile(rf"^(?P<prov>[{P}])(?P<city>[{H}]{{0,2}}?)(?:食)?药监械经营备(?P<year>\d{{4}})"
                             rf"(?P<serial>[0-9A-Z]{{4}})号?$")
PRODUCTION_LICENCE = re.compile(rf"^(?P<prov>[{P}])(?:食)?药监械生产许(?P<year>\d{{4}})(?P<serial>\d{{4}})号?$")
ONLINE_SALES = re.compile(rf"^(?P<prov>[{P}])(?P<city>[{H}]{{0,2}})械网备(?P<digits>\d{{12}})$")
# domain.md §1.3 (inferred from real footers), brackets normalised to half-width.
PLATFORM_FILING = re.compile(rf"^\((?P<prov>[{P}])\)网械平台备字\((?P<year>\d{{4}})\)第(?P<serial>\d{{5}})号$")
USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
ENTERPRISE_FORMATS = {"device_business_licence": BUSINESS_LICENCE, "class2_business_filing": BUSINESS_FILING,
                      "production_licence": PRODUCTION_LICENCE, "online_sales_filing": ONLINE_SALES,
                      "platform_filing": PLATFORM_FILING}
PROVINCE_ABBR = {"11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑", "31": "沪",
                 "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫", "42": "鄂", "43": "湘",
                 "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "贵", "53": "云", "54": "藏", "61": "陕",
                 "62": "甘", "63": "青", "64": "宁", "65": "新", "71": "台", "81": "港", "82": "澳"}
CATEGORIES = {f"{i:02d}" for i in range(1, 23)} | {"40"}


def five_years_less_a_day(day: str) -> str:
    return (add_years(date.fromisoformat(day), 5) - timedelta(days=1)).isoformat()


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("registry")
    make_registry.generate(out)
    return out


@pytest.fixture(scope="module")
def devices(registry):
    return [json.loads(line) for line in (registry / "devices.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def enterprises(registry):
    return [json.loads(line) for line in (registry / "enterprises.jsonl").read_text(encoding="utf-8").splitlines()]


def test_rows_have_exactly_the_design_keys(devices, enterprises):
    assert 300 <= len(devices) <= 600 and 100 <= len(enterprises) <= 400
    assert all(list(row) == DEVICE_KEYS for row in devices)
    assert all(list(row) == ENTERPRISE_KEYS for row in enterprises)


def test_every_credit_code_is_valid(devices, enterprises):
    codes = {r["uscc"] for r in enterprises} | {r["registrant_uscc"] for r in devices if r["registrant_uscc"]}
    assert codes
    for code in codes:
        assert USCC_SHAPE.match(code) and is_valid_uscc(code), code
        assert organisation_check_character(code[8:16]) == code[16], code


def test_credit_codes_sit_in_their_region(enterprises):
    for row in enterprises:
        assert row["uscc"][2:8] == row["region"], row
        assert row["region"][:2] in PROVINCE_ABBR


def test_every_province_and_region_has_enterprises(devices, enterprises):
    holders: dict[str, set[str]] = {}
    for code in [r["uscc"] for r in enterprises] + [r["registrant_uscc"] for r in devices if r["registrant_uscc"]]:
        holders.setdefault(code[2:4], set()).add(code)
    for province in PROVINCE_ABBR:
        assert len(holders.get(province, ())) >= 3, province


def test_enterprise_numbers_follow_domain_formats(enterprises):
    seen = set()
    for row in enterprises:
        assert row["number"] not in seen
        seen.add(row["number"])
        match = ENTERPRISE_FORMATS[row["kind"]].match(row["number"])
        assert match, row["number"]
        assert PROVINCE_ABBR[row["region"][:2]] == match.group("prov"), row
        if row["kind"] in ("device_business_licence", "class2_business_filing", "production_licence",
                           "platform_filing"):
            assert match.group("year") == row["issued_on"][:4]
        if row["kind"] == "online_sales_filing":
            assert match.group("digits")[:8] == row["issued_on"].replace("-", "")
            assert row["issued_on"] >= "2018-03-01"  # Order 38 in force


def test_enterprise_dates_and_statuses_are_coherent(enterprises):
    snapshot = SNAPSHOT_DATE.isoformat()
    for row in enterprises:
        if row["kind"] in ("device_business_licence", "production_licence"):
            assert row["valid_until"] == five_years_less_a_day(row["issued_on"]), row
            if row["status"] in ("active", "expired"):
                assert (row["valid_until"] < snapshot) == (row["status"] == "expired"), row
        else:
            assert row["valid_until"] is None and row["status"] != "expired", row
        assert row["issued_on"] < snapshot
        for item in row["scope"]:
            assert item["class"] in (2, 3) and item["category"] in CATEGORIES - {"40"}
        if row["kind"] == "device_business_licence":
            assert row["scope"] and all(item["class"] == 3 for item in row["scope"])
        if row["kind"] == "class2_business_filing":
            assert row["scope"] and all(item["class"] == 2 for item in row["scope"])
    statuses = {row["status"] for row in enterprises}
    assert {"active", "expired", "cancelled", "revoked"} <= statuses


def test_device_numbers_follow_domain_formats(devices):
    numbers = [row["number"] for row in devices]
    assert len(numbers) == len(set(numbers))
    for row in devices:
        assert row["category_code"] in CATEGORIES and row["models"] and row["status"] in ("active", "cancelled", "revoked")
        if row["kind"] == "filing":
            match = CLASS1_FILING.match(row["number"])
            assert match and row["class"] == 1, row
            assert match.group("year") == row["approved_on"][:4]
            assert row["valid_until"] is None
            continue
        match = REGISTRATION.match(row["number"])
        assert match, row["number"]
        auth, form, cls = match.group("auth"), match.group("form"), int(match.group("cls"))
        assert cls == row["class"]
        if auth != "国":
            assert form == "准" and cls == 2, row  # provincial: domestic Class II only
        if auth == "国" and form == "准":
            assert cls == 3, row
        if match.group("year") >= "2019":
            assert match.group("cat") == row["category_code"], row
        assert match.group("year") <= row["approved_on"][:4]
        assert row["valid_until"] == five_years_less_a_day(row["approved_on"]), row
        if auth == "国":
            assert row["issuer"] == ("国家药品监督管理局" if row["approved_on"] >= "2018-04-10" else "国家食品药品监督管理总局")
        else:
            assert row["issuer"].endswith("药品监督管理局") and PROVINCE_ABBR[row["registrant_uscc"][2:4]] == auth


def test_devices_cover_every_route_and_state(devices):
    forms = {REGISTRATION.match(r["number"]).group("form") + ("国" if r["number"][0] == "国" else "省")
             for r in devices if r["kind"] == "registration"}
    assert {"准国", "准省", "进国", "许国"} <= forms
    assert any(r["number"].startswith("国械备") for r in devices)
    assert any(CLASS1_FILING.match(r["number"]).group("auth")[1:] for r in devices if r["kind"] == "filing")
    snapshot = SNAPSHOT_DATE.isoformat()
    assert any(r["kind"] == "registration" and r["status"] == "active" and r["valid_until"] < snapshot for r in devices)
    assert {"cancelled", "revoked"} <= {r["status"] for r in devices}
    assert {"14", "07", "16", "22", "19", "09", "18", "40"} <= {r["category_code"] for r in devices}


def test_domestic_registrants_hold_production_licences(devices, enterprises):
    makers = {r["uscc"] for r in enterprises if r["kind"] == "production_licence"}
    for row in devices:
        number = row["number"]
        domestic = ("械注准" in number) or (row["kind"] == "filing" and not number.startswith("国"))
        if domestic:
            assert row["registrant_uscc"] in makers, row


def test_csv_holds_the_same_rows(registry, devices, enterprises):
    for name, keys, rows in (("devices.csv", DEVICE_KEYS, devices), ("enterprises.csv", ENTERPRISE_KEYS, enterprises)):
        with open(registry / name, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            assert reader.fieldnames == keys
            parsed = []
            for cells in reader:
                row = {}
                for key in keys:
                    value = cells[key]
                    if key in ("models", "scope"):
                        row[key] = json.loads(value)
                    elif key == "class":
                        row[key] = int(value)
                    else:
                        row[key] = value if value != "" else None
                parsed.append(row)
        assert parsed == rows


def test_udi_download_has_one_device_element_per_model(registry, devices):
    (archive_path,) = (registry / "udi").glob("UDID_FULL_RELEASE_*.zip")
    with zipfile.ZipFile(archive_path) as archive:
        names = archive.namelist()
        assert names and all(re.search(r"_PART\d+\.xml$", n) for n in names)
        elements = []
        for name in names:
            root = ElementTree.fromstring(archive.read(name))
            assert root.tag == "udid" and root.get("version") == "1.0"
            count = int(root.find("header/numberRkeyecordXML").text)
            found = root.findall("devices/device")
            assert count == len(found)
            elements += found
    assert len(elements) == sum(len(r["models"]) for r in devices)
    by_number: dict[str, list[str]] = {}
    for element in elements:
        tags = [child.tag for child in element]
        assert all(t == t.lower() for t in tags if t not in ("deviceRecordKey", "versionNumber", "versionTime",
                                                              "versionStauts", "correctionNumber", "correctionRemark",
                                                              "correctionTime", "packingList", "storageList",
                                                              "clinicalList", "contactList"))
        assert {"zxxsdycpbs", "cpmctymc", "ggxh", "qxlb", "flbm", "yflbm", "ylqxzcrbarmc", "tyshxydm",
                "zczbhhzbapzbh", "cplb", "versionStauts"} <= set(tags)
        di = element.findtext("zxxsdycpbs")
        assert len(di) == 14 and di.isdigit() and _gs1_ok(di)
        by_number.setdefault(element.findtext("zczbhhzbapzbh"), []).append(element.findtext("ggxh"))
    assert {r["number"]: r["models"] for r in devices} == by_number
    assert sum(1 for models in by_number.values() if len(models) > 1) > 50


def _gs1_ok(code: str) -> bool:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(code[:-1])))
    return (10 - total % 10) % 10 == int(code[-1])


def _digests(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def test_generation_is_deterministic(registry, tmp_path):
    make_registry.generate(tmp_path / "again")
    assert _digests(tmp_path / "again") == _digests(registry)
    make_registry.generate(tmp_path / "other", seed=8, formats=["jsonl"])
    assert (tmp_path / "other" / "devices.jsonl").read_bytes() != (registry / "devices.jsonl").read_bytes()


def test_committed_registry_matches_the_generator(registry):
    committed = REPO / "samples" / "registry"
    if not (committed / "devices.jsonl").exists():
        pytest.skip("samples/registry not generated")
    generated = {k: v for k, v in _digests(registry).items()}
    on_disk = {k: v for k, v in _digests(committed).items() if not k.endswith(".md")}
    assert on_disk == generated, "regenerate with: python -m samples.make_registry --out samples/registry"


def test_generated_devices_beyond_the_world_stay_valid(tmp_path):
    """The streaming path used for large benchmark sets (fast JSON/CSV writers, serial allocation)."""
    make_registry.generate(tmp_path, devices=4000, formats=["jsonl", "csv", "udi-xml"])
    lines = (tmp_path / "devices.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 4000 and len({r["number"] for r in rows}) == 4000
    for line, row in zip(lines, rows):
        assert line == json.dumps(row, ensure_ascii=False)
        assert list(row) == DEVICE_KEYS
        assert (REGISTRATION if row["kind"] == "registration" else CLASS1_FILING).match(row["number"]), row
        if row["registrant_uscc"]:
            assert is_valid_uscc(row["registrant_uscc"])
        if row["kind"] == "registration":
            assert row["valid_until"] == five_years_less_a_day(row["approved_on"])
    with open(tmp_path / "devices.csv", encoding="utf-8-sig", newline="") as fh:
        for cells, row in zip(csv.DictReader(fh), rows):
            assert cells["number"] == row["number"] and json.loads(cells["models"]) == row["models"]
            assert cells["issuer"] == row["issuer"] and (cells["valid_until"] or None) == row["valid_until"]


def test_writers_fast_path_writes_what_json_and_csv_write(tmp_path):
    """Rows of a template are written from a %-format made once per template: values with
    %, commas, quotes and line breaks, fixed or drawn, come out as json.dumps and csv write them."""
    from types import SimpleNamespace

    from samples.registry_writers import CsvWriter, JsonlWriter

    fixed = {"kind": "registration", "class": 2, "product_name": '75%酒精, "消毒"棉片', "registrant": "甲\n乙",
             "registrant_uscc": None, "category_code": "14"}
    template = SimpleNamespace(fixed=fixed)
    models = ["50%, 100片", 'A"B']
    rows = [dict.fromkeys(DEVICE_KEYS) | fixed | {"number": f"国械注准2026214{i:04d}", "models": models,
                                                   "approved_on": "2026-01-0%d" % (i + 1), "valid_until": None,
                                                   "status": "active", "issuer": "国家药品监督管理局%s" % ("," * i)}
            for i in range(3)]
    jsonl, table = JsonlWriter(tmp_path / "d.jsonl"), CsvWriter(tmp_path / "d.csv", tuple(DEVICE_KEYS))
    for row in rows:
        jsonl.write(row, template)
        table.write(row, template)
    jsonl.close()
    table.close()
    assert (tmp_path / "d.jsonl").read_text(encoding="utf-8") == "".join(
        json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    expected = tmp_path / "expected.csv"
    with open(expected, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(DEVICE_KEYS)
        for row in rows:
            writer.writerow(["" if row[k] is None else json.dumps(row[k], ensure_ascii=False, separators=(",", ":"))
                             if isinstance(row[k], list) else str(row[k]) for k in DEVICE_KEYS])
    assert (tmp_path / "d.csv").read_bytes() == expected.read_bytes()
