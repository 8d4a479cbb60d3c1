"""Monitoring by date: the daily sweep, travelled through time with ``qingwang monitor run --date``.

Expiry by date re-decides what rests on a licence or registration that ran out (a decision
and its webhook), 90/60/30-day pre-warnings go out once per threshold, approved sellers
are re-verified every six months (GSP-NET Art 39), and a date swept twice changes nothing.
The documents are stored as read (their OCR is tested elsewhere); the registry, the
database and the webhook receiver are real."""
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from gateway.decisions.models import Decision
from gateway.documents.models import Document
from gateway.jobs.outbox import dispatch_after_commit
from gateway.listings.models import Listing
from gateway.merchants.models import Merchant, MerchantDocument
from gateway.merchants.services import reverify
from gateway.monitoring import sweep
from gateway.monitoring.models import ExpiryWarning, MonitorRun
from gateway.registry.importer import import_snapshot
from gateway.tenancy.models import Platform
from gateway.webhooks.models import WebhookDelivery
from tests.conftest import make_settings
from tests.gateway.listings.test_listings_batch import SYRINGE
from tests.gateway.registry.test_import import LICENCE, write_jsonl
from tests.gateway.webhooks.test_webhooks import receiver, set_hook  # noqa: F401 - the fixture

USCC = "9144030071526726XG"
NAME = "深圳示例医疗器械有限公司"
FILING = {"number": "粤深械网备202301100001", "kind": "online_sales_filing", "holder": NAME, "uscc": USCC,
          "region": "440305", "scope": [], "issued_on": "2023-01-10", "valid_until": None,
          "issuer": "深圳市市场监督管理局", "status": "active", "address": "深圳市南山区示例路1号"}
DEVICE = {"number": SYRINGE["registration_number"], "kind": "registration", "class": 3,
          "product_name": "一次性使用无菌注射器", "registrant": "示例医疗器械制造有限公司",
          "registrant_uscc": "91340111MA8P9K0G9N", "models": ["1ml", "5ml"], "category_code": "14",
          "approved_on": "2020-05-06", "status": "active", "issuer": "国家药品监督管理局"}


@pytest.fixture
def settings(database_url, tmp_path):
    return make_settings(database_url, tmp_path, webhook_allow_private_networks=True)


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(sweep, "CHUNK", 3)
    monkeypatch.setattr(sweep, "CHUNKS_PER_TASK", 2)


def registry(runtime, tmp_path, licence_until="2032-12-31", device_until="2031-06-30"):
    folder = tmp_path / f"registry-{licence_until}-{device_until}"
    folder.mkdir()
    write_jsonl(folder / "enterprises.jsonl", [{**LICENCE, "scope": [{"class": 3, "category": "14"}],
                                                 "valid_until": licence_until}, FILING])
    write_jsonl(folder / "devices.jsonl", [{**DEVICE, "valid_until": device_until}])
    result = import_snapshot(runtime.db, folder, "jsonl")
    runtime.registry.invalidate()
    # The import's own follow-up (a catalogue re-screen on today's date) runs now, as the CLI
    # runs it: left queued, a freshly started pool would run it after a time-travelled sweep
    # and decide the listings again for the real date.
    dispatch_after_commit(runtime.dispatcher, result.tasks)
    assert runtime.dispatcher.wait_idle(60)


def _field(value):
    return {"value": value, "confidence": 0.99, "valid": True}


def approved_merchant(runtime, platform_id, external_id="shop-1", printed_until="2032-12-31"):
    """A merchant whose two documents were read, verified through the ordinary path."""
    with runtime.db.session() as session:
        docs = [Document(platform_id=platform_id, status="processed", type="business_licence",
                         sha256=f"{external_id}-bl".ljust(64, "0"),
                         fields={"name": _field(NAME), "uscc": _field(USCC)}),
                Document(platform_id=platform_id, status="processed", type="device_business_licence",
                         sha256=f"{external_id}-dl".ljust(64, "0"),
                         fields={"number": _field(LICENCE["number"]), "name": _field(NAME), "uscc": _field(USCC),
                                 "valid_until": _field(printed_until)})]
        session.add_all(docs)
        merchant = Merchant(platform_id=platform_id, external_id=external_id, name=NAME, uscc=USCC,
                            online_sales_filing_number=FILING["number"], device_classes=[3], profile={},
                            status="pending", region="440305")
        session.add(merchant)
        session.flush()
        session.add_all([MerchantDocument(merchant_id=merchant.id, document_id=d.id) for d in docs])
    reverify(runtime, merchant.id, "created")
    with runtime.db.session() as session:
        merchant = session.get(Merchant, merchant.id)
        reasons = session.get(Decision, merchant.decision_id).reasons
        assert merchant.status == "approved", reasons
        return merchant.id


def submit(client, auth, merchant_id, external_id="sku-1"):
    response = client.post("/v1/listings", headers=auth, json={**SYRINGE, "merchant_id": merchant_id,
                                                               "external_id": external_id})
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def monitor(runner, day):
    result = runner.invoke(["monitor", "run", "--date", day, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def events(runtime, event_type=None):
    with runtime.db.session() as session:
        query = select(WebhookDelivery).order_by(WebhookDelivery.created_at, WebhookDelivery.id)
        if event_type:
            query = query.where(WebhookDelivery.event_type == event_type)
        return [d.payload for d in session.scalars(query)]


def block_expired_registrations(runtime, platform_id):
    """REGNO_EXPIRED goes to review by default (stock made in time may still be sold, REGM
    Art 112); this platform blocks it."""
    with runtime.db.session() as session:
        session.get(Platform, platform_id).settings = {"severity": {"REGNO_EXPIRED": "block"}}
    runtime.policies = type(runtime.policies)(ttl=0)


def test_a_listing_whose_registration_expires_is_blocked_by_the_sweep(runtime, platform, client, auth, runner,
                                                                       tmp_path, receiver):  # noqa: F811
    secret = set_hook(client, auth, receiver.url)["secret"]
    registry(runtime, tmp_path, device_until="2031-06-30")
    block_expired_registrations(runtime, platform[0])
    merchant_id = approved_merchant(runtime, platform[0])
    listing = submit(client, auth, merchant_id)
    assert listing["outcome"] == "allow"

    first = monitor(runner, "2031-06-30")  # its last valid day: nothing expired yet
    assert (first["status"], first["listings_changed"], first["since"]) == ("done", 0, None)
    second = monitor(runner, "2031-07-01")
    assert (second["status"], second["since"], second["listings_seen"], second["listings_changed"]) == \
        ("done", "2031-06-30", 1, 1)
    runtime.dispatcher.wait_idle(60)

    with runtime.db.session() as session:
        row = session.get(Listing, listing["id"])
        assert row.outcome == "block"
        decision = session.get(Decision, row.decision_id)
        assert decision.trigger == "expiry"
        [expired] = [r for r in decision.reasons if r["code"] == "REGNO_EXPIRED"]
        assert expired["evidence"]["registry"]["valid_until"] == "2031-06-30"
        assert "2031-06-30" in expired["message"] and expired["message_en"]
    blocked = [e for e in receiver.events(secret) if e["type"] == "listing.blocked"]
    assert len(blocked) == 1
    assert blocked[0]["data"]["listing_id"] == listing["id"] and "REGNO_EXPIRED" in blocked[0]["data"]["reason_codes"]
    assert blocked[0]["data"]["previous_outcome"] == "allow"


def test_by_default_an_expired_registration_goes_to_review(runtime, platform, client, auth, runner, tmp_path):
    registry(runtime, tmp_path, device_until="2031-06-30")
    merchant_id = approved_merchant(runtime, platform[0])
    listing = submit(client, auth, merchant_id)
    assert monitor(runner, "2031-07-01")["listings_changed"] == 1
    with runtime.db.session() as session:
        row = session.get(Listing, listing["id"])
        assert row.outcome == "review"
        assert session.get(Decision, row.decision_id).reasons[0]["evidence"]["ask"] == "production_date"


def test_a_merchant_whose_licence_expires_is_suspended_and_its_listings_blocked(runtime, platform, client, auth,
                                                                                 runner, tmp_path):
    set_hook(client, auth, "http://127.0.0.1:1/nothing-listens")  # events are recorded; delivery is not the point
    registry(runtime, tmp_path, licence_until="2031-03-31", device_until="2035-01-01")
    merchant_id = approved_merchant(runtime, platform[0], printed_until="2031-03-31")
    listing = submit(client, auth, merchant_id)

    run = monitor(runner, "2031-04-01")
    assert (run["merchants_seen"], run["merchants_changed"]) == (1, 1)
    runtime.dispatcher.wait_idle(60)
    with runtime.db.session() as session:
        merchant = session.get(Merchant, merchant_id)
        assert (merchant.status, merchant.suspended_by) == ("suspended", "rules")
        decision = session.get(Decision, merchant.decision_id)
        assert decision.trigger == "expiry"
        assert {"LICENCE_EXPIRED", "DOC_EXPIRED"} <= {r["code"] for r in decision.reasons}
        row = session.get(Listing, listing["id"])
        assert row.outcome == "block"
        assert "MERCHANT_SUSPENDED" in {r["code"] for r in session.get(Decision, row.decision_id).reasons}
    suspended = events(runtime, "merchant.suspended")
    assert len(suspended) == 1 and "LICENCE_EXPIRED" in suspended[0]["data"]["reason_codes"]
    # The suspension is a violation (the decision hook): an expired licence is stop-and-report.
    [reported] = events(runtime, "violation.reported")
    assert (reported["data"]["merchant_id"], reported["data"]["tier"]) == (merchant_id, "stop_and_report")
    assert "LICENCE_EXPIRED" in reported["data"]["reason_codes"]
    assert [e["data"]["listing_id"] for e in events(runtime, "listing.blocked")] == [listing["id"]]


def test_rerunning_the_same_day_changes_nothing(runtime, platform, client, auth, runner, tmp_path):
    set_hook(client, auth, "http://127.0.0.1:1/nothing-listens")
    registry(runtime, tmp_path, licence_until="2031-03-31", device_until="2031-03-31")
    merchant_id = approved_merchant(runtime, platform[0], printed_until="2031-03-31")
    submit(client, auth, merchant_id)
    first = monitor(runner, "2031-04-01")
    assert first["merchants_changed"] == 1
    runtime.dispatcher.wait_idle(60)

    def state():
        with runtime.db.session() as session:
            return (session.scalar(select(func.count()).select_from(Decision)),
                    session.scalar(select(func.count()).select_from(WebhookDelivery)),
                    session.scalar(select(func.count()).select_from(ExpiryWarning)),
                    session.scalar(select(func.count()).select_from(MonitorRun)))

    before = state()
    again = monitor(runner, "2031-04-01")
    assert again["id"] == first["id"] and again["started"] is False
    assert state() == before
    # Even the work itself, run again for that date, finds nothing to change.
    with runtime.db.session() as session:
        session.execute(update(MonitorRun).values(status="running"))
    sweep.sweep_step(runtime, {"run_id": first["id"], "stage": "expiry_merchants", "after": ""})
    runtime.dispatcher.wait_idle(60)
    after = state()
    assert after == before


def test_a_missed_day_is_caught_up(runtime, platform, client, auth, runner, tmp_path):
    registry(runtime, tmp_path, device_until="2031-06-29")
    merchant_id = approved_merchant(runtime, platform[0])
    listing = submit(client, auth, merchant_id)
    monitor(runner, "2031-06-28")
    # No sweep on the 29th or 30th: the run on 1 July looks back to the 28th.
    run = monitor(runner, "2031-07-01")
    assert run["since"] == "2031-06-28" and run["listings_changed"] == 1
    with runtime.db.session() as session:
        assert session.get(Listing, listing["id"]).outcome == "review"


def test_pre_warnings_go_out_once_per_threshold(runtime, platform, client, auth, runner, tmp_path,
                                                receiver):  # noqa: F811
    secret = set_hook(client, auth, receiver.url)["secret"]
    registry(runtime, tmp_path, licence_until="2031-12-31", device_until="2032-03-01")
    merchant_id = approved_merchant(runtime, platform[0], printed_until="2031-12-31")
    listing = submit(client, auth, merchant_id)

    assert monitor(runner, "2031-09-01")["warnings_sent"] == 0  # 121 days left
    assert monitor(runner, "2031-10-02")["warnings_sent"] == 1  # 90 days: the licence
    assert monitor(runner, "2031-10-03")["warnings_sent"] == 0  # the same threshold: not again
    assert monitor(runner, "2031-11-01")["warnings_sent"] == 1  # 60 days
    assert monitor(runner, "2031-12-01")["warnings_sent"] == 1  # 30 days (the registration: 91)
    assert monitor(runner, "2031-12-02")["warnings_sent"] == 1  # the registration: 90
    runtime.dispatcher.wait_idle(60)

    received = [e for e in receiver.events(secret) if e["type"].endswith(".expiring")]
    licence = [e["data"] for e in received if e["type"] == "licence.expiring"]
    assert [(d["threshold"], d["days_left"]) for d in licence] == [(90, 90), (60, 60), (30, 30)]
    assert licence[0] == {"merchant_id": merchant_id, "external_id": "shop-1",
                          "document_kind": "device_business_licence",
                          "number": LICENCE["number"], "valid_until": "2031-12-31", "days_left": 90, "threshold": 90}
    [registration] = [e["data"] for e in received if e["type"] == "registration.expiring"]
    assert registration["listing_id"] == listing["id"] and registration["document_kind"] == "registration"
    assert (registration["number"], registration["days_left"], registration["threshold"]) == \
        (SYRINGE["registration_number"], 90, 90)


def test_a_first_sweep_close_to_expiry_sends_only_the_nearest_threshold(runtime, platform, client, auth, runner,
                                                                         tmp_path):
    set_hook(client, auth, "http://127.0.0.1:1/nothing-listens")
    registry(runtime, tmp_path, licence_until="2031-12-31", device_until="2035-01-01")
    approved_merchant(runtime, platform[0])
    assert monitor(runner, "2031-12-11")["warnings_sent"] == 1  # 20 days left
    [event] = events(runtime, "licence.expiring")
    assert (event["data"]["threshold"], event["data"]["days_left"]) == (30, 20)
    with runtime.db.session() as session:
        rows = session.execute(select(ExpiryWarning.threshold, ExpiryWarning.sent)
                               .order_by(ExpiryWarning.threshold)).all()
    assert [tuple(r) for r in rows] == [(30, True), (60, False), (90, False)]
    assert monitor(runner, "2031-12-12")["warnings_sent"] == 0


def test_six_monthly_reverification_picks_an_old_approval(runtime, platform, client, auth, runner, tmp_path,
                                                          small_chunks):
    registry(runtime, tmp_path)
    old = [approved_merchant(runtime, platform[0], f"old-{i}") for i in range(7)]
    recent = approved_merchant(runtime, platform[0], "recent")
    with runtime.db.session() as session:
        session.execute(update(Merchant).where(Merchant.id.in_(old))
                        .values(verified_at=datetime(2031, 1, 10, 8, tzinfo=timezone.utc)))
        session.execute(update(Merchant).where(Merchant.id == recent)
                        .values(verified_at=datetime(2031, 3, 1, 8, tzinfo=timezone.utc)))

    run = monitor(runner, "2031-07-10")  # six months after 10 January
    assert run["merchants_reverified"] == 7 and run["merchants_changed"] == 0
    with runtime.db.session() as session:
        for merchant_id in old:
            merchant = session.get(Merchant, merchant_id)
            assert merchant.reverified_on == date(2031, 7, 10) and merchant.status == "approved"
            decision = session.get(Decision, merchant.decision_id)
            assert (decision.trigger, decision.outcome, decision.decided_by) == \
                ("periodic_reverify", "approved", "rules")
            assert decision.registry_version == runtime.registry.version()
        assert session.get(Merchant, recent).reverified_on is None
    assert monitor(runner, "2031-07-11")["merchants_reverified"] == 0  # done for six months
    assert monitor(runner, "2031-09-01")["merchants_reverified"] == 1  # the recent one's turn
    assert monitor(runner, "2032-01-10")["merchants_reverified"] == 7  # and the old ones' again


def test_expiry_sweep_works_in_chunks(runtime, platform, client, auth, runner, tmp_path, small_chunks):
    registry(runtime, tmp_path, device_until="2031-06-30")
    merchant_id = approved_merchant(runtime, platform[0])
    ids = [submit(client, auth, merchant_id, f"sku-{i}")["id"] for i in range(8)]
    run = monitor(runner, "2031-07-01")
    assert (run["listings_seen"], run["listings_changed"]) == (8, 8)
    with runtime.db.session() as session:
        assert {session.get(Listing, i).outcome for i in ids} == {"review"}


def test_months_before_keeps_to_the_calendar():
    assert sweep.months_before(date(2031, 7, 10), 6) == date(2031, 1, 10)
    assert sweep.months_before(date(2031, 8, 31), 6) == date(2031, 2, 28)
    assert sweep.months_before(date(2031, 3, 15), 6) == date(2030, 9, 15)
    assert sweep.china_today(datetime(2031, 1, 1, 16, 30, tzinfo=timezone.utc)) == date(2031, 1, 2)


def test_a_printed_validity_alone_suspends_when_it_runs_out(runtime, platform, client, auth, runner, tmp_path):
    """The registry still shows the licence in force; the copy on file says it ran out."""
    registry(runtime, tmp_path, licence_until="2035-12-31", device_until="2035-12-31")
    merchant_id = approved_merchant(runtime, platform[0], printed_until="2031-05-31")
    other = approved_merchant(runtime, platform[0], "shop-2", printed_until="2033-05-31")
    run = monitor(runner, "2031-06-01")
    assert (run["merchants_seen"], run["merchants_changed"]) == (1, 1)
    with runtime.db.session() as session:
        merchant = session.get(Merchant, merchant_id)
        assert merchant.status == "suspended"
        reasons = session.get(Decision, merchant.decision_id).reasons
        assert [r["code"] for r in reasons if r["severity"] == "block"] == ["DOC_EXPIRED"]
        assert session.get(Merchant, other).status == "approved"


def test_monitor_run_speaks_both_languages(runtime, platform, runner, tmp_path):
    registry(runtime, tmp_path)
    first = runner.invoke(["monitor", "run", "--date", "2031-01-05"])
    assert first.exit_code == 0, first.output
    assert "监测" in first.output and "sweep mon_" in first.output and "(2031-01-05, done)" in first.output
    again = runner.invoke(["monitor", "run", "--date", "2031-01-05"])
    assert "已监测过" in again.output and "was already swept" in again.output
    bad = runner.invoke(["monitor", "run", "--date", "5 January"])
    assert bad.exit_code == 2
    monitor(runner, "2031-01-07")
    listed = runner.invoke(["monitor", "runs", "--json"])
    assert [json.loads(line)["swept_on"] for line in listed.output.splitlines()] == ["2031-01-07", "2031-01-05"]
    assert json.loads(listed.output.splitlines()[0])["since"] == "2031-01-05"
    assert "2031-01-07  done" in runner.invoke(["monitor", "runs"]).output


def test_the_sweep_reports_what_was_not_corrected_in_time(runtime, platform, client, auth, runner, tmp_path):
    """In real time: the copy of the licence on file runs out today (DOC_EXPIRED, correct then
    report). Tomorrow's sweep suspends the merchant and opens a violation with a deadline; a
    sweep after the deadline, the merchant still uncorrected, reports it."""
    from gateway.violations.models import Violation

    set_hook(client, auth, "http://127.0.0.1:1/nothing-listens")
    today = sweep.china_today()
    registry(runtime, tmp_path, licence_until=str(today + timedelta(days=2000)),
             device_until=str(today + timedelta(days=2000)))
    merchant_id = approved_merchant(runtime, platform[0], printed_until=today.isoformat())

    first = monitor(runner, (today + timedelta(days=1)).isoformat())
    assert (first["merchants_changed"], first["violations_escalated"]) == (1, 0)
    with runtime.db.session() as session:
        [violation] = session.scalars(select(Violation).where(Violation.merchant_id == merchant_id)).all()
        assert (violation.status, violation.tier, violation.action) == \
            ("open", "correct_then_report", "rectification_ordered")
        assert violation.codes == ["DOC_EXPIRED"] and violation.rectification_deadline is not None
        decision = session.get(Decision, session.get(Merchant, merchant_id).decision_id)
        assert decision.id in violation.decision_ids and decision.trigger == "expiry"

    later = monitor(runner, (today + timedelta(days=3)).isoformat())
    assert later["violations_escalated"] == 1
    with runtime.db.session() as session:
        assert session.get(Violation, violation.id).status == "reported"
    assert [e["data"]["violation_id"] for e in events(runtime, "violation.reported")] == [violation.id]
    assert monitor(runner, (today + timedelta(days=4)).isoformat())["violations_escalated"] == 0


def test_two_starts_of_one_date_make_one_run(runtime, platform, tmp_path):
    """Two pools (or a pool and cron) starting the same date at once: one run, one set of tasks."""
    import threading

    registry(runtime, tmp_path)
    barrier = threading.Barrier(4)
    results = []

    def start():
        barrier.wait()
        results.append(sweep.start(runtime, date(2031, 2, 1), "schedule"))

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert runtime.dispatcher.wait_idle(60)
    assert len({run.id for run, _ in results}) == 1 and [started for _, started in results].count(True) == 1
    with runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(MonitorRun)) == 1
        assert session.scalar(select(MonitorRun.status)) == "done"
