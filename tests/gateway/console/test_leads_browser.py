"""The leads queue and a lead page in a real headless Chromium: open an overdue lead from the
queue, see its match, assign it with a reason by keyboard, see the move through the API."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.gateway.console.support import PASSWORD, staff_user
from tests.gateway.console.test_browser import _shot, browser_page, live_server, pytestmark  # noqa: F401
from tests.gateway.leads.test_leads_api import MERCHANT, lead_body

NOW = datetime.now(timezone.utc)


def test_assign_a_lead_in_chromium(live_server, browser_page, client, auth, runtime, tmp_path):  # noqa: F811
    page = browser_page
    assert client.post("/v1/merchants", headers=auth, json=MERCHANT).status_code == 202
    lead = client.post("/v1/leads", headers=auth, json=lead_body(
        subject={"uscc": MERCHANT["uscc"]}, received_at=(NOW - timedelta(days=20)).isoformat(),
        due_at=(NOW - timedelta(days=2)).isoformat())).get_json()
    assert runtime.dispatcher.wait_idle(60)
    staff_user(runtime, "reviewer@example.com")

    page.goto(f"{live_server}/console/leads")
    page.get_by_label("邮箱").fill("reviewer@example.com")
    page.get_by_label("密码").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/console/leads")
    assert page.get_by_role("heading", name="线索").is_visible()
    assert page.locator("tr.overdue").count() == 1
    _shot(page, tmp_path, "console-leads.png")

    page.get_by_role("link", name="GJ-2026-0012").click()
    page.wait_for_url(f"{live_server}/console/leads/{lead['id']}")
    assert page.locator("#lead-overdue").is_visible()
    assert page.locator("table.matches").get_by_text(MERCHANT["name"]).is_visible()
    _shot(page, tmp_path, "console-lead.png")

    page.get_by_label("核查人员").fill("张三")
    page.get_by_label("理由（必填）").focus()
    page.keyboard.type("分办至合规部核查")
    page.get_by_role("button", name="提交").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("text=已保存")
    assert page.locator("#lead-state").inner_text().strip() == "已分办"
    body = client.get(f"/v1/leads/{lead['id']}", headers=auth).get_json()
    assert body["state"] == "assigned" and body["reviewer"] == "张三"
    assert body["events"][-1]["actor"] == "staff:reviewer@example.com"
