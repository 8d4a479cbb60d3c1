"""Report delivery end to end: channels set through the API, a generated report sent by S3 (moto's
server over HTTP), SMTP (aiosmtpd) and a signed HTTPS POST, each leaving a receipt whose hashes
are the report's files; retries with backoff through the task table; ``report.delivered``.

Receivers listen on 127.0.0.1, so these tests allow private networks."""
from __future__ import annotations

import email
import functools
import hashlib
import json
from datetime import timedelta
from email import policy

import boto3
import pytest
from sqlalchemy import select, update
from standardwebhooks import Webhook

from gateway.db import utcnow
from gateway.jobs.models import Task, TaskStatus
from gateway.reports import delivery as delivery_service
from gateway.reports.models import ReportDelivery
from tests.conftest import make_settings
from tests.gateway.reports.test_report_channels import Receiver, dripping_smtp_server, smtp_server  # noqa: F401
from tests.gateway.reports.test_reports import this_month, world  # noqa: F401 (fixture)
from tests.gateway.test_errors_and_auth import assert_problem


@pytest.fixture
def settings(database_url, tmp_path):
    return make_settings(database_url, tmp_path, webhook_allow_private_networks=True)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def add_channel(client, auth, body):
    response = client.post("/v1/report-channels", headers=auth, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def request(client, auth, runtime, region="440300"):
    report_id = client.post("/v1/reports", headers=auth, json={"region": region, "period": this_month()}).get_json()["id"]
    runtime.dispatcher.wait_idle(120)
    return client.get(f"/v1/reports/{report_id}", headers=auth).get_json()


def test_every_channel_delivers_with_a_receipt(client, auth, runtime, world, s3_endpoint, smtp_server, receiver):
    controller, mailbox = smtp_server
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket="gd-bureau")
    hook = client.put("/v1/webhook", headers=auth, json={"url": receiver.url.replace("/reports", "/hooks")}).get_json()
    s3 = add_channel(client, auth, {"kind": "s3", "name": "广东省局交换桶", "region": "440000",
                                    "config": {"bucket": "gd-bureau", "prefix": "platform-a", "endpoint_url": s3_endpoint,
                                               "region": "us-east-1", "access_key_id": "testing"},
                                    "secret": "testing"})
    assert s3["has_secret"] and "secret" not in s3 and "signing_secret" not in s3
    mail = add_channel(client, auth, {"kind": "smtp", "name": "深圳市局邮箱", "region": "440300", "formats": ["xlsx", "pdf"],
                                      "config": {"host": "127.0.0.1", "port": controller.port, "security": "none",
                                                 "sender": "reports@platform.cn", "recipients": ["jg@sz.gov.cn"]}})
    https = add_channel(client, auth, {"kind": "https", "name": "省局接口", "report_kinds": ["periodic"],
                                       "config": {"url": receiver.url}})
    assert https["signing_secret"].startswith("whsec_")
    add_channel(client, auth, {"kind": "https", "name": "上海", "region": "310000", "config": {"url": receiver.url}})

    report = request(client, auth, runtime)
    assert report["status"] == "generated"
    deliveries = client.get(f"/v1/reports/{report['id']}/deliveries", headers=auth).get_json()
    by_channel = {d["channel_id"]: d for d in deliveries}
    assert set(by_channel) == {s3["id"], mail["id"], https["id"]}  # not Shanghai's
    assert all(d["status"] == "delivered" and d["attempts"] == 1 for d in deliveries), deliveries
    hashes = {fmt: f["sha256"] for fmt, f in report["files"].items()}
    assert by_channel[s3["id"]]["receipt"]["files"] == hashes
    assert by_channel[mail["id"]]["receipt"]["files"] == {k: hashes[k] for k in ("xlsx", "pdf")}

    # S3: the bytes in the bucket are the report's.
    objects = by_channel[s3["id"]]["receipt"]["answer"]["objects"]
    bucket = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    for obj in objects[:-1]:
        data = bucket.get_object(Bucket="gd-bureau", Key=obj["key"])["Body"].read()
        assert hashlib.sha256(data).hexdigest() in hashes.values()
    manifest = json.loads(bucket.get_object(Bucket="gd-bureau", Key=objects[-1]["key"])["Body"].read())
    assert manifest["subject_id"] == report["id"] and manifest["period"] == this_month()

    # SMTP: one mail with the two formats attached; the server's reply is the receipt's answer.
    [envelope] = mailbox.envelopes
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    attached = {part.get_filename(): hashlib.sha256(part.get_content()).hexdigest() for part in message.iter_attachments()}
    assert sorted(attached.values()) == sorted([hashes["xlsx"], hashes["pdf"]])
    assert "深圳市市场监督管理局" in message["Subject"]
    assert by_channel[mail["id"]]["receipt"]["answer"]["reply"].startswith("250")

    # HTTPS: signed with the channel's secret; the webhook: report.delivered, once per delivery.
    posted = [(h, b) for h, b in receiver.requests if h.get("content-type") == "application/json"]
    reports_posted = [Webhook(https["signing_secret"]).verify(b, h) for h, b in posted
                      if json.loads(b).get("type") == "report"]
    assert [p["subject_id"] for p in reports_posted] == [report["id"]]
    runtime.dispatcher.wait_idle(60)
    events = [Webhook(hook["secret"]).verify(b, h) for h, b in receiver.requests
              if json.loads(b).get("type") == "report.delivered"]
    assert sorted(e["data"]["delivery_id"] for e in events) == sorted(d["id"] for d in deliveries)
    assert all(e["data"]["report_id"] == report["id"] and e["data"]["files"] for e in events)

    # The report's files and every delivery's receipt are in the audit chain, and it is intact.
    from gateway.audit.models import AuditEntry
    from gateway.audit.services import verify_chain
    with runtime.db.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.subject_id == report["id"])).all()
        assert [e.kind for e in entries].count("delivery.delivered") == 3
        [generated] = [e for e in entries if e.kind == "report.generated"]
        assert generated.data["files"] == hashes
        assert verify_chain(session).intact


def test_a_failed_delivery_is_retried_with_backoff_then_delivered(client, auth, runtime, world, receiver):
    receiver.status = 503
    channel = add_channel(client, auth, {"kind": "https", "config": {"url": receiver.url}, "report_kinds": ["periodic"]})
    report = request(client, auth, runtime)
    [delivery] = client.get(f"/v1/reports/{report['id']}/deliveries", headers=auth).get_json()
    assert delivery["status"] == "pending" and delivery["attempts"] == 1
    assert delivery["attempt_log"][0]["error"] == "HTTP 503" and delivery["receipt"] is None
    with runtime.db.session() as session:
        task = session.scalars(select(Task).where(Task.kind == "report.deliver")).one()
        assert task.status == TaskStatus.QUEUED
        assert task.run_after > utcnow() + timedelta(seconds=20)  # the first backoff is 30 s
        session.execute(update(Task).where(Task.id == task.id).values(run_after=utcnow()))
    receiver.status = 200
    runtime.dispatcher.sweep_once()
    runtime.dispatcher.wait_idle(60)
    [delivery] = client.get(f"/v1/reports/{report['id']}/deliveries", headers=auth).get_json()
    assert delivery["status"] == "delivered" and delivery["attempts"] == 2
    assert delivery["receipt"]["answer"]["status_code"] == 200 and delivery["channel_id"] == channel["id"]


def test_a_mail_server_that_drips_is_cut_off_at_the_deadline_and_retried(client, auth, runtime, world, monkeypatch):
    """A bureau's mail server that answers a byte at a time holds the worker until the send's one
    deadline (1.5 s here, SEND_TIMEOUT_S in production), no longer; the attempt is a timeout, kept
    in the log and retried with backoff like any other failed send."""
    monkeypatch.setattr(delivery_service, "transport_for", functools.partial(delivery_service.transport_for,
                                                                             timeout_s=1.5))
    with dripping_smtp_server("greeting") as port:
        add_channel(client, auth, {"kind": "smtp", "name": "深圳市局邮箱", "region": "440300", "report_kinds": ["periodic"],
                                   "config": {"host": "127.0.0.1", "port": port, "security": "none",
                                              "sender": "reports@platform.cn", "recipients": ["jg@sz.gov.cn"]}})
        report = request(client, auth, runtime)
    [delivery] = client.get(f"/v1/reports/{report['id']}/deliveries", headers=auth).get_json()
    assert delivery["status"] == "pending" and delivery["attempts"] == 1 and delivery["receipt"] is None
    [attempt] = delivery["attempt_log"]
    assert attempt["ok"] is False and attempt["error"] == "timeout" and 1400 <= attempt["ms"] < 2300
    with runtime.db.session() as session:
        task = session.scalars(select(Task).where(Task.kind == "report.deliver")).one()
        assert task.status == TaskStatus.QUEUED
        assert task.run_after > utcnow() + timedelta(seconds=20)  # the first backoff is 30 s


def test_a_delivery_that_never_succeeds_ends_failed(client, auth, runtime, world, receiver):
    receiver.status = 500
    add_channel(client, auth, {"kind": "https", "config": {"url": receiver.url}, "report_kinds": ["periodic"]})
    report = request(client, auth, runtime)
    for _ in range(12):
        with runtime.db.session() as session:
            session.execute(update(Task).where(Task.kind == "report.deliver", Task.status == TaskStatus.QUEUED)
                            .values(run_after=utcnow()))
        runtime.dispatcher.sweep_once()
        runtime.dispatcher.wait_idle(60)
    [delivery] = client.get(f"/v1/reports/{report['id']}/deliveries", headers=auth).get_json()
    assert delivery["status"] == "failed" and delivery["attempts"] == 9 and delivery["last_error"] == "HTTP 500"


def test_a_disabled_channel_sends_nothing(client, auth, runtime, world, receiver):
    channel = add_channel(client, auth, {"kind": "https", "config": {"url": receiver.url}})
    changed = client.patch(f"/v1/report-channels/{channel['id']}", headers=auth, json={"enabled": False}).get_json()
    assert changed["enabled"] is False
    report = request(client, auth, runtime)
    assert client.get(f"/v1/reports/{report['id']}/deliveries", headers=auth).get_json() == []
    assert not [r for r in receiver.requests if json.loads(r[1]).get("type") == "report"]


def test_channel_validation(client, auth, other_auth, runtime, receiver):
    problem = assert_problem(client.post("/v1/report-channels", headers=auth, json={"kind": "smtp", "config": {}}), 422)
    assert "config" in problem["errors"]["json"]
    assert_problem(client.post("/v1/report-channels", headers=auth,
                               json={"kind": "fax", "config": {"number": "1"}}), 422)
    assert_problem(client.post("/v1/report-channels", headers=auth,
                               json={"kind": "https", "config": {"url": receiver.url, "extra": 1}}), 422)
    assert_problem(client.post("/v1/report-channels", headers=auth,
                               json={"kind": "smtp", "config": {"host": "127.0.0.1", "sender": "a@b.cn",
                                                                "recipients": ["not-an-address"]}}), 422)
    channel = add_channel(client, auth, {"kind": "https", "config": {"url": receiver.url}})
    assert_problem(client.get(f"/v1/report-channels/{channel['id']}", headers=other_auth), 404)
    assert [c["id"] for c in client.get("/v1/report-channels", headers=auth).get_json()] == [channel["id"]]


def test_private_destinations_are_refused_by_default(auth, client, runtime):
    """With the default settings a channel pointing inside the network answers 422."""
    runtime.outbound.allow_private = False
    problem = assert_problem(client.post("/v1/report-channels", headers=auth,
                                         json={"kind": "https", "config": {"url": "http://127.0.0.1:9/x"}}), 422)
    assert problem["status"] == 422
    with runtime.db.session() as session:
        assert session.scalars(select(ReportDelivery)).all() == []
