"""Registry lookups through the API and the in-process cache."""
import time

import pytest

from gateway.registry.importer import import_snapshot
from tests.gateway.registry.test_import import CONTRACT, LICENCE, SYRINGE, write_jsonl


@pytest.fixture
def imported(runtime):
    result = import_snapshot(runtime.db, CONTRACT, "jsonl")
    runtime.registry.invalidate()
    return result


def test_device_by_number_names_its_snapshot(client, auth, imported):
    body = client.get("/v1/registry/devices/国械注准20203140456", headers=auth).get_json()
    assert body["product_name"] == "一次性使用无菌注射器" and body["class"] == 3
    assert body["snapshot"]["id"] == imported.snapshot == body["registry_version"]
    assert body["in_date"] is True


@pytest.mark.parametrize("typed", ["国械注准 2020 3140456", "国械注准２０２０３１４０４５６", "国械注准20203140456号"])
def test_device_number_is_normalised(client, auth, imported, typed):
    assert client.get(f"/v1/registry/devices/{typed}", headers=auth).status_code == 200


def test_unknown_device_is_404_problem_with_registry_version(client, auth, imported):
    response = client.get("/v1/registry/devices/国械注准20209999999", headers=auth)
    assert response.status_code == 404 and response.content_type.startswith("application/problem+json")
    assert response.get_json()["registry_version"] == imported.snapshot


def test_enterprises_by_uscc_list_every_licence_and_filing(client, auth, imported):
    body = client.get("/v1/registry/enterprises/9144030071526726XG", headers=auth).get_json()
    assert body["matched_by"] == "uscc"
    assert {r["kind"] for r in body["records"]} == {"device_business_licence", "online_sales_filing"}


def test_enterprise_by_number_without_hao(client, auth, imported):
    body = client.get("/v1/registry/enterprises/粤深药监械经营许20230001", headers=auth).get_json()
    assert body["matched_by"] == "number"
    [record] = body["records"]
    assert record["scope"] == [{"class": 3, "category": "14"}, {"class": 2, "category": "07"}]


def test_snapshots_are_listed(client, auth, imported):
    body = client.get("/v1/registry/snapshots", headers=auth).get_json()
    assert body[0]["id"] == imported.snapshot and body[0]["devices"] == 2


def test_registry_needs_a_key(client, imported):
    assert client.get("/v1/registry/devices/国械注准20203140456").status_code == 401


def test_cache_follows_new_snapshots(runtime, tmp_path):
    registry = runtime.registry
    registry.version_ttl = 0.05
    write_jsonl(tmp_path / "devices.jsonl", [SYRINGE])
    import_snapshot(runtime.db, tmp_path / "devices.jsonl")
    assert registry.device("国械注准20203140456").record.status == "active"
    write_jsonl(tmp_path / "devices.jsonl", [dict(SYRINGE, status="revoked")])
    import_snapshot(runtime.db, tmp_path / "devices.jsonl")
    time.sleep(0.1)
    assert registry.device("国械注准20203140456").record.status == "revoked"


def test_lookup_gives_back_the_record_as_imported(runtime, tmp_path):
    from verifiers.registry.records import device_from_mapping, enterprise_from_mapping

    write_jsonl(tmp_path / "devices.jsonl", [SYRINGE, dict(SYRINGE, number="粤械注准20212070123", models=[],
                                                             registrant=None, approved_on=None, valid_until=None)])
    write_jsonl(tmp_path / "enterprises.jsonl", [LICENCE])
    result = import_snapshot(runtime.db, tmp_path)
    runtime.registry.invalidate()
    found = runtime.registry.device("国械注准20203140456")
    assert found.record == device_from_mapping(SYRINGE) and found.snapshot_id == result.snapshot
    assert runtime.registry.device("粤械注准20212070123").record.models == ()
    assert runtime.registry.enterprise(LICENCE["number"]).record == enterprise_from_mapping(LICENCE)


def test_expired_licence_is_not_in_date(client, auth, runtime, tmp_path):
    write_jsonl(tmp_path / "enterprises.jsonl", [dict(LICENCE, issued_on="2018-01-10", valid_until="2023-01-09",
                                                      status="expired")])
    import_snapshot(runtime.db, tmp_path / "enterprises.jsonl")
    runtime.registry.invalidate()
    [record] = client.get("/v1/registry/enterprises/粤深药监械经营许20230001号", headers=auth).get_json()["records"]
    assert record["in_date"] is False and record["status"] == "expired"
