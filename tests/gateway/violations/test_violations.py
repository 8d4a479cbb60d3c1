"""Violations recorded from blocks and suspensions, with evidence frozen and kept, reported at
once or after an uncorrected deadline, corrected by a later decision; all in the audit chain."""
import hashlib
import json
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from gateway.audit.models import AuditEntry
from gateway.audit.services import verify_chain
from gateway.db import utcnow
from gateway.decisions.services import record_decision
from gateway.jobs.outbox import dispatch_after_commit
from gateway.merchants.models import Merchant
from gateway.registry.importer import import_snapshot
from gateway.storage.retention import RetentionHeld
from gateway.violations.models import Evidence, Violation, ViolationCode
from gateway.violations.services import escalate_overdue
from gateway.violations.signals import violation_reported
from gateway.webhooks.models import WebhookDelivery
from tests.conftest import make_settings
from tests.gateway.merchants.test_merchants_listings_api import LISTING, NOTICE, onboard, registry, upload  # noqa: F401
from tests.gateway.registry.test_import import CONTRACT, write_jsonl
from tests.render import CERTIFICATE_LINES

UNKNOWN_NUMBER = "国械注准20203149999"


@pytest.fixture
def settings(database_url, tmp_path):
    return make_settings(database_url, tmp_path, webhook_allow_private_networks=True)


@pytest.fixture
def reported():
    """The violations the ``violation_reported`` signal announced (as the reports area hears it)."""
    seen = []

    def receiver(violation, session):
        seen.append((violation.id, violation.status))
        return []

    violation_reported.connect(receiver)
    yield seen
    violation_reported.disconnect(receiver)


def _violations(runtime, **where):
    with runtime.db.session() as session:
        query = select(Violation).order_by(Violation.detected_at)
        for name, value in where.items():
            query = query.where(getattr(Violation, name) == value)
        return session.scalars(query).all()


def _evidence(runtime, violation_id):
    with runtime.db.session() as session:
        return session.scalars(select(Evidence).where(Evidence.violation_id == violation_id)).one()


def _audit_kinds(runtime, subject_id):
    with runtime.db.session() as session:
        return session.scalars(select(AuditEntry.kind).where(AuditEntry.subject_id == subject_id)
                               .order_by(AuditEntry.sequence)).all()


def _intact(runtime):
    with runtime.db.session() as session:
        return verify_chain(session)


def test_blocked_listing_records_a_reported_violation_with_its_evidence(client, auth, runtime, registry, reported):
    client.put("/v1/webhook", headers=auth, json={"url": "http://127.0.0.1:9/hooks"})
    merchant = onboard(client, auth, runtime)
    certificate = upload(client, auth, CERTIFICATE_LINES)
    runtime.dispatcher.wait_idle(120)
    body = {**LISTING, "merchant_id": merchant["id"], "registration_number": UNKNOWN_NUMBER,
            "document_ids": [certificate], "url": "https://shop.example/sku-1"}
    listing = client.post("/v1/listings", headers=auth, json=body).get_json()
    assert listing["decision"]["outcome"] == "block"

    [violation] = _violations(runtime, listing_id=listing["id"])
    assert violation.id.startswith("vio_") and violation.merchant_id == merchant["id"]
    assert "REGNO_NOT_FOUND" in violation.codes and violation.tier == "stop_and_report"
    assert violation.violation_type == "unregistered_product"
    assert violation.action == "blocked" and violation.status == "reported" and violation.reported_at
    assert [a["kind"] for a in violation.actions] == ["listing_blocked", "reported"]
    assert violation.decision_ids == [listing["decision"]["id"]]
    assert violation.region == "440305"
    assert violation.bureau_code == "440300" and violation.bureaus[0]["name_zh"] == "深圳市市场监督管理局"
    assert reported == [(violation.id, "reported")]
    with runtime.db.session() as session:
        assert set(session.scalars(select(ViolationCode.code).where(ViolationCode.violation_id == violation.id))) \
            == set(violation.codes)
        deliveries = session.scalars(select(WebhookDelivery).where(
            WebhookDelivery.event_type == "violation.reported")).all()
    assert len(deliveries) == 1
    payload = deliveries[0].payload["data"]
    assert payload["violation_id"] == violation.id and payload["tier"] == "stop_and_report"
    assert "深圳" not in json.dumps(payload, ensure_ascii=False)  # ids and outcomes, no personal data

    evidence = _evidence(runtime, violation.id)
    assert evidence.listing["registration_number"] == UNKNOWN_NUMBER
    assert evidence.listing["url"] == "https://shop.example/sku-1" and evidence.listing["title"] == LISTING["title"]
    assert evidence.merchant["uscc"] == "9144030071526726XG"
    assert evidence.decisions[0]["id"] == listing["decision"]["id"]
    [document] = evidence.documents
    assert document["id"] == certificate and document["ocr"] and document["fields"]["number"]["value"]
    stored = runtime.storage.get(document["storage_key"])
    assert hashlib.sha256(stored).hexdigest() == document["sha256"]
    assert evidence.registry_records["registry_version"] == registry.snapshot
    # Kept for at least three years (domain.md §1.5), the document with it.
    assert evidence.retain_until >= evidence.captured_at + timedelta(days=3 * 365)
    from gateway.documents.models import Document
    with runtime.db.session() as session:
        assert session.get(Document, certificate).retain_until == evidence.retain_until
    with pytest.raises(RetentionHeld):
        runtime.storage.delete(document["storage_key"])
    assert runtime.storage.exists(document["storage_key"])

    assert _audit_kinds(runtime, violation.id) == ["violation.recorded", "violation.reported"]
    assert _audit_kinds(runtime, evidence.id) == ["evidence.frozen"]
    assert _intact(runtime).intact

    # The API shows it with its evidence and its places in the audit chain.
    shown = client.get(f"/v1/violations/{violation.id}", headers=auth).get_json()
    assert shown["status"] == "reported" and shown["bureaus"][0]["code"] == "440300"
    # The same bureau shape as a report's (one schema): the division it was routed for is shown too.
    assert shown["bureaus"][0]["division_name"] == "深圳市" and shown["bureaus"][0]["requested"] == violation.region
    assert shown["evidence"][0]["sha256"] == evidence.sha256
    assert shown["evidence"][0]["documents"][0]["sha256"] == document["sha256"]
    assert "storage_key" not in shown["evidence"][0]["documents"][0]
    assert [a["kind"] for a in shown["audit"]] == ["violation.recorded", "evidence.frozen", "violation.reported"]
    assert all(len(a["hash"]) == 64 for a in shown["audit"])
    listed = client.get("/v1/violations", headers=auth, query_string={"listing": listing["id"]}).get_json()
    assert [v["id"] for v in listed] == [violation.id]

    # The same block again (a re-check): the same violation, one more decision.
    again = client.post("/v1/listings", headers=auth, json=body).get_json()
    [same] = _violations(runtime, listing_id=listing["id"])
    assert same.decision_ids == [listing["decision"]["id"], again["decision"]["id"]]

    # Allowed later: the reported violation is closed, the correction recorded.
    fixed = client.post("/v1/listings", headers=auth, json={**body, "registration_number": LISTING["registration_number"],
                                                             "document_ids": []}).get_json()
    assert fixed["decision"]["outcome"] == "allow", fixed["decision"]["reasons"]
    [closed] = _violations(runtime, listing_id=listing["id"])
    assert closed.status == "closed" and closed.correction_decision_id == fixed["decision"]["id"]
    assert closed.corrected_at and closed.closed_at
    assert _intact(runtime).intact


def test_evidence_changed_in_sql_is_detected(client, auth, runtime, registry):
    merchant = onboard(client, auth, runtime)
    client.post("/v1/listings", headers=auth, json={**LISTING, "merchant_id": merchant["id"],
                                                    "registration_number": UNKNOWN_NUMBER})
    [violation] = _violations(runtime)
    evidence = _evidence(runtime, violation.id)
    with runtime.db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            with pytest.raises(Exception, match="append-only"):
                with conn.begin_nested():
                    conn.execute(text("UPDATE evidence SET sha256 = 'x'"))
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("UPDATE evidence SET listing = :v WHERE id = :id"),
                     {"v": json.dumps({"title": "nothing to see"}), "id": evidence.id})
    result = _intact(runtime)
    assert not result.intact
    [problem] = result.problems
    assert problem.problem == "subject" and evidence.id in problem.message_en


def test_banned_claim_orders_rectification_then_escalates_when_overdue(client, auth, runtime, registry, reported):
    merchant = onboard(client, auth, runtime)
    body = {**LISTING, "merchant_id": merchant["id"], "description": "专家推荐，三天见效！" + NOTICE}
    listing = client.post("/v1/listings", headers=auth, json=body).get_json()
    assert listing["decision"]["outcome"] == "block"
    [violation] = _violations(runtime, listing_id=listing["id"])
    assert violation.tier == "correct_then_report" and violation.status == "open"
    assert violation.action == "rectification_ordered" and violation.violation_type == "false_claims"
    assert violation.rectification_deadline == violation.detected_at + timedelta(hours=24)
    assert reported == []

    with runtime.db.session() as session:  # not yet due
        assert escalate_overdue(session, violation.detected_at + timedelta(hours=23)) == []
    ids = []
    with runtime.db.session() as session:
        tasks = escalate_overdue(session, violation.rectification_deadline + timedelta(seconds=1), reported=ids)
    dispatch_after_commit(runtime.dispatcher, tasks)
    assert ids == [violation.id]
    [escalated] = _violations(runtime, listing_id=listing["id"])
    assert escalated.status == "reported" and reported == [(violation.id, "reported")]
    assert escalated.actions[-1]["kind"] == "reported"
    assert _audit_kinds(runtime, violation.id) == ["violation.recorded", "violation.reported"]
    with runtime.db.session() as session:  # once only
        assert escalate_overdue(session, utcnow() + timedelta(days=30)) == []


def test_corrected_in_time_is_not_reported(client, auth, runtime, registry, reported, runner):
    merchant = onboard(client, auth, runtime)
    body = {**LISTING, "merchant_id": merchant["id"], "description": "专家推荐，三天见效！" + NOTICE}
    listing = client.post("/v1/listings", headers=auth, json=body).get_json()
    fixed = client.post("/v1/listings", headers=auth, json={**body, "description": NOTICE}).get_json()
    assert fixed["decision"]["outcome"] == "allow"
    [violation] = _violations(runtime, listing_id=listing["id"])
    assert violation.status == "corrected" and violation.correction_decision_id == fixed["decision"]["id"]
    result = runner.invoke(["violations", "escalate", "--json"])
    assert result.exit_code == 0 and json.loads(result.output) == {"reported": []}
    assert reported == []


def test_suspended_merchant_records_one_violation_not_one_per_listing(client, auth, runtime, registry, tmp_path,
                                                                      reported):
    merchant = onboard(client, auth, runtime)
    client.post("/v1/listings", headers=auth, json={**LISTING, "merchant_id": merchant["id"]})
    enterprises = [json.loads(line) for line in (CONTRACT / "enterprises.jsonl").read_text().splitlines()]
    enterprises[0]["status"] = "revoked"
    write_jsonl(tmp_path / "enterprises.jsonl", enterprises)
    result = import_snapshot(runtime.db, tmp_path)
    dispatch_after_commit(runtime.dispatcher, result.tasks)
    assert runtime.dispatcher.wait_idle(120)

    [violation] = _violations(runtime)
    assert violation.subject_type == "merchant" and violation.listing_id is None
    assert "LICENCE_REVOKED" in violation.codes and violation.tier == "stop_and_report"
    assert violation.action == "service_stopped" and violation.status == "reported"
    assert [a["kind"] for a in violation.actions] == ["merchant_suspended", "service_stopped", "reported"]
    evidence = _evidence(runtime, violation.id)
    assert evidence.listing is None and evidence.merchant["id"] == merchant["id"]
    assert {d["type"] for d in evidence.documents} == {"business_licence", "device_business_licence"}
    for document in evidence.documents:
        assert hashlib.sha256(runtime.storage.get(document["storage_key"])).hexdigest() == document["sha256"]
    assert any(row.get("status") == "revoked" for row in evidence.registry_records["rows"])
    assert evidence.registry_records["registry_version"] == result.snapshot
    assert reported == [(violation.id, "reported")]
    # Its Class III listing was blocked for the same licence: that block joins the merchant's violation.
    assert len(violation.decision_ids) == 2
    assert _intact(runtime).intact


def test_listing_refused_before_its_merchant_is_approved_is_no_violation(client, auth, runtime, registry):
    merchant = client.post("/v1/merchants", headers=auth, json={"external_id": "m", "name": "x",
                                                                "uscc": "9144030071526726XG"}).get_json()
    listing = client.post("/v1/listings", headers=auth, json={**LISTING, "merchant_id": merchant["id"],
                                                              "registration_number": UNKNOWN_NUMBER}).get_json()
    assert listing["decision"]["outcome"] == "block"
    assert _violations(runtime) == []


def test_staff_suspension_without_a_rule_is_recorded_without_a_report(runtime, client, auth, registry, reported):
    merchant = onboard(client, auth, runtime)
    with runtime.db.session() as session:
        m = session.get(Merchant, merchant["id"])
        decision = record_decision(session, platform_id=m.platform_id, subject_type="merchant", subject_id=m.id,
                                   outcome="suspended", reasons=[], registry_version=None, looked_at={},
                                   trigger="staff_action", decided_by="staff:reviewer@example.com")
    [violation] = _violations(runtime)
    assert violation.tier == "none" and violation.action == "suspended" and violation.status == "open"
    assert violation.rectification_deadline is None and violation.decision_ids == [decision.id]
    assert reported == []
    with runtime.db.session() as session:
        actors = session.scalars(select(AuditEntry.actor).where(AuditEntry.subject_id == violation.id)).all()
    assert actors == ["staff:reviewer@example.com"]


def test_the_platform_sets_the_rectification_deadline(runtime, platform, reported):
    from gateway.listings.models import Listing
    from gateway.tenancy.models import Platform

    with runtime.db.session() as session:
        session.get(Platform, platform[0]).settings = {"rectification_hours": 48}
        merchant = Merchant(platform_id=platform[0], external_id="m", name="深圳示例医疗器械有限公司",
                            uscc="9144030071526726XG", status="approved", region="440305")
        session.add(merchant)
        session.flush()
        listing = Listing(platform_id=platform[0], merchant_id=merchant.id, external_id="sku", title="注射器",
                          description="专家推荐")
        session.add(listing)
        session.flush()
        decision = record_decision(session, platform_id=platform[0], subject_type="listing", subject_id=listing.id,
                                   outcome="block", reasons=[{"code": "BANNED_CLAIM", "severity": "block",
                                                              "message": "含违规宣传用语", "message_en": "Banned claim"}],
                                   registry_version=None, looked_at={}, trigger="submitted")
    [violation] = _violations(runtime)
    assert violation.tier == "correct_then_report" and violation.decision_ids == [decision.id]
    assert violation.rectification_deadline == violation.detected_at + timedelta(hours=48)
    assert violation.bureau_code == "440300" and violation.province == "440000" and violation.prefecture == "440300"
    assert reported == []
