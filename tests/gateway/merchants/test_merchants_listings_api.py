"""Merchant onboarding and listing decisions through the API, on real OCR of rendered
licences and the contract's registry sample."""
import io
import json
from pathlib import Path

import pytest

from gateway.jobs.outbox import dispatch_after_commit
from gateway.registry.importer import import_snapshot
from tests.gateway.test_errors_and_auth import assert_problem
from tests.render import BUSINESS_LICENCE_LINES, CERTIFICATE_LINES, LICENCE_LINES, render_lines
from tests.gateway.registry.test_import import CONTRACT, write_jsonl

NOTICE = "购买和使用前请仔细阅读产品说明书或者在医务人员的指导下购买和使用。"
MERCHANT = {"external_id": "shop-1", "name": "深圳示例医疗器械有限公司", "uscc": "9144030071526726XG",
            "online_sales_filing_number": "粤深械网备202301100001", "device_classes": [3]}
LISTING = {"external_id": "sku-1", "title": "一次性使用无菌注射器 5ml", "description": NOTICE,
           "registration_number": "国械注准20203140456", "product_name": "一次性使用无菌注射器",
           "manufacturer": "示例医疗器械制造有限公司", "model": "5ml"}


@pytest.fixture
def registry(runtime):
    result = import_snapshot(runtime.db, CONTRACT, "jsonl")
    runtime.registry.invalidate()
    # Its follow-up (re-evaluating what the snapshot touches) runs now, as after
    # `qingwang registry import`, not whenever a later test step starts the job pool.
    dispatch_after_commit(runtime.dispatcher, result.tasks)
    assert runtime.dispatcher.wait_idle(60)
    return result


def upload(client, auth, lines):
    response = client.post("/v1/documents", headers=auth, data={"file": (io.BytesIO(render_lines(lines)), "d.png")})
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()["id"]


def onboard(client, auth, runtime, **overrides):
    docs = [upload(client, auth, BUSINESS_LICENCE_LINES), upload(client, auth, LICENCE_LINES)]
    response = client.post("/v1/merchants", headers=auth, json={**MERCHANT, "document_ids": docs, **overrides})
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["status"] == "pending"
    assert runtime.dispatcher.wait_idle(120)
    return client.get(f"/v1/merchants/{response.get_json()['id']}", headers=auth).get_json()


def test_licensed_merchant_is_approved_with_its_evidence(client, auth, runtime, registry):
    merchant = onboard(client, auth, runtime)
    assert merchant["status"] == "approved", merchant["decision"]["reasons"]
    decision = merchant["decision"]
    assert decision["outcome"] == "approved" and decision["registry_version"] == registry.snapshot
    assert decision["decided_by"] == "rules" and decision["decided_at"]
    assert {d["type"] for d in merchant["documents"]} == {"business_licence", "device_business_licence"}
    assert {lic["kind"] for lic in merchant["licences"]} == {"device_business_licence", "online_sales_filing"}
    assert merchant["region"] == "440305"


def test_revoked_licence_rejects_the_merchant(client, auth, runtime, tmp_path):
    rows = [json.loads(line) for line in (CONTRACT / "enterprises.jsonl").read_text().splitlines()]
    rows[0]["status"] = "revoked"
    write_jsonl(tmp_path / "enterprises.jsonl", rows)
    import_snapshot(runtime.db, tmp_path)
    merchant = onboard(client, auth, runtime)
    assert merchant["status"] == "rejected"
    codes = {r["code"] for r in merchant["decision"]["reasons"]}
    assert "LICENCE_REVOKED" in codes
    reason = next(r for r in merchant["decision"]["reasons"] if r["code"] == "LICENCE_REVOKED")
    assert reason["severity"] == "block" and "吊销" in reason["message"] and reason["message_en"]


def test_unknown_or_foreign_documents_are_422(client, auth, other_auth, runtime, registry):
    foreign = upload(client, other_auth, BUSINESS_LICENCE_LINES)
    body = assert_problem(client.post("/v1/merchants", headers=auth, json={**MERCHANT, "document_ids": [foreign]}), 422)
    assert "document_ids" in body["errors"]["json"]


def test_merchant_validation_errors(client, auth):
    body = assert_problem(client.post("/v1/merchants", headers=auth, json={"name": "x", "device_classes": [4]}), 422)
    assert {"external_id", "uscc", "device_classes"} <= set(body["errors"]["json"])


def test_adding_documents_reverifies(client, auth, runtime, registry):
    merchant = client.post("/v1/merchants", headers=auth,
                           json={**MERCHANT, "document_ids": [upload(client, auth, LICENCE_LINES)]}).get_json()
    runtime.dispatcher.wait_idle(120)
    first = client.get(f"/v1/merchants/{merchant['id']}", headers=auth).get_json()
    assert first["status"] == "needs_review"
    assert "DOC_MISSING" in {r["code"] for r in first["decision"]["reasons"]}
    added = client.post(f"/v1/merchants/{merchant['id']}/documents", headers=auth,
                        json={"document_ids": [upload(client, auth, BUSINESS_LICENCE_LINES)]})
    assert added.status_code == 202
    runtime.dispatcher.wait_idle(120)
    second = client.get(f"/v1/merchants/{merchant['id']}", headers=auth).get_json()
    assert second["status"] == "approved", second["decision"]["reasons"]
    assert second["decision"]["id"] != first["decision"]["id"]


def test_listing_decisions(client, auth, runtime, registry):
    merchant = onboard(client, auth, runtime)
    allowed = client.post("/v1/listings", headers=auth, json={**LISTING, "merchant_id": merchant["id"]})
    assert allowed.status_code == 200
    body = allowed.get_json()
    assert body["decision"]["outcome"] == "allow", body["decision"]["reasons"]
    assert body["decision"]["registry_version"] == registry.snapshot
    fetched = client.get(f"/v1/listings/{body['id']}", headers=auth).get_json()
    assert fetched["decision"]["id"] == body["decision"]["id"]
    # The same external_id again updates the listing and decides anew.
    again = client.post("/v1/listings", headers=auth, json={**LISTING, "merchant_id": merchant["id"],
                                                            "description": "专家推荐，三天见效！" + NOTICE}).get_json()
    assert again["id"] == body["id"] and again["decision"]["outcome"] == "block"
    assert {"BANNED_CLAIM"} == {r["code"] for r in again["decision"]["reasons"] if r["severity"] == "block"}


def test_listing_from_an_unapproved_merchant_is_blocked(client, auth, runtime, registry):
    merchant = client.post("/v1/merchants", headers=auth, json={**MERCHANT, "document_ids": []}).get_json()
    decision = client.post("/v1/listings", headers=auth,
                           json={**LISTING, "merchant_id": merchant["id"]}).get_json()["decision"]
    assert decision["outcome"] == "block"
    assert "MERCHANT_NOT_APPROVED" in {r["code"] for r in decision["reasons"]}


def test_listing_for_another_platforms_merchant_is_422(client, auth, other_auth, runtime, registry):
    merchant = client.post("/v1/merchants", headers=other_auth, json={**MERCHANT, "document_ids": []}).get_json()
    assert_problem(client.post("/v1/listings", headers=auth, json={**LISTING, "merchant_id": merchant["id"]}), 422)


def test_attached_certificate_is_cross_checked_when_read(client, auth, runtime, registry):
    merchant = onboard(client, auth, runtime)
    wrong = [line.replace("国械注准20203140456", "国械注准20203140457") for line in CERTIFICATE_LINES]
    cert = upload(client, auth, wrong)
    body = client.post("/v1/listings", headers=auth,
                       json={**LISTING, "merchant_id": merchant["id"], "document_ids": [cert]}).get_json()
    runtime.dispatcher.wait_idle(120)
    later = client.get(f"/v1/listings/{body['id']}", headers=auth).get_json()
    assert later["decision"]["outcome"] == "block", later["decision"]["reasons"]
    reason = next(r for r in later["decision"]["reasons"] if r["code"] == "CERTIFICATE_MISMATCH")
    assert reason["evidence"]["printed"].endswith("3140457")
    assert later["decision"]["trigger"] == "document_processed"
