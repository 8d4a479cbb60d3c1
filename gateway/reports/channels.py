"""The ways a report reaches a bureau (报送渠道): an object-storage drop, mail, a signed HTTPS POST.

Each channel is a small class behind one interface, :class:`Transport` (``send(parcel) ->
Answer``), the way file storage is (style.md, warehouse): the delivery service picks one by the
channel's ``kind`` and never sees boto3, smtplib or HTTP. A transport touches no database; it
raises nothing for a failed send but answers ``Answer(ok=False, error=...)`` with a coarse,
ASCII error category, which the delivery log keeps (never the backend's own words: a log a
tenant reads must not become a port scanner).

Every destination is a tenant's, so every one is treated like a webhook URL: its host is
resolved and refused when it is loopback, private, link-local or a metadata address (unless
``WEBHOOK_ALLOW_PRIVATE_NETWORKS``), through the gateway's outbound client.
"""
from __future__ import annotations

import base64
import email.policy
import json
import smtplib
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

import boto3
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from gateway.outbound import (
    OutboundClient,
    OutboundFailed,
    OutboundRefused,
    Target,
    cut_off_after,
    parse_target,
    shut_down,
)
from gateway.webhooks import signing


@dataclass(frozen=True)
class ParcelFile:
    filename: str
    media_type: str
    data: bytes
    sha256: str


@dataclass(frozen=True)
class Parcel:
    """What one delivery carries: a title, a short text, and the files."""

    delivery_id: str
    subject_type: str  # report | lead_answer | …
    subject_id: str
    title: str
    text: str
    files: tuple[ParcelFile, ...]
    #: Extra facts for the machine-readable envelope (region, period, bureau …).
    meta: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    ok: bool
    #: What the far end said, kept in the receipt: the SMTP reply, the object keys and ETags,
    #: the HTTP status and the start of its body.
    detail: dict
    #: None when ``ok``; else a category: timeout, refused, connection, tls, dns, forbidden_address,
    #: auth, rejected, ``HTTP <status>``, ``S3 <code>`` …
    error: str | None = None


class Transport(Protocol):
    kind: str

    def send(self, parcel: Parcel) -> Answer:
        """Deliver ``parcel``; answer what happened (never raise for a failed delivery)."""


def _elapsed(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


# --- object storage -----------------------------------------------------------------------------

class _Body:
    """A response body already read, in the shape botocore reads one (``stream()``, ``read()``)."""

    def __init__(self, data: bytes):
        self.data = data

    def stream(self, **_):
        yield self.data

    def read(self, *_):
        data, self.data = self.data, b""
        return data


class S3Drop:
    """Files put into a bucket the bureau (or the platform's own exchange) reads: AWS S3 or any
    S3-compatible service (MinIO, Aliyun OSS, Tencent COS) by ``endpoint_url``.

    Keys: ``<prefix>/<subject_id>/<filename>``, plus ``manifest.json`` listing every file with
    its SHA-256, written last so a reader that sees the manifest sees every file.

    boto3 builds and signs the requests, but never sends them: its ``before-send`` hook hands
    each one to the outbound client, which connects to the address checked when the delivery
    began (a host is resolved once per delivery, so a rebinding DNS server cannot answer a
    private address at connect time) with TLS verified against the host name, and every
    request gets what is left of one deadline for the whole delivery.
    """

    kind = "s3"

    def __init__(self, outbound: OutboundClient, *, bucket: str, prefix: str = "", endpoint_url: str | None = None,
                 region: str | None = None, access_key_id: str | None = None, secret_access_key: str | None = None,
                 timeout_s: float = 30):
        self.outbound = outbound
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.endpoint_url = endpoint_url
        self.timeout_s = timeout_s
        config = Config(retries={"max_attempts": 2, "mode": "standard"}, signature_version="s3v4",
                        s3={"addressing_style": "path" if endpoint_url else "auto"})
        self.client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region, config=config,
                                   aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key)
        self.client.meta.events.register("before-send.s3", self._send_request)
        self._delivery = threading.local()  # this thread's delivery: its deadline and pinned addresses

    def _key(self, parcel: Parcel, filename: str) -> str:
        return "/".join(p for p in (self.prefix, parcel.subject_id, filename) if p)

    def _pinned(self, target: Target) -> str:
        pinned = self._delivery.addresses
        if (target.host, target.port) not in pinned:
            pinned[target.host, target.port] = self.outbound.addresses(target)[0]
        return pinned[target.host, target.port]

    def _send_request(self, request, **_) -> AWSResponse:
        """botocore's hook: send one signed request through the outbound client."""
        remaining = self._delivery.deadline - time.monotonic()
        if remaining <= 0:
            raise OutboundFailed("timeout")
        body = request.body or b""
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode()
        address = self._pinned(parse_target(request.url))
        # botocore keeps some header values as bytes (the signature, the checksum's trailer name).
        headers = {k: v.decode("latin-1") if isinstance(v, bytes) else v for k, v in request.headers.items()}
        response = self.outbound.request(request.method, request.url, body, headers, deadline_s=remaining,
                                         address=address)
        return AWSResponse(request.url, response.status, response.headers, _Body(response.body))

    def send(self, parcel: Parcel) -> Answer:
        started, objects = time.monotonic(), []
        self._delivery.deadline, self._delivery.addresses = started + self.timeout_s, {}
        if self.endpoint_url:  # a tenant's endpoint: checked (and its address pinned) before anything is sent
            try:
                self._pinned(parse_target(self.endpoint_url))
            except OutboundRefused:
                return Answer(False, {"endpoint": self.endpoint_url}, "forbidden_address")
            except OutboundFailed as exc:
                return Answer(False, {"endpoint": self.endpoint_url}, exc.reason)
        manifest = {"delivery_id": parcel.delivery_id, "subject_type": parcel.subject_type,
                    "subject_id": parcel.subject_id, "title": parcel.title, **parcel.meta,
                    "files": [{"filename": f.filename, "media_type": f.media_type, "sha256": f.sha256,
                               "bytes": len(f.data)} for f in parcel.files]}
        uploads = [(f.filename, f.media_type, f.data, f.sha256) for f in parcel.files]
        body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
        uploads.append(("manifest.json", "application/json", body, None))

        def failed(error: str) -> Answer:
            return Answer(False, {"bucket": self.bucket, "objects": objects, "ms": _elapsed(started)}, error)

        try:
            for filename, media_type, data, sha256 in uploads:
                key = self._key(parcel, filename)
                extra = {"Metadata": {"sha256": sha256}} if sha256 else {}
                answer = self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=media_type,
                                                **extra)
                objects.append({"key": key, "etag": answer.get("ETag", "").strip('"'),
                                "version_id": answer.get("VersionId")})
        except OutboundRefused:  # a host first seen mid-delivery (a bucket's own name on AWS) points inside
            return failed("forbidden_address")
        except OutboundFailed as exc:
            return failed(exc.reason)
        except ClientError as exc:
            return failed(f"S3 {exc.response.get('Error', {}).get('Code', 'error')}"[:60])
        except BotoCoreError:
            return failed("connection")
        return Answer(True, {"bucket": self.bucket, "objects": objects, "ms": _elapsed(started)})


# --- mail ---------------------------------------------------------------------------------------

class _PinnedSocket:
    """Connect an smtplib client to the address that was checked, not to a second DNS answer
    (the outbound client's rule); TLS is still verified against the host name (``_host``).

    It also keeps the connection reachable for the delivery's deadline (:meth:`cut`): smtplib
    swaps its socket for a TLS one (implicit TLS while connecting, STARTTLS later), and wrapping
    detaches the socket object it wraps, so what is kept is a duplicate of the descriptor, whose
    shutdown ends the one connection under all of them."""

    pinned_address: str
    deadline: float  # time.monotonic() at which the whole delivery must be over
    expired: threading.Event  # set when it has passed (cut_off_after's)
    _watched: socket.socket | None = None

    def _get_socket(self, host, port, timeout):  # smtplib's own hook for opening the socket
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        sock = socket.create_connection((self.pinned_address, port), min(timeout, remaining), self.source_address)
        self._watched = sock.dup()
        if self.expired.is_set():  # passed while connecting: cut() found nothing to shut
            shut_down(self._watched)
        return self._secure(sock)

    def _secure(self, sock: socket.socket) -> socket.socket:
        return sock

    def cut(self) -> None:
        """End the connection now, waking whatever smtplib is blocked in."""
        if self._watched is not None:
            shut_down(self._watched)

    def close(self) -> None:
        super().close()
        if self._watched is not None:
            self._watched.close()
            self._watched = None


class _SMTP(_PinnedSocket, smtplib.SMTP):
    pass


class _SMTPS(_PinnedSocket, smtplib.SMTP_SSL):
    def _secure(self, sock: socket.socket) -> socket.socket:  # what SMTP_SSL._get_socket does after connecting
        return self.context.wrap_socket(sock, server_hostname=self._host)


class SmtpMail:
    """A mail to the bureau's mailbox with every file attached.

    ``security``: ``starttls`` (port 587, the default), ``ssl`` (implicit TLS, port 465) or
    ``none`` (only for a relay on the operator's own network, which private-network permission
    must allow anyway). The receipt keeps the server's reply to the message (``250 …``: the
    queue id most servers give) and the Message-ID.
    """

    kind = "smtp"

    def __init__(self, outbound: OutboundClient, *, host: str, port: int = 587, security: str = "starttls",
                 sender: str, recipients: list[str], username: str | None = None, password: str | None = None,
                 timeout_s: float = 30, ssl_context: ssl.SSLContext | None = None):
        self.outbound = outbound
        self.host, self.port, self.security = host, int(port), security
        self.sender, self.recipients = sender, list(recipients)
        self.username, self.password = username, password
        self.timeout_s = timeout_s
        self.ssl_context = ssl_context or outbound.ssl_context

    def message(self, parcel: Parcel) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = parcel.title
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(idstring=parcel.delivery_id, domain=self.sender.rpartition("@")[2] or None)
        msg["X-Qingwang-Delivery"] = parcel.delivery_id
        lines = [parcel.text, ""] + [f"{f.filename}  SHA-256 {f.sha256}" for f in parcel.files]
        msg.set_content("\n".join(lines))
        for f in parcel.files:
            maintype, _, subtype = f.media_type.partition("/")
            msg.add_attachment(f.data, maintype=maintype, subtype=subtype, filename=f.filename)
        return msg

    def send(self, parcel: Parcel) -> Answer:
        started = time.monotonic()
        try:
            address = self.outbound.addresses(Target("smtp", self.host, self.port, "/"))[0]
        except OutboundRefused:
            return Answer(False, {"host": self.host}, "forbidden_address")
        except OutboundFailed as exc:
            return Answer(False, {"host": self.host}, exc.reason)
        msg = self.message(parcel)
        client_class = _SMTPS if self.security == "ssl" else _SMTP
        kwargs = {"context": self.ssl_context} if self.security == "ssl" else {}
        client = client_class(timeout=self.timeout_s, **kwargs)
        client.pinned_address = address
        client._host = self.host  # the name TLS verifies; smtplib sets it only when it connects by name
        # One deadline for the whole delivery, as the other channels have: per-socket timeouts
        # alone let a server that answers a byte at a time hold the worker for as long as it likes.
        client.deadline = started + self.timeout_s
        with cut_off_after(client.deadline - time.monotonic(), client.cut) as expired:
            client.expired = expired
            return self._converse(client, msg, started)

    def _converse(self, client: _SMTP | _SMTPS, msg: EmailMessage, started: float) -> Answer:
        stage = "connection"
        try:
            client.connect(self.host, self.port)
            client.ehlo()
            if self.security == "starttls":
                stage = "tls"
                client.starttls(context=self.ssl_context)
                client.ehlo()
            if self.username:
                stage = "auth"
                client.login(self.username, self.password or "")
            stage = "rejected"
            code, reply = client.mail(self.sender)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, self.sender)
            accepted = []
            for rcpt in self.recipients:
                code, reply = client.rcpt(rcpt)
                if code in (250, 251):
                    accepted.append(rcpt)
            if not accepted:
                raise smtplib.SMTPRecipientsRefused({r: (code, reply) for r in self.recipients})
            # CRLF line ends: smtplib converts bare LFs only in str messages, not in bytes.
            code, reply = client.data(msg.as_bytes(policy=email.policy.SMTP))
            if code != 250:
                raise smtplib.SMTPDataError(code, reply)
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            # A connection cut at the deadline fails as whatever smtplib was doing (a closed
            # connection, a reply it could not read): the deadline is the cause.
            error = "timeout" if isinstance(exc, TimeoutError) or client.expired.is_set() else (
                "tls" if isinstance(exc, ssl.SSLError) else (
                    "refused" if isinstance(exc, ConnectionRefusedError) else stage))
            return Answer(False, {"host": self.host, "port": self.port, "ms": _elapsed(started)}, error)
        finally:
            try:
                client.quit()  # still under the deadline: a server that drips its goodbye is cut off too
            except (smtplib.SMTPException, OSError):
                client.close()
        return Answer(True, {"host": self.host, "port": self.port, "message_id": msg["Message-ID"],
                             "accepted": accepted, "reply": f"{code} {reply.decode(errors='replace')}"[:300],
                             "ms": _elapsed(started)})


# --- HTTPS ----------------------------------------------------------------------------------------

class HttpsPost:
    """A JSON POST to the bureau's (or the platform's exchange's) endpoint, signed like the
    webhooks (Standard Webhooks: ``webhook-id``, ``webhook-timestamp``, ``webhook-signature``) with
    the channel's own secret, through the outbound client (address checked at send time, one
    deadline, no redirects). Body: ``{id, type, subject_id, title, ..., files: [{filename,
    media_type, sha256, content_base64}]}``. Any 2xx is a delivery; its status and the start of
    its body go into the receipt."""

    kind = "https"

    def __init__(self, outbound: OutboundClient, *, url: str, secret: str, timeout_s: float = 30):
        self.outbound, self.url, self.secret, self.timeout_s = outbound, url, secret, timeout_s

    def body(self, parcel: Parcel) -> bytes:
        return json.dumps({
            "id": parcel.delivery_id, "type": parcel.subject_type, "subject_id": parcel.subject_id,
            "title": parcel.title, "text": parcel.text, **parcel.meta,
            "files": [{"filename": f.filename, "media_type": f.media_type, "sha256": f.sha256,
                       "content_base64": base64.b64encode(f.data).decode()} for f in parcel.files],
        }, ensure_ascii=False, separators=(",", ":")).encode()

    def send(self, parcel: Parcel) -> Answer:
        body = self.body(parcel)
        timestamp = int(time.time())
        headers = {"Content-Type": "application/json", "webhook-id": parcel.delivery_id,
                   "webhook-timestamp": str(timestamp),
                   "webhook-signature": signing.sign(self.secret, parcel.delivery_id, timestamp, body)}
        started = time.monotonic()
        try:
            response = self.outbound.post(self.url, body, headers, deadline_s=self.timeout_s)
        except OutboundRefused:
            return Answer(False, {"url": self.url}, "forbidden_address")
        except OutboundFailed as exc:
            return Answer(False, {"url": self.url, "ms": _elapsed(started)}, exc.reason)
        detail = {"url": self.url, "status_code": response.status, "ms": response.elapsed_ms,
                  "body": response.body[:500].decode("utf-8", errors="replace")}
        ok = 200 <= response.status < 300
        return Answer(ok, detail, None if ok else f"HTTP {response.status}")


def check_destination(outbound: OutboundClient, kind: str, config: dict) -> None:
    """Refuse (422) a destination that could never be reached: not http(s), or a host that resolves
    to a forbidden address. Called when a channel is set, and again at every send."""
    if kind == "https":
        outbound.check(config["url"])
    elif kind == "s3" and config.get("endpoint_url"):
        outbound.check(config["endpoint_url"])
    elif kind == "smtp":
        parse_target(f"http://{config['host']}:{int(config.get('port') or 587)}/")  # a host name, nothing else
        try:
            outbound.addresses(Target("smtp", config["host"], int(config.get("port") or 587), "/"))
        except OutboundFailed:
            raise OutboundRefused("无法解析该邮件服务器的主机名", "The mail server's host name does not resolve") from None
