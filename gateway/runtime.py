"""The services one process needs (settings, database, storage, job dispatcher).

The web app keeps one in ``app.extensions``; a worker process builds its own from the
environment. Handlers and services receive it explicitly instead of reaching for
Flask globals, so the same code runs in a request, an rq job or the CLI.
"""
from __future__ import annotations

import functools

from gateway.config import Settings
from gateway.db import Database
from gateway.storage import FileStorage, storage_from_url

#: Which rq queue each task kind goes to; OCR is slow and gets its own so that quick
#: decisions and webhooks never wait behind a pile of scans.
QUEUE_FOR_KIND = {"document.process": "ocr", "webhook.deliver": "webhooks"}
QUEUES = ("default", "webhooks", "ocr")


class Runtime:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        self.db = Database(self.settings.database_url)

    @functools.cached_property
    def storage(self) -> FileStorage:
        s = self.settings
        return storage_from_url(s.storage_url, endpoint_url=s.s3_endpoint_url, region=s.s3_region)

    @functools.cached_property
    def registry(self):
        from gateway.registry.lookup import RegistryLookup

        return RegistryLookup(self.db)

    @functools.cached_property
    def policies(self):
        from gateway.policy import PolicyCache

        return PolicyCache()

    @functools.cached_property
    def dispatcher(self):
        if self.settings.redis_url:
            from gateway.jobs.rq_dispatch import RQDispatcher

            return RQDispatcher(self.settings.redis_url, job_timeout=self.settings.job_timeout)
        from gateway.jobs.inprocess import InProcessDispatcher

        return InProcessDispatcher(self, threads=self.settings.inprocess_threads)

    def close(self):
        if "dispatcher" in self.__dict__ and hasattr(self.dispatcher, "shutdown"):
            self.dispatcher.shutdown()
        self.db.dispose()
