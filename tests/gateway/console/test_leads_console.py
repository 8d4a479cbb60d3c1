"""The leads queue and the lead page in the staff console: filters, matches, moves with a
written reason (refused ones shown, not raised), the answer to download, and scope."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import _new_platform
from tests.gateway.console.support import post_form, sign_in, staff_user
from tests.gateway.leads.test_leads_api import MERCHANT, lead_body

NOW = datetime.now(timezone.utc)


@pytest.fixture
def leads(client, auth, runtime):
    """A lead matched to a merchant, and an overdue one matched to nothing."""
    assert client.post("/v1/merchants", headers=auth, json=MERCHANT).status_code == 202
    matched = client.post("/v1/leads", headers=auth, json=lead_body(subject={"uscc": MERCHANT["uscc"]})).get_json()
    late = client.post("/v1/leads", headers=auth, json=lead_body(
        reference="SJ-9", source="provincial_monitoring", subject={"shop_name": "无名小店"},
        received_at=(NOW - timedelta(days=30)).isoformat(), due_at=(NOW - timedelta(days=1)).isoformat())).get_json()
    assert runtime.dispatcher.wait_idle(60)
    return matched["id"], late["id"]


def html(response) -> str:
    return response.get_data(as_text=True)


def test_queue_filters_and_the_lead_page(app, runtime, leads):
    staff_user(runtime, "reviewer@example.com")
    client = sign_in(app, "reviewer@example.com")
    matched, late = leads
    page = html(client.get("/console/leads"))
    assert "GJ-2026-0012" in page and "SJ-9" in page and "已超期" in page
    assert 'href="/console/leads"' in html(client.get("/console/queue"))  # in the navigation
    only_late = html(client.get("/console/leads?overdue=1"))
    assert "SJ-9" in only_late and "GJ-2026-0012" not in only_late
    unmatched = html(client.get("/console/leads?match_status=unmatched"))
    assert "SJ-9" in unmatched and "GJ-2026-0012" not in unmatched
    assert "GJ-2026-0012" in html(client.get("/console/leads?source=nmpa_transfer&state=received"))
    english = html(client.get("/console/leads?lang=en"))
    assert "Leads transferred by the NMPA" in english and "Overdue" in english

    lead_page = html(client.get(f"/console/leads/{matched}?lang=zh"))
    assert MERCHANT["name"] in lead_page and "uscc" in lead_page and "1.00" in lead_page
    assert 'name="reviewer"' in lead_page and 'value="assigned"' in lead_page
    assert "未比对到入驻企业或商品" in html(client.get(f"/console/leads/{late}"))
    assert client.get("/console/leads/lead_nowhere").status_code == 404


def test_the_loop_from_the_console_to_the_answer(app, client, auth, runtime, leads):
    staff_user(runtime, "reviewer@example.com")
    console = sign_in(app, "reviewer@example.com")
    matched, _ = leads
    page = f"/console/leads/{matched}"

    # A refused move is shown on the page, not raised.
    response = post_form(console, f"{page}/transitions", {"to": "disposed", "reason": "跳过"}, page)
    assert response.status_code == 303
    assert "不能转为" in html(console.get(page))
    assert post_form(console, f"{page}/transitions", {"to": "assigned", "reason": ""}, page).status_code == 303
    assert "请填写理由" in html(console.get(page))

    for data in ({"to": "assigned", "reason": "分办", "reviewer": "张三"},
                 {"to": "verifying", "reason": "开始核查"},
                 {"to": "disposed", "reason": "核查属实", "action": ["rectification_ordered", "listing_removed"],
                  "rectification_deadline": (NOW + timedelta(days=7)).strftime("%Y-%m-%d"), "key_case": "1"},
                 {"to": "answered", "reason": "反馈国家局"}):
        response = post_form(console, f"{page}/transitions", data, page)
        assert response.status_code == 303, html(response)
        assert "已保存" in html(console.get(page)), data
    assert runtime.dispatcher.wait_idle(60)
    body = html(console.get(page))
    assert 'id="lead-state">已反馈' in body and "责令整改" in body and "staff:reviewer@example.com" in body
    assert re.search(r'href="/console/leads/[^"]+/answer\.pdf"', body)
    pdf = console.get(f"{page}/answer.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert console.get(f"{page}/answer.doc").status_code == 404

    # The API sees what the console did, with the staff member as the actor.
    lead = client.get(f"/v1/leads/{matched}", headers=auth).get_json()
    assert lead["state"] == "answered" and lead["key_case"] is True
    assert [a["kind"] for a in lead["disposal"]["actions"]] == ["rectification_ordered", "listing_removed"]
    assert lead["disposal"]["actions"][0]["deadline"]
    assert {e["actor"] for e in lead["events"] if e["kind"] == "transition" and e["from_state"]} == {
        "staff:reviewer@example.com"}


def test_staff_of_another_platform_see_none_of_it(app, client, auth, runtime, leads):
    other, _ = _new_platform(runtime, "另一平台", "310000")
    staff_user(runtime, "other@example.com", platform_id=other)
    console = sign_in(app, "other@example.com")
    assert "GJ-2026-0012" not in html(console.get("/console/leads"))
    assert console.get(f"/console/leads/{leads[0]}").status_code == 404
    page = "/console/leads"
    assert post_form(console, f"/console/leads/{leads[0]}/transitions",
                     {"to": "assigned", "reason": "x", "reviewer": "y"}, page).status_code == 303
    assert client.get(f"/v1/leads/{leads[0]}", headers=auth).get_json()["state"] == "received"
    assert console.get(f"/console/leads/{leads[0]}/answer.pdf").status_code == 404
