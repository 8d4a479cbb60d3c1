"""Outbound calls to tenant-given URLs: forbidden addresses, pinning, no redirects, one deadline."""
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gateway.outbound import OutboundClient, OutboundFailed, OutboundRefused, address_allowed

FORBIDDEN = ["127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.100.100.200",
             "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "::ffff:127.0.0.1", "fe80::1", "fd00:ec2::254",
             "2002:7f00:1::1"]  # the last: 6to4 wrapping 127.0.0.1


@pytest.mark.parametrize("address", FORBIDDEN)
def test_internal_addresses_are_refused(address):
    assert not address_allowed(address, allow_private=False)


@pytest.mark.parametrize("address", ["8.8.8.8", "114.114.114.114", "2001:4860:4860::8888"])
def test_public_addresses_are_allowed(address):
    assert address_allowed(address, allow_private=False)


def test_private_networks_may_be_allowed_but_metadata_never():
    assert address_allowed("127.0.0.1", allow_private=True)
    assert address_allowed("10.1.2.3", allow_private=True)
    assert not address_allowed("169.254.169.254", allow_private=True)
    assert not address_allowed("100.100.100.200", allow_private=True)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://localhost/hook", "http://[::1]/hook",
                                 "http://0x7f000001/hook", "http://2130706433/hook", "http://169.254.169.254/latest",
                                 "http://10.0.0.1/", "ftp://example.com/", "http://user:pw@example.com/",
                                 "http:///nohost"])
def test_check_refuses_what_may_never_be_called(url):
    with pytest.raises(OutboundRefused) as caught:
        OutboundClient().check(url)
    assert caught.value.status == 422


def test_a_name_with_any_private_address_is_refused():
    """DNS that answers one public and one private address (a rebinding trick) is refused."""
    client = OutboundClient(resolver=lambda host, port: ["93.184.216.34", "127.0.0.1"])
    with pytest.raises(OutboundRefused):
        client.check("https://hooks.example.com/x")
    ok = OutboundClient(resolver=lambda host, port: ["93.184.216.34"])
    ok.check("https://hooks.example.com/x")


class _Recorder(BaseHTTPRequestHandler):
    seen: list = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length", 0))
        _Recorder.seen.append((self.path, self.headers.get("Host"), self.rfile.read(length)))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Recorder.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()


def test_post_connects_to_the_checked_address_with_the_urls_host(server):
    client = OutboundClient(allow_private=True, resolver=lambda host, port: ["127.0.0.1"])
    response = client.post(f"http://hooks.example.test:{server}/hook?x=1", b'{"a":1}',
                           {"Content-Type": "application/json"})
    assert response.status == 200 and response.body == b"ok"
    assert _Recorder.seen == [("/hook?x=1", f"hooks.example.test:{server}", b'{"a":1}')]


def test_redirects_are_not_followed(server):
    client = OutboundClient(allow_private=True)
    response = client.post(f"http://127.0.0.1:{server}/redirect", b"{}", {})
    assert response.status == 302
    assert [path for path, _, _ in _Recorder.seen] == ["/redirect"]


def test_without_the_opt_in_a_loopback_receiver_is_refused_at_send_time(server):
    with pytest.raises(OutboundRefused):
        OutboundClient().post(f"http://127.0.0.1:{server}/hook", b"{}", {})
    assert _Recorder.seen == []


def test_a_closed_port_is_a_coarse_error():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(OutboundFailed) as caught:
        OutboundClient(allow_private=True).post(f"http://127.0.0.1:{port}/", b"{}", {})
    assert caught.value.reason == "refused"
    assert str(port) not in str(caught.value)


def test_a_dripping_receiver_is_cut_off_at_the_deadline():
    """One header line every half second would keep a per-read timeout waiting forever."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    stop = threading.Event()

    def drip():
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        while not stop.is_set():
            try:
                conn.sendall(b"X-Drip: 1\r\n")
            except OSError:
                break
            time.sleep(0.5)
        conn.close()

    threading.Thread(target=drip, daemon=True).start()
    started = time.monotonic()
    try:
        with pytest.raises(OutboundFailed) as caught:
            OutboundClient(allow_private=True).post(f"http://127.0.0.1:{port}/", b"{}", {}, deadline_s=1.5)
    finally:
        stop.set()
        listener.close()
    assert caught.value.reason == "timeout"
    assert time.monotonic() - started < 5
