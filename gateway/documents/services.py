"""Accepting documents: direct uploads, presigned uploads and their confirmation.

Storage calls and the checks on the bytes (slow: an S3 round trip, counting pages) run
before the request's write transaction begins, never inside it: on SQLite that
transaction is the database's one write lock. A platform has one document per content
(a unique index); concurrent uploads of one file settle on whichever row came first.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.db import utcnow
from gateway.documents.intake import Intake, IntakeError, blob_key, check_size, inspect_upload
from gateway.documents.models import Document
from gateway.errors import Conflict, Forbidden, Invalid, NotFound
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


def _by_content(session: Session, platform_id: str, sha256: str) -> Document | None:
    return session.scalar(select(Document).where(Document.platform_id == platform_id, Document.sha256 == sha256))


def _first_with_content(session: Session, document: Document, **content) -> Document:
    """Flush the document with its content (a new row; or a presigned one given the
    uploaded file's ``content``) unless the platform already has that content: then that
    document, and ``document`` is left as it was."""
    try:
        with session.begin_nested():  # (begin_nested flushes what came before, so changes go inside)
            session.add(document)
            for name, value in content.items():
                setattr(document, name, value)
            session.flush()
        return document
    except IntegrityError:
        # A concurrent upload of the same file committed first (PostgreSQL makes this
        # insert wait for it, then fail): use its row.
        existing = _by_content(session, document.platform_id, content.get("sha256", document.sha256))
        if existing is None:
            raise
        return existing


def accept_upload(runtime: Runtime, session: Session, platform_id: str, data: bytes, filename: str | None,
                  type_hint: str | None) -> tuple[Document, bool, list]:
    """Store an uploaded file once per content and record it for this platform.

    Returns the document, whether it is new, and the tasks to dispatch after commit.
    The same bytes uploaded again by the same platform return the existing document.
    """
    check_size(data, runtime.settings.max_upload_bytes)
    intake = inspect_upload(data, runtime.settings.max_pdf_pages)
    with runtime.db.read_sessionmaker() as reader:
        existing = _by_content(reader, platform_id, intake.sha256)
    if existing is not None:
        return existing, False, []
    key = _store_blob(runtime, intake, data)
    document = Document(platform_id=platform_id, status=DocumentStatus.PROCESSING, sha256=intake.sha256, size=intake.size,
                        media_type=intake.media_type, pages=intake.pages, filename=_clean_filename(filename),
                        storage_key=key, type_hint=type_hint, created_at=utcnow())
    kept = _first_with_content(session, document)
    if kept is not document:
        return kept, False, []
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
    """A document awaiting its bytes, and where the client should upload them (at most
    MAX_UPLOAD_BYTES: S3 refuses more itself, the gateway's own URL refuses more too)."""
    document = Document(platform_id=platform_id, status=DocumentStatus.AWAITING_UPLOAD, filename=_clean_filename(filename),
                        type_hint=type_hint, created_at=utcnow())
    session.add(document)
    session.flush()
    ttl = runtime.settings.presign_ttl_seconds
    content_type = media_type or "application/octet-stream"
    target = runtime.storage.presigned_upload(staging_key(document.id), content_type,
                                              runtime.settings.max_upload_bytes, ttl)
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
    """Keep the bytes PUT to a gateway-signed upload URL until the client confirms. Once
    confirmed, the URL takes nothing more (409): what was confirmed is what is read."""
    document_id = document_for_upload_token(runtime, token)
    with runtime.db.read_sessionmaker() as reader:
        status = reader.scalar(select(Document.status).where(Document.id == document_id))
    if status != DocumentStatus.AWAITING_UPLOAD:
        raise Conflict("该上传地址已完成上传确认，不再接收文件", "This upload was confirmed; the URL takes no more files",
                       code="upload-already-confirmed")
    check_size(data, runtime.settings.max_upload_bytes)
    runtime.storage.put(staging_key(document_id), data, content_type or "application/octet-stream")
    return document_id


def _staged_bytes(runtime: Runtime, document_id: str) -> bytes:
    """The staged upload, its size checked before it is read (an over-size object, which a
    client could have put with a stolen or replayed URL, is deleted)."""
    key, limit = staging_key(document_id), runtime.settings.max_upload_bytes
    try:
        size = runtime.storage.size(key)
        if size > limit:
            runtime.storage.delete(key)
            raise IntakeError("too_large", f"文件超过 {limit} 字节上限，已删除，请重新上传",
                              f"The file exceeds the {limit}-byte limit and was deleted; upload a smaller one")
        data = runtime.storage.get(key)
    except FileNotFoundError:
        raise IntakeError("not_uploaded", "尚未收到上传的文件，请先按返回的地址上传",
                          "Nothing has been uploaded yet; upload the file to the upload URL first") from None
    check_size(data, limit)
    return data


def confirm_upload(runtime: Runtime, session: Session, platform_id: str, document_id: str) -> tuple[Document, list]:
    """Check the bytes a client put in storage and start processing them; returns the
    document and the tasks to dispatch after commit.

    Confirming again returns the document as it is. When the platform already has a
    document with these bytes, that one is returned (200, as for a direct upload of the
    same file) and the presigned one ends ``failed`` with ``duplicate_upload`` naming it."""
    with runtime.db.read_sessionmaker() as reader:
        document = get_document(reader, platform_id, document_id)
    if document.status != DocumentStatus.AWAITING_UPLOAD:
        return document, []
    data = _staged_bytes(runtime, document_id)
    intake = inspect_upload(data, runtime.settings.max_pdf_pages)
    key = _store_blob(runtime, intake, data)
    document = session.get(Document, document_id, with_for_update=True)
    if document.status != DocumentStatus.AWAITING_UPLOAD:
        return document, []  # a concurrent confirmation won
    kept = _first_with_content(session, document, storage_key=key, sha256=intake.sha256, size=intake.size,
                               media_type=intake.media_type, pages=intake.pages, status=DocumentStatus.PROCESSING)
    if kept is not document:
        document.status, document.processed_at = DocumentStatus.FAILED, utcnow()
        document.error = {"code": "duplicate_upload", "message": f"与已上传的文件 {kept.id} 内容相同，请使用该文件",
                          "message_en": f"The same file was uploaded before as {kept.id}; use that document"}
        session.flush()
        return kept, []
    return document, [_enqueue_processing(session, document)]


def discard_staged(runtime: Runtime, document_id: str) -> None:
    """Remove a confirmed upload's staged copy (its bytes now live under their hash);
    a failure only leaves a stray object behind."""
    try:
        runtime.storage.delete(staging_key(document_id))
    except StorageError:
        log.warning("could not remove staged upload of %s", document_id)


