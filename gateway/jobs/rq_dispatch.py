from __future__ import annotations

from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from gateway.runtime import QUEUE_FOR_KIND

RUN_TASK = "workers.runner.run_task"


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
        queue = self.queue(QUEUE_FOR_KIND.get(kind or "", "default"))
        queue.enqueue_call(RUN_TASK, args=(task_id,), job_id=task_id, timeout=self.job_timeout,
                           result_ttl=600, failure_ttl=7 * 86400)

    def is_pending(self, task_id: str) -> bool:
        try:
            status = Job.fetch(task_id, connection=self.redis).get_status()
        except NoSuchJobError:
            return False
        # Not STARTED: the sweeper only asks about tasks whose lease ran out, and a job
        # still "started" then belongs to a worker that died (rq notices much later).
        return status in (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)

    def check(self) -> None:
        self.redis.ping()
