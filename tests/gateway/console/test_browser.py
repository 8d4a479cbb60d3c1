"""The console in a real headless Chromium (Debian's, driven by Playwright; no browser is
downloaded): sign in, open a case from the queue, see the page image with its OCR boxes,
approve with a reason by keyboard, see the change through the API; a form whose CSRF token
is removed is refused.

QW_CONSOLE_SCREENSHOTS=docs saves the queue and the case page there (the
screenshots in docs/console.md are made this way)."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.gateway.console import support
from tests.gateway.console.support import PASSWORD, staff_user

CHROMIUM = next((p for p in (os.environ.get("QW_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium")
                 if p and Path(p).exists()), None)
pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")]


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-dev-shm-usage"])
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


def _shot(page, tmp_path, name):
    page.screenshot(path=str(tmp_path / name), full_page=True)
    target = os.environ.get("QW_CONSOLE_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / name, Path(target) / name)


def test_review_a_case_in_chromium(live_server, browser_page, client, auth, runtime, platform, tmp_path):
    page = browser_page
    support.contract_registry(runtime)
    case = support.merchant_case(runtime, platform[0], name="深圳另一医疗器械有限公司")
    support.listing_case(runtime, platform[0], support.merchant_case(runtime, platform[0], external_id="ok"))
    support.merchant_case(runtime, platform[0], uscc="914403007152672600", external_id="bad-code")
    staff_user(runtime, "reviewer@example.com")

    page.goto(f"{live_server}/console/queue")
    assert page.url.startswith(f"{live_server}/console/login")
    # Signing in by keyboard alone: the address field has the focus, Tab goes on to the password.
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.type("reviewer@example.com")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/console/queue")
    assert page.get_by_role("heading", name="审核队列").is_visible()
    _shot(page, tmp_path, "console-queue.png")

    with page.expect_response(lambda r: "/pages/1.png" in r.url and r.status == 200):
        page.get_by_role("link", name="深圳另一医疗器械有限公司").click()
    page.wait_for_url(f"{live_server}/console/cases/merchant/{case}")
    boxes = page.locator("rect.ocr-box")
    assert boxes.count() >= 15
    picture, box = page.locator("svg.page-svg").first.bounding_box(), boxes.first.bounding_box()
    assert box["width"] > 20 and box["height"] > 5  # drawn over the page, inside it
    assert picture["x"] <= box["x"] and box["x"] + box["width"] <= picture["x"] + picture["width"] + 1
    assert page.locator("tr.differs").count() >= 1
    _shot(page, tmp_path, "console-case.png")

    # Approve by keyboard: the reason, then the action's radio (approve is first) and submit.
    page.get_by_label("理由（必填）").focus()
    page.keyboard.type("更名核准通知书已线下核实")
    page.get_by_role("radio", name="通过").check()
    page.get_by_role("button", name="提交").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("text=已记录决定")
    assert page.locator("#case-state").inner_text().strip() == "通过"
    body = client.get(f"/v1/merchants/{case}", headers=auth).get_json()
    assert body["status"] == "approved" and body["decision"]["decided_by"] == "staff:reviewer@example.com"

    # A form stripped of its CSRF token is refused, and nothing happens.
    page.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
    page.get_by_role("button", name="认领").click()
    assert page.get_by_text("缺少安全令牌").is_visible()
    with runtime.db.read_sessionmaker() as s:
        from gateway.console.models import CaseClaim
        assert s.get(CaseClaim, ("merchant", case)) is None
