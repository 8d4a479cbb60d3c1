"""POST /v1/listings/batch: a catalogue screened in one call, each item answered in place."""
import pytest

from gateway.jobs.outbox import dispatch_after_commit
from gateway.listings.schemas import MAX_BATCH
from gateway.merchants.models import Merchant
from gateway.registry.importer import import_snapshot
from tests.gateway.registry.test_import import CONTRACT

NOTICE = "购买和使用前请仔细阅读产品说明书或者在医务人员的指导下购买和使用。"
SYRINGE = {"title": "一次性使用无菌注射器 5ml", "description": NOTICE, "registration_number": "国械注准20203140456",
           "product_name": "一次性使用无菌注射器", "manufacturer": "示例医疗器械制造有限公司", "model": "5ml"}


@pytest.fixture
def merchant_id(runtime, platform):
    """An approved merchant holding the contract sample's Class III licence (no OCR needed here)."""
    imported = import_snapshot(runtime.db, CONTRACT, "jsonl")
    runtime.registry.invalidate()
    # Its follow-up runs now (as after `qingwang registry import`), not in a later test step.
    dispatch_after_commit(runtime.dispatcher, imported.tasks)
    assert runtime.dispatcher.wait_idle(60)
    with runtime.db.session() as session:
        merchant = Merchant(platform_id=platform[0], external_id="shop-1", name="深圳示例医疗器械有限公司",
                            uscc="9144030071526726XG", online_sales_filing_number="粤深械网备202301100001",
                            device_classes=[3], profile={}, status="approved", region="440305")
        session.add(merchant)
    return merchant.id


def item(merchant_id, external_id, **overrides):
    return {"merchant_id": merchant_id, "external_id": external_id, **SYRINGE, **overrides}


def test_each_item_is_answered_in_place_and_in_order(client, auth, merchant_id):
    items = [item(merchant_id, "ok-1"),
             item("mer_nobody", "unknown-merchant"),
             {"merchant_id": merchant_id, "external_id": "no-title"},
             item(merchant_id, "bad-number", registration_number="国械注准2020314045"),
             "not an object",
             item(merchant_id, "ok-1")]
    response = client.post("/v1/listings/batch", headers=auth, json={"items": items})
    assert response.status_code == 200, response.get_json()
    out = response.get_json()["items"]
    assert [o.get("external_id") for o in out] == ["ok-1", "unknown-merchant", "no-title", "bad-number", None, "ok-1"]
    assert out[0]["id"].startswith("lst_") and out[0]["decision"]["outcome"] == out[0]["outcome"] == "allow"
    assert out[1]["error"]["status"] == 422 and "merchant_id" in out[1]["error"]["errors"]["json"]
    assert out[2]["error"]["status"] == 422 and "title" in out[2]["error"]["errors"]["json"]
    assert out[3]["outcome"] == "block"
    assert "REGNO_INVALID" in {r["code"] for r in out[3]["decision"]["reasons"]}
    assert out[4]["error"]["status"] == 422
    assert out[5]["error"]["status"] == 422 and "external_id" in out[5]["error"]["errors"]["json"]
    # Decided items exist as listings, with the same decision the API shows for them.
    shown = client.get(f"/v1/listings/{out[0]['id']}", headers=auth).get_json()
    assert shown["decision"]["id"] == out[0]["decision"]["id"]


def test_a_batch_decides_as_single_submissions_do(client, auth, merchant_id):
    variants = [{}, {"registration_number": "国械注准2020314045"}, {"description": "无效退款 医生推荐"},
                {"model": "50ml"}, {"registration_number": None}]
    batch = client.post("/v1/listings/batch", headers=auth, json={"items": [
        item(merchant_id, f"b-{i}", **v) for i, v in enumerate(variants)]}).get_json()["items"]
    for i, variant in enumerate(variants):
        single = client.post("/v1/listings", headers=auth, json=item(merchant_id, f"s-{i}", **variant)).get_json()
        assert batch[i]["outcome"] == single["outcome"]
        assert [r["code"] for r in batch[i]["decision"]["reasons"]] == \
            [r["code"] for r in single["decision"]["reasons"]]


def test_sending_a_batch_again_updates_the_same_listings(client, auth, merchant_id):
    items = [item(merchant_id, f"sku-{i}") for i in range(5)]
    first = client.post("/v1/listings/batch", headers=auth, json={"items": items}).get_json()["items"]
    items[2] = item(merchant_id, "sku-2", registration_number="国械注准2020314045")
    again = client.post("/v1/listings/batch", headers=auth, json={"items": items}).get_json()["items"]
    assert [o["id"] for o in again] == [o["id"] for o in first]
    assert [o["outcome"] for o in again] == ["allow", "allow", "block", "allow", "allow"]
    listed = client.get("/v1/listings?page_size=100", headers=auth).get_json()
    assert len(listed) == 5


def test_batch_size_is_bounded(client, auth, merchant_id):
    too_many = client.post("/v1/listings/batch", headers=auth,
                           json={"items": [item(merchant_id, f"x-{i}") for i in range(MAX_BATCH + 1)]})
    assert too_many.status_code == 422
    assert too_many.content_type.startswith("application/problem+json")
    empty = client.post("/v1/listings/batch", headers=auth, json={"items": []})
    assert empty.status_code == 422


def test_a_full_batch_is_decided(client, auth, merchant_id):
    items = [item(merchant_id, f"full-{i}", model=["5ml", "10ml", "20ml"][i % 3]) for i in range(MAX_BATCH)]
    response = client.post("/v1/listings/batch", headers=auth, json={"items": items})
    assert response.status_code == 200
    out = response.get_json()["items"]
    assert len(out) == MAX_BATCH and all("decision" in o for o in out)
    assert len({o["id"] for o in out}) == MAX_BATCH


def test_another_platforms_merchant_is_an_error_in_place(client, other_auth, merchant_id):
    out = client.post("/v1/listings/batch", headers=other_auth,
                      json={"items": [item(merchant_id, "theirs")]}).get_json()["items"]
    assert out[0]["error"]["status"] == 422
