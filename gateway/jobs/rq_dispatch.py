from __future__ import annotations

from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from gateway.jobs.names import queue_for

#: The function rq workers (``qingwang worker``) run, by dotted path: it gets only the task
#: id, builds its process's runtime once and calls gateway.jobs.runner.run_task.
RUN_TASK = "workers.job.run"


class RQDispatcher:
    """Dispatches task ids to rq queues on Redis; ``qingwang worker`` runs them."""

    def __init__(self, redis_url: str, job_timeout: int):
        # Short socket timeouts: when Redis is down a request should log and move on
        # (the task row is safe) rather than hang.
        self.redis = Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=2)
        self.job_timeout = job_timeout
        self._queues: dict[str, Queue] = {}

    def queue(self, name: str) -> Queue:
        if name not in self._queues:
            self._queues[name] = Queue(name, connection=self.redis)
        return self._queues[name]

    def dispatch(self, task_id: str, kind: str | None = None) -> None:
        self.queue(queue_for(kind or "")).enqueue_call(RUN_TASK, args=(task_id,), job_id=task_id,
                                                      timeout=self.job_timeout, result_ttl=600,
                                                      failure_ttl=7 * 86400)

    def is_pending(self, task_id: str) -> bool:
        try:
            job = Job.fetch(task_id, connection=self.redis)
        except NoSuchJobError:
            return False
        status = job.get_status()
        if status == JobStatus.QUEUED:
            # Marked queued is not enough: a worker killed after taking the job off its queue
            # and before starting it leaves it marked queued in no queue at all (seen in the
            # soak, when workers were killed), and it would never run. Pending means still in
            # the queue. (LPOS; the sweeper asks only about tasks overdue, so rarely.)
            return self.queue(job.origin).get_job_position(task_id) is not None
        # Not STARTED: the sweeper only asks about tasks whose lease ran out, and a job
        # still "started" then belongs to a worker that died (rq notices much later).
        return status in (JobStatus.SCHEDULED, JobStatus.DEFERRED)

    def check(self) -> None:
        self.redis.ping()

    def start(self) -> None:
        """Nothing to start: ``qingwang worker`` runs the jobs and sweeps the task table."""

    def wait_idle(self, timeout: float = 300.0) -> bool:
        """Nothing runs in this process: the workers are elsewhere."""
        return True

    def shutdown(self) -> None:
        self.redis.close()
