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

Built on gunicorn's ``ThreadWorker`` (its ``accept``, ``set_accept_enabled`` and
``wait_for_and_dispatch_events``, gunicorn 27, the version the lock pins); the balance is
checked by ``tests/gateway/test_serve_balance.py`` against a real ``qingwang serve``.
"""
from __future__ import annotations

import mmap
import os
import struct
import time

from gunicorn.workers.gthread import ThreadWorker

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
