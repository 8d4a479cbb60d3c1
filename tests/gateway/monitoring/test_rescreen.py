"""Whole-catalogue re-screens: after a rule change every listing is decided again; only
changed decisions are written, the run records the rest, and the work resumes in slices."""
import json

import pytest
from sqlalchemy import func, select

from gateway.claims.services import import_file
from gateway.decisions.models import Decision
from gateway.jobs.models import Task
from gateway.listings.models import Listing
from gateway.monitoring import rescreen
from gateway.monitoring.models import ScreeningRun
from tests.gateway.claims.test_claims_api import NEW_LIST, write_list
from tests.gateway.listings.test_listings_batch import item, merchant_id  # noqa: F401 - the fixture


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
