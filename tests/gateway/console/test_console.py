"""The staff console through its pages: signing in, CSRF, lockout, the queue, claims, the
case page, actions and their decisions, webhooks and the API's view, administration.

Cases are real: documents read by the OCR pipeline, merchants decided by the rules against
the contract registry (tests/gateway/console/support.py)."""
from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select, update

from gateway.console.models import CaseClaim, ConsoleSession, LoginThrottle, PendingOverturn
from gateway.console.sessions import COOKIE
from gateway.db import utcnow
from gateway.decisions.models import Decision
from gateway.merchants.models import Merchant
from gateway.tenancy.models import Platform
from gateway.webhooks.models import WebhookDelivery
from tests.conftest import _new_platform, make_settings
from tests.gateway.console import support
from tests.gateway.console.support import PASSWORD, csrf_token, post_form, sign_in, staff_user
from tests.gateway.reports.test_reports import world  # noqa: F401 (fixture)


@pytest.fixture
def settings(database_url, tmp_path):
    return make_settings(database_url, tmp_path, webhook_allow_private_networks=True)


@pytest.fixture
def registry(runtime):
    return support.contract_registry(runtime)


@pytest.fixture
def reviewer(runtime):
    return staff_user(runtime, "reviewer@example.com")


def html(response) -> str:
    return response.get_data(as_text=True)


def merchant(runtime, merchant_id):
    with runtime.db.read_sessionmaker() as s:
        return s.get(Merchant, merchant_id)


def audit_kinds(runtime, subject_id=None) -> list[str]:
    from gateway.audit.models import AuditEntry

    query = select(AuditEntry.kind).order_by(AuditEntry.sequence)
    if subject_id:
        query = query.where(AuditEntry.subject_id == subject_id)
    with runtime.db.read_sessionmaker() as s:
        return list(s.scalars(query))


def decisions(runtime, subject_id):
    with runtime.db.read_sessionmaker() as s:
        return list(s.scalars(select(Decision).where(Decision.subject_id == subject_id).order_by(Decision.decided_at)))


# --- signing in --------------------------------------------------------------------------------


def test_login_page_is_html_with_labelled_fields(client):
    response = client.get("/console/login")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = html(response)
    assert '<label for="email">邮箱</label>' in page and 'id="email"' in page
    assert '<label for="password">密码</label>' in page and 'name="csrf_token"' in page
    assert 'lang="zh-CN"' in page
    english = html(client.get("/console/login?lang=en"))
    assert '<label for="email">Email</label>' in english and 'lang="en"' in english
    assert "Sign in" in html(client.get("/console/login"))  # the choice is remembered (a cookie)


def test_cli_user_signs_in_and_out_with_a_server_side_session(app, runner, runtime, platform):
    result = runner.invoke(["users", "create", "Ops@Example.com", "--role", "admin", "--password-stdin"],
                           input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    client = app.test_client()
    assert client.get("/console/queue").status_code == 302  # to the sign-in page
    response = client.post("/console/login", data={"email": "ops@example.com", "password": PASSWORD,
                                                   "csrf_token": csrf_token(client), "next": "/console/admin/users"})
    assert response.status_code == 303 and response.headers["Location"] == "/console/admin/users"
    cookie = client.get_cookie(COOKIE, path="/console")
    assert cookie.http_only and cookie.same_site == "Lax"
    with runtime.db.read_sessionmaker() as s:
        rows = s.scalars(select(ConsoleSession)).all()
    assert [r.user_id for r in rows if r.user_id] and cookie.value not in {r.token_hash for r in rows}
    assert client.get("/console/queue").status_code == 200
    assert post_form(client, "/console/logout", {}).status_code == 303
    assert client.get("/console/queue").status_code == 302
    # The copied cookie of a signed-out session signs nobody in: its row is gone.
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie.value, path="/console")
    assert thief.get("/console/queue").status_code == 302


def test_sign_in_rotates_the_session_token_and_refuses_other_sites(app, runtime, reviewer):
    client = app.test_client()
    token = csrf_token(client)
    before = client.get_cookie(COOKIE, path="/console").value
    response = client.post("/console/login", data={"email": "reviewer@example.com", "password": PASSWORD,
                                                   "csrf_token": token, "next": "https://evil.example/"})
    assert response.headers["Location"] == "/console/queue"
    assert client.get_cookie(COOKIE, path="/console").value != before


def test_expired_and_idle_sessions_end(app, runtime, reviewer):
    client = sign_in(app, "reviewer@example.com")
    with runtime.db.session() as s:
        s.execute(update(ConsoleSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert client.get("/console/queue").status_code == 302


def test_repeated_failures_lock_the_address(app, runtime, reviewer):
    client = app.test_client()
    for _ in range(4):
        response = client.post("/console/login", data={"email": "reviewer@example.com", "password": "wrong",
                                                       "csrf_token": csrf_token(client)})
        assert response.status_code == 401 and "邮箱或密码不正确" in html(response)
    locked = client.post("/console/login", data={"email": "reviewer@example.com", "password": "wrong",
                                                 "csrf_token": csrf_token(client)})
    assert locked.status_code == 429 and "Retry-After" in locked.headers
    # Locked: the right password is refused too, until the lock ends.
    right = client.post("/console/login", data={"email": "reviewer@example.com", "password": PASSWORD,
                                                "csrf_token": csrf_token(client)})
    assert right.status_code == 429
    with runtime.db.session() as s:
        s.execute(update(LoginThrottle).values(locked_until=utcnow() - timedelta(seconds=1)))
    sign_in(app, "reviewer@example.com")
    # An unknown address is answered and locked the same way: nothing tells which exist.
    for _ in range(5):
        response = client.post("/console/login", data={"email": "nobody@example.com", "password": "x",
                                                       "csrf_token": csrf_token(client)})
    assert response.status_code == 429


def test_forms_without_their_csrf_token_are_refused(app, runtime, platform, registry, reviewer):
    client = app.test_client()
    response = client.post("/console/login", data={"email": "reviewer@example.com", "password": PASSWORD})
    assert response.status_code == 400 and response.mimetype == "text/html"
    case = support.merchant_case(runtime, platform[0], name="深圳另一医疗器械有限公司")
    client = sign_in(app, "reviewer@example.com")
    response = client.post(f"/console/cases/merchant/{case}/actions", data={"action": "approve", "reason": "证照齐全"})
    assert response.status_code == 400 and "安全令牌" in html(response)
    response = client.post(f"/console/cases/merchant/{case}/actions",
                           data={"action": "approve", "reason": "证照齐全", "csrf_token": "forged"})
    assert response.status_code == 400
    assert merchant(runtime, case).status == "needs_review"


def test_the_api_is_not_asked_for_csrf_tokens(client, auth):
    assert client.put("/v1/webhook", headers=auth, json={"url": "http://127.0.0.1:9/h"}).status_code == 200


# --- the queue ---------------------------------------------------------------------------------


def test_queue_oldest_first_with_filters_paging_and_platform_scope(app, runtime, platform, registry):
    pid = platform[0]
    other_pid, _ = _new_platform(runtime, "另一平台", "310000")
    old = support.merchant_case(runtime, pid, name="深圳另一医疗器械有限公司", external_id="m-old", age=timedelta(days=5))
    new = support.merchant_case(runtime, pid, name="深圳第三医疗器械有限公司", external_id="m-new", age=timedelta(hours=2))
    rejected = support.merchant_case(runtime, pid, uscc="914403007152672600", external_id="m-bad",
                                     age=timedelta(days=1))
    approved = support.merchant_case(runtime, pid, external_id="m-ok")
    listing = support.listing_case(runtime, pid, approved, age=timedelta(days=2))
    foreign = support.merchant_case(runtime, other_pid, name="上海某医疗器械有限公司", external_id="m-foreign",
                                    documents=[], uscc="9131010129141777XC", region="310101",
                                    age=timedelta(days=9))
    staff_user(runtime, "ops@example.com")
    staff_user(runtime, "gd@example.com", platform_id=pid)
    assert merchant(runtime, rejected).status == "rejected"

    def ids(client, query=""):
        return re.findall(r'/console/cases/\w+/(\w+)"', html(client.get("/console/queue" + query)))

    ops = sign_in(app, "ops@example.com")
    assert ids(ops) == [foreign, old, listing, rejected, new]  # oldest first, every platform
    assert ids(ops, "?kind=listing") == [listing]
    assert ids(ops, "?status=rejected") == [foreign, rejected]  # no licence for class III: rejected
    assert ids(ops, "?code=NAME_MISMATCH") == [old, new]
    assert ids(ops, "?code=USCC_INVALID") == [rejected]
    assert ids(ops, "?age=3") == [foreign, old]
    assert ids(ops, "?region=310000") == [foreign] and ids(ops, "?region=440000") == [old, listing, rejected, new]
    assert approved not in ids(ops)
    gd = sign_in(app, "gd@example.com")
    assert ids(gd) == [old, listing, rejected, new]  # a platform's user sees that platform only
    assert gd.get(f"/console/cases/merchant/{foreign}").status_code == 404


def test_queue_pages(app, runtime, platform, registry, monkeypatch):
    from gateway.console import queue

    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    ids = [support.merchant_case(runtime, platform[0], documents=[], external_id=f"m{i}",
                                 age=timedelta(hours=10 - i)) for i in range(5)]
    staff_user(runtime, "ops@example.com")
    client = sign_in(app, "ops@example.com")
    seen = []
    for page in (1, 2, 3):
        body = html(client.get(f"/console/queue?page={page}&kind=merchant"))
        seen += re.findall(r'/console/cases/merchant/(\w+)"', body)
    assert seen == ids
    assert 'rel="next"' not in body and "3 / 3" in body


# --- claims ------------------------------------------------------------------------------------


def test_a_claimed_case_cannot_be_worked_by_another_reviewer(app, runtime, platform, registry):
    case = support.merchant_case(runtime, platform[0], documents=[])
    staff_user(runtime, "a@example.com")
    staff_user(runtime, "b@example.com")
    a, b = sign_in(app, "a@example.com"), sign_in(app, "b@example.com")
    page = f"/console/cases/merchant/{case}"
    assert post_form(a, page + "/claim", {}, page).status_code == 303
    assert "a@example.com" in html(b.get("/console/queue"))
    response = post_form(b, page + "/claim", {}, page)
    assert "已由 a@example.com 认领" in html(b.get(response.headers["Location"]))
    post_form(b, page + "/actions", {"action": "confirm_rejection", "reason": "缺少证照"}, page)
    assert merchant(runtime, case).status == "needs_review"
    # An expired claim is free for the taking.
    with runtime.db.session() as s:
        s.execute(update(CaseClaim).values(expires_at=utcnow() - timedelta(seconds=1)))
    post_form(b, page + "/claim", {}, page)
    with runtime.db.read_sessionmaker() as s:
        assert s.scalar(select(CaseClaim.email)) == "b@example.com"
    post_form(b, page + "/actions", {"action": "confirm_rejection", "reason": "缺少证照"}, page)
    assert merchant(runtime, case).status == "rejected"
    with runtime.db.read_sessionmaker() as s:
        assert s.scalar(select(CaseClaim)) is None  # acting releases the claim


# --- the case page -----------------------------------------------------------------------------


def test_case_page_shows_pages_with_boxes_fields_beside_the_registry_and_the_record(app, runtime, platform,
                                                                                   registry, reviewer):
    case = support.merchant_case(runtime, platform[0], name="深圳另一医疗器械有限公司")
    client = sign_in(app, "reviewer@example.com")
    page = html(client.get(f"/console/cases/merchant/{case}"))
    assert page.count('class="ocr-box"') >= 15 and 'class="field-box"' in page
    images = re.findall(r'<image href="(/console/documents/\w+/pages/1.png)"', page)
    assert len(images) == 2
    picture = client.get(images[0])
    assert picture.status_code == 200 and picture.mimetype == "image/png"
    # Drawn at the size the reader saw it, so the boxes (in the reader's coordinates) line up.
    width, height = re.search(r'viewBox="0 0 (\d+) (\d+)"', page).groups()
    assert Image.open(io.BytesIO(picture.data)).size == (int(width), int(height))
    # The licence's fields beside the registry row of its number: the holder's name matches the
    # registry, the merchant's declared name differs from the business licence.
    assert "粤深药监械经营许20230001号" in page and "深圳市南山区示例路1号" in page
    assert page.count('class="differs"') >= 1 and "深圳另一医疗器械有限公司" in page
    assert "NAME_MISMATCH" in page and "<details><summary>证据</summary>" in page
    # The rules give NAME_MISMATCH three times (the business licence, the device licence and
    # its registry row); the page lists it once, naming both documents, with all three evidences.
    [reason] = re.findall(r'<li class="reason sev-\w+" data-code="NAME_MISMATCH">.*?</li>', page, re.DOTALL)
    assert page.count('data-code="NAME_MISMATCH"') == 1
    documents = re.findall(r'<a href="#doc-(doc_\w+)">([^<]+)</a>', reason)
    assert sorted(name for _, name in documents) == ["医疗器械经营许可证", "营业执照"]
    assert {doc for doc, _ in documents} == set(re.findall(r'<h3 id="doc-(doc_\w+)">', page))
    assert reason.count("<pre>") == 3 and "registry_holder" in reason
    assert page.count('name="deficiency"') == 1 and 'name="deficiency" value="0,1,2"' in page
    # Business scope reads as classes with their category names, not as JSON.
    scope_row = re.search(r'<tr class="[^"]*" data-field="scope">.*?</tr>', page, re.DOTALL).group(0)
    assert "<li>Ⅲ类：14 注输、护理和防护器械</li>" in scope_row and "<li>Ⅱ类：07 医用诊察和监护器械</li>" in scope_row
    assert "&#34;category&#34;" not in scope_row and '"category"' not in scope_row and "{" not in scope_row
    assert "rules" in page and "created" in page  # the decision history
    english = html(client.get(f"/console/cases/merchant/{case}?lang=en"))
    assert "Extracted fields and the registry record" in english and "Request resubmission" in english
    assert "Concerns:" in english and ">business licence</a>" in english
    other = staff_user(runtime, "elsewhere@example.com", platform_id=_new_platform(runtime, "另一平台", "310000")[0])
    assert other
    outsider = sign_in(app, "elsewhere@example.com")
    assert outsider.get(f"/console/cases/merchant/{case}").status_code == 404
    assert outsider.get(images[0]).status_code == 404


# --- actions -----------------------------------------------------------------------------------


@pytest.fixture
def hooked(client, auth):
    from tests.gateway.webhooks.test_webhooks import Receiver, set_hook

    receiver = Receiver()
    set_hook(client, auth, receiver.url)
    yield receiver
    receiver.server.shutdown()


def deliveries(runtime, event):
    with runtime.db.read_sessionmaker() as s:
        return [d.payload["data"] for d in s.scalars(select(WebhookDelivery).where(WebhookDelivery.event_type == event))]


def test_approve_needs_a_reason_and_becomes_the_users_decision(app, client, auth, runtime, platform, registry,
                                                               reviewer, hooked):
    case = support.merchant_case(runtime, platform[0], name="深圳另一医疗器械有限公司")
    reviewer_client = sign_in(app, "reviewer@example.com")
    page = f"/console/cases/merchant/{case}"
    response = post_form(reviewer_client, page + "/actions", {"action": "approve", "reason": " "}, page)
    assert "请填写理由" in html(reviewer_client.get(response.headers["Location"]))
    assert merchant(runtime, case).status == "needs_review"
    post_form(reviewer_client, page + "/actions", {"action": "approve", "reason": "更名证明已线下核实"}, page)
    body = client.get(f"/v1/merchants/{case}", headers=auth).get_json()
    assert body["status"] == "approved"
    assert body["decision"]["decided_by"] == "staff:reviewer@example.com" and body["decision"]["reasons"] == []
    latest = decisions(runtime, case)[-1]
    assert latest.trigger == "staff_action" and latest.looked_at["staff"]["reason"] == "更名证明已线下核实"
    assert latest.looked_at["staff"]["replaces_decision_id"] == decisions(runtime, case)[-2].id
    [event] = deliveries(runtime, "merchant.approved")
    assert event["decided_by"] == "staff" and event["action"] == "approve" and "reviewer" not in json.dumps(event)
    assert "更名证明已线下核实" in html(reviewer_client.get(page))  # in the history
    assert case not in html(reviewer_client.get("/console/queue"))  # a person decided: out of the queue


def test_request_resubmission_lists_every_deficiency_at_once(app, runtime, platform, registry, reviewer, hooked):
    case = support.merchant_case(runtime, platform[0], name="深圳另一医疗器械有限公司")
    client = sign_in(app, "reviewer@example.com")
    page = f"/console/cases/merchant/{case}"
    reasons = decisions(runtime, case)[-1].reasons
    # What the page's boxes send (one box per reason, its copies' indexes), plus junk ignored.
    boxes = re.findall(r'name="deficiency" value="([\d,]+)"', html(client.get(page)))
    post_form(client, page + "/actions", {"action": "request_resubmission", "reason": "名称与执照不一致",
                                          "deficiency": [*boxes, "²", "9" * 5000],
                                          "extra_deficiencies": "请上传更名核准通知书\n请补充授权书"}, page)
    assert merchant(runtime, case).status == "rejected"
    [event] = deliveries(runtime, "merchant.resubmission_requested")
    codes = [d["code"] for d in event["deficiencies"]]
    assert codes == [r["code"] for r in reasons] + [None, None]
    assert event["deficiencies"][-1]["message"] == "请补充授权书"


def test_suspend_and_unblock_a_merchant(app, client, auth, runtime, platform, registry, reviewer, hooked):
    case = support.merchant_case(runtime, platform[0])
    assert merchant(runtime, case).status == "approved"
    staff = sign_in(app, "reviewer@example.com")
    page = f"/console/cases/merchant/{case}"
    post_form(staff, page + "/actions", {"action": "suspend", "reason": "投诉核实：超范围经营"}, page)
    stored = merchant(runtime, case)
    assert stored.status == "suspended" and stored.suspended_by == "staff:reviewer@example.com"
    assert deliveries(runtime, "merchant.suspended")
    post_form(staff, page + "/actions", {"action": "unblock", "reason": "整改完成"}, page)
    assert client.get(f"/v1/merchants/{case}", headers=auth).get_json()["status"] == "approved"


def test_confirm_a_listing_block(app, client, auth, runtime, platform, registry, reviewer, hooked):
    listing = support.listing_case(runtime, platform[0], support.merchant_case(runtime, platform[0]))
    staff = sign_in(app, "reviewer@example.com")
    page = f"/console/cases/listing/{listing}"
    assert "BANNED_CLAIM" in html(staff.get(page))
    post_form(staff, page + "/actions", {"action": "confirm_rejection", "reason": "宣称治愈，属违规宣传"}, page)
    body = client.get(f"/v1/listings/{listing}", headers=auth).get_json()
    assert body["decision"]["outcome"] == "block" and body["decision"]["decided_by"] == "staff:reviewer@example.com"
    [event] = deliveries(runtime, "listing.blocked")
    assert event["previous_outcome"] == "review" and event["reason_codes"] == ["BANNED_CLAIM"]


def test_overturning_a_machine_block_can_need_a_second_reviewer(app, runtime, platform, registry):
    pid = platform[0]
    with runtime.db.session() as s:
        s.get(Platform, pid).settings = {"overturn_requires_second_reviewer": True}
    case = support.merchant_case(runtime, pid, uscc="914403007152672600")
    assert merchant(runtime, case).status == "rejected"
    staff_user(runtime, "a@example.com")
    staff_user(runtime, "b@example.com")
    a, b = sign_in(app, "a@example.com"), sign_in(app, "b@example.com")
    page = f"/console/cases/merchant/{case}"
    response = post_form(a, page + "/actions", {"action": "approve", "reason": "代码为录入错误"}, page)
    assert "等待第二审核人确认" in html(a.get(response.headers["Location"]))
    assert merchant(runtime, case).status == "rejected"
    response = post_form(a, page + "/actions", {"action": "approve", "reason": "再次确认"}, page)
    assert "需要另一位审核人员确认" in html(a.get(response.headers["Location"]))
    # Withdrawn and proposed again: the proposal is the proposer's to take back.
    assert post_form(b, page + "/overturn/withdraw", {}, page).status_code == 303
    response = post_form(a, page + "/overturn/withdraw", {}, page)
    assert "已撤回" in html(a.get(response.headers["Location"]))
    post_form(a, page + "/actions", {"action": "approve", "reason": "代码为录入错误"}, page)
    assert "待第二审核人确认的推翻" in html(b.get(page))
    post_form(b, page + "/actions", {"action": "approve", "reason": "复核同意"}, page)
    assert merchant(runtime, case).status == "approved"
    latest = decisions(runtime, case)[-1]
    assert latest.decided_by == "staff:b@example.com"
    assert latest.looked_at["staff"]["proposed_by"] == "a@example.com"
    with runtime.db.read_sessionmaker() as s:
        assert sorted(s.scalars(select(PendingOverturn.status))) == ["confirmed", "withdrawn"]
    kinds = audit_kinds(runtime, case)
    assert kinds.count("console.overturn_proposed") == 2 and "console.overturn_withdrawn" in kinds
    assert kinds[-1] == "decision.recorded"
    # Confirming a rejection is no overturn: one reviewer suffices.
    other = support.merchant_case(runtime, pid, uscc="914403007152672600", external_id="m2")
    post_form(a, f"/console/cases/merchant/{other}/actions", {"action": "confirm_rejection", "reason": "代码无效"},
              f"/console/cases/merchant/{other}")
    assert merchant(runtime, other).status == "rejected" and decisions(runtime, other)[-1].decided_by != "rules"


# --- administration ----------------------------------------------------------------------------


def test_admin_pages_are_for_admins_and_scoped_to_their_platform(app, runtime, platform, reviewer, hooked):
    pid = platform[0]
    other_pid, _ = _new_platform(runtime, "另一平台", "310000")
    staff_user(runtime, "boss@example.com", role="admin", platform_id=pid)
    staff_user(runtime, "theirs@example.com", platform_id=other_pid)
    assert sign_in(app, "reviewer@example.com").get("/console/admin/users").status_code == 403
    boss = sign_in(app, "boss@example.com")
    users = html(boss.get("/console/admin/users"))
    assert "theirs@example.com" not in users and "reviewer@example.com" not in users
    post_form(boss, "/console/admin/users", {"email": "new@example.com", "role": "reviewer",
                                             "password": "long-enough-pw", "platform_id": other_pid},
              "/console/admin/users")
    new_client = sign_in(app, "new@example.com", "long-enough-pw")
    with runtime.db.read_sessionmaker() as s:
        from gateway.tenancy.models import StaffUser
        new = s.scalar(select(StaffUser).where(StaffUser.email == "new@example.com"))
    assert new.platform_id == pid  # a platform's admin adds users of that platform only
    post_form(boss, f"/console/admin/users/{new.id}/active", {"active": "0"}, "/console/admin/users")
    assert new_client.get("/console/queue").status_code == 302  # deactivated: signed out at once
    assert boss.get(f"/console/admin/platforms/{other_pid}").status_code == 404
    detail = html(boss.get(f"/console/admin/platforms/{pid}"))
    assert hooked.url in detail and "webhook.test" not in detail
    post_form(boss, f"/console/admin/platforms/{pid}/settings", {"overturn_requires_second_reviewer": "1"},
              f"/console/admin/platforms/{pid}")
    with runtime.db.read_sessionmaker() as s:
        assert s.get(Platform, pid).settings["overturn_requires_second_reviewer"] is True
    assert audit_kinds(runtime, new.id) == ["console.user_added", "console.signed_in", "console.user_deactivated"]
    assert "console.setting_changed" in audit_kinds(runtime, pid)
    from gateway.audit.services import verify_chain
    with runtime.db.read_sessionmaker() as s:
        assert verify_chain(s).intact


def test_the_delivery_log_pages_with_the_shared_pager(app, runtime, platform, monkeypatch):
    from gateway.console import admin_views

    monkeypatch.setattr(admin_views, "DELIVERIES_PER_PAGE", 2)
    pid = platform[0]
    with runtime.db.session() as s:
        for i in range(5):
            s.add(WebhookDelivery(platform_id=pid, event_type="merchant.decided", payload={"n": i},
                                  created_at=utcnow() - timedelta(minutes=i)))
    staff_user(runtime, "boss@example.com", role="admin", platform_id=pid)
    boss = sign_in(app, "boss@example.com")
    first = html(boss.get(f"/console/admin/platforms/{pid}"))
    assert "1 / 3" in first and 'rel="prev"' not in first
    assert f'rel="next" href="/console/admin/platforms/{pid}?page=2"' in first  # the path value kept
    middle = html(boss.get(f"/console/admin/platforms/{pid}?page=2"))
    assert "2 / 3" in middle and f'rel="prev" href="/console/admin/platforms/{pid}?page=1"' in middle
    beyond = html(boss.get(f"/console/admin/platforms/{pid}?page=99"))
    assert "3 / 3" in beyond and 'rel="next"' not in beyond  # kept in range


# --- violations (from i12-violations) ------------------------------------------------------------


def test_a_suspension_raises_a_violation_shown_with_its_evidence(app, runtime, platform, registry, reviewer):
    from gateway.violations.models import Violation

    case = support.merchant_case(runtime, platform[0])
    staff = sign_in(app, "reviewer@example.com")
    page = f"/console/cases/merchant/{case}"
    post_form(staff, page + "/actions", {"action": "suspend", "reason": "抽检发现无证经营"}, page)
    with runtime.db.read_sessionmaker() as s:
        violation = s.scalar(select(Violation).where(Violation.merchant_id == case))
    assert violation is not None and violation.status == "open"
    assert f"/console/violations/{violation.id}" in html(staff.get("/console/queue?kind=violation"))
    listed = html(staff.get("/console/violations?status=open"))
    assert violation.id in listed and 'href="/console/violations"' in listed  # and in the navigation
    detail = html(staff.get(f"/console/violations/{violation.id}"))
    assert "抽检发现无证经营" in detail  # the decision as frozen in the evidence
    with runtime.db.read_sessionmaker() as s:
        from gateway.violations.services import evidence_of
        assert all(e.sha256 in detail for e in evidence_of(s, violation.id))
    post_form(staff, page + "/actions", {"action": "unblock", "reason": "已补办许可证"}, page)
    assert f"/console/violations/{violation.id}" not in html(staff.get("/console/queue?kind=violation"))
    other = staff_user(runtime, "elsewhere@example.com", platform_id=_new_platform(runtime, "另一平台", "310000")[0])
    assert other and sign_in(app, "elsewhere@example.com").get(f"/console/violations/{violation.id}").status_code == 404


# --- reports (from i12-reports) ------------------------------------------------------------------


def test_generate_download_and_see_the_receipts_of_a_report(app, client, auth, runtime, platform, world):  # noqa: F811
    from openpyxl import load_workbook

    from tests.gateway.reports.test_report_channels import Receiver
    from tests.gateway.reports.test_reports import this_month

    receiver = Receiver()
    try:
        channel = client.post("/v1/report-channels", headers=auth, json={
            "kind": "https", "name": "省局接口", "config": {"url": receiver.url}}).get_json()
        staff_user(runtime, "boss@example.com", role="admin", platform_id=platform[0])
        staff = sign_in(app, "boss@example.com")
        response = post_form(staff, "/console/reports", {"region": "440300", "period": this_month()}, "/console/reports")
        assert response.status_code == 303
        runtime.dispatcher.wait_idle(120)
        page = html(staff.get(response.headers["Location"]))
        assert "已生成" in page and "省局接口" in page and channel["id"] in page and "已送达" in page
        link = re.search(r'href="(/console/reports/\w+/file\?format=xlsx)"', page).group(1)
        download = staff.get(link.replace("&amp;", "&"))
        assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
        assert load_workbook(io.BytesIO(download.data)).sheetnames
        assert "440300" in html(staff.get("/console/reports"))
        refused = post_form(staff, "/console/reports", {"region": "44", "period": this_month()}, "/console/reports")
        assert "error" in html(staff.get(refused.headers["Location"]))
        # The channel on the platform page, and switched off there.
        platform_page = f"/console/admin/platforms/{platform[0]}"
        assert "省局接口" in html(staff.get(platform_page))
        post_form(staff, f"{platform_page}/channels/{channel['id']}/enabled", {"enabled": "0"}, platform_page)
        assert client.get(f"/v1/report-channels/{channel['id']}", headers=auth).get_json()["enabled"] is False
    finally:
        receiver.server.shutdown()


# --- a person's judgement stands against re-checks on the same facts ------------------------------


def test_a_reviewers_decision_stands_until_the_facts_change(app, client, auth, runtime, platform, registry, reviewer,
                                                            hooked):
    from gateway.listings.services import recheck
    from gateway.merchants.services import reverify

    case = support.merchant_case(runtime, platform[0], name="深圳另一医疗器械有限公司")
    listing = support.listing_case(runtime, platform[0], support.merchant_case(runtime, platform[0], external_id="ok"))
    with runtime.db.session() as s:
        recheck(runtime, s, [listing], "submitted")  # decided by the rules as they stand
    machine = decisions(runtime, listing)[-1].outcome
    staff = sign_in(app, "reviewer@example.com")
    for kind, subject, action in (("merchant", case, "approve"),
                                  ("listing", listing, "approve" if machine != "allow" else "suspend")):
        page = f"/console/cases/{kind}/{subject}"
        post_form(staff, page + "/actions", {"action": action, "reason": "已人工核实"}, page)
    person = decisions(runtime, listing)[-1].outcome
    assert person != machine
    merchant_decisions, listing_decisions = len(decisions(runtime, case)), len(decisions(runtime, listing))
    flagged = len(deliveries(runtime, "merchant.needs_review"))
    # The registry changes elsewhere, the merchant is checked again: the rules say what they said.
    reverify(runtime, case, "registry_snapshot")
    with runtime.db.session() as s:
        assert recheck(runtime, s, [listing], "rescreen") == []
    assert merchant(runtime, case).status == "approved" and len(decisions(runtime, case)) == merchant_decisions
    assert len(decisions(runtime, listing)) == listing_decisions
    assert client.get(f"/v1/listings/{listing}", headers=auth).get_json()["decision"]["outcome"] == person
    assert len(deliveries(runtime, "merchant.needs_review")) == flagged  # no flip back for the platform
    # New facts are decided afresh: the merchant's name now matches its licences.
    with runtime.db.session() as s:
        s.get(Merchant, case).name = "深圳示例医疗器械有限公司"
    reverify(runtime, case, "updated")
    assert decisions(runtime, case)[-1].decided_by == "rules" and merchant(runtime, case).status == "approved"
