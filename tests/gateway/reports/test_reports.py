"""Reports end to end: violations recorded through record_decision (as every rule, sweep and staff
action records them), a report requested through the API or the CLI, generated as a job, its
XLSX opened with openpyxl and its PDF read back with pdfplumber, every number checked against the
violations in the database; the immediate report of a stop-and-report violation; schedules.
"""
from __future__ import annotations

import io
import re
from datetime import datetime

import pdfplumber
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from gateway.decisions.models import Decision
from gateway.decisions.services import record_decision
from gateway.listings.models import Listing
from gateway.merchants.models import Merchant
from gateway.reports.models import Report
from gateway.reports.services import request_report
from gateway.tenancy.models import Platform
from gateway.violations.models import Violation
from tests.gateway.test_errors_and_auth import assert_problem
from verifiers.reports.forms import CASE_COLUMNS, CASE_INDEX
from verifiers.reports.periods import CHINA_TZ, period_containing
from verifiers.reports.routing import region_covers


def this_month() -> str:
    return period_containing("month", datetime.now(CHINA_TZ).date()).key


def _reason(code: str) -> dict:
    return {"code": code, "severity": "block", "message": f"{code} 的说明", "message_en": code}


def add_merchant(session, platform_id, n, region, status="approved") -> Merchant:
    merchant = Merchant(platform_id=platform_id, external_id=f"shop-{n}", name=f"示例医疗器械经营{n}号有限公司",
                        uscc=f"91440300MA5F{n:06d}", region=region, status=status, device_classes=[2, 3],
                        online_sales_filing_number=f"粤深食药监械网备{n:05d}号",
                        profile={"shop_name": f"{n}号旗舰店", "shop_url": f"https://shop.example.cn/{n}",
                                 "address": f"深圳市南山区科技园{n}号"})
    session.add(merchant)
    session.flush()
    return merchant


def block_listing(session, merchant: Merchant, n: int, *codes: str) -> Listing:
    listing = Listing(platform_id=merchant.platform_id, merchant_id=merchant.id, external_id=f"sku-{n}",
                      title=f"一次性使用无菌注射器 {n}", registration_number=f"国械注准2020314{n:04d}",
                      product_name="一次性使用无菌注射器", model="5ml", url=f"https://shop.example.cn/item/{n}",
                      outcome="block")
    session.add(listing)
    session.flush()
    decision = record_decision(session, platform_id=merchant.platform_id, subject_type="listing", subject_id=listing.id,
                               outcome="block", reasons=[_reason(c) for c in codes], registry_version="snap_test",
                               looked_at={}, trigger="created")
    listing.decision_id = decision.id
    return listing


def suspend_merchant(session, merchant: Merchant, *codes: str) -> None:
    merchant.status = "suspended"
    record_decision(session, platform_id=merchant.platform_id, subject_type="merchant", subject_id=merchant.id,
                    outcome="suspended", reasons=[_reason(c) for c in codes], registry_version="snap_test",
                    looked_at={}, trigger="registry_snapshot")


@pytest.fixture
def world(runtime, platform):
    """Sellers in Shenzhen (two), Guangzhou and Shanghai, with violations of both tiers."""
    platform_id = platform[0]
    with runtime.db.session() as session:
        row = session.get(Platform, platform_id)
        row.filing_number = "（粤）网械平台备字[2020]第00001号"
        row.settings = {"uscc": "91440300MA5TEST001", "contact_person": "张合规", "contact_phone": "0755-12345678"}
        sz1, sz2 = add_merchant(session, platform_id, 1, "440305"), add_merchant(session, platform_id, 2, "440306")
        gz, sh = add_merchant(session, platform_id, 3, "440106"), add_merchant(session, platform_id, 4, "310104")
        block_listing(session, sz1, 1, "REGNO_NOT_FOUND")  # stop and report
        block_listing(session, sz1, 2, "BANNED_CLAIM")  # correct, then report
        block_listing(session, sz2, 3, "CLASS_MISMATCH")  # correct, then report
        block_listing(session, gz, 4, "PRODUCT_MISMATCH")  # stop and report
        suspend_merchant(session, gz, "LICENCE_EXPIRED")  # stop and report: service stopped
        block_listing(session, sh, 5, "REGNO_NOT_FOUND")  # outside Guangdong
        # Merchant decisions in the period: the sellers the platform checked.
        for merchant in (sz1, sz2):
            record_decision(session, platform_id=platform_id, subject_type="merchant", subject_id=merchant.id,
                            outcome="approved", reasons=[], registry_version="snap_test", looked_at={},
                            trigger="created")
    runtime.dispatcher.wait_idle(60)  # the immediate reports the stop-and-report violations raised
    return platform_id


def db_violations(runtime, platform_id, region):
    with runtime.db.session() as session:
        rows = session.scalars(select(Violation).where(Violation.platform_id == platform_id)).all()
        return [v for v in rows if region_covers(region, v.region) and v.tier != "none"]


def checked(runtime, platform_id, region):
    """Sellers in ``region`` the platform decided on (监督检查企业数)."""
    with runtime.db.session() as session:
        ids = set(session.scalars(select(Decision.subject_id).where(Decision.platform_id == platform_id,
                                                                    Decision.subject_type == "merchant")))
        return sum(1 for m in session.scalars(select(Merchant).where(Merchant.id.in_(ids)))
                   if region_covers(region, m.region))


def generate(client, auth, runtime, region, period=None):
    response = client.post("/v1/reports", headers=auth, json={"region": region, "period": period or this_month()})
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["status"] == "queued"
    assert response.headers["Location"].endswith(response.get_json()["id"])
    runtime.dispatcher.wait_idle(120)
    report = client.get(f"/v1/reports/{response.get_json()['id']}", headers=auth).get_json()
    assert report["status"] == "generated", report
    return report


def download(client, auth, report, fmt):
    response = client.get(f"/v1/reports/{report['id']}/file?format={fmt}", headers=auth)
    assert response.status_code == 200
    import hashlib
    assert hashlib.sha256(response.data).hexdigest() == report["files"][fmt]["sha256"]
    return response


def test_periodic_report_numbers_match_the_database(client, auth, runtime, world):
    report = generate(client, auth, runtime, "440000")
    assert [b["name_zh"] for b in report["bureaus"]] == ["广东省药品监督管理局"]
    expected = db_violations(runtime, world, "440000")
    assert len(expected) == 5 and report["case_count"] == 5
    rectify = {v.merchant_id for v in expected if any(a["kind"] == "rectification_ordered" for a in v.actions)}
    assert len(rectify) == 2  # the two Shenzhen sellers with correct-then-report violations
    sellers_checked = checked(runtime, world, "440000")
    assert sellers_checked == 3  # two approved, one suspended; the Shanghai seller is outside

    xlsx = download(client, auth, report, "xlsx")
    assert xlsx.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''" in xlsx.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames == ["附件1", "附件2", "案件清单"]
    form1 = book["附件1"]
    assert form1["A3"].value == "单位名称（公章）：测试平台"
    sellers = [form1.cell(6, c).value for c in range(1, 15)]
    # 监督检查企业数, 责令整改企业数, 约谈, 案件数, six penalty columns (the bureau's: blank), 移送公安,
    # 移送网信, 公开曝光.
    assert sellers == ["医疗器械网络销售企业", sellers_checked, len(rectify), 0, len(expected), None, None, None, None, None, None,
                       0, 0, 0]
    assert [form1.cell(7, c).value for c in range(2, 15)] == [None] * 13  # the platform row: the bureau's
    cases = book["案件清单"]
    header = [c.value for c in cases[2]]
    assert header == [c.zh for c in CASE_COLUMNS]
    rows = [[c.value for c in row] for row in cases.iter_rows(min_row=3) if row[0].value is not None]
    assert sorted(r[CASE_INDEX["violation_id"]] for r in rows) == sorted(v.id for v in expected)
    by_id = {v.id: v for v in expected}
    for row in rows:
        violation = by_id[row[CASE_INDEX["violation_id"]]]
        assert row[CASE_INDEX["reason_codes"]] == "；".join(r["code"] for r in violation.reasons)
        assert row[CASE_INDEX["decision_ids"]] == "；".join(violation.decision_ids)
        assert row[CASE_INDEX["uscc"]].startswith("91440300MA5F")
        assert row[CASE_INDEX["chain_hashes"]]  # the evidence's hash, as the audit chain holds it

    pdf = download(client, auth, report, "pdf")
    with pdfplumber.open(io.BytesIO(pdf.data)) as document:
        pages = [(page.extract_text(), page.extract_tables()) for page in document.pages]
    cover = pages[0][0]
    assert f"案件数：{len(expected)}" in cover and report["case_digest"] in cover
    assert "报送机关：广东省药品监督管理局" in cover
    (table,) = pages[1][1]
    assert table[2] == ["医疗器械网络销售企业", str(sellers_checked), str(len(rectify)), "0", str(len(expected)), "", "", "", "", "",
                        "", "0", "0", "0"]
    assert table[3] == ["医疗器械网络交易服务第三方平台"] + [""] * 13  # blank, never 0
    listed = "\n".join(text for text, _ in pages[3:])
    assert all(v.id in listed for v in expected)  # whole ids: a bureau quotes them back

    data = download(client, auth, report, "json").get_json()
    assert len(data["cases"]["rows"]) == len(expected)


def test_a_city_report_counts_only_its_sellers(client, auth, runtime, world):
    report = generate(client, auth, runtime, "440300")
    expected = db_violations(runtime, world, "440300")
    assert report["case_count"] == len(expected) == 3
    assert [b["name_zh"] for b in report["bureaus"]] == ["深圳市市场监督管理局"]
    form1 = load_workbook(io.BytesIO(download(client, auth, report, "xlsx").data))["附件1"]
    assert form1.cell(6, 5).value == 3 and form1.cell(6, 2).value == checked(runtime, world, "440300") == 2


def test_platform_provincial_routing(client, auth, runtime, world):
    with runtime.db.session() as session:
        platform = session.get(Platform, world)
        platform.settings = {**platform.settings, "report_routing": "platform_provincial"}
    report = generate(client, auth, runtime, "440300")
    assert [(b["name_zh"], b["rule"]) for b in report["bureaus"]] == [("广东省药品监督管理局", "platform_provincial")]


def test_stop_and_report_violations_get_an_immediate_report(client, auth, runtime, world):
    with runtime.db.session() as session:
        stop = session.scalars(select(Violation).where(Violation.platform_id == world,
                                                       Violation.tier == "stop_and_report")).all()
        stop_ids = {v.id for v in stop}
        regions = {v.id: v.region for v in stop}
    assert len(stop_ids) == 4  # three listings and one suspended merchant (one of them in Shanghai)
    listed = client.get("/v1/reports?kind=immediate", headers=auth).get_json()
    assert {r["violation_id"] for r in listed} == stop_ids
    assert all(r["status"] == "generated" for r in listed)
    shanghai = next(r for r in listed if regions[r["violation_id"]] == "310104")
    assert [b["name_zh"] for b in shanghai["bureaus"]] == ["上海市药品监督管理局"]
    one = next(r for r in listed if regions[r["violation_id"]] == "440305")
    assert [b["name_zh"] for b in one["bureaus"]] == ["深圳市市场监督管理局"]
    pdf = download(client, auth, one, "pdf")
    with pdfplumber.open(io.BytesIO(pdf.data)) as document:
        text = "\n".join(page.extract_text() for page in document.pages)
    for label in ("平台名称", "平台备案编号", "统一社会信用代码", "店铺链接", "标称注册证/备案编号", "违法违规类型", "已采取的措施",
                  "整改情况"):
        assert label in text
    assert one["violation_id"] in text and "（粤）网械平台备字[2020]第00001号" in text and "张合规" in text
    sheet = load_workbook(io.BytesIO(download(client, auth, one, "xlsx").data)).active
    values = {row[1].value: row[2].value for row in sheet.iter_rows(min_row=3)}
    assert values["案件编号"] == one["violation_id"] and values["违法违规类型"] == "销售未经注册或者备案的医疗器械"
    assert values["整改期限"] is None  # nothing to put there: blank, not a made-up value
    body = download(client, auth, one, "json").get_json()
    assert body["violation_id"] == one["violation_id"]


def test_file_before_generation_is_409_and_other_platforms_see_404(client, auth, other_auth, runtime, world):
    with runtime.db.session() as session:
        report, _ = request_report(session, world, "440000", this_month())  # queued, its task not run
        report_id = report.id
    body = assert_problem(client.get(f"/v1/reports/{report_id}/file?format=pdf", headers=auth), 409)
    assert body["report_status"] == "queued"
    assert_problem(client.get(f"/v1/reports/{report_id}", headers=other_auth), 404)
    assert_problem(client.get(f"/v1/reports/{report_id}/file", headers=other_auth), 404)
    assert_problem(client.get(f"/v1/reports/{report_id}/file?format=doc", headers=auth), 422)


@pytest.mark.parametrize("body, field", [({"region": "4403", "period": "2026-11"}, "region"),
                                         ({"region": "990000", "period": "2026-11"}, "region"),
                                         ({"region": "440300", "period": "2026-13"}, "period"),
                                         ({"region": "440300"}, "period")])
def test_bad_requests_name_the_field(client, auth, body, field):
    problem = assert_problem(client.post("/v1/reports", headers=auth, json=body), 422)
    assert field in problem["errors"]["json"]


def test_list_pages_and_filters(client, auth, runtime, world):
    generate(client, auth, runtime, "440300")
    response = client.get("/v1/reports?kind=periodic&page_size=1", headers=auth)
    assert response.status_code == 200 and len(response.get_json()) == 1
    assert '"total": 1' in response.headers["X-Pagination"]
    assert client.get("/v1/reports?region=440100&kind=periodic", headers=auth).get_json() == []


def test_cli_generates_and_writes_the_files(runner, runtime, world, tmp_path):
    import json
    result = runner.invoke(["reports", "generate", "--region", "440300", "--period", this_month(), "--out",
                            str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["status"] == "generated" and summary["case_count"] == 3
    for fmt in ("xlsx", "pdf", "json"):
        path = summary["paths"][fmt]
        assert path.endswith(f".{fmt}") and (tmp_path / "out").as_posix() in path
        import hashlib
        assert hashlib.sha256(open(path, "rb").read()).hexdigest() == summary["files"][fmt]["sha256"]
    with runtime.db.session() as session:
        assert session.get(Report, summary["id"]).requested_by == "cli"
    bad = runner.invoke(["reports", "generate", "--region", "44", "--period", this_month()])
    assert bad.exit_code == 2 and "6" in bad.output


def test_schedules_request_each_period_once(client, auth, runner, runtime, world):
    import json
    set_ = client.put("/v1/report-schedules/440300", headers=auth, json={})
    assert set_.status_code == 200 and set_.get_json()["cadence"] == "monthly"
    first = json.loads(runner.invoke(["reports", "run-schedule", "--date", "2026-12-03", "--json"]).output)
    assert [(r["region"], r["period"], r["status"]) for r in first["reports"]] == [("440300", "2026-11", "generated")]
    again = json.loads(runner.invoke(["reports", "run-schedule", "--date", "2026-12-20", "--json"]).output)
    assert again["reports"] == []  # the same month's run again: nothing twice
    later = json.loads(runner.invoke(["reports", "run-schedule", "--date", "2027-02-05", "--json"]).output)
    assert [r["period"] for r in later["reports"]] == ["2026-12", "2027-01"]  # a missed month is caught up
    listed = client.get("/v1/report-schedules", headers=auth).get_json()
    assert listed[0]["last_period"] == "2027-01"
    quarterly = client.put("/v1/report-schedules/440300", headers=auth, json={"cadence": "quarterly"}).get_json()
    assert quarterly["cadence"] == "quarterly" and quarterly["last_period"] is None
    assert client.delete("/v1/report-schedules/440300", headers=auth).status_code == 204
    assert_problem(client.delete("/v1/report-schedules/440300", headers=auth), 404)
    assert_problem(client.put("/v1/report-schedules/4403", headers=auth, json={}), 422)


def test_report_numbers_use_beijing_time_boundaries(runtime, world):
    """The period is counted in Beijing time: check the query's bounds, not a stored naive time."""
    with runtime.db.session() as session:
        month = period_containing("month", datetime.now(CHINA_TZ).date())
        assert re.fullmatch(r"\d{4}-\d{2}", month.key)
        assert month.start_at.utcoffset().total_seconds() == 8 * 3600


def test_the_same_idempotency_key_requests_one_report(client, auth, runtime, world):
    headers = dict(auth, **{"Idempotency-Key": "report-1"})
    first = client.post("/v1/reports", headers=headers, json={"region": "440300", "period": this_month()})
    again = client.post("/v1/reports", headers=headers, json={"region": "440300", "period": this_month()})
    assert first.status_code == again.status_code == 202
    assert first.get_json()["id"] == again.get_json()["id"]
    runtime.dispatcher.wait_idle(120)
    assert len(client.get("/v1/reports?kind=periodic", headers=auth).get_json()) == 1


def test_the_daily_scheduler_task_requests_the_due_reports(client, auth, runtime, world):
    """What the worker's scheduler (or the monitoring sweep) enqueues: ``report.scheduled``."""
    from gateway.jobs.names import TaskName
    from gateway.jobs.outbox import dispatch_after_commit, enqueue

    client.put("/v1/report-schedules/440000", headers=auth, json={"cadence": "quarterly"})
    with runtime.db.session() as session:
        task = enqueue(session, TaskName.REPORTS_SCHEDULED, {"date": "2027-01-02"})
    dispatch_after_commit(runtime.dispatcher, [task])
    runtime.dispatcher.wait_idle(120)
    reports = client.get("/v1/reports?kind=periodic", headers=auth).get_json()
    assert [(r["region"], r["period"], r["status"], r["requested_by"]) for r in reports] == [
        ("440000", "2026-Q4", "generated", "schedule")]


def test_leads_fill_attachment_2_through_the_signal(client, auth, runtime, world):
    """The leads area answers ``collect_leads``; 附件2's rows count what it returns."""
    from gateway.reports.signals import collect_leads
    from verifiers.reports.model import ActionFacts, LeadFacts

    now = datetime.now(CHINA_TZ)
    with runtime.db.session() as session:
        violation_id = session.scalars(select(Violation.id).where(  # the one with no rectification ordered
            Violation.platform_id == world, Violation.region == "440305", Violation.tier == "stop_and_report")).one()

    def leads(platform_id, session, period):
        assert platform_id == world and period.key == this_month()
        return [LeadFacts(id="L-1", source="nmpa_transfer", received_at=now, state="answered", answered=True,
                          region="440305", violation_ids=(violation_id,), key_case=True,
                          actions=(ActionFacts("rectification_ordered", now),)),
                LeadFacts(id="L-2", source="provincial_monitoring", received_at=now, state="verifying",
                          answered=False, region="440106"),
                LeadFacts(id="L-3", source="nmpa_transfer", received_at=now, state="received", answered=False,
                          region="310104")]  # Shanghai: outside the report's region

    collect_leads.connect(leads)
    try:
        report = generate(client, auth, runtime, "440000")
    finally:
        collect_leads.disconnect(leads)
    form2 = load_workbook(io.BytesIO(download(client, auth, report, "xlsx").data))["附件2"]
    rows = {form2.cell(r, 1).value: [form2.cell(r, c).value for c in range(2, 15)] for r in (6, 7, 8)}
    assert rows["国家药监局移送线索"][:4] == [1, 1, 0, 1] and rows["国家药监局移送线索"][-1] == "1件：L-1"
    assert rows["省局网络监测线索"][:4] == [1, 0, 0, 0]
    assert rows["外省移送线索"][:4] == [0, 0, 0, 0]
    assert rows["国家药监局移送线索"][4:10] == [None] * 6  # penalties: the bureau's


def test_other_subjects_travel_by_the_same_channels(client, auth, runtime, world):
    """The leads area's answers: stored files, queued by queue_parcel, announced by ``delivered``."""
    import hashlib

    from gateway.jobs.outbox import dispatch_after_commit
    from gateway.reports import delivery
    from gateway.reports.models import ReportChannel

    with runtime.db.session() as session:
        from gateway.webhooks.signing import new_secret, seal
        channel = ReportChannel(platform_id=world, kind="https", name="answers", report_kinds=["lead_answer"],
                                formats=["pdf"], config={"url": "http://127.0.0.1:9/none"}, enabled=True,
                                secret_encrypted=seal(new_secret(), runtime.settings.secret_key))
        session.add(channel)
    data = "线索反馈".encode()
    runtime.storage.put("answers/L-1.pdf", data, "application/pdf")
    seen = []

    def on_delivered(subject_type, session, delivery):
        seen.append((subject_type, delivery.subject_id))
        return []

    delivery.delivered.connect(on_delivered)
    try:
        with runtime.db.session() as session:
            [picked] = delivery.channels_for(session, world, "440305", "lead_answer")
            assert delivery.channels_for(session, world, "440305", "periodic") == []
            files = {"pdf": delivery.stored_file("answers/L-1.pdf", data, "application/pdf", "反馈.pdf")}
            record, tasks = delivery.queue_parcel(session, picked, subject_type="lead_answer", subject_id="L-1",
                                                  title="线索反馈 L-1", files=files)
            record_id = record.id
        # The channel points at a closed port (and private addresses are refused by default): the
        # attempt fails and is logged; the test then records a success the way the task would.
        dispatch_after_commit(runtime.dispatcher, tasks)
        runtime.dispatcher.wait_idle(60)
        with runtime.db.session() as session:
            row = session.get(delivery.ReportDelivery, record_id)
            assert row.status == "pending" and row.attempt_log[0]["error"] == "forbidden_address"
            outgoing = delivery.prepare(session, record_id, runtime.settings.secret_key, runtime.outbound)
        parcel = delivery.load_parcel(runtime.storage, outgoing)
        assert parcel.files[0].sha256 == hashlib.sha256(data).hexdigest()
        from gateway.reports.channels import Answer
        with runtime.db.session() as session:
            retry, _ = delivery.record_attempt(session, outgoing, Answer(True, {"status_code": 200}), 5.0)
        assert retry is None and seen == [("lead_answer", "L-1")]
        with runtime.db.session() as session:
            row = session.get(delivery.ReportDelivery, record_id)
            assert row.status == "delivered" and row.receipt["files"] == {"pdf": hashlib.sha256(data).hexdigest()}
    finally:
        delivery.delivered.disconnect(on_delivered)


def test_the_daily_monitoring_sweep_requests_the_due_reports(client, auth, runtime, world):
    """The worker's daily tick (rq's CronScheduler starts the monitoring sweep) also enqueues
    ``report.scheduled`` for the same day."""
    from datetime import date

    from gateway.monitoring import sweep

    client.put("/v1/report-schedules/440300", headers=auth, json={})
    sweep.start(runtime, date(2026, 12, 3), "schedule")
    runtime.dispatcher.wait_idle(180)
    reports = client.get("/v1/reports?kind=periodic", headers=auth).get_json()
    assert [(r["region"], r["period"], r["status"], r["requested_by"]) for r in reports] == [
        ("440300", "2026-11", "generated", "schedule")]


def test_a_case_cites_its_earliest_evidence_record(client, runtime, world):
    """A violation with several evidence records (evidence added later, say) cites the one frozen
    first, whether the reads go case by case or as the period's one joined query (``client``: the
    app connects the areas that record violations)."""
    from datetime import timedelta

    from gateway.reports import facts
    from gateway.violations.models import Evidence
    from verifiers.reports.periods import parse_period

    with runtime.db.session() as session:
        violation = session.scalars(select(Violation).where(Violation.platform_id == world,
                                                            Violation.listing_id.is_not(None))).first()
        first = session.scalars(select(Evidence).where(Evidence.violation_id == violation.id)).one()
        for minutes, mark in ((5, "later"), (-5, "earlier")):
            session.add(Evidence(violation_id=violation.id, platform_id=world,
                                 captured_at=first.captured_at + timedelta(minutes=minutes),
                                 listing={**(first.listing or {}), "url": f"https://example.cn/{mark}"},
                                 merchant=first.merchant, documents=[{"id": "doc_x", "sha256": mark * 8}],
                                 registry_records=first.registry_records, decisions=[],
                                 retain_until=first.retain_until, sha256=f"{mark}-chain"))
        session.flush()
        [single] = facts.violations_facts(session, [violation])
        period = parse_period(this_month())
        [in_period] = [v for v in facts.period_violations(session, world, "440000", period) if v.id == violation.id]
        others = [v for v in facts.period_violations(session, world, "440000", period) if v.id != violation.id]
    for case in (single, in_period):
        assert case.evidence.chain_hashes == ("earlier-chain",)
        assert case.evidence.document_sha256s == ("earlier" * 8,)
        assert case.evidence.listing_url == "https://example.cn/earlier"
    assert len(others) == len({v.id for v in others}) == len(db_violations(runtime, world, "440000")) - 1


def test_a_case_without_evidence_prints_the_listing_as_it_is(client, runtime, world):
    """Evidence is frozen with every violation; should a record be missing, the case still prints
    its listing (read from the listing row) and no evidence hashes, on both read paths."""
    from sqlalchemy import text

    from gateway.reports import facts
    from verifiers.reports.periods import parse_period

    with runtime.db.session() as session:
        violation = session.scalars(select(Violation).where(Violation.platform_id == world,
                                                            Violation.listing_id.is_not(None))).first()
        listing = session.get(Listing, violation.listing_id)
        # In SQL, past the append-only guards (the ORM's; PostgreSQL's trigger), as the audit tests do.
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET LOCAL session_replication_role = replica"))
        session.execute(text("DELETE FROM evidence WHERE violation_id = :v"), {"v": violation.id})
        [single] = facts.violations_facts(session, [violation])
        [in_period] = [v for v in facts.period_violations(session, world, "440000", parse_period(this_month()))
                       if v.id == violation.id]
    for case in (single, in_period):
        assert case.evidence.chain_hashes == () and case.evidence.document_sha256s == ()
        assert case.evidence.listing_url == listing.url and case.evidence.snapshot_id is None
        assert (case.product.name, case.product.model, case.product.registration_number,
                case.product.listing_external_id) == (listing.product_name, listing.model,
                                                       listing.registration_number, listing.external_id)
