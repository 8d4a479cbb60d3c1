"""gunicorn's threaded worker, with connections spread evenly over the worker processes.

Why: a gunicorn worker is one Python process, and its threads share one GIL, so a decision
served by a worker that already serves another waits for it, while a second worker may sit
idle. gunicorn's workers all wait on one listening socket and whichever wins the race accepts
the next connection, and a kept-alive connection then stays with that worker for as long as
the client keeps it. Measured with two clients holding a connection each (wrk at 2
connections, two workers), both connections landed on one worker in half the runs: that
worker used a whole CPU, the other none, and decisions per second halved (240-292/s against
418-509/s on the same machine the same hour).

Here each worker publishes how many connections it holds on a small board of shared memory
(mapped by the arbiter before it forks, so every worker sees the same pages). A worker woken
for a new connection while another live worker holds fewer steps back: it stops accepting for
``SLICE_S`` and the less loaded worker, woken by the same connection, takes it; then it listens
again, and if the connection is still there and the other still holds fewer, steps back again.
After ``YIELD_S`` it takes the connection whatever the board says (the other worker is busy or
stuck): a connection waits that long at most. Workers holding the same number accept as
gunicorn always did.

Balance at accept cannot help a connection already held: clients that connect at the same
instant race the board (wrk at 2 connections still ended on one worker in 2 of 6 runs), and a
worker that was busy or restarting leaves its share to the others. So a worker that holds at
least two connections more than another sheds one: the response it is about to send says
``Connection: close`` (gunicorn's own way of ending a kept-alive connection, as after
``max_requests``), the client reconnects, and the balance at accept gives the new connection
to the worker that holds fewer. At most one connection is shed every ``SHED_EVERY_S``: a
connection on its way from one worker to another must be counted again before the next.

The hot path's requests are served on the worker's own thread. gthread hands every request to
a pool thread and takes the connection back when it is done: a future, a wake-up through a
pipe, the socket switched between blocking and not, two threads taking turns on one GIL, about
a quarter of a millisecond a request on the Intel machine of docs/benchmarks.md, a quarter of a
decision. So a connection that turns readable holding a whole ``POST /v1/listings`` or
``GET /healthz`` (``INLINE_ROUTES``: they answer in about a millisecond, without OCR or any
outbound call), its body included, is served right there by the thread that polls
(:func:`whole_request_waiting` peeks at the socket without reading it). Everything else goes to
the pool as before: other routes, a body still on its way, chunked bodies, TLS, HTTP/2. A new
connection waits for its first request on the poller too, not in a pool thread, so its first
request can be served the same way. The thread that polls must never wait on a client: the
request is already in hand, and while it serves one the socket gives up a send or receive
after ``INLINE_IO_TIMEOUT_S`` without progress (``SO_SNDTIMEO``/``SO_RCVTIMEO``; a client
that stops reading its answers loses its connection), limits lifted when the connection next
goes to the pool. Measured on that machine (docs/benchmarks.md): a fifth more decisions a
second at 8 connections.

Built on gunicorn's ``ThreadWorker`` (its ``accept``, ``set_accept_enabled``,
``wait_for_and_dispatch_events``, ``enqueue_req``, ``on_client_socket_readable``,
``on_pending_socket_readable`` and ``finish_request``, gunicorn 27, the version the lock pins);
the balance is checked by ``tests/gateway/test_serve_balance.py`` and the requests served on the
polling thread by ``tests/gateway/test_serve_inline.py``, both against a real ``qingwang serve``.
"""
from __future__ import annotations

import mmap
import os
import selectors
import socket
import struct
import time
from concurrent import futures
from functools import partial

from gunicorn.workers.gthread import DEFAULT_WORKER_DATA_TIMEOUT, ThreadWorker

from gateway.config import Settings

#: How long a new connection may be left to a less loaded worker before this one takes it
#: (``WEB_ACCEPT_YIELD_MS``; the balance test gives a loaded CI machine more).
YIELD_S = Settings().web_accept_yield_ms / 1000
#: A worker holding at least this many connections more than another sheds one (see above).
SHED_MARGIN = 2
#: And sheds at most one in this long (it also looks at the board at most this often).
SHED_EVERY_S = 0.1
#: Each step back: the worker stops accepting this long, then looks again (has the other taken it?).
SLICE_S = 0.0005
#: Slots on the board: more than any number of live workers on one machine.
SLOTS = 64
_SLOT = struct.Struct("=qq")  # the worker's pid (0: free), the connections it holds

#: Request lines whose requests are served on the polling thread once wholly received (above).
INLINE_ROUTES = (b"POST /v1/listings HTTP/1.1\r\n", b"GET /healthz HTTP/1.1\r\n")
#: The most of a request looked at; a longer one (a listing with a long description) goes to the pool.
INLINE_PEEK_BYTES = 65536
#: While the polling thread serves a request, a send or receive that makes no progress for this
#: long fails (the connection is closed); well inside gunicorn's worker timeout.
INLINE_IO_TIMEOUT_S = 5

# Made when gunicorn's arbiter imports the worker class, before it forks any worker: anonymous
# shared memory, the same pages in every worker.
_BOARD = mmap.mmap(-1, SLOTS * _SLOT.size)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class BalancedThreadWorker(ThreadWorker):
    """``gthread`` with the connection balance above (``worker_class`` in gateway.gunicorn_conf)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._slot: int | None = None
        self._paused_until = 0.0
        self._declining_since = 0.0
        self._last_declined = 0.0
        self._published = -1
        self._shed_checked = 0.0

    def run(self):
        # On the board once it accepts (not while it still loads the app: a worker that has
        # not started must not be waited for).
        self._slot = self._claim_slot()
        super().run()

    def _claim_slot(self) -> int:
        """A slot of its own: the worker's age (unique among live workers, mostly) or the next
        one free or left by a dead worker."""
        pid = os.getpid()
        for probe in range(SLOTS):
            slot = (self.age + probe) % SLOTS
            holder, _ = _SLOT.unpack_from(_BOARD, slot * _SLOT.size)
            if holder in (0, pid) or not _alive(holder):
                _SLOT.pack_into(_BOARD, slot * _SLOT.size, pid, 0)
                return slot
        raise RuntimeError("no free slot on the connection board")

    def _publish(self) -> None:
        if self._slot is not None and self.nr_conns != self._published:
            _SLOT.pack_into(_BOARD, self._slot * _SLOT.size, os.getpid(), self.nr_conns)
            self._published = self.nr_conns

    def _a_peer_holds_fewer(self, than: int) -> bool:
        pid = os.getpid()
        for slot in range(SLOTS):
            holder, held = _SLOT.unpack_from(_BOARD, slot * _SLOT.size)
            if holder and holder != pid and held < than and _alive(holder):
                return True
        return False

    def handle_request(self, req, conn):
        # Runs in a request thread; the counts it reads are the main thread's (a stale one
        # sheds a connection late or once too often, which only costs a reconnection).
        if self.nr_conns >= SHED_MARGIN:
            now = time.monotonic()
            if now - self._shed_checked >= SHED_EVERY_S:
                self._shed_checked = now
                if self._a_peer_holds_fewer(self.nr_conns - SHED_MARGIN + 1):
                    req.must_close = True  # gunicorn answers "Connection: close" and closes after it
        return super().handle_request(req, conn)

    def enqueue_req(self, conn):
        if not conn.initialized and not conn.data_ready:
            # A new connection: its first request is waited for on the poller (as gthread does
            # after DEFAULT_WORKER_DATA_TIMEOUT in a pool thread, closed when none comes by then
            # plus the keep-alive time), so that it too can be served on this thread.
            conn.sock.setblocking(False)
            conn.timeout = time.monotonic() + DEFAULT_WORKER_DATA_TIMEOUT + self.cfg.keepalive
            self.pending_conns.append(conn)
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn))
            return
        if getattr(conn, "qw_io_bounded", False):  # pool threads wait on slow clients as gunicorn's do
            bound_io(conn.sock, 0)
            conn.qw_io_bounded = False
        super().enqueue_req(conn)

    def on_client_socket_readable(self, conn, client):
        if whole_request_waiting(conn, self.cfg.is_ssl):
            self.poller.unregister(client)
            self.keepalived_conns.remove(conn)
            self._serve_here(conn)
        else:
            super().on_client_socket_readable(conn, client)

    def on_pending_socket_readable(self, conn, client):
        if whole_request_waiting(conn, self.cfg.is_ssl):
            self.poller.unregister(client)
            self.pending_conns.remove(conn)
            conn.data_ready = True
            self._serve_here(conn)
        else:
            super().on_pending_socket_readable(conn, client)

    def _serve_here(self, conn):
        """Serve ``conn``'s waiting request on this (the polling) thread, then put the connection
        back as gthread does when a pool thread is done with it."""
        if not getattr(conn, "qw_io_bounded", False):
            bound_io(conn.sock, INLINE_IO_TIMEOUT_S)
            conn.qw_io_bounded = True
        done = futures.Future()
        done.set_result(self.handle(conn))
        self.finish_request(conn, done)

    def accept(self, listener):
        now = time.monotonic()
        if now - self._last_declined > YIELD_S:  # not the connection it stepped back from: a new one
            self._declining_since = now
        if now - self._declining_since < YIELD_S and self._a_peer_holds_fewer(self.nr_conns):
            self._last_declined = now
            self._paused_until = now + SLICE_S
            super().set_accept_enabled(False)
            return
        self._last_declined = 0.0
        super().accept(listener)
        self._publish()

    def set_accept_enabled(self, enabled):
        if enabled and time.monotonic() < self._paused_until:
            return  # still leaving the connection to a less loaded worker; run() asks again
        super().set_accept_enabled(enabled)

    def wait_for_and_dispatch_events(self, timeout):
        self._publish()
        if not self._accepting and self._paused_until:
            remaining = self._paused_until - time.monotonic()
            if remaining <= 0:
                self._paused_until = 0.0
                self.set_accept_enabled(self.nr_conns < self.worker_connections)
            else:
                timeout = min(timeout, remaining)
        super().wait_for_and_dispatch_events(timeout)
        self._publish()

    def handle_exit(self, sig, frame):
        self._free_slot()
        super().handle_exit(sig, frame)

    def _free_slot(self) -> None:
        if self._slot is not None:
            _SLOT.pack_into(_BOARD, self._slot * _SLOT.size, 0, 0)
            self._slot = None


def whole_request_waiting(conn, is_ssl: bool) -> bool:
    """Whether ``conn``'s socket holds a whole request on one of ``INLINE_ROUTES`` (its headers
    and the body they announce), looked at without taking it off the socket. False whenever in
    doubt: the pool then serves it as gthread would."""
    if is_ssl or conn.is_http2:
        return False
    try:
        data = conn.sock.recv(INLINE_PEEK_BYTES, socket.MSG_PEEK)
    except OSError:  # nothing there after all (EAGAIN), or the connection is gone
        return False
    if not data.startswith(INLINE_ROUTES):
        return False
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return False
    head = data[:end + 2].lower()
    if b"\r\ntransfer-encoding:" in head or b"\r\nexpect:" in head:
        return False
    at = head.find(b"\r\ncontent-length:")
    length = 0
    if at >= 0:
        value = head[at + len(b"\r\ncontent-length:"):head.index(b"\r\n", at + 2)].strip()
        if not value.isdigit():
            return False  # gunicorn's parser answers what it makes of it, from a pool thread
        length = int(value)
    return len(data) >= end + 4 + length


def bound_io(sock: socket.socket, seconds: int) -> None:
    """Make a blocking send or receive on ``sock`` fail (EAGAIN) after ``seconds`` without
    progress; 0 lifts the limit. The kernel's limit, not Python's socket timeout: gunicorn makes
    the socket blocking (no Python timeout) before it reads a request."""
    limit = struct.pack("ll", seconds, 0)  # struct timeval
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, limit)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, limit)
