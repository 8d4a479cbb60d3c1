"""Leads through the API: intake, matching, the closed loop to the answer, an overdue lead,
the webhooks, filters and the 附件2 counts, on both databases with a real webhook receiver."""
import io
import json
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from sqlalchemy import select

from gateway.audit.models import AuditEntry
from gateway.audit.services import verify_chain
from gateway.decisions.services import record_decision
from gateway.leads.services import lead_facts
from gateway.merchants.models import Merchant
from gateway.violations.models import Violation
from tests.conftest import make_settings
from tests.gateway.test_errors_and_auth import assert_problem
from tests.gateway.webhooks.test_webhooks import Receiver, set_hook
from verifiers.reports.forms import build_form2
from verifiers.reports.model import PlatformFacts

MERCHANT = {"external_id": "shop-1", "name": "深圳示例医疗器械有限公司", "uscc": "9144030071526726XG",
            "shop_name": "示例医疗旗舰店", "shop_url": "https://shop.example.com/s/1001"}
OTHER = {"external_id": "shop-2", "name": "广州另一器械贸易有限公司", "uscc": "91440101MA59XXXX0X",
         "shop_name": "另一器械专营店"}
LISTING = {"external_id": "sku-77", "title": "一次性使用无菌注射器 5ml", "registration_number": "国械注准20203140456",
           "product_name": "一次性使用无菌注射器", "manufacturer": "示例医疗器械制造有限公司", "model": "5ml"}
NOW = datetime.now(timezone.utc)


@pytest.fixture
def settings(database_url, tmp_path):
    return make_settings(database_url, tmp_path, webhook_allow_private_networks=True)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def catalogue(client, auth, runtime):
    """Two merchants and a listing of the first."""
    ids = {}
    for key, body in (("merchant", MERCHANT), ("other", OTHER)):
        response = client.post("/v1/merchants", headers=auth, json=body)
        assert response.status_code == 202, response.get_json()
        ids[key] = response.get_json()["id"]
    response = client.post("/v1/listings", headers=auth, json={**LISTING, "merchant_id": ids["merchant"]})
    assert response.status_code == 200, response.get_json()
    ids["listing"] = response.get_json()["id"]
    assert runtime.dispatcher.wait_idle(60)
    return ids


def lead_body(**overrides):
    body = {"source": "nmpa_transfer", "region": "440305", "reference": "GJ-2026-0012",
            "received_at": (NOW - timedelta(days=1)).isoformat(), "due_at": (NOW + timedelta(days=10)).isoformat(),
            "subject": {"shop_name": "示例医疗 旗舰店", "listing_external_id": "sku-77"},
            "description": "网络监测发现该店铺销售的注射器注册证信息与国家局数据库不一致"}
    body.update(overrides)
    return body


def create(client, auth, runtime, **overrides):
    response = client.post("/v1/leads", headers=auth, json=lead_body(**overrides))
    assert response.status_code == 201, response.get_json()
    assert runtime.dispatcher.wait_idle(60)
    return client.get(response.headers["Location"], headers=auth).get_json()


def move(client, auth, lead_id, **body):
    return client.post(f"/v1/leads/{lead_id}/transitions", headers=auth, json=body)


def test_the_whole_loop_to_the_answer(client, auth, runtime, catalogue, receiver):
    secret = set_hook(client, auth, receiver.url)["secret"]
    lead = create(client, auth, runtime)
    assert lead["state"] == "received" and lead["due_source"] == "bureau" and lead["overdue"] is False
    # Matched on the listing id and the shop name (spaced differently): certain, and shown with why.
    assert lead["match_status"] == "matched" and lead["merchant_id"] == catalogue["merchant"]
    best = lead["matches"][0]
    assert best["kind"] == "listing" and best["listing_id"] == catalogue["listing"]
    assert best["listing_external_id"] == "sku-77" and best["merchant_name"] == MERCHANT["name"]
    assert {e["field"] for e in best["evidence"]} >= {"listing_external_id", "shop_name"}
    assert best["confidence"] >= 0.99
    assert all(m["merchant_id"] != catalogue["other"] for m in lead["matches"])

    violation_id = suspend(runtime, catalogue["merchant"])
    steps = [dict(to="assigned", reason="分办至合规部", reviewer="张三"),
             dict(to="verifying", reason="开始核查", by="张三"),
             dict(to="disposed", reason="核查属实：注册证信息不一致", by="张三",
                  actions=[{"kind": "listing_removed"},
                           {"kind": "rectification_ordered", "deadline": (NOW + timedelta(days=7)).isoformat(),
                            "note": "限期更正商品信息"}],
                  violation_ids=[violation_id], key_case=True),
             dict(to="answered", reason="向国家局反馈", by="李四")]
    for step in steps:
        response = move(client, auth, lead["id"], **step)
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["state"] == step["to"]
    assert runtime.dispatcher.wait_idle(60)
    lead = client.get(f"/v1/leads/{lead['id']}", headers=auth).get_json()
    assert lead["reviewer"] == "张三" and lead["key_case"] is True and lead["violation_ids"] == [violation_id]
    assert [a["kind"] for a in lead["disposal"]["actions"]] == ["listing_removed", "rectification_ordered"]
    assert [e["to_state"] for e in lead["events"] if e["kind"] == "transition"] == [
        "received", "assigned", "verifying", "disposed", "answered"]
    assert lead["answer"]["status"] == "generated" and lead["answer"]["in_time"] is True
    assert set(lead["answer"]["files"]) == {"json", "xlsx", "pdf"}

    answer = client.get(f"/v1/leads/{lead['id']}/answer?format=json", headers=auth)
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    data = answer.get_json()
    assert data["reference"] == "GJ-2026-0012" and data["in_time"] is True
    assert [a["kind"] for a in data["actions"]] == ["listing_removed", "rectification_ordered"]
    assert data["matches"][0]["uscc"] == MERCHANT["uscc"]
    assert [s["to"] for s in data["steps"] if s["kind"] == "transition"][-1] == "answered"
    fields = {f["key"]: f["value"] for s in data["sections"] for f in s["fields"]}
    assert fields["source"] == "国家药监局移送线索" and "商品下架" in fields["actions"]
    assert violation_id in fields["violations"] and "张三" in fields["steps"]

    xlsx = client.get(f"/v1/leads/{lead['id']}/answer?format=xlsx", headers=auth)
    values = [c.value for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows() for c in row]
    assert "线索核查处置情况反馈" in values and "GJ-2026-0012" in values
    pdf = client.get(f"/v1/leads/{lead['id']}/answer?format=pdf", headers=auth)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"

    assert move(client, auth, lead["id"], to="closed", reason="办结").get_json()["state"] == "closed"
    assert runtime.dispatcher.wait_idle(60)
    received = [e for e in receiver.events(secret) if e["type"] == "lead.received"]
    assert len(received) == 1 and received[0]["data"]["lead_id"] == lead["id"]
    assert "shop_name" not in json.dumps(received[0]["data"])  # ids and states, no names

    # The lead counts on 附件2 under its source: received, fed back, ordered to rectify, a key case.
    with runtime.db.session() as session:
        facts = lead_facts(session, lead_platform(runtime, lead["id"]))
    form = build_form2(PlatformFacts("测试平台", "", "", "440000", ""), facts, [], NOW.date())
    assert form.value("nmpa_transfer", "leads") == 1 and form.value("nmpa_transfer", "feedback") == 1
    assert form.value("nmpa_transfer", "ordered_to_rectify") == 1
    assert form.value("nmpa_transfer", "key_cases") == f"1件：{lead['id']}"
    assert form.value("provincial_monitoring", "leads") == 0

    # Every step is in the audit chain, and the chain is intact.
    with runtime.db.session() as session:
        kinds = session.scalars(select(AuditEntry.kind).where(AuditEntry.subject_id == lead["id"])
                                .order_by(AuditEntry.sequence)).all()
        assert verify_chain(session).intact
    assert kinds.count("lead.transition") == 6 and "lead.matched" in kinds and "lead.answer_generated" in kinds


def suspend(runtime, merchant_id):
    """What a verification that finds no licence does: suspend the seller (a violation follows)."""
    with runtime.db.session() as session:
        merchant = session.get(Merchant, merchant_id)
        record_decision(session, platform_id=merchant.platform_id, subject_type="merchant", subject_id=merchant.id,
                        outcome="suspended", reasons=[{"code": "LICENCE_NOT_FOUND", "severity": "block",
                                                       "message": "未查到医疗器械经营许可证",
                                                       "message_en": "no device business licence on record"}],
                        registry_version=None, looked_at={}, trigger="lead_verification",
                        decided_by="staff:zhangsan@example.com")
    with runtime.db.session() as session:
        return session.scalars(select(Violation.id).where(Violation.merchant_id == merchant_id)).one()


def lead_platform(runtime, lead_id):
    from gateway.leads.models import Lead

    with runtime.db.session() as session:
        return session.get(Lead, lead_id).platform_id


def test_illegal_transitions_answer_409(client, auth, runtime, catalogue):
    lead = create(client, auth, runtime)
    body = assert_problem(move(client, auth, lead["id"], to="disposed", reason="跳过核查",
                               actions=[{"kind": "no_violation"}]), 409)
    assert body["state"] == "received" and body["to"] == "disposed" and body["allowed"] == ["assigned"]
    assert body["type"].endswith("lead-transition-not-allowed")
    assert_problem(move(client, auth, lead["id"], to="assigned", reason="未指定"), 422)  # no reviewer
    assert move(client, auth, lead["id"], to="assigned", reason="分办", reviewer="王五").status_code == 200
    assert move(client, auth, lead["id"], to="verifying", reason="核查").status_code == 200
    body = assert_problem(move(client, auth, lead["id"], to="disposed", reason="x",
                               actions=[{"kind": "no_violation"}, {"kind": "listing_removed"}]), 422)
    assert "actions" in body["errors"]["json"]
    assert_problem(move(client, auth, lead["id"], to="disposed", reason="x"), 422)  # no actions
    body = assert_problem(move(client, auth, lead["id"], to="disposed", reason="x", actions=[
        {"kind": "listing_removed"}], violation_ids=["vio_nowhere"]), 422)
    assert "violation_ids" in body["errors"]["json"]
    assert move(client, auth, lead["id"], to="assigned", reason="转交", reviewer="赵六").get_json()["reviewer"] == "赵六"
    assert_problem(move(client, auth, lead["id"], to="received", reason="退回"), 409)
    assert_problem(move(client, auth, lead["id"], to="sideways", reason="x"), 422)


def test_overdue_lead_is_flagged_once_and_filtered(client, auth, runtime, catalogue, receiver):
    secret = set_hook(client, auth, receiver.url)["secret"]
    late = create(client, auth, runtime, reference="SJ-1", source="provincial_monitoring",
                  received_at=(NOW - timedelta(days=20)).isoformat(), due_at=None)
    assert late["due_source"] == "platform_default"  # received + 15 days: five days ago
    assert datetime.fromisoformat(late["due_at"]) < NOW and late["overdue"] is True
    on_time = create(client, auth, runtime, reference="SJ-2", region="440106")
    assert [e["kind"] for e in late["events"]].count("overdue") == 1
    # The sweep again (as the CLI runs it): nothing new.
    result = runner_sweep(runtime)
    assert result == []
    overdue = client.get("/v1/leads?overdue=true", headers=auth).get_json()
    assert [lead["id"] for lead in overdue] == [late["id"]]
    assert [lead["id"] for lead in client.get("/v1/leads?overdue=false", headers=auth).get_json()] == [on_time["id"]]
    assert [lead["id"] for lead in client.get("/v1/leads?source=provincial_monitoring", headers=auth).get_json()] \
        == [late["id"]]
    assert {lead["id"] for lead in client.get("/v1/leads?region=440000", headers=auth).get_json()} == \
        {late["id"], on_time["id"]}
    assert [lead["id"] for lead in client.get("/v1/leads?region=440100", headers=auth).get_json()] == [on_time["id"]]
    assert client.get("/v1/leads?state=closed", headers=auth).get_json() == []
    response = client.get("/v1/leads?page_size=1", headers=auth)
    assert json.loads(response.headers["X-Pagination"])["total"] == 2
    events = [e for e in receiver.events(secret) if e["type"] == "lead.overdue"]
    assert [e["data"]["lead_id"] for e in events] == [late["id"]]


def runner_sweep(runtime):
    from gateway.leads.services import flag_overdue

    with runtime.db.session() as session:
        return flag_overdue(session)[0]


def test_unmatched_and_candidate_leads_stay_visible(client, auth, runtime, catalogue):
    nothing = create(client, auth, runtime, reference="N-1", subject={"shop_name": "完全无关的店铺名称"})
    assert nothing["match_status"] == "unmatched" and nothing["matches"] == [] and nothing["merchant_id"] is None
    by_number = create(client, auth, runtime, reference="N-2", subject={"registration_number": "国械注准 20203140456号"})
    assert by_number["match_status"] == "candidates" and by_number["merchant_id"] is None
    assert by_number["matches"][0]["listing_id"] == catalogue["listing"]
    assert 0.5 < by_number["matches"][0]["confidence"] < 0.9
    by_code = create(client, auth, runtime, reference="N-3", subject={"uscc": OTHER["uscc"].lower()})
    assert by_code["match_status"] == "matched" and by_code["merchant_id"] == catalogue["other"]
    listed = client.get("/v1/leads?match_status=unmatched", headers=auth).get_json()
    assert [lead["id"] for lead in listed] == [nothing["id"]]
    # A person confirms the merchant while assigning.
    confirmed = move(client, auth, by_number["id"], to="assigned", reason="人工确认", reviewer="张三",
                     merchant_id=catalogue["merchant"]).get_json()
    assert confirmed["match_status"] == "confirmed" and confirmed["merchant_id"] == catalogue["merchant"]


def test_a_seller_registered_after_the_lead_is_found_when_work_starts(client, auth, runtime):
    early = create(client, auth, runtime, reference="E-1", subject={"shop_name": "后来入驻的器械店"})
    assert early["match_status"] == "unmatched"
    merchant = client.post("/v1/merchants", headers=auth, json={**OTHER, "shop_name": "后来入驻的器械店"}).get_json()
    assert move(client, auth, early["id"], to="assigned", reason="分办", reviewer="张三").status_code == 200
    assert runtime.dispatcher.wait_idle(60)
    lead = client.get(f"/v1/leads/{early['id']}", headers=auth).get_json()
    assert lead["match_status"] == "matched" and lead["merchant_id"] == merchant["id"]
    # Matching again with nothing new adds no step.
    assert move(client, auth, early["id"], to="verifying", reason="核查").status_code == 200
    assert runtime.dispatcher.wait_idle(60)
    again = client.get(f"/v1/leads/{early['id']}", headers=auth).get_json()
    assert [e["kind"] for e in again["events"]].count("matched") == 2  # on arrival, and once the seller existed


def test_intake_validation_duplicates_and_tenancy(client, auth, other_auth, runtime):
    body = assert_problem(client.post("/v1/leads", headers=auth, json=lead_body(subject={}, source="newspaper",
                                                                                region="44")), 422)
    assert {"subject", "source", "region"} <= set(body["errors"]["json"])
    assert_problem(client.post("/v1/leads", headers=auth, json=lead_body(
        due_at=(NOW - timedelta(days=3)).isoformat())), 422)  # due before received
    lead = create(client, auth, runtime)
    body = assert_problem(client.post("/v1/leads", headers=auth, json=lead_body()), 409)
    assert body["reference"] == "GJ-2026-0012"
    assert_problem(client.get(f"/v1/leads/{lead['id']}", headers=other_auth), 404)
    assert_problem(move(client, other_auth, lead["id"], to="assigned", reason="x", reviewer="y"), 404)
    assert client.get("/v1/leads", headers=other_auth).get_json() == []
    body = assert_problem(client.get(f"/v1/leads/{lead['id']}/answer", headers=auth), 404)
    assert body["type"].endswith("answer-not-ready")
    # A retry with the same Idempotency-Key gets the first answer, not a 409.
    keyed = {**auth, "Idempotency-Key": "lead-retry-1"}
    first = client.post("/v1/leads", headers=keyed, json=lead_body(reference="IK-1"))
    again = client.post("/v1/leads", headers=keyed, json=lead_body(reference="IK-1"))
    assert first.status_code == again.status_code == 201 and first.get_json()["id"] == again.get_json()["id"]
    # A time without an offset is Beijing time.
    naive = create(client, auth, runtime, reference="BJ-1", received_at="2026-11-30T09:00:00", due_at=None)
    assert datetime.fromisoformat(naive["received_at"]) == datetime(2026, 11, 30, 1, tzinfo=timezone.utc)


def test_the_same_reference_at_once_is_recorded_once(app, auth, runtime):
    from concurrent.futures import ThreadPoolExecutor

    def post(_):
        return app.test_client().post("/v1/leads", headers=auth, json=lead_body(reference="RACE-1")).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(post, range(6)))
    assert statuses == [201, 409, 409, 409, 409, 409]
