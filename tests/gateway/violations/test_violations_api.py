"""GET /v1/violations: filters, keyset paging, another platform's answering 404."""
from datetime import datetime, timedelta, timezone

import pytest

from tests.gateway.test_errors_and_auth import assert_problem
from tests.gateway.violations.support import seed_violation

START = datetime(2026, 11, 1, tzinfo=timezone.utc)


@pytest.fixture
def seeded(runtime, platform):
    """30 violations of the first platform over November and early December, 3 of another."""
    platform_id = platform[0]
    other = None
    with runtime.db.session() as session:
        from gateway.tenancy.services import create_platform

        other, _ = create_platform(session, "另一平台", "310000")
        rows = []
        for i in range(30):
            rows.append(seed_violation(
                session, platform_id, detected_at=START + timedelta(days=i, hours=10),
                merchant_id=f"mer_{i % 3}", listing_id=f"lst_{i}",
                region=("440305", "441900", "310104")[i % 3], status=("open", "reported", "corrected")[i % 3],
                tier=("stop_and_report", "correct_then_report")[i % 2],
                codes=("REGNO_NOT_FOUND",) if i % 2 else ("BANNED_CLAIM", "NOTICE_MISSING")).id)
        for i in range(3):
            seed_violation(session, other.id, detected_at=START + timedelta(days=i))
    return {"ids": rows, "other": other.id}


def _all(client, auth, **params):
    out, cursor, pages = [], None, 0
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = client.get("/v1/violations", headers=auth, query_string=query)
        assert response.status_code == 200, response.get_json()
        out += response.get_json()
        pages += 1
        cursor = response.headers.get("X-Next-Cursor")
        if not cursor:
            assert "Link" not in response.headers
            return out, pages
        assert 'rel="next"' in response.headers["Link"] and cursor in response.headers["Link"]


def test_pages_walk_every_violation_once_newest_first(client, auth, seeded):
    rows, pages = _all(client, auth, page_size=7)
    assert [r["id"] for r in rows] == list(reversed(seeded["ids"]))
    assert pages == 5
    first = rows[0]
    assert set(first) >= {"id", "merchant_id", "listing_id", "region", "bureau_code", "codes", "tier", "action",
                          "status", "decision_ids", "detected_at", "rectification_deadline"}


def test_filters(client, auth, seeded):
    ids = seeded["ids"]

    def listed(**params):
        return [r["id"] for r in _all(client, auth, page_size=4, **params)[0]]

    assert listed(status="reported") == [ids[i] for i in reversed(range(30)) if i % 3 == 1]
    assert listed(tier="correct_then_report") == [ids[i] for i in reversed(range(30)) if i % 2 == 1]
    # A province covers its cities, a prefecture its districts, a county only itself.
    assert listed(region="440000") == [ids[i] for i in reversed(range(30)) if i % 3 in (0, 1)]
    assert listed(region="441900") == [ids[i] for i in reversed(range(30)) if i % 3 == 1]
    assert listed(region="440300") == listed(region="440305") == [ids[i] for i in reversed(range(30)) if i % 3 == 0]
    assert listed(region="110000") == []
    assert listed(merchant="mer_2") == [ids[i] for i in reversed(range(30)) if i % 3 == 2]
    assert listed(listing="lst_4") == [ids[4]]
    assert listed(code="NOTICE_MISSING") == [ids[i] for i in reversed(range(30)) if i % 2 == 0]
    assert listed(code="NOTICE_MISSING", status="open") == [ids[i] for i in reversed(range(30)) if i % 6 == 0]
    # Periods count in Beijing time: 2026-11-30 10:00Z is still November there; the 30 days end there.
    assert listed(period="2026-11") == [ids[i] for i in reversed(range(30))]
    assert listed(period="2026-12") == []
    assert listed(period="2026-Q4", tier="stop_and_report", region="440000") == \
        [ids[i] for i in reversed(range(30)) if i % 2 == 0 and i % 3 in (0, 1)]
    assert listed(period="2026") == listed()


def test_period_boundary_is_beijing_midnight(client, auth, runtime, platform):
    with runtime.db.session() as session:
        late = seed_violation(session, platform[0], detected_at=datetime(2026, 11, 30, 16, 30, tzinfo=timezone.utc)).id
        early = seed_violation(session, platform[0], detected_at=datetime(2026, 11, 30, 15, 30, tzinfo=timezone.utc)).id
    november = [r["id"] for r in client.get("/v1/violations?period=2026-11", headers=auth).get_json()]
    december = [r["id"] for r in client.get("/v1/violations?period=2026-12", headers=auth).get_json()]
    assert november == [early] and december == [late]


def test_another_platforms_violations_are_invisible(client, auth, other_auth, seeded, runtime):
    theirs = client.get("/v1/violations", headers=other_auth).get_json()
    assert theirs == []  # other_auth's platform is a third one, with none
    assert_problem(client.get(f"/v1/violations/{seeded['ids'][0]}", headers=other_auth), 404)
    assert_problem(client.get("/v1/violations/vio_nothing", headers=auth), 404)
    ours = _all(client, auth, page_size=200)[0]
    assert len(ours) == 30 and not {r["id"] for r in ours} & {seeded["other"]}


@pytest.mark.parametrize("query, field", [("region=44", "region"), ("period=2026-13", "period"),
                                          ("cursor=not-a-cursor", "cursor"), ("status=lost", "status"),
                                          ("tier=minor", "tier"), ("page_size=1000", "page_size")])
def test_bad_filters_are_422(client, auth, seeded, query, field):
    body = assert_problem(client.get(f"/v1/violations?{query}", headers=auth), 422)
    assert field in body["errors"]["query"]


def test_list_json_is_what_the_documented_schema_dumps(app, client, auth, runtime, platform):
    """The list is dumped by schemas.dump_violation, not marshmallow: byte for byte the same body
    as ViolationSchema(many=True) gives for the same rows, on rows that exercise every field kind
    (nested lists with keys the schema leaves out or lacks, nulls, dates, booleans, numbers)."""
    from gateway.violations.models import Violation
    from gateway.violations.schemas import ViolationSchema

    deadline = START + timedelta(days=3, microseconds=123456)
    with runtime.db.session() as session:
        plain = seed_violation(session, platform[0], detected_at=START, listing_id=None, region=None)
        full = seed_violation(session, platform[0], detected_at=START + timedelta(hours=1),
                              codes=("BANNED_CLAIM", "NOTICE_MISSING"), tier="correct_then_report")
        full.bureaus = [{"code": "440300", "level": "municipal", "name_zh": "深圳市市场监督管理局", "name_en": None,
                         "rule": "seller_municipal", "fallback": False, "confirmed": 1, "extra": "不输出"}]
        full.reasons = [{"code": "BANNED_CLAIM", "severity": "block", "tier": "correct_then_report",
                         "message": "含禁用宣传语", "message_en": "Banned claim", "evidence": {"x": 1}},
                        {"code": "NOTICE_MISSING", "tier": "correct_then_report", "message": None}]
        full.actions = [{"kind": "listing_blocked", "at": START.isoformat()},
                        {"kind": "rectification_ordered", "at": START.isoformat(), "deadline": deadline.isoformat(),
                         "note": "不输出"}]
        full.rectification_deadline, full.reported_at = deadline, START + timedelta(days=1)
        full.corrected_at, full.closed_at = START + timedelta(days=2), START + timedelta(days=2, seconds=1)
        full.correction_decision_id, full.codes = "dec_fix", ["BANNED_CLAIM", "NOTICE_MISSING", 7]
        ids = [full.id, plain.id]

    response = client.get("/v1/violations", headers=auth)
    assert response.status_code == 200 and response.mimetype == "application/json"
    with runtime.db.session() as session, app.app_context():
        rows = [session.get(Violation, ident) for ident in ids]
        expected = app.json.response(ViolationSchema(many=True).dump(rows)).get_data()
    assert response.get_data() == expected
    body = response.get_json()
    assert body[0]["bureaus"][0] == {"code": "440300", "level": "municipal", "name_zh": "深圳市市场监督管理局",
                                     "name_en": None, "rule": "seller_municipal", "fallback": False,
                                     "confirmed": True}
    assert body[0]["codes"][-1] == "7" and body[0]["actions"][1]["deadline"] == deadline.isoformat()
    assert body[1]["listing_id"] is None and body[1]["rectification_deadline"] is None
