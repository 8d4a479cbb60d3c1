"""`qingwang leads import` on a bureau's spreadsheet (XLSX and a GBK CSV) with bad rows, then
`qingwang leads sweep-overdue`, and the imported leads carried through the API."""
import csv
import json
from datetime import datetime, timedelta, timezone

from openpyxl import Workbook

from tests.gateway.leads.test_leads_api import MERCHANT, move, receiver, settings  # noqa: F401 (fixtures)
from tests.gateway.webhooks.test_webhooks import set_hook

TODAY = datetime.now(timezone.utc).astimezone(timezone(timedelta(hours=8))).date()
HEADER = ["序号", "线索编号", "线索来源", "地区代码", "移送日期", "办理期限", "店铺名称", "统一社会信用代码", "商品链接",
          "注册证编号", "问题描述", "重点案件", "备注"]


def rows():
    fresh, old = TODAY - timedelta(days=2), TODAY - timedelta(days=40)
    return [
        # row 3: good, matched by the credit code
        [1, "YD-001", "省局网络监测", "440305", fresh, TODAY + timedelta(days=10), "示例医疗旗舰店", MERCHANT["uscc"],
         "https://item.example.com/p/1", "国械注准20203140456", "注册证信息与数据库不一致", "是", ""],
        # row 4: good, received long ago with no deadline: overdue under the platform default
        [2, "YD-002", "国家药监局移送", 440305, old.strftime("%Y年%m月%d日"), None, "某某器械店", None, None, None,
         "未展示医疗器械经营许可证", "", ""],
        # row 5: an unreadable date
        [3, "YD-003", "省局网络监测", "440305", "下周一", None, "某店", None, None, None, "描述", "", ""],
        # row 6: no description and no subject
        [4, "YD-004", "外省移送", "440305", fresh, None, None, None, None, None, None, "", ""],
        # row 7: an unknown source and a bad region
        [5, "YD-005", "报纸", "4403", fresh, None, "某店", None, None, None, "描述", "", ""],
        # row 8: the same 线索编号 as row 3
        [6, "YD-001", "省局网络监测", "440305", fresh, None, "某店", None, None, None, "重复", "", ""],
    ]


def write_xlsx(path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["广东省药品监督管理局网络监测线索移交表"])  # a title line above the header
    sheet.append(HEADER)
    for row in rows():
        sheet.append(row)
    workbook.save(path)
    return path


def test_import_xlsx_reports_bad_rows_and_the_loop_continues(client, auth, platform, runtime, runner, tmp_path,
                                                             receiver):
    secret = set_hook(client, auth, receiver.url)["secret"]
    assert client.post("/v1/merchants", headers=auth, json=MERCHANT).status_code == 202
    result = runner.invoke(["leads", "import", str(write_xlsx(tmp_path / "线索.xlsx")), "--platform", platform[0],
                            "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["imported"] == 2 and summary["rejected"] == 4
    assert [lead["row"] for lead in summary["leads"]] == [3, 4]
    errors = {e["row"]: e for e in summary["errors"]}
    assert sorted(errors) == [5, 6, 7, 8]
    assert "不是日期" in errors[5]["message"] and "received_at" in errors[5]["message_en"]
    assert "缺少线索内容" in errors[6]["message"] and "no subject" in errors[6]["message_en"]
    assert "报纸" in errors[7]["message"] and "region" in errors[7]["message_en"]
    assert "已登记" in errors[8]["message"]
    assert "第5行" in result.stderr and "row 8" in result.stderr
    assert summary["columns"]["description"] == "问题描述"

    leads = {lead["reference"]: lead for lead in client.get("/v1/leads", headers=auth).get_json()}
    assert set(leads) == {"YD-001", "YD-002"}
    first = client.get(f"/v1/leads/{leads['YD-001']['id']}", headers=auth).get_json()
    assert first["source"] == "provincial_monitoring" and first["due_source"] == "bureau" and first["key_case"]
    assert first["match_status"] == "matched" and first["origin"] == "import:线索.xlsx"
    assert first["subject"]["registration_number"] == "国械注准20203140456"
    second = leads["YD-002"]
    assert second["source"] == "nmpa_transfer" and second["due_source"] == "platform_default"
    assert second["overdue"] is True and second["match_status"] == "unmatched"

    # The overdue one was flagged when imported; the CLI sweep finds nothing more.
    sweep = runner.invoke(["leads", "sweep-overdue", "--json"])
    assert sweep.exit_code == 0, sweep.output
    assert json.loads(sweep.stdout) == {"overdue": []}
    overdue = [e["data"]["reference"] for e in receiver.events(secret) if e["type"] == "lead.overdue"]
    assert overdue == ["YD-002"]
    received = sorted(e["data"]["reference"] for e in receiver.events(secret) if e["type"] == "lead.received")
    assert received == ["YD-001", "YD-002"]

    # Imported leads go round the loop like any other.
    for step in (dict(to="assigned", reason="分办", reviewer="张三"), dict(to="verifying", reason="核查"),
                 dict(to="disposed", reason="未发现问题", actions=[{"kind": "no_violation"}]),
                 dict(to="answered", reason="反馈")):
        assert move(client, auth, second["id"], **step).status_code == 200
    assert runtime.dispatcher.wait_idle(60)
    done = client.get(f"/v1/leads/{second['id']}", headers=auth).get_json()
    assert done["overdue"] is False and done["answer"]["in_time"] is False  # answered, but late

    again = runner.invoke(["leads", "import", str(tmp_path / "线索.xlsx"), "--platform", platform[0], "--strict"])
    assert again.exit_code == 3 and "已导入线索 0 条" in again.stdout


def test_import_gbk_csv_with_defaults(client, auth, platform, runtime, runner, tmp_path):
    path = tmp_path / "leads.csv"
    with open(path, "w", encoding="gb18030", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["线索编号", "移送日期", "网店名称", "线索内容"])
        writer.writerow(["WS-1", "2026/11/30", "外省某店", "外省移送：疑似销售未注册产品"])
        writer.writerow(["WS-2", "20261201", "外省另一店", "外省移送：无证经营"])
    result = runner.invoke(["leads", "import", str(path), "--platform", platform[0], "--source", "other_province",
                            "--region", "420100", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["imported"] == 2 and summary["errors"] == []
    listed = client.get("/v1/leads?source=other_province&region=420000", headers=auth).get_json()
    assert sorted(lead["reference"] for lead in listed) == ["WS-1", "WS-2"]
    ws1 = next(lead for lead in listed if lead["reference"] == "WS-1")
    assert ws1["received_at"].startswith("2026-11-29T16:00:00")  # midnight, Beijing time


def test_import_refuses_what_is_not_a_lead_sheet(platform, runner, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    result = runner.invoke(["leads", "import", str(other), "--platform", platform[0]])
    assert result.exit_code == 1 and "未找到表头" in result.output
    text = tmp_path / "leads.pdf"
    text.write_bytes(b"%PDF-1.4")
    result = runner.invoke(["leads", "import", str(text), "--platform", platform[0]])
    assert result.exit_code == 1 and "xlsx" in result.output
    result = runner.invoke(["leads", "import", str(other), "--platform", "plt_missing"])
    assert result.exit_code == 2 and "plt_missing" in result.output


def test_the_sample_sheet_imports_with_its_one_bad_row(platform, runner):
    from tests.conftest import SAMPLES

    result = runner.invoke(["leads", "import", str(SAMPLES / "leads" / "provincial_leads.csv"), "--platform",
                            platform[0], "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert [lead["reference"] for lead in summary["leads"]] == ["YJ-2026-1101", "YJ-2026-1102", "YJ-2026-1103"]
    assert [(e["row"], "11月下旬" in e["message"]) for e in summary["errors"]] == [(6, True)]


def test_a_single_platform_installation_needs_no_platform_option(platform, runtime, runner):
    """Design 5a writes the command as `qingwang leads import FILE`: with one platform that is enough."""
    from tests.conftest import SAMPLES, _new_platform

    sheet = str(SAMPLES / "leads" / "provincial_leads.csv")
    result = runner.invoke(["leads", "import", sheet, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["imported"] == 3
    with runtime.db.session() as s:
        from gateway.leads.models import Lead
        assert {lead.platform_id for lead in s.query(Lead)} == {platform[0]}
    # With a second platform the file could be either's: refused, naming the option.
    _new_platform(runtime, name="另一平台")
    result = runner.invoke(["leads", "import", sheet])
    assert result.exit_code == 2 and "--platform" in result.output
