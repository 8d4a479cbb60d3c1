"""Requests on the hot path served on the worker's polling thread (gateway.gunicorn_worker):
which requests qualify, that a client cannot stall that thread, and, against a real
``qingwang serve`` with one pool thread, that a decision's route is answered while the pool's
only thread waits for a slow upload."""
from __future__ import annotations

import errno
import http.client
import socket
import time
from types import SimpleNamespace

import pytest

from gateway.gunicorn_worker import bound_io, whole_request_waiting
from tests.gateway.serving import qingwang_serve

LISTING = b'{"merchant_id": "m", "external_id": "e", "title": "t"}'


def _request(line: bytes, body: bytes = b"", *headers: bytes, length: int | None = None) -> bytes:
    head = [line, b"Host: 127.0.0.1", b"Content-Type: application/json", *headers]
    if body or length is not None:
        head.append(b"Content-Length: %d" % (len(body) if length is None else length))
    return b"\r\n".join(head) + b"\r\n\r\n" + body


@pytest.fixture
def pair():
    server, client = socket.socketpair()
    server.setblocking(False)  # as gthread keeps a socket on its poller
    yield SimpleNamespace(sock=server, is_http2=False), client
    server.close()
    client.close()


@pytest.mark.parametrize(("sent", "served_here"), [
    (_request(b"POST /v1/listings HTTP/1.1", LISTING), True),
    (_request(b"GET /healthz HTTP/1.1"), True),
    # two requests at once (pipelined): the first is whole
    (_request(b"GET /healthz HTTP/1.1") + _request(b"GET /healthz HTTP/1.1"), True),
    (_request(b"POST /v1/listings HTTP/1.1", LISTING[:20], length=len(LISTING)), False),  # body on its way
    (_request(b"POST /v1/listings HTTP/1.1", LISTING)[:40], False),  # headers on their way
    (_request(b"POST /v1/listings/batch HTTP/1.1", LISTING), False),  # another route
    (_request(b"POST /v1/listings?dry=1 HTTP/1.1", LISTING), False),
    (_request(b"GET /v1/listings HTTP/1.1"), False),
    (_request(b"POST /v1/listings HTTP/1.0", LISTING), False),
    (_request(b"POST /v1/listings HTTP/1.1", b"5\r\nhello\r\n0\r\n\r\n", b"Transfer-Encoding: chunked"), False),
    (_request(b"POST /v1/listings HTTP/1.1", LISTING, b"Expect: 100-continue"), False),
    (_request(b"POST /v1/listings HTTP/1.1", LISTING, length=-1), False),  # for the parser to refuse
    (b"", False),
])
def test_only_a_whole_request_on_the_hot_path_is_served_on_the_polling_thread(pair, sent, served_here):
    conn, client = pair
    if sent:
        client.sendall(sent)
    assert whole_request_waiting(conn, is_ssl=False) is served_here
    assert whole_request_waiting(conn, is_ssl=True) is False
    if sent:
        assert conn.sock.recv(len(sent) + 1) == sent  # looked at, not taken


def test_a_bounded_socket_gives_up_instead_of_blocking(pair):
    """A blocking receive on a silent client, and a send to one that reads nothing, fail after the
    limit instead of holding the polling thread; 0 lifts the limit."""
    conn, _client = pair
    sock = conn.sock
    sock.setblocking(True)  # as gunicorn's handle() sets it
    bound_io(sock, 1)
    started = time.monotonic()
    with pytest.raises(OSError) as raised:
        sock.recv(10)
    assert raised.value.errno == errno.EAGAIN
    assert 0.5 < time.monotonic() - started < 5
    with pytest.raises(OSError) as raised:
        while True:  # the client reads nothing: the buffers fill, then the send gives up
            sock.sendall(b"x" * 65536)
    assert raised.value.errno == errno.EAGAIN
    bound_io(sock, 0)
    assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, 16) == bytes(16)


@pytest.fixture(scope="module")
def one_pool_thread(tmp_path_factory):
    """A real ``qingwang serve``: one worker, one pool thread. Yields its port."""
    with qingwang_serve(tmp_path_factory.mktemp("serve-inline"), workers=1, threads=1) as (port, _):
        yield port


@pytest.mark.slow
def test_the_hot_path_is_answered_while_the_only_pool_thread_waits_for_an_upload(one_pool_thread):
    """A listing whose body is still on its way holds the worker's only pool thread (gthread
    reads a body in the thread that serves it). A kept-alive client's health checks and listing
    decisions are answered meanwhile, on the polling thread; with gthread alone they would wait
    behind the upload. Then the slow body arrives and is answered too."""
    port = one_pool_thread
    slow = socket.create_connection(("127.0.0.1", port), timeout=30)
    quick = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        slow.sendall(_request(b"POST /v1/listings HTTP/1.1", LISTING[:10], length=len(LISTING)))
        time.sleep(0.5)  # the pool thread has taken it and waits for the rest
        for _ in range(3):
            quick.request("GET", "/healthz")
            response = quick.getresponse()
            assert response.status == 200
            response.read()
            # No key: the app's own answer (a problem document), from the polling thread
            quick.request("POST", "/v1/listings", body=LISTING, headers={"Content-Type": "application/json"})
            response = quick.getresponse()
            assert response.status == 401
            assert response.getheader("Content-Type") == "application/problem+json"
            response.read()
        slow.sendall(LISTING[10:])
        answer = slow.recv(65536)
        assert answer.startswith(b"HTTP/1.1 401")
    finally:
        slow.close()
        quick.close()
