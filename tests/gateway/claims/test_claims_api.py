"""The banned-claim phrase list as runtime data: import from the command line, read through the
API, used by listing decisions at once (on both database backends)."""
import json

from sqlalchemy import select

from gateway.decisions.models import Decision

NEW_LIST = [
    {"id": "myopia_cure", "phrase": "治愈近视|恢复视力", "kind": "literal", "category": "efficacy_guarantee",
     "severity": "block", "article": "广告法第十六条第一款第（一）项", "explanation_zh": "近视不可治愈",
     "explanation_en": "Myopia cannot be cured"},
    {"id": "dynamic_keyword", "phrase": "神仙水", "kind": "literal", "category": "regulator_keyword",
     "severity": "review", "article": "医疗器械监督管理条例第六十条", "explanation_zh": "监管部门通报的动态关键词",
     "explanation_en": "A keyword the regulator circulated"},
]


def write_list(tmp_path, rows, name="claims.json"):
    path = tmp_path / name
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def test_get_claims_shows_the_shipped_list_as_version_1(client, auth):
    response = client.get("/v1/claims", headers=auth)
    assert response.status_code == 200
    body = response.get_json()
    assert body["version"] == 1 and body["source"] == "shipped"
    assert all(entry["article"] for entry in body["entries"])
    assert client.get("/v1/claims").status_code == 401


def test_claims_import_makes_a_new_version_in_force(client, auth, runner, tmp_path):
    result = runner.invoke(["claims", "import", str(write_list(tmp_path, NEW_LIST)), "--json"])
    assert result.exit_code == 0, result.output
    imported = json.loads(result.output.strip().splitlines()[-1])
    # The shipped list was stored as version 1 first, so the import is version 2.
    assert imported["version"] == 2 and imported["entries"] == 2
    body = client.get("/v1/claims", headers=auth).get_json()
    assert body["version"] == 2 and [e["id"] for e in body["entries"]] == ["myopia_cure", "dynamic_keyword"]
    again = runner.invoke(["claims", "import", str(write_list(tmp_path, NEW_LIST[:1], "v3.json"))])
    assert again.exit_code == 0 and "3" in again.output


def test_claims_import_rejects_a_bad_file_whole(client, auth, runner, tmp_path):
    bad = [NEW_LIST[0], {**NEW_LIST[1], "kind": "regex", "phrase": "(神仙)+水"}]
    result = runner.invoke(["claims", "import", str(write_list(tmp_path, bad))])
    assert result.exit_code != 0 and "entry 2" in result.output
    assert client.get("/v1/claims", headers=auth).get_json()["version"] == 1


def test_claims_import_reads_csv(runner, tmp_path):
    path = tmp_path / "claims.csv"
    header = "id,phrase,kind,category,severity,article,explanation_zh,explanation_en\n"
    path.write_text(header + "cure,根治,literal,efficacy_guarantee,block,广告法第十六条,不得保证,no guarantees\n",
                    encoding="utf-8")
    result = runner.invoke(["claims", "import", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1])["entries"] == 1


def test_listing_decisions_use_the_version_in_force_and_record_it(client, auth, runner, runtime, tmp_path):
    merchant = client.post("/v1/merchants", headers=auth, json={
        "external_id": "shop-claims", "name": "深圳示例医疗器械有限公司", "uscc": "9144030071526726XG"}).get_json()
    listing = {"merchant_id": merchant["id"], "external_id": "sku-claims", "title": "神仙水 冷敷贴",
               "description": "坚持使用恢复视力", "registration_number": "国械注准20203140456"}
    before = client.post("/v1/listings", headers=auth, json=listing).get_json()
    shipped = {r["evidence"]["phrase"]: r for r in before["decision"]["reasons"] if r["code"] == "BANNED_CLAIM"}
    assert set(shipped) == {"恢复视力"} and shipped["恢复视力"]["evidence"]["claims_version"] == 1
    assert runner.invoke(["claims", "import", str(write_list(tmp_path, NEW_LIST))]).exit_code == 0
    after = client.post("/v1/listings", headers=auth, json=listing).get_json()
    hits = {r["evidence"]["phrase"]: r for r in after["decision"]["reasons"] if r["code"] == "BANNED_CLAIM"}
    assert set(hits) == {"神仙水", "恢复视力"}
    assert hits["恢复视力"]["evidence"]["claims_version"] == 2
    assert "广告法第十六条" in hits["恢复视力"]["message"]
    with runtime.db.session() as session:
        decision = session.scalar(select(Decision).where(Decision.subject_id == after["id"])
                                  .order_by(Decision.decided_at.desc()).limit(1))
        assert decision.looked_at["claims_version"] == 2
