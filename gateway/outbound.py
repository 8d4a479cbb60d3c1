"""Outbound HTTP to addresses a tenant gave us (webhooks, report delivery), safely.

Every URL a platform gives is treated as hostile (design §5): it could point at the
gateway itself, at the cloud's metadata service or at the operator's private network.
So, for every request:

- the host is resolved at send time and every address it resolves to is checked:
  loopback, private, link-local, shared (CGNAT), multicast, unspecified, reserved and
  documentation ranges, and cloud metadata addresses are refused (``is_global`` is the
  test, with IPv4 embedded in IPv6 checked as IPv4), unless private networks are
  allowed (``WEBHOOK_ALLOW_PRIVATE_NETWORKS=1``, for on-premise receivers and tests);
- the connection goes to the address that was checked (no second lookup a rebinding
  DNS server could answer differently), with TLS verified against the URL's host name;
- redirects are never followed (a 3xx is an answer like any other non-2xx);
- the whole exchange has one deadline: a receiver that drips its headers one byte at a
  time is cut off when it passes, not after one timeout per byte;
- failures are reported as a coarse category (``timeout``, ``refused``, ``connection``,
  ``tls``, ``protocol``, ``forbidden_address``, ``dns``), never the socket error's words,
  so a delivery log cannot be used to scan ports.

Written on the standard library's http.client rather than with a client library because
the two things that matter here, connecting to an already-checked address and one total
deadline, need the connection step in our hands anyway (both are a few lines here).
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from gateway.errors import Invalid

#: Addresses refused even where private networks are allowed: cloud metadata services
#: (AWS/GCP/Azure/Alibaba/Tencent, IPv4 and AWS's IPv6).
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254"))
USER_AGENT = "Qingwang-Gateway/1"
MAX_RESPONSE_BYTES = 64 * 1024

Resolver = Callable[[str, int], list[str]]


class OutboundRefused(Invalid):
    """The URL may not be called: not http(s), or its host is a forbidden address."""

    code = "outbound-url-refused"


class OutboundFailed(Exception):
    """The call was made (or tried) and did not come back with an answer.

    ``reason`` is one coarse category, safe to show a tenant and to keep in a log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    #: The first MAX_RESPONSE_BYTES of the body, at most.
    body: bytes
    elapsed_ms: float


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the host resolves to (the system's resolver, as the OS would)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise OutboundFailed("dns") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    return None


def address_allowed(text: str, allow_private: bool) -> bool:
    """Whether a connection to this IP address may be made."""
    address = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(address, ipaddress.IPv6Address) and (inner := _embedded_ipv4(address)) is not None:
        address = inner
    if address in METADATA_ADDRESSES:
        return False
    if allow_private:
        return not (address.is_multicast or address.is_unspecified)
    return address.is_global and not address.is_multicast


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def parse_target(url: str) -> Target:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise OutboundRefused("地址格式无效", "The URL is not valid") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundRefused("地址须为 http(s) URL", "The URL must be an http(s) URL")
    if parts.username or parts.password:
        raise OutboundRefused("地址中不能包含用户名或密码", "The URL must not carry a user name or password")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path)


class OutboundClient:
    """Makes the calls; one per process is enough (it holds no connections)."""

    def __init__(self, allow_private: bool = False, resolver: Resolver = system_resolver,
                 ssl_context: ssl.SSLContext | None = None):
        self.allow_private = allow_private
        self.resolver = resolver
        self.ssl_context = ssl_context or ssl.create_default_context()

    def addresses(self, target: Target) -> list[str]:
        """The host's addresses, all of them allowed; refused if any is not (a name that
        resolves to one public and one private address is not a public name)."""
        addresses = self.resolver(target.host, target.port)
        if not addresses:
            raise OutboundFailed("dns")
        if not all(address_allowed(a, self.allow_private) for a in addresses):
            raise OutboundRefused("该地址指向本机、内网或云元数据服务，不允许回调",
                                  "The host resolves to a loopback, private, link-local or metadata address")
        return addresses

    def check(self, url: str) -> None:
        """Refuse, when it is set, a URL that could never be called (422)."""
        target = parse_target(url)
        try:
            self.addresses(target)
        except OutboundFailed:
            raise OutboundRefused("无法解析该地址的主机名", "The URL's host name does not resolve") from None

    def post(self, url: str, body: bytes, headers: dict[str, str], *, deadline_s: float = 10.0) -> Response:
        """POST ``body``; the answer, whatever its status. Raises OutboundRefused for a
        forbidden destination and OutboundFailed when no answer came within the deadline."""
        return self.request("POST", url, body, headers, deadline_s=deadline_s)

    def request(self, method: str, url: str, body: bytes, headers: dict[str, str], *, deadline_s: float = 10.0,
                address: str | None = None) -> Response:
        """One request under one deadline. ``address``: one this client has already checked for
        the URL's host (a caller making several requests to one host checks once and pins the
        answer for all of them); without it the host is resolved and checked now."""
        target = parse_target(url)
        started = time.monotonic()
        if address is None:
            address = self.addresses(target)[0]
        remaining = deadline_s - (time.monotonic() - started)
        if remaining <= 0:
            raise OutboundFailed("timeout")
        conn = _PinnedConnection(target, address, self.ssl_context, remaining)
        # The Host header is always the URL's (a caller's own would duplicate it); Expect is
        # dropped because http.client sends the body at once rather than waiting for a 100.
        # A caller's Transfer-Encoding: chunked (botocore's trailing checksums over TLS) replaces
        # Content-Length, and http.client then frames the body in chunks.
        chunked = any(k.lower() == "transfer-encoding" and "chunked" in v.lower() for k, v in headers.items())
        sent = {"Host": target.host_header, "User-Agent": USER_AGENT, "Connection": "close"}
        if not chunked:
            sent["Content-Length"] = str(len(body))
        lowered = {k.lower(): k for k in sent}
        for name, value in headers.items():
            if name.lower() in ("host", "expect", "connection") or (chunked and name.lower() == "content-length"):
                continue
            sent.pop(lowered.get(name.lower(), name), None)
            sent[name] = value
        with cut_off_after(remaining, conn.abort) as expired:
            try:
                conn.request(method, target.path, body=body, headers=sent, encode_chunked=chunked)
                answer = conn.getresponse()
                data = answer.read(MAX_RESPONSE_BYTES)
                result = Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, data,
                                  round((time.monotonic() - started) * 1000, 1))
            except OutboundFailed:
                raise
            except Exception as exc:  # noqa: BLE001 - every failure becomes one coarse category
                raise OutboundFailed("timeout" if expired.is_set() else _category(exc)) from None
            finally:
                conn.close()
        if expired.is_set():
            raise OutboundFailed("timeout")
        return result


@contextmanager
def cut_off_after(seconds: float, abort: Callable[[], None]) -> Iterator[threading.Event]:
    """One deadline for a whole exchange, not one timeout per read: when ``seconds`` have passed,
    ``abort`` runs (it shuts the socket, which ends any read in progress however slowly the peer
    drips its bytes). The event it yields is set once the deadline has passed, so the caller can
    tell the resulting error for a timeout. The report channels use it for mail as well."""
    expired = threading.Event()

    def _expire():
        expired.set()
        abort()

    timer = threading.Timer(max(seconds, 0), _expire)
    timer.daemon = True
    timer.start()
    try:
        yield expired
    finally:
        timer.cancel()


def shut_down(sock: socket.socket) -> None:
    """End the connection under ``sock`` both ways, waking whatever is blocked on it (``close()``
    from another thread would not)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _category(exc: Exception) -> str:
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return "tls"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, http.client.HTTPException):
        return "protocol"
    return "connection"


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to an address already checked, speaking TLS (SNI and the
    certificate check) for the URL's host name."""

    def __init__(self, target: Target, address: str, ssl_context: ssl.SSLContext, timeout: float):
        super().__init__(address, target.port, timeout=timeout)
        self.target = target
        self.ssl_context = ssl_context

    def connect(self):
        super().connect()
        if self.target.scheme == "https":
            self.sock = self.ssl_context.wrap_socket(self.sock, server_hostname=self.target.host)

    def abort(self) -> None:
        sock = self.sock
        if sock is not None:
            shut_down(sock)
