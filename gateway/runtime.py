"""The services one process needs: settings, database, storage, registry, policies, OCR
engine and job dispatcher.

The web app keeps one in ``app.extensions``; a worker process builds its own from the
environment. Handlers and services receive it explicitly instead of reaching for Flask
globals, so the same code runs in a request, a job or the CLI.
"""
from __future__ import annotations

import functools
import threading
from datetime import datetime

from sqlalchemy import func, select

from gateway.audit.sealing import AuditSealer
from gateway.claims.services import ClaimListCache
from gateway.config import Settings
from gateway.db import Base, Database
from gateway.jobs.dispatch import Dispatcher
from gateway.jobs.inprocess import InProcessDispatcher
from gateway.jobs.rq_dispatch import RQDispatcher
from gateway.outbound import OutboundClient
from gateway.policy import PolicyCache
from gateway.registry.lookup import RegistryLookup
from gateway.storage import FileStorage, storage_from_url
from gateway.storage.retention import RetainingStorage
from verifiers.documents.ocr import OcrEngine, create_engine

_ocr_engines: dict[tuple[str, int], OcrEngine] = {}
_ocr_lock = threading.Lock()


def shared_ocr_engine(name: str, threads: int) -> OcrEngine:
    """One engine per process and configuration, created on first use and kept warm:
    loading the models takes seconds, and every runtime in the process may share it."""
    key = (name, threads)
    with _ocr_lock:
        if key not in _ocr_engines:
            _ocr_engines[key] = create_engine(name, threads=threads)
        return _ocr_engines[key]


class Runtime:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        self.db = Database(self.settings.database_url)

    @functools.cached_property
    def storage(self) -> FileStorage:
        s = self.settings
        backend = storage_from_url(s.storage_url, endpoint_url=s.s3_endpoint_url, region=s.s3_region)
        return RetainingStorage(backend, self.retained_until)

    def retained_until(self, key: str) -> datetime | None:
        """Until when stored ``key`` must be kept (the latest ``retain_until`` of the documents
        stored under it), or None. Read from the table by name: the documents area sits above
        the runtime, and the storage guard must not depend on which areas a process imported."""
        table = Base.metadata.tables.get("documents")
        if table is None or "retain_until" not in table.c:
            return None
        with self.db.read_sessionmaker() as session:
            return session.scalar(select(func.max(table.c.retain_until)).where(table.c.storage_key == key))

    @functools.cached_property
    def registry(self) -> RegistryLookup:
        return RegistryLookup(self.db)

    @functools.cached_property
    def policies(self) -> PolicyCache:
        return PolicyCache()

    @functools.cached_property
    def outbound(self) -> OutboundClient:
        """HTTP to tenant-given URLs (webhooks, report delivery), private addresses refused."""
        return OutboundClient(allow_private=self.settings.webhook_allow_private_networks)

    @functools.cached_property
    def claims(self) -> ClaimListCache:
        """The banned-claim phrase list in force (versioned data staff import)."""
        return ClaimListCache(self.db)

    @functools.cached_property
    def dispatcher(self) -> Dispatcher:
        if self.settings.redis_url:
            return RQDispatcher(self.settings.redis_url, job_timeout=self.settings.job_timeout)
        return InProcessDispatcher(self, threads=self.settings.inprocess_threads,
                                   lease_seconds=self.settings.inprocess_lease_seconds)

    @property
    def ocr_engine(self) -> OcrEngine:
        """The OCR engine the settings name (OCR_ENGINE, OCR_THREADS)."""
        return shared_ocr_engine(self.settings.ocr_engine, self.settings.ocr_threads)

    def start_audit_sealer(self) -> None:
        """Seal the machine's decision entries in batches on a thread of this process instead of
        inside each decision's commit (gateway.audit.sealing): for long-running web processes on
        PostgreSQL. Not on SQLite: its single writer serialises commits whoever holds the chain
        head, so a separate sealing transaction only adds a turn at the write lock (measured:
        5-10 % fewer decisions a second with it)."""
        if self.db.engine.dialect.name == "postgresql":
            AuditSealer.install(self.db.engine)

    def close(self):
        if "dispatcher" in self.__dict__:
            self.dispatcher.shutdown()
        self.db.dispose()
