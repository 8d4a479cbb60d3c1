"""Accepting documents: direct uploads, presigned uploads and their confirmation."""
from __future__ import annotations

import logging
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db import utcnow
from gateway.documents.intake import Intake, IntakeError, blob_key, check_size, inspect_upload
from gateway.documents.models import Document
from gateway.errors import Forbidden, Invalid, NotFound
from gateway.jobs import outbox
from gateway.jobs.names import TaskName
from gateway.runtime import Runtime
from gateway.storage import StorageError
from verifiers.documents.model import DocumentStatus
from verifiers.rules.facts import DocumentFacts

log = logging.getLogger(__name__)


def _enqueue_processing(session: Session, document: Document):
    return outbox.enqueue(session, TaskName.DOCUMENT_PROCESS, {"document_id": document.id})


def get_document(session: Session, platform_id: str, document_id: str) -> Document:
    """The platform's document; another platform's answers as if it did not exist."""
    document = session.get(Document, document_id)
    if document is None or document.platform_id != platform_id:
        raise NotFound(f"文件 {document_id} 不存在", f"No document {document_id}")
    return document


def platform_documents(session: Session, platform_id: str, document_ids: list[str]) -> list[Document]:
    """The platform's documents with these ids, in the order given (duplicates once);
    422 naming every id that is unknown or still awaiting its upload."""
    ids = list(dict.fromkeys(document_ids))
    found = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(ids),
                                                                     Document.platform_id == platform_id))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise Invalid(f"文件不存在：{', '.join(missing)}", f"Unknown documents: {', '.join(missing)}",
                      errors={"json": {"document_ids": [f"unknown document {m}" for m in missing]}})
    awaiting = [d.id for d in found.values() if d.status == DocumentStatus.AWAITING_UPLOAD]
    if awaiting:
        raise Invalid(f"文件尚未上传完成：{', '.join(awaiting)}", f"Not uploaded yet: {', '.join(awaiting)}",
                      errors={"json": {"document_ids": [f"document {a} awaits its upload" for a in awaiting]}})
    return [found[i] for i in ids]


def document_facts(document: Document) -> DocumentFacts:
    """A document as the rules see it."""
    return DocumentFacts(id=document.id, status=document.status, type=document.type, fields=document.fields or {},
                         error=document.error, sha256=document.sha256)


def _store_blob(runtime: Runtime, intake: Intake, data: bytes) -> str:
    key = blob_key(intake.sha256)
    if not runtime.storage.exists(key):
        runtime.storage.put(key, data, intake.media_type)
    return key


def accept_upload(runtime: Runtime, session: Session, platform_id: str, data: bytes, filename: str | None,
                  type_hint: str | None) -> tuple[Document, bool, list]:
    """Store an uploaded file once per content and record it for this platform.

    Returns the document, whether it is new, and the tasks to dispatch after commit.
    The same bytes uploaded again by the same platform return the existing document.
    """
    check_size(data, runtime.settings.max_upload_bytes)
    intake = inspect_upload(data)
    existing = session.scalar(select(Document).where(Document.platform_id == platform_id,
                                                     Document.sha256 == intake.sha256).limit(1))
    if existing is not None:
        return existing, False, []
    key = _store_blob(runtime, intake, data)
    document = Document(platform_id=platform_id, status=DocumentStatus.PROCESSING, sha256=intake.sha256, size=intake.size,
                        media_type=intake.media_type, pages=intake.pages, filename=_clean_filename(filename),
                        storage_key=key, type_hint=type_hint, created_at=utcnow())
    session.add(document)
    session.flush()
    return document, True, [_enqueue_processing(session, document)]


def _clean_filename(filename: str | None) -> str | None:
    if not filename:
        return None
    return filename.replace("\\", "/").rsplit("/", 1)[-1][:255] or None


def staging_key(document_id: str) -> str:
    return f"uploads/{document_id}"


def _signer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="qingwang.local-upload")


def create_presigned(runtime: Runtime, session: Session, platform_id: str, *, filename: str | None,
                     media_type: str | None, type_hint: str | None, base_url: str) -> tuple[Document, dict]:
    """A document awaiting its bytes, and where the client should PUT them."""
    document = Document(platform_id=platform_id, status=DocumentStatus.AWAITING_UPLOAD, filename=_clean_filename(filename),
                        type_hint=type_hint, created_at=utcnow())
    session.add(document)
    session.flush()
    ttl = runtime.settings.presign_ttl_seconds
    content_type = media_type or "application/octet-stream"
    target = runtime.storage.presigned_put(staging_key(document.id), content_type, ttl)
    if target is None:
        token = _signer(runtime.settings.secret_key).dumps(document.id)
        target = {"url": f"{base_url.rstrip('/')}/uploads/{token}", "method": "PUT",
                  "headers": {"Content-Type": content_type}}
    target["expires_at"] = utcnow() + timedelta(seconds=ttl)
    return document, target


def document_for_upload_token(runtime: Runtime, token: str) -> str:
    """The document id a local upload token was issued for; 403 if bad or expired."""
    try:
        return _signer(runtime.settings.secret_key).loads(token, max_age=runtime.settings.presign_ttl_seconds)
    except SignatureExpired:
        reason = "expired"
    except BadSignature:
        reason = "invalid"
    raise Forbidden("上传地址无效或已过期", "The upload URL is invalid or has expired", code=f"upload-url-{reason}")


def receive_local_upload(runtime: Runtime, token: str, data: bytes, content_type: str | None) -> str:
    """Keep the bytes PUT to a gateway-signed upload URL until the client confirms."""
    document_id = document_for_upload_token(runtime, token)
    check_size(data, runtime.settings.max_upload_bytes)
    runtime.storage.put(staging_key(document_id), data, content_type or "application/octet-stream")
    return document_id


def confirm_upload(runtime: Runtime, session: Session, document: Document) -> list:
    """Check the bytes a client put in storage and start processing them."""
    if document.status != DocumentStatus.AWAITING_UPLOAD:
        return []
    try:
        data = runtime.storage.get(staging_key(document.id))
    except FileNotFoundError:
        raise IntakeError("not_uploaded", "尚未收到上传的文件，请先按返回的地址上传",
                          "Nothing has been uploaded yet; PUT the file to the upload URL first") from None
    check_size(data, runtime.settings.max_upload_bytes)
    intake = inspect_upload(data)
    document.storage_key = _store_blob(runtime, intake, data)
    document.sha256, document.size, document.media_type = intake.sha256, intake.size, intake.media_type
    document.pages = intake.pages
    document.status = DocumentStatus.PROCESSING
    return [_enqueue_processing(session, document)]


def discard_staged(runtime: Runtime, document_id: str) -> None:
    """Remove a confirmed upload's staged copy (its bytes now live under their hash);
    a failure only leaves a stray object behind."""
    try:
        runtime.storage.delete(staging_key(document_id))
    except StorageError:
        log.warning("could not remove staged upload of %s", document_id)


