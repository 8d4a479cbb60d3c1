"""Reading an uploaded document: the ``document.process`` task."""
from __future__ import annotations

import logging
import time

from gateway.db import utcnow
from gateway.documents.models import Document
from gateway.documents.signals import document_read
from gateway.jobs.handlers import task
from gateway.jobs.names import TaskName
from gateway.jobs.outbox import dispatch_after_commit
from gateway.runtime import Runtime
from verifiers.documents.intake import Limits
from verifiers.documents.model import DocumentError, DocumentStatus
from verifiers.documents.pipeline import read_document

log = logging.getLogger(__name__)


def _limits(runtime: Runtime) -> Limits:
    s = runtime.settings
    return Limits(max_pixels=s.max_image_pixels, max_pages=s.max_pdf_pages, max_document_pixels=s.max_document_pixels)


def _finish(runtime: Runtime, document_id: str, **values) -> None:
    """Record what was read and, in the same transaction, the follow-up work of whoever
    waits on this document (merchant verification, listing re-checks)."""
    with runtime.db.session() as session:
        document = session.get(Document, document_id)
        if document is None:
            return
        for key, value in values.items():
            setattr(document, key, value)
        document.processed_at = utcnow()
        session.flush()
        tasks = [t for _, returned in document_read.send(document_id, session=session) for t in returned or ()]
    dispatch_after_commit(runtime.dispatcher, tasks)


def mark_failed(runtime: Runtime, payload: dict, error: str) -> None:
    """The task ran out of attempts: the document ends ``failed``, never stuck in processing."""
    _finish(runtime, payload["document_id"], status=DocumentStatus.FAILED, error={
        "code": "processing_failed", "message": "文件处理多次失败，请重新上传或联系支持",
        "message_en": f"Processing failed repeatedly: {error}"[:500]})


@task(TaskName.DOCUMENT_PROCESS, on_dead=mark_failed)
def process_document(runtime: Runtime, payload: dict) -> None:
    document_id = payload["document_id"]
    with runtime.db.session() as session:
        document = session.get(Document, document_id)
        if document is None or document.status != DocumentStatus.PROCESSING:
            return
        key, media_type, hint = document.storage_key, document.media_type, document.type_hint
    try:
        data = runtime.storage.get(key)
    except FileNotFoundError:
        _finish(runtime, document_id, status=DocumentStatus.FAILED, error={
            "code": "file_missing", "message": "存储中找不到该文件", "message_en": "The stored file is missing"})
        return
    started = time.perf_counter()
    try:
        reading = read_document(data, media_type, engine=runtime.ocr_engine, limits=_limits(runtime),
                                type_hint=hint, registry=runtime.registry)
    except DocumentError as exc:
        log.info("document unreadable", extra={"document_id": document_id, "code": exc.code})
        _finish(runtime, document_id, status=DocumentStatus.FAILED, error=exc.as_dict(),
                processing_ms=int((time.perf_counter() - started) * 1000))
        return
    _finish(runtime, document_id, status=DocumentStatus.PROCESSED, type=reading.type,
            type_confidence=reading.type_confidence, fields=reading.fields_dict(), ocr=reading.ocr_dict(),
            engine=reading.engine, error=None, processing_ms=int((time.perf_counter() - started) * 1000))
