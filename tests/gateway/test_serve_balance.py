"""``qingwang serve`` spreads kept-alive connections evenly over its worker processes
(gateway.gunicorn_worker): a real gunicorn, real sockets, and which worker holds each
connection read from /proc (the kernel's own account, not the server's)."""
from __future__ import annotations

import http.client
import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.gateway.serving import qingwang_serve


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _server_side_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server's socket of the connection from ``client_port`` (/proc/net/tcp)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port, remote_port = int(fields[1].split(":")[1], 16), int(fields[2].split(":")[1], 16)
        if local_port == server_port and remote_port == client_port:
            return fields[9]
    return None


def _workers(arbiter: int) -> list[int]:
    children = Path(f"/proc/{arbiter}/task/{arbiter}/children").read_text().split()
    return [int(pid) for pid in children]


def _holders(port: int, connections: list[http.client.HTTPConnection], workers: list[int]) -> Counter:
    """How many of ``connections`` each worker holds."""
    inodes = {pid: _socket_inodes(pid) for pid in workers}
    held = Counter()
    for conn in connections:
        inode = _server_side_inode(port, conn.sock.getsockname()[1])
        owners = [pid for pid, owned in inodes.items() if inode in owned]
        assert len(owners) == 1, f"connection from port {conn.sock.getsockname()[1]} held by {owners}"
        held[owners[0]] += 1
    return held


def _open(port: int) -> http.client.HTTPConnection:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/healthz")
    response = conn.getresponse()
    assert response.status == 200
    response.read()  # the connection stays open (HTTP/1.1 keep-alive)
    return conn


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    """A real ``qingwang serve`` with two workers, both taking connections: (port, arbiter pid,
    worker pids)."""
    # A worker takes a connection the other left waiting after this long: on a machine busy with
    # the rest of the suite the other may take more than the default 5 ms to wake.
    with qingwang_serve(tmp_path_factory.mktemp("serve"), workers=2, threads=4,
                        WEB_ACCEPT_YIELD_MS="200") as (port, arbiter):
        workers = _workers(arbiter)
        assert len(workers) == 2
        # Ready is one worker answering; the other may still be loading the app (and is left
        # out of the balance until it accepts): wait until both take connections.
        deadline = time.monotonic() + 180
        while True:
            connections = [_open(port) for _ in range(2)]
            both = len(_holders(port, connections, workers)) == 2
            for conn in connections:
                conn.close()
            if both:
                break
            assert time.monotonic() < deadline, "the second worker never took a connection"
            time.sleep(0.2)
        yield port, arbiter, workers


@pytest.mark.slow
def test_kept_alive_connections_are_spread_evenly_over_the_workers(two_workers):
    """Two clients each holding a connection land on two workers, every time; eight on four
    and four. (gunicorn's own gthread put both on one worker in half the runs, and with one GIL
    a worker that serves two decisions at once serves them at the speed of one.)"""
    port, _, workers = two_workers
    for round_, count in enumerate((2, 2, 2, 2, 8)):
        time.sleep(0.3)  # the workers have seen the last round's connections close
        connections = [_open(port) for _ in range(count)]
        try:
            held = _holders(port, connections, workers)
            assert sorted(held.values()) == [count // 2, count // 2], (round_, held)
        finally:
            for conn in connections:
                conn.close()


@pytest.mark.slow
def test_a_worker_holding_two_more_connections_than_another_sheds_one_to_it(two_workers):
    """Both connections land on one worker while the other is stopped (SIGSTOP: busy, or
    restarting); once the other runs again, the loaded worker answers one request with
    ``Connection: close``, the client reconnects, and the new connection goes to the other
    worker. Without the shedding the two stay on one worker for as long as the client keeps
    them."""
    port, _, (loaded, stopped) = two_workers
    time.sleep(0.3)  # the first test's connections are closed and counted
    os.kill(stopped, signal.SIGSTOP)
    try:
        # The running worker steps back for the stopped one (WEB_ACCEPT_YIELD_MS), then takes both.
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(2)]
        for conn in connections:
            conn.connect()
        deadline = time.monotonic() + 10
        while True:  # a connection waits in the listen queue until a worker accepts it
            try:
                held = _holders(port, connections, [loaded, stopped])
                break
            except AssertionError:
                assert time.monotonic() < deadline, "the running worker did not accept both connections"
                time.sleep(0.05)
        assert held == Counter({loaded: 2})
    finally:
        os.kill(stopped, signal.SIGCONT)
    shed = 0
    try:
        deadline = time.monotonic() + 20
        while True:
            for index, conn in enumerate(connections):
                if conn.sock is None:  # closed after a "Connection: close": the client connects again
                    conn = connections[index] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", "/healthz")
                response = conn.getresponse()
                assert response.status == 200
                response.read()
                if response.getheader("Connection", "").lower() == "close":
                    shed += 1
            open_now = [conn for conn in connections if conn.sock is not None]
            if len(open_now) == 2 and sorted(_holders(port, open_now, [loaded, stopped]).values()) == [1, 1]:
                break
            assert time.monotonic() < deadline, (shed, _holders(port, open_now, [loaded, stopped]))
            time.sleep(0.05)
        assert shed == 1  # one connection moved, the other left where it was
    finally:
        for conn in connections:
            conn.close()
