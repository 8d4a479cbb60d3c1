"""Background jobs: a durable task table plus a dispatcher (rq on Redis, or in-process).

``outbox.enqueue`` writes a :class:`~gateway.jobs.models.Task` in the caller's
transaction; after commit the caller hands the ids to the dispatcher. Handlers live
beside the services of their area (``gateway/<area>/tasks.py``), register by task name
(:mod:`gateway.jobs.names`) and are run by :func:`gateway.jobs.runner.run_task`.
"""
