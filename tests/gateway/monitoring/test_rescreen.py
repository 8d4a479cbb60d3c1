"""Whole-catalogue re-screens: after a rule change every listing is decided again; only
changed decisions are written, the run records the rest, and the work resumes in slices."""
# ruff: noqa: F811 - merchant_id is the fixture imported below, taken as an argument
import json
import time
from collections import Counter

import pytest
from sqlalchemy import func, select, update

from gateway.audit.models import AuditEntry
from gateway.claims.services import import_file
from gateway.decisions.models import Decision
from gateway.jobs.models import Task
from gateway.jobs.outbox import dispatch_after_commit
from gateway.listings.models import Listing
from gateway.listings.services import evaluate_stored, listing_documents, recheck
from gateway.merchants.models import Merchant
from gateway.merchants.services import signature
from gateway.monitoring import rescreen
from gateway.monitoring.models import ScreeningRun
from gateway.monitoring.services import touched_by_snapshot
from gateway.registry.importer import import_snapshot
from gateway.registry.lookup import RegistryLookup
from gateway.registry.models import RegistryDevice
from gateway.violations.models import Violation
from gateway.webhooks.models import WebhookDelivery
from tests.conftest import make_settings
from tests.gateway.claims.test_claims_api import NEW_LIST, write_list
from tests.gateway.listings.test_listings_batch import NOTICE, item, merchant_id  # noqa: F401 - the fixture
from tests.gateway.registry.test_import import CONTRACT, write_jsonl


@pytest.fixture
def small_slices(monkeypatch):
    """Tiny chunks and slices, so a few dozen listings exercise chunking and continuations."""
    monkeypatch.setattr(rescreen, "CHUNK", 7)
    monkeypatch.setattr(rescreen, "CHUNKS_PER_TASK", 2)


def submit(client, auth, items):
    response = client.post("/v1/listings/batch", headers=auth, json={"items": items})
    assert response.status_code == 200
    return {o["external_id"]: o for o in response.get_json()["items"]}


def test_a_new_phrase_list_changes_only_the_listings_it_concerns(client, auth, runtime, merchant_id, tmp_path,
                                                                   small_slices):
    items = [item(merchant_id, f"sku-{i:03}") for i in range(40)]
    for i in (3, 17, 31):  # these pages promise what the new list forbids
        items[i]["description"] += " 网红同款神仙水"
    before = submit(client, auth, items)
    assert {o["outcome"] for o in before.values()} == {"allow"}

    import_file(runtime.db, write_list(tmp_path, NEW_LIST))
    runtime.claims.invalidate()
    run = rescreen.start(runtime, "claims_import", parts=3)
    assert runtime.dispatcher.wait_idle(120)

    with runtime.db.session() as session:
        done = session.get(ScreeningRun, run.id)
        assert (done.status, done.parts, done.parts_done) == ("done", 3, 3)
        assert (done.listings_seen, done.listings_changed) == (40, 3)
        assert done.claims_version == 2 and done.finished_at is not None
        # Slices handed over to their continuations: more tasks than parts ran.
        assert session.scalar(select(func.count()).select_from(Task).where(
            Task.kind == "catalogue.rescreen", Task.status == "done")) > 3
        listings = {li.external_id: li for li in session.scalars(select(Listing))}
        for i, original in enumerate(items):
            listing = listings[original["external_id"]]
            if i in (3, 17, 31):
                assert listing.outcome == "review"
                decision = session.get(Decision, listing.decision_id)
                assert decision.trigger == "rescreen"
                assert "BANNED_CLAIM" in {r["code"] for r in decision.reasons}
                assert decision.looked_at["claims_version"] == 2
            else:  # unchanged: no new decision was written
                assert listing.decision_id == before[original["external_id"]]["decision"]["id"]


def test_claims_import_on_the_command_line_starts_a_rescreen(runner, runtime, merchant_id, client, auth, tmp_path):
    submit(client, auth, [item(merchant_id, "a", description="神仙水")])
    result = runner.invoke(["claims", "import", str(write_list(tmp_path, NEW_LIST)), "--json"])
    assert result.exit_code == 0, result.output
    run_id = json.loads(result.output.strip().splitlines()[-1])["rescreen"]
    assert runtime.dispatcher.wait_idle(120)
    with runtime.db.session() as session:
        run = session.get(ScreeningRun, run_id)
        assert (run.status, run.trigger, run.listings_seen, run.listings_changed) == ("done", "claims_import", 1, 1)


def test_an_empty_catalogue_finishes_at_once(runtime, platform):
    run = rescreen.start(runtime, "manual", platform_id=platform[0])
    with runtime.db.session() as session:
        assert session.get(ScreeningRun, run.id).status == "done"


def test_rescreen_command_reports_the_run(runner, merchant_id, client, auth):
    submit(client, auth, [item(merchant_id, f"c-{i}") for i in range(5)])
    result = runner.invoke(["listings", "rescreen", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output.strip().splitlines()[-1])
    assert out["status"] == "done" and out["listings_seen"] == 5 and out["listings_changed"] == 0


# --- what a re-screen writes, compared with a single re-check ---------------------------------------


#: The dynamic keyword (review) and a phrase no shipped list has that blocks.
RULES = [NEW_LIST[1], {"id": "reverse_ageing", "phrase": "七天逆龄", "kind": "literal", "category": "efficacy_guarantee",
                       "severity": "block", "article": "广告法第十六条第一款第（一）项",
                       "explanation_zh": "保证功效", "explanation_en": "Guaranteed efficacy"}]


@pytest.fixture
def settings(database_url, tmp_path):
    # A webhook endpoint on 127.0.0.1, so the events a change sends are recorded.
    return make_settings(database_url, tmp_path, webhook_allow_private_networks=True)


def _trail(runtime) -> Counter:
    """Everything a re-decision can leave behind, counted: decisions, violations, audit
    entries and webhook events by kind, and follow-up tasks by kind."""
    with runtime.db.session() as session:
        trail = Counter({"decision": session.scalar(select(func.count()).select_from(Decision)),
                         "violation": session.scalar(select(func.count()).select_from(Violation))})
        trail.update(f"audit:{kind}" for kind in session.scalars(select(AuditEntry.kind)))
        trail.update(f"webhook:{event}" for event in session.scalars(select(WebhookDelivery.event_type)))
        trail.update(f"task:{kind}" for kind in session.scalars(
            select(Task.kind).where(Task.kind != "catalogue.rescreen")))
    return trail


def test_a_changed_listing_leaves_what_a_single_recheck_leaves_and_an_unchanged_one_nothing(
        client, auth, runtime, merchant_id, tmp_path):
    assert client.put("/v1/webhook", headers=auth, json={"url": "http://127.0.0.1:9/hooks"}).status_code == 200
    before = submit(client, auth, [item(merchant_id, "plain"),
                                   item(merchant_id, "checked-alone", description=f"{NOTICE} 七天逆龄"),
                                   item(merchant_id, "rescreened", description=f"{NOTICE} 七天逆龄")])
    assert {o["outcome"] for o in before.values()} == {"allow"}
    import_file(runtime.db, write_list(tmp_path, RULES))
    runtime.claims.invalidate()
    assert runtime.dispatcher.wait_idle(120)

    start = _trail(runtime)
    with runtime.db.session() as session:
        tasks = recheck(runtime, session, [before["checked-alone"]["id"]], "rescreen")
    dispatch_after_commit(runtime.dispatcher, tasks)
    assert runtime.dispatcher.wait_idle(120)
    single = _trail(runtime) - start
    # The phrase blocks: a new decision, a stop-and-report violation, its audit entries and webhooks.
    assert single["decision"] == 1 and single["violation"] == 1 and single["webhook:listing.blocked"] == 1
    assert single["audit:decision.recorded"] == 1

    # The listing re-checked alone already carries the new decision and the plain one is
    # unaffected: of the three, only the third is written, and it leaves exactly the same.
    checkpoint = _trail(runtime)
    run = rescreen.start(runtime, "claims_import", parts=2)
    assert runtime.dispatcher.wait_idle(120)
    assert _trail(runtime) - checkpoint == single
    with runtime.db.session() as session:
        done = session.get(ScreeningRun, run.id)
        assert (done.status, done.listings_seen, done.listings_changed) == ("done", 3, 1)
        listings = {li.external_id: li for li in session.scalars(select(Listing))}
        assert listings["plain"].decision_id == before["plain"]["decision"]["id"]
        assert listings["rescreened"].outcome == "block"
        assert session.get(Decision, listings["rescreened"].decision_id).trigger == "rescreen"


def test_the_chunked_evaluation_agrees_with_the_single_listing_one(client, auth, runtime, merchant_id, tmp_path):
    """The re-screen evaluates a chunk from columns with one policy and prefetched registry
    records; it must find changed exactly the listings the ordinary evaluation would."""
    submit(client, auth, [item(merchant_id, "ok"),
                          item(merchant_id, "bad-number", registration_number="国械注准2020314045"),
                          item(merchant_id, "unknown", registration_number="国械注准20203149999"),
                          item(merchant_id, "undeclared", registration_number=None, description="医用冷敷贴 械字号"),
                          item(merchant_id, "claim-review", description=f"{NOTICE} 网红神仙水"),
                          item(merchant_id, "claim-block", description=f"{NOTICE} 七天逆龄"),
                          item(merchant_id, "no-notice", description="")])
    import_file(runtime.db, write_list(tmp_path, RULES))
    runtime.claims.invalidate()
    runtime.registry.invalidate()
    with runtime.db.read_sessionmaker() as reader:
        stored = list(reader.scalars(select(Listing).order_by(Listing.id)))
        expected = set()
        for listing in stored:
            merchant = reader.get(Merchant, listing.merchant_id)
            evaluation = evaluate_stored(runtime, reader, listing, merchant, listing_documents(reader, listing.id))
            current = reader.get(Decision, listing.decision_id)
            if signature(listing.outcome, current.reasons) != signature(
                    evaluation.outcome, [r.as_dict() for r in evaluation.reasons]):
                expected.add(listing.id)
        rows = reader.execute(select(*rescreen.COLUMNS).order_by(Listing.id)).all()
        assert set(rescreen.differing(runtime, reader, rows)) == expected
        assert set(rescreen.differing(runtime, reader, stored)) == expected  # as the daily sweep passes them
    by_id = {li.id: li.external_id for li in stored}
    assert {by_id[i] for i in expected} == {"claim-review", "claim-block"}


def test_registry_prefetch_answers_later_lookups_from_the_cache(runtime, merchant_id, monkeypatch):
    runtime.registry.invalidate()
    runtime.registry.prefetch_devices(["国械注准20203140456", "国械注准20203149999", "", None])
    fresh = RegistryLookup(runtime.db)

    def no_database(*_args, **_kwargs):
        raise AssertionError("a prefetched number was looked up in the database again")

    monkeypatch.setattr(runtime.db, "read_sessionmaker", no_database)
    runtime.registry._version_checked = time.monotonic() + 3600  # (the snapshot tag is not what is tested)
    found = runtime.registry.device("国械注准20203140456")
    assert found is not None and found.record.number == "国械注准20203140456"
    assert runtime.registry.device("国械注准20203149999") is None  # known absent, not asked again
    monkeypatch.undo()
    assert fresh.device("国械注准20203140456").record == found.record


# --- after a registry snapshot: the same comparison, for the listings the snapshot touched ------------


def _snapshot(runtime, tmp_path, **syringe):
    """The contract registry again with the syringe's registration changed by ``syringe``:
    a snapshot that touches every listing naming it. Returns the import's result."""
    devices = [json.loads(line) for line in (CONTRACT / "devices.jsonl").read_text().splitlines()]
    assert devices[0]["number"] == "国械注准20203140456"
    devices[0].update(syringe)
    folder = tmp_path / f"snapshot-{len(list(tmp_path.glob('snapshot-*')))}"
    folder.mkdir()
    write_jsonl(folder / "devices.jsonl", devices)
    (folder / "enterprises.jsonl").write_bytes((CONTRACT / "enterprises.jsonl").read_bytes())
    result = import_snapshot(runtime.db, folder)
    assert (result.changed_devices, result.changed_enterprises) == (1, 0)
    return result


def _reevaluate(runtime, result):
    """Run the import's follow-up (registry.reevaluate) as ``qingwang registry import`` does."""
    dispatch_after_commit(runtime.dispatcher, result.tasks)
    assert runtime.dispatcher.wait_idle(120)
    with runtime.db.session() as session:
        assert session.scalar(select(Task.status).where(Task.kind == "registry.reevaluate")
                              .order_by(Task.created_at.desc()).limit(1)) == "done"


def test_a_snapshot_that_changes_no_outcome_writes_no_decision(client, auth, runtime, merchant_id, tmp_path):
    assert client.put("/v1/webhook", headers=auth, json={"url": "http://127.0.0.1:9/hooks"}).status_code == 200
    before = submit(client, auth, [item(merchant_id, "a"), item(merchant_id, "b", model="1ml")])
    assert {o["outcome"] for o in before.values()} == {"allow"}
    assert runtime.dispatcher.wait_idle(120)

    # The certificate is renewed for longer: the record changed, the listings' decisions do not.
    result = _snapshot(runtime, tmp_path, valid_until="2031-05-05")
    assert touched_by_snapshot(runtime, result.snapshot)[1] == sorted(o["id"] for o in before.values())
    checkpoint = _trail(runtime)
    _reevaluate(runtime, result)
    assert _trail(runtime) - checkpoint == Counter()  # no decision, audit entry, violation or webhook
    with runtime.db.session() as session:
        for original in before.values():
            assert session.get(Listing, original["id"]).decision_id == original["decision"]["id"]


def test_a_snapshot_that_changes_an_outcome_leaves_what_a_single_recheck_leaves(
        client, auth, runtime, merchant_id, tmp_path):
    assert client.put("/v1/webhook", headers=auth, json={"url": "http://127.0.0.1:9/hooks"}).status_code == 200
    before = submit(client, auth, [item(merchant_id, "checked-alone"), item(merchant_id, "reevaluated")])
    assert {o["outcome"] for o in before.values()} == {"allow"}
    assert runtime.dispatcher.wait_idle(120)

    # What one re-check leaves when the registration is cancelled (the record edited in
    # place, so no follow-up task is queued to race with it).
    with runtime.db.session() as session:
        session.execute(update(RegistryDevice).where(RegistryDevice.key == "国械注准20203140456")
                        .values(status="cancelled"))
    runtime.registry.invalidate()
    start = _trail(runtime)
    with runtime.db.session() as session:
        tasks = recheck(runtime, session, [before["checked-alone"]["id"]], "registry_snapshot")
    dispatch_after_commit(runtime.dispatcher, tasks)
    assert runtime.dispatcher.wait_idle(120)
    single = _trail(runtime) - start
    assert single["decision"] == 1 and single["violation"] == 1 and single["webhook:listing.blocked"] == 1

    # The regulator's snapshot says the same: of the two listings naming it, the one
    # re-checked already carries its block; only the other is written, and it leaves the same.
    result = _snapshot(runtime, tmp_path, status="cancelled")
    assert len(touched_by_snapshot(runtime, result.snapshot)[1]) == 2
    checkpoint = _trail(runtime)
    _reevaluate(runtime, result)
    assert _trail(runtime) - checkpoint == single
    with runtime.db.session() as session:
        alone = session.get(Listing, before["checked-alone"]["id"])
        listing = session.get(Listing, before["reevaluated"]["id"])
        assert session.scalar(select(func.count()).select_from(Decision)
                              .where(Decision.subject_id == listing.id)) == 2  # its first and this one
        decision = session.get(Decision, listing.decision_id)
        assert (listing.outcome, decision.trigger, decision.registry_version) == (
            "block", "registry_snapshot", result.snapshot)
        assert ("REGNO_CANCELLED", "block") in {(r["code"], r["severity"]) for r in decision.reasons}
        earlier = session.get(Decision, alone.decision_id)
        assert signature(decision.outcome, decision.reasons) == signature(earlier.outcome, earlier.reasons)
