"""A platform's webhook receiver down for an hour: retries on schedule, none lost, none doubled.

Time is simulated: between steps the test moves every waiting task's due time back by the
gap to the next retry, so the retry schedule (5 s, 30 s, 2 min, 10 min, 30 min, 2 h …)
plays out in seconds while the real code runs it: real HTTP to a real receiver, the
task table, and two in-process job pools (two web processes) sweeping the same database
at once. Events are emitted at minutes 0, 0, 10, 30 and 50. The receiver refuses
connections for the first half hour, answers 503 for the second, and accepts from minute
60. Each event must arrive acknowledged exactly once, after exactly the attempts the
schedule gives, and every attempt must be in its delivery log."""
import math
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select, update
from standardwebhooks import Webhook

from gateway.db import utcnow
from gateway.jobs.models import Task, TaskStatus
from gateway.runtime import Runtime
from gateway.webhooks.models import WebhookDelivery
from gateway.webhooks.services import RETRY_SCHEDULE
from tests.conftest import free_port, make_settings

pytestmark = [pytest.mark.slow, pytest.mark.faults]
EMITTED_AT = (0, 0, 600, 1800, 3000)
FAILING_503_FROM, UP_FROM = 1800, 3600


@pytest.fixture
def settings(database_url, tmp_path):
    return make_settings(database_url, tmp_path, webhook_allow_private_networks=True)


class Receiver:
    """A receiver on a fixed port that can be down (nothing listening), failing (503) or up."""

    def __init__(self):
        self.port = free_port()
        self.status = 503
        self.server: ThreadingHTTPServer | None = None
        self.requests: list[tuple[dict, bytes, int]] = []  # headers, body, status answered

    def start(self, status: int) -> None:
        self.status = status
        if self.server is not None:
            return
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body, receiver.status))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"


def expected_attempts(emitted: int) -> list[int | None]:
    """What each attempt of an event emitted at ``emitted`` meets: None (refused), 503 or 204."""
    met, at = [], emitted
    for delay in (0, *RETRY_SCHEDULE):
        at += delay
        met.append(None if at < FAILING_503_FROM else 503 if at < UP_FROM else 204)
        if at >= UP_FROM:
            return met
    raise AssertionError("the schedule ends before the receiver is back")


def test_a_receiver_down_for_an_hour_gets_every_event_once(client, auth, runtime, settings):
    receiver = Receiver()  # down: nothing listens on its port yet
    other = Runtime(settings)  # a second web process's job pool on the same database
    try:
        response = client.put("/v1/webhook", headers=auth, json={"url": receiver.url})
        secret = response.get_json()["secret"]
        runtime.dispatcher.start()
        other.dispatcher.start()
        clock = 0  # simulated seconds
        to_emit = sorted(EMITTED_AT)
        changes = [(FAILING_503_FROM, 503), (UP_FROM, 204)]
        emitted: dict[str, int] = {}
        started = time.monotonic()
        while True:
            for at, status in [c for c in changes if c[0] <= clock]:
                receiver.start(status)
                changes.remove((at, status))
            while to_emit and to_emit[0] <= clock:
                to_emit.pop(0)
                before = _delivery_ids(runtime)
                assert client.post("/v1/webhook/test", headers=auth).status_code == 202
                [new] = _delivery_ids(runtime) - before
                emitted[new] = clock
            _settle(runtime, other)
            waiting = _next_retry_in(runtime)
            candidates = [t for t in (to_emit[:1] + [c[0] for c in changes[:1]]) if t is not None]
            if waiting is not None:
                candidates.append(clock + math.ceil(waiting - 0.001))
            if not candidates:
                break
            step = max(0, min(candidates) - clock)
            clock += step
            with runtime.db.session() as s:  # time passes: what waited `step` seconds is due now
                for task_id, run_after in s.execute(select(Task.id, Task.run_after)
                                                    .where(Task.status == TaskStatus.QUEUED)).all():
                    s.execute(update(Task).where(Task.id == task_id, Task.status == TaskStatus.QUEUED)
                              .values(run_after=run_after - timedelta(seconds=step)))
            assert time.monotonic() - started < 50, "the simulated hour took too long"
    finally:
        receiver.stop()
        other.close()

    assert clock >= UP_FROM and len(emitted) == len(EMITTED_AT)
    with runtime.db.session() as s:
        deliveries = {d.id: d for d in s.scalars(select(WebhookDelivery))}
        tasks = set(s.scalars(select(Task.status).where(Task.kind == "webhook.deliver")))
    assert set(deliveries) == set(emitted)
    assert tasks == {TaskStatus.DONE}
    for delivery_id, at in emitted.items():
        delivery = deliveries[delivery_id]
        met = [a["status_code"] for a in delivery.attempt_log]
        assert delivery.status == "delivered" and met == expected_attempts(at), (at, met)
        assert delivery.attempts == len(met)
    acknowledged = [(headers, body) for headers, body, status in receiver.requests if status < 300]
    # None lost, none doubled: each event acknowledged once, and each signed as the standard says.
    assert sorted(h["webhook-id"] for h, _ in acknowledged) == sorted(emitted)
    verifier = Webhook(secret)
    assert all(verifier.verify(body, headers)["type"] == "webhook.test" for headers, body in acknowledged)
    failing = [h["webhook-id"] for h, _, status in receiver.requests if status == 503]
    assert sorted(failing) == sorted(d for d, at in emitted.items() for _ in range(expected_attempts(at).count(503)))


def _delivery_ids(runtime) -> set[str]:
    with runtime.db.session() as s:
        return set(s.scalars(select(WebhookDelivery.id)))


def _settle(*runtimes) -> None:
    """Both pools sweep at once, then run what they took until neither has work."""
    threads = [threading.Thread(target=r.dispatcher.sweep_once) for r in runtimes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for r in runtimes:
        assert r.dispatcher.wait_idle(30)


def _next_retry_in(runtime) -> float | None:
    with runtime.db.session() as s:
        due = s.scalar(select(Task.run_after).where(Task.status == TaskStatus.QUEUED).order_by(Task.run_after))
    return None if due is None else (due - utcnow()).total_seconds()
