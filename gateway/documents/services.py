"""Accepting documents: direct uploads, presigned uploads and their confirmation."""
from __future__ import annotations

from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db import utcnow
from gateway.documents.intake import Intake, IntakeError, blob_key, inspect_upload
from gateway.documents.models import Document
from gateway.jobs import outbox
from gateway.runtime import Runtime

PROCESS_TASK = "document.process"


def _enqueue_processing(session: Session, document: Document):
    return outbox.enqueue(session, PROCESS_TASK, {"document_id": document.id})


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
    if len(data) > runtime.settings.max_upload_bytes:
        raise IntakeError("too_large", f"文件超过 {runtime.settings.max_upload_bytes} 字节上限",
                          f"File exceeds the {runtime.settings.max_upload_bytes}-byte limit")
    intake = inspect_upload(data)
    existing = session.scalar(select(Document).where(Document.platform_id == platform_id,
                                                     Document.sha256 == intake.sha256).limit(1))
    if existing is not None:
        return existing, False, []
    key = _store_blob(runtime, intake, data)
    document = Document(platform_id=platform_id, status="processing", sha256=intake.sha256, size=intake.size,
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
    document = Document(platform_id=platform_id, status="awaiting_upload", filename=_clean_filename(filename),
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
    """The document id a local upload token was issued for; ValueError if bad or expired."""
    try:
        return _signer(runtime.settings.secret_key).loads(token, max_age=runtime.settings.presign_ttl_seconds)
    except SignatureExpired as exc:
        raise ValueError("expired") from exc
    except BadSignature as exc:
        raise ValueError("invalid") from exc


def confirm_upload(runtime: Runtime, session: Session, document: Document) -> list:
    """Check the bytes a client put in storage and start processing them."""
    if document.status != "awaiting_upload":
        return []
    try:
        data = runtime.storage.get(staging_key(document.id))
    except FileNotFoundError:
        raise IntakeError("not_uploaded", "尚未收到上传的文件，请先按返回的地址上传",
                          "Nothing has been uploaded yet; PUT the file to the upload URL first") from None
    if len(data) > runtime.settings.max_upload_bytes:
        raise IntakeError("too_large", f"文件超过 {runtime.settings.max_upload_bytes} 字节上限",
                          f"File exceeds the {runtime.settings.max_upload_bytes}-byte limit")
    intake = inspect_upload(data)
    document.storage_key = _store_blob(runtime, intake, data)
    document.sha256, document.size, document.media_type = intake.sha256, intake.size, intake.media_type
    document.pages = intake.pages
    document.status = "processing"
    return [_enqueue_processing(session, document)]


