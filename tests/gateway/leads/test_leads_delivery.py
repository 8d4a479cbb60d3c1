"""A lead's answer delivered through the report channels (a signed HTTPS POST to a local
receiver) with its receipt on the lead, and 附件2 of a periodic report counted from leads."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from gateway.audit.models import AuditEntry
from tests.gateway.leads.test_leads_api import MERCHANT, lead_body, move, settings, suspend  # noqa: F401 (fixture)
from tests.gateway.reports.test_report_channels import Receiver
from tests.gateway.reports.test_reports import this_month

NOW = datetime.now(timezone.utc)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def handle(client, auth, lead_id, disposal):
    for step in (dict(to="assigned", reason="分办", reviewer="张三"), dict(to="verifying", reason="核查"),
                 dict(to="disposed", reason="核查完毕", **disposal), dict(to="answered", reason="反馈")):
        response = move(client, auth, lead_id, **step)
        assert response.status_code == 200, response.get_json()


def test_the_answer_goes_by_the_channels_with_a_receipt(client, auth, runtime, receiver):
    merchant = client.post("/v1/merchants", headers=auth, json=MERCHANT).get_json()["id"]
    runtime.dispatcher.wait_idle(60)
    channel = client.post("/v1/report-channels", headers=auth, json={
        "kind": "https", "name": "国家局线索反馈接口", "region": "440000", "report_kinds": ["lead_answer"],
        "config": {"url": receiver.url}}).get_json()
    elsewhere = client.post("/v1/report-channels", headers=auth, json={
        "kind": "https", "name": "上海", "region": "310000", "report_kinds": ["lead_answer"],
        "config": {"url": receiver.url}}).get_json()
    assert channel["signing_secret"] and elsewhere["id"]
    lead = client.post("/v1/leads", headers=auth, json=lead_body(subject={"uscc": MERCHANT["uscc"]})).get_json()
    runtime.dispatcher.wait_idle(60)
    violation = suspend(runtime, merchant)
    handle(client, auth, lead["id"], {"actions": [{"kind": "merchant_suspended"}], "violation_ids": [violation]})
    assert runtime.dispatcher.wait_idle(60)

    lead = client.get(f"/v1/leads/{lead['id']}", headers=auth).get_json()
    answer = lead["answer"]
    assert answer["status"] == "delivered"
    [delivery] = answer["deliveries"]  # Guangdong's channel only
    assert delivery["channel_id"] == channel["id"] and delivery["status"] == "delivered"
    hashes = {fmt: f["sha256"] for fmt, f in answer["files"].items()}
    assert delivery["receipt"]["files"] == hashes
    assert delivery["receipt"]["answer"]["status_code"] == 200
    assert [e["kind"] for e in lead["events"]][-2:] == ["answer_generated", "answer_delivered"]

    # What the bureau received: signed with the channel's secret, carrying the answer's files.
    [(headers, body)] = receiver.requests
    posted = Webhook(channel["signing_secret"]).verify(body, headers)
    assert posted["type"] == "lead_answer" and posted["subject_id"] == lead["id"]
    assert json.dumps(posted, ensure_ascii=False).count(hashes["pdf"]) >= 1

    # The answer names the violation with its type, codes and frozen evidence.
    data = client.get(f"/v1/leads/{lead['id']}/answer?format=json", headers=auth).get_json()
    fields = {f["key"]: f["value"] for s in data["sections"] for f in s["fields"]}
    assert violation in fields["violations"] and "LICENCE_NOT_FOUND" in fields["violations"]
    assert fields["violation_evidence"]
    with runtime.db.session() as session:
        kinds = session.scalars(select(AuditEntry.kind).where(AuditEntry.subject_id == lead["id"])).all()
    assert "lead.answer_delivered" in kinds


def test_form2_of_a_periodic_report_counts_the_leads(client, auth, runtime):
    merchant = client.post("/v1/merchants", headers=auth, json=MERCHANT).get_json()["id"]
    runtime.dispatcher.wait_idle(60)
    received = (NOW - timedelta(minutes=5)).isoformat()
    ids = {}
    for ref, source, region, subject in (("N-1", "nmpa_transfer", "440305", {"uscc": MERCHANT["uscc"]}),
                                         ("N-2", "nmpa_transfer", "440306", {"shop_name": "某店"}),
                                         ("P-1", "provincial_monitoring", "440305", {"shop_name": "某店"}),
                                         ("X-1", "complaint", "440305", {"shop_name": "某店"}),
                                         ("S-1", "other_province", "310101", {"shop_name": "某店"})):
        lead = client.post("/v1/leads", headers=auth, json=lead_body(reference=ref, source=source, region=region,
                                                                     subject=subject, received_at=received))
        ids[ref] = lead.get_json()["id"]
    runtime.dispatcher.wait_idle(60)
    handle(client, auth, ids["N-1"], {"actions": [{"kind": "rectification_ordered"}, {"kind": "referred_police"}],
                                      "key_case": True})
    handle(client, auth, ids["P-1"], {"actions": [{"kind": "no_violation"}]})
    runtime.dispatcher.wait_idle(60)

    report = client.post("/v1/reports", headers=auth, json={"region": "440000", "period": this_month()}).get_json()
    runtime.dispatcher.wait_idle(120)
    data = client.get(f"/v1/reports/{report['id']}/file?format=json", headers=auth).get_json()
    form2 = next(f for f in data["forms"] if f["key"] == "form2")
    rows = {r["key"]: r["values"] for r in form2["rows"]}
    assert rows["nmpa_transfer"]["leads"] == 2 and rows["nmpa_transfer"]["feedback"] == 1
    assert rows["nmpa_transfer"]["ordered_to_rectify"] == 1 and rows["nmpa_transfer"]["referred_police"] == 1
    assert rows["nmpa_transfer"]["key_cases"] == f"1件：{ids['N-1']}"
    assert rows["provincial_monitoring"]["leads"] == 1 and rows["provincial_monitoring"]["feedback"] == 1
    assert rows["provincial_monitoring"]["ordered_to_rectify"] == 0
    assert rows["other_province"]["leads"] == 0  # Shanghai's lead is not Guangdong's
    assert any("投诉举报线索1条" in note["zh"] for note in form2["notes"])
    assert merchant
