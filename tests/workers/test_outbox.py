"""The task table: claiming, retries with backoff, burial, and the sweeper's re-dispatch."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from gateway.db import utcnow
from gateway.jobs import outbox
from gateway.jobs.models import Task
from gateway.jobs import handlers as registry
from gateway.jobs.runner import run_task


@pytest.fixture
def handlers():
    calls = {"ok": [], "fail": [], "dead": []}
    registry.load()

    def ok(rt, payload):
        calls["ok"].append(payload)

    def fail(rt, payload):
        calls["fail"].append(payload)
        raise ConnectionError("bureau endpoint unreachable")

    def dead(rt, payload, error):
        calls["dead"].append((payload, error))

    registry.HANDLERS["t.ok"] = registry.Handler(ok)
    registry.HANDLERS["t.fail"] = registry.Handler(fail, dead)
    yield calls
    for kind in ("t.ok", "t.fail"):
        registry.HANDLERS.pop(kind, None)


def new_task(runtime, kind, **kw):
    with runtime.db.session() as s:
        return outbox.enqueue(s, kind, {"n": 1}, **kw).id


def status(runtime, task_id):
    with runtime.db.session() as s:
        return s.get(Task, task_id)


def test_a_task_runs_once_and_is_marked_done(runtime, handlers):
    task_id = new_task(runtime, "t.ok")
    assert run_task(task_id, runtime) == "done"
    assert run_task(task_id, runtime) == "skipped"
    assert handlers["ok"] == [{"n": 1}]
    assert status(runtime, task_id).status == "done"


def test_only_one_runner_can_claim(runtime, handlers):
    task_id = new_task(runtime, "t.ok")
    with runtime.db.session() as s:
        assert outbox.claim(s, task_id, 60) is not None
    with runtime.db.session() as s:
        assert outbox.claim(s, task_id, 60) is None


def test_failures_back_off_then_bury_with_on_dead(runtime, handlers):
    task_id = new_task(runtime, "t.fail", max_attempts=3)
    assert run_task(task_id, runtime) == "retry"
    task = status(runtime, task_id)
    assert task.status == "queued" and task.attempts == 1
    assert task.run_after > utcnow() + timedelta(seconds=1)  # 2 s backoff
    assert "bureau endpoint unreachable" in task.last_error
    assert run_task(task_id, runtime) == "skipped"  # not due yet
    for _ in range(2):
        with runtime.db.session() as s:
            s.execute(update(Task).where(Task.id == task_id).values(run_after=utcnow()))
        run_task(task_id, runtime)
    task = status(runtime, task_id)
    assert task.status == "dead" and task.attempts == 3
    assert len(handlers["fail"]) == 3
    assert handlers["dead"] == [({"n": 1}, "ConnectionError: bureau endpoint unreachable")]


def test_backoff_grows_exponentially_and_is_capped():
    assert [outbox.backoff_seconds(n) for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert outbox.backoff_seconds(30) == 3600


def test_sweeper_finds_undispatched_and_abandoned_tasks(runtime, handlers):
    fresh = new_task(runtime, "t.ok")
    lost = new_task(runtime, "t.ok")
    abandoned = new_task(runtime, "t.ok")
    with runtime.db.session() as s:
        # Never reached the queue (e.g. Redis was down at commit time).
        s.execute(update(Task).where(Task.id == lost).values(dispatched_at=utcnow() - timedelta(minutes=5)))
        # Its worker died mid-run and the lease ran out.
        s.execute(update(Task).where(Task.id == abandoned).values(
            status="running", dispatched_at=utcnow() - timedelta(minutes=3), lease_until=utcnow() - timedelta(seconds=1)))
    with runtime.db.session() as s:
        due = [task_id for task_id, _ in outbox.due_for_dispatch(s)]
    assert set(due) == {lost, abandoned}
    assert fresh not in due
    with runtime.db.session() as s:
        assert outbox.due_for_dispatch(s) == []  # marked dispatched: not sent twice in a row
    assert run_task(abandoned, runtime) == "done"


def test_an_abandoned_task_whose_redispatch_was_lost_is_sent_again(runtime, handlers):
    """Found with rq 3.0: the re-enqueued job of a killed worker can vanish in rq's clean-up
    of that worker's "started" job; the task must not wait forever as 'running'."""
    task_id = new_task(runtime, "t.ok")
    with runtime.db.session() as s:
        s.execute(update(Task).where(Task.id == task_id).values(
            status="running", lease_until=utcnow() - timedelta(minutes=3),
            dispatched_at=utcnow() - timedelta(minutes=2)))  # dispatched after the lease ran out
    with runtime.db.session() as s:
        assert outbox.due_for_dispatch(s) == [(task_id, "t.ok")]
    with runtime.db.session() as s:
        assert outbox.due_for_dispatch(s) == []  # and not again at once
    with runtime.db.session() as s:
        s.execute(update(Task).where(Task.id == task_id).values(dispatched_at=utcnow() - timedelta(seconds=10)))
    with runtime.db.session() as s:
        assert outbox.due_for_dispatch(s) == []  # a recent dispatch may still arrive


def test_after_a_queue_outage_what_was_dispatched_before_it_came_back_is_sent_again(runtime, handlers):
    """A Redis restarted without persistence lost every queued job: the pool's sweep then
    passes the moment Redis came back, and tasks dispatched before it are sent again at
    once (not a minute later); tasks dispatched since are not, nor sent twice."""
    before = new_task(runtime, "t.ok")
    with runtime.db.session() as s:
        s.execute(update(Task).where(Task.id == before).values(dispatched_at=utcnow() - timedelta(seconds=5)))
    back = utcnow()
    since = new_task(runtime, "t.ok")
    with runtime.db.session() as s:
        assert outbox.due_for_dispatch(s) == []  # in ordinary times both are recent dispatches
    with runtime.db.session() as s:
        assert outbox.due_for_dispatch(s, dispatched_before=back) == [(before, "t.ok")]
    with runtime.db.session() as s:
        assert outbox.due_for_dispatch(s, dispatched_before=back) == []
    assert status(runtime, since).status == "queued"


def test_a_task_whose_runner_always_dies_is_buried(runtime, handlers):
    task_id = new_task(runtime, "t.fail", max_attempts=2)
    with runtime.db.session() as s:
        s.execute(update(Task).where(Task.id == task_id).values(
            status="running", attempts=2, lease_until=utcnow() - timedelta(seconds=1)))
    assert run_task(task_id, runtime) == "dead"
    assert handlers["fail"] == []  # not run a third time
    assert "worker died" in handlers["dead"][0][1]


def test_unknown_kind_is_buried_not_retried(runtime):
    task_id = new_task(runtime, "no.such.kind")
    assert run_task(task_id, runtime) == "dead"
    assert "no handler" in status(runtime, task_id).last_error


def test_in_process_dispatcher_runs_and_sweeps(runtime, handlers):
    task_id = new_task(runtime, "t.ok")
    runtime.dispatcher.dispatch(task_id, "t.ok")
    assert runtime.dispatcher.wait_idle(30)
    assert status(runtime, task_id).status == "done"
    # Work left by a previous process (dispatched long ago, never run) is picked up.
    left = new_task(runtime, "t.ok")
    with runtime.db.session() as s:
        s.execute(update(Task).where(Task.id == left).values(dispatched_at=utcnow() - timedelta(minutes=5)))
    assert runtime.dispatcher.sweep_once() == 1
    assert runtime.dispatcher.wait_idle(30)
    assert status(runtime, left).status == "done"


def test_a_restarted_server_runs_at_once_what_the_dead_one_held_in_memory(runtime, handlers):
    """Killed with tasks dispatched to its in-process pool but not started, a server leaves
    them queued with a fresh dispatch time; the next server's pool sends them again as
    soon as it starts, not a minute later."""
    from gateway.jobs.inprocess import InProcessDispatcher

    held = new_task(runtime, "t.ok")  # dispatched (to a pool now gone), never run
    restarted = InProcessDispatcher(runtime, threads=1)
    try:
        restarted.start()
        assert restarted.sweep_once() == 1
        assert restarted.wait_idle(30)
    finally:
        restarted.shutdown()
    assert status(runtime, held).status == "done"


def test_an_in_process_task_that_outlives_its_lease_is_not_started_again_beside_itself(runtime):
    """Found: four overlapping POSTs of one webhook message. The in-process pool claimed
    with a lease, the delivery outran it, and the sweeper (here, or in another web worker)
    took the task for abandoned and started it again. The pool now renews the leases of
    what it runs (a heartbeat), and never re-dispatches a task it is running."""
    import threading
    import time

    from gateway.jobs.inprocess import InProcessDispatcher

    registry.load()
    running, starts, overlaps = threading.Lock(), [], []

    def long_task(rt, payload):
        if not running.acquire(blocking=False):
            overlaps.append(1)
            return
        try:
            starts.append(time.monotonic())
            time.sleep(3)  # several leases long
        finally:
            running.release()

    registry.HANDLERS["t.long"] = registry.Handler(long_task)
    runtime.settings.job_timeout = runtime.settings.job_kill_grace = 0  # an rq-sized lease: 2 s
    dispatcher = InProcessDispatcher(runtime, threads=4, sweep_interval=0.05)
    other_process = InProcessDispatcher(runtime, threads=2, sweep_interval=0.05)
    dispatcher.lease_seconds = other_process.lease_seconds = 0.6  # renewed every 0.2 s
    try:
        task_id = new_task(runtime, "t.long")
        dispatcher.dispatch(task_id, "t.long")
        other_process.start()  # another web worker's sweeper, on the same task table
        assert dispatcher.wait_idle(30) and other_process.wait_idle(30)
    finally:
        dispatcher.shutdown()
        other_process.shutdown()
        registry.HANDLERS.pop("t.long", None)
    assert overlaps == [] and len(starts) == 1
    assert status(runtime, task_id).status == "done"


def test_a_dead_processs_running_task_is_taken_over_after_the_in_process_lease(runtime, handlers):
    """The heartbeat stops with the process: its task's short lease runs out and another
    process's sweeper runs it (a restarted server within seconds, not minutes)."""
    from gateway.jobs.inprocess import InProcessDispatcher

    task_id = new_task(runtime, "t.ok")
    with runtime.db.session() as s:
        assert outbox.claim(s, task_id, lease_seconds=0.2) is not None  # then the process was killed
    survivor = InProcessDispatcher(runtime, threads=1, sweep_interval=0.05, lease_seconds=0.6)
    try:
        survivor.start()
        deadline = utcnow() + timedelta(seconds=20)
        while status(runtime, task_id).status != "done" and utcnow() < deadline:
            survivor.wait_idle(1)
    finally:
        survivor.shutdown()
    assert status(runtime, task_id).status == "done" and handlers["ok"] == [{"n": 1}]
