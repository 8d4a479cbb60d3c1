"""The three report channels against real servers: moto's S3 over HTTP, aiosmtpd, a local HTTP
receiver. No database: a transport only sends and answers. Receivers listen on 127.0.0.1, so the
outbound client here allows private networks, except where refusing them is the point."""
from __future__ import annotations

import contextlib
import email
import hashlib
import itertools
import json
import socket
import ssl
import threading
import time
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from standardwebhooks import Webhook

from gateway.outbound import OutboundClient, OutboundRefused
from gateway.reports.channels import HttpsPost, Parcel, ParcelFile, S3Drop, SmtpMail, check_destination
from gateway.webhooks.signing import new_secret
from tests.conftest import free_port

PRIVATE_OK = OutboundClient(allow_private=True)
PUBLIC_ONLY = OutboundClient(allow_private=False)


def parcel() -> Parcel:
    files = []
    for name, media_type, data in (("报告.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                    b"PK\x03\x04 not really a workbook"),
                                   ("报告.pdf", "application/pdf", b"%PDF-1.7 sample"),
                                   ("报告.json", "application/json", '{"标题": "报告"}'.encode())):
        files.append(ParcelFile(name, media_type, data, hashlib.sha256(data).hexdigest()))
    return Parcel("rdl_test", "report", "rep_test", "医疗器械网络交易监测处置情况报告 440300 2026-11", "正文 / body",
                  tuple(files), {"region": "440300", "period": "2026-11"})


# --- S3 -------------------------------------------------------------------------------------------

def test_s3_drop_puts_every_file_and_a_manifest(s3_endpoint):
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="bureau-drop")
    answer = S3Drop(PRIVATE_OK, bucket="bureau-drop", prefix="qingwang/", endpoint_url=s3_endpoint,
                    region="us-east-1").send(parcel())
    assert answer.ok, answer
    keys = [o["key"] for o in answer.detail["objects"]]
    assert keys == ["qingwang/rep_test/报告.xlsx", "qingwang/rep_test/报告.pdf", "qingwang/rep_test/报告.json",
                    "qingwang/rep_test/manifest.json"]
    for item in parcel().files:
        stored = s3.get_object(Bucket="bureau-drop", Key=f"qingwang/rep_test/{item.filename}")
        assert stored["Body"].read() == item.data
        assert stored["Metadata"]["sha256"] == item.sha256
    manifest = json.loads(s3.get_object(Bucket="bureau-drop", Key="qingwang/rep_test/manifest.json")["Body"].read())
    assert manifest["region"] == "440300" and [f["sha256"] for f in manifest["files"]] == [
        f.sha256 for f in parcel().files]
    assert all(o["etag"] for o in answer.detail["objects"])


def test_s3_drop_reports_a_missing_bucket_as_a_category(s3_endpoint):
    answer = S3Drop(PRIVATE_OK, bucket="no-such-bucket", endpoint_url=s3_endpoint, region="us-east-1").send(parcel())
    assert not answer.ok and answer.error == "S3 NoSuchBucket"


def test_s3_drop_refuses_a_private_endpoint(s3_endpoint):
    answer = S3Drop(PUBLIC_ONLY, bucket="bureau-drop", endpoint_url=s3_endpoint, region="us-east-1").send(parcel())
    assert not answer.ok and answer.error == "forbidden_address"


def test_s3_drop_connects_to_the_address_it_checked(s3_endpoint):
    """A DNS-rebinding endpoint: its name answers an allowed address when checked and a refused
    one (the metadata service) when asked again. The delivery must connect to the first answer.

    The test monkeypatches the resolver the check uses (the outbound client's) rather than the
    system's DNS, because that is the resolver whose answer must be the one connected to; the
    host name is one the system cannot resolve at all (and dotless, so moto takes the bucket from
    the path), so a connection made by name (a second lookup, as boto3 alone would make) fails
    instead of reaching the bucket."""
    port = int(s3_endpoint.rsplit(":", 1)[1])
    answers = iter(["127.0.0.1", "169.254.169.254"])
    asked = []

    def rebinding(host, port_):
        asked.append(host)
        return [next(answers)]

    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket="rebind-drop")
    outbound = OutboundClient(allow_private=True, resolver=rebinding)
    answer = S3Drop(outbound, bucket="rebind-drop", endpoint_url=f"http://rebinding-s3-endpoint:{port}",
                    region="us-east-1").send(parcel())
    assert answer.ok, answer
    assert len(answer.detail["objects"]) == len(parcel().files) + 1
    assert asked == ["rebinding-s3-endpoint"]  # resolved once, for the check; every upload went to that address
    stored = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").list_objects_v2(
        Bucket="rebind-drop")
    assert len(stored["Contents"]) == len(parcel().files) + 1


TLS_HOST = "s3-tls-endpoint"  # dotless, so moto takes the bucket from the path; never in any DNS


@pytest.fixture
def tls_s3(tmp_path):
    """moto's S3 over HTTPS with a certificate for TLS_HOST only: a delivery must verify TLS against
    the host name while it connects to the checked address. Yields (endpoint, the certificate file,
    a boto3 client for setting up and reading back: by IP address, so without verification)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, TLS_HOST)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(TLS_HOST)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_file, key_file)
    server = make_server("127.0.0.1", 0, DomainDispatcherApplication(create_backend_app), threaded=True,
                         request_handler=MotoRequestHandler, ssl_context=server_context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    by_address = boto3.client("s3", endpoint_url=f"https://127.0.0.1:{server.server_port}", region_name="us-east-1",
                              verify=False, aws_access_key_id="testing", aws_secret_access_key="testing")
    yield f"https://{TLS_HOST}:{server.server_port}", cert_file, by_address
    server.shutdown()
    thread.join()


def test_s3_drop_over_tls_verifies_the_host_name_at_the_pinned_address(tls_s3):
    endpoint, cert_file, by_address = tls_s3
    by_address.create_bucket(Bucket="tls-drop")
    trusting = ssl.create_default_context(cafile=str(cert_file))
    outbound = OutboundClient(allow_private=True, resolver=lambda host, port: ["127.0.0.1"], ssl_context=trusting)
    drop = S3Drop(outbound, bucket="tls-drop", endpoint_url=endpoint, region="us-east-1",
                  access_key_id="testing", secret_access_key="testing")
    answer = drop.send(parcel())
    assert answer.ok, answer
    # Over TLS botocore sends each file with a trailing checksum (aws-chunked, chunked transfer
    # encoding): the bucket holds the files themselves, not their framing.
    for item in parcel().files:
        stored = by_address.get_object(Bucket="tls-drop", Key=f"rep_test/{item.filename}")
        assert stored["Body"].read() == item.data
    # A certificate the client does not trust is a TLS failure, not a delivery.
    untrusting = OutboundClient(allow_private=True, resolver=lambda host, port: ["127.0.0.1"])
    refused = S3Drop(untrusting, bucket="tls-drop", endpoint_url=endpoint, region="us-east-1",
                     access_key_id="testing", secret_access_key="testing").send(parcel())
    assert not refused.ok and refused.error == "tls"


@pytest.fixture
def dripping_endpoint():
    """An "S3 endpoint" that reads a request and then answers one byte at a time, a fifth of a
    second apart, for as long as it is let: no single read ever waits long enough to time out."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve():
        listener.settimeout(0.5)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                for byte in itertools.cycle(b"HTTP/1.1 200 OK\r\nX-Slow: "):
                    if stop.wait(0.2):
                        break
                    try:
                        conn.sendall(bytes([byte]))
                    except OSError:
                        break

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    listener.close()


def test_s3_drop_has_one_deadline_for_the_whole_delivery(dripping_endpoint):
    answer = S3Drop(PRIVATE_OK, bucket="bureau-drop", endpoint_url=dripping_endpoint, region="us-east-1",
                    access_key_id="testing", secret_access_key="testing", timeout_s=1).send(parcel())
    assert not answer.ok and answer.error == "timeout"
    assert answer.detail["objects"] == []


# --- SMTP -----------------------------------------------------------------------------------------

class Mailbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 2.0.0 Ok: queued as QW123"


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"platform" and auth_data.password == b"pw"
        # handled=False: aiosmtpd then answers 535 itself (by default it leaves a failure unanswered,
        # and the client would wait for its timeout)
        return AuthResult(success=ok, handled=False)

    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), authenticator=authenticate,
                            auth_require_tls=False)
    controller.start()
    yield controller, mailbox
    controller.stop()


def test_smtp_mail_carries_every_file_and_keeps_the_server_reply(smtp_server):
    controller, mailbox = smtp_server
    mail = SmtpMail(PRIVATE_OK, host="127.0.0.1", port=controller.port, security="none", sender="reports@platform.cn",
                    recipients=["jianguan@bureau.gov.cn"], username="platform", password="pw")
    answer = mail.send(parcel())
    assert answer.ok, answer
    assert answer.detail["reply"] == "250 2.0.0 Ok: queued as QW123"
    assert answer.detail["accepted"] == ["jianguan@bureau.gov.cn"]
    [envelope] = mailbox.envelopes
    assert envelope.rcpt_tos == ["jianguan@bureau.gov.cn"]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == parcel().title
    assert message["Message-ID"] == answer.detail["message_id"]
    attachments = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert attachments == {f.filename: f.data for f in parcel().files}
    body = message.get_body(("plain",)).get_content()
    assert all(f.sha256 in body for f in parcel().files)


def test_smtp_wrong_password_is_an_auth_failure(smtp_server):
    controller, mailbox = smtp_server
    answer = SmtpMail(PRIVATE_OK, host="127.0.0.1", port=controller.port, security="none", sender="r@platform.cn",
                      recipients=["b@bureau.gov.cn"], username="platform", password="wrong").send(parcel())
    assert not answer.ok and answer.error == "auth" and not mailbox.envelopes


def test_smtp_nobody_listening_is_refused():
    answer = SmtpMail(PRIVATE_OK, host="127.0.0.1", port=free_port(), security="none", sender="r@platform.cn",
                      recipients=["b@bureau.gov.cn"]).send(parcel())
    assert not answer.ok and answer.error == "refused"


def test_smtp_to_a_private_host_is_refused_without_permission(smtp_server):
    controller, mailbox = smtp_server
    answer = SmtpMail(PUBLIC_ONLY, host="127.0.0.1", port=controller.port, security="none", sender="r@platform.cn",
                      recipients=["b@bureau.gov.cn"]).send(parcel())
    assert not answer.ok and answer.error == "forbidden_address" and not mailbox.envelopes


@contextlib.contextmanager
def dripping_smtp_server(stage: str):
    """A mail server that stalls the client at ``stage`` by sending one byte every fifth of a
    second, for as long as it is let, so no single read waits long enough to time out:
    ``greeting`` (an endless multi-line 220), ``tls`` (implicit TLS: the first record of its
    handshake) or ``starttls`` (a normal greeting and EHLO, 1.2 s before it agrees to STARTTLS,
    then the handshake). Yields its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    tls_record = b"\x16\x03\x03\x40\x00" + b"\x00" * 16384  # a handshake record header, then its body

    def drip(conn, data):
        for byte in itertools.cycle(data):
            if stop.wait(0.2):
                return
            try:
                conn.sendall(bytes([byte]))
            except OSError:
                return

    def serve_one(conn):
        with conn:
            conn.settimeout(5)
            try:
                if stage == "greeting":
                    drip(conn, b"220-mail.bureau.gov.cn slow\r\n")
                elif stage == "tls":
                    drip(conn, tls_record)
                else:
                    conn.sendall(b"220 mail.bureau.gov.cn ESMTP\r\n")
                    conn.recv(1024)  # EHLO
                    conn.sendall(b"250-mail.bureau.gov.cn\r\n250 STARTTLS\r\n")
                    conn.recv(1024)  # STARTTLS
                    stop.wait(1.2)  # most of the deadline gone before the handshake starts
                    conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
                    drip(conn, tls_record)
            except OSError:
                pass

    def serve():
        listener.settimeout(0.5)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        listener.close()


@pytest.mark.parametrize("stage", ["greeting", "tls", "starttls"])
def test_smtp_mail_has_one_deadline_for_the_whole_delivery(stage):
    """Per-read timeouts never fire against a server that drips; the delivery's deadline does,
    wherever smtplib is waiting: a reply, or the TLS handshake (under STARTTLS it starts 1.2 s in,
    and must still end at the deadline, not a handshake timeout after it)."""
    security = {"greeting": "none", "tls": "ssl", "starttls": "starttls"}[stage]
    with dripping_smtp_server(stage) as port:
        started = time.monotonic()
        answer = SmtpMail(PRIVATE_OK, host="127.0.0.1", port=port, security=security, sender="r@platform.cn",
                          recipients=["b@bureau.gov.cn"], timeout_s=1.5).send(parcel())
        elapsed = time.monotonic() - started
    assert not answer.ok and answer.error == "timeout", answer
    assert 1.4 < elapsed < 2.3, elapsed
    assert answer.detail["host"] == "127.0.0.1" and 1400 <= answer.detail["ms"] < 2300


# --- HTTPS ----------------------------------------------------------------------------------------

class Receiver:
    def __init__(self, status=200):
        self.requests, self.status = [], status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b'{"receipt": "BUREAU-2026-0001"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/reports"


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def test_https_post_is_signed_like_a_webhook_and_carries_the_files(receiver):
    secret = new_secret()
    answer = HttpsPost(PRIVATE_OK, url=receiver.url, secret=secret).send(parcel())
    assert answer.ok and answer.detail["status_code"] == 200
    assert "BUREAU-2026-0001" in answer.detail["body"]
    [(headers, body)] = receiver.requests
    payload = Webhook(secret).verify(body, headers)  # the spec's own library checks the signature
    assert payload["id"] == "rdl_test" and payload["subject_id"] == "rep_test" and payload["period"] == "2026-11"
    import base64
    assert [base64.b64decode(f["content_base64"]) for f in payload["files"]] == [f.data for f in parcel().files]
    assert [f["sha256"] for f in payload["files"]] == [f.sha256 for f in parcel().files]


def test_https_non_2xx_is_a_failed_attempt(receiver):
    receiver.status = 503
    answer = HttpsPost(PRIVATE_OK, url=receiver.url, secret=new_secret()).send(parcel())
    assert not answer.ok and answer.error == "HTTP 503"


def test_destinations_are_checked_when_a_channel_is_set(receiver):
    with pytest.raises(OutboundRefused):
        check_destination(PUBLIC_ONLY, "https", {"url": receiver.url})
    with pytest.raises(OutboundRefused):
        check_destination(PUBLIC_ONLY, "smtp", {"host": "127.0.0.1", "port": 25})
    with pytest.raises(OutboundRefused):
        check_destination(PRIVATE_OK, "https", {"url": "ftp://bureau.example/drop"})
    check_destination(PRIVATE_OK, "https", {"url": receiver.url})
