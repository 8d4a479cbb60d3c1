from __future__ import annotations

import logging

from flask import request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from gateway import web
from gateway.pagination import paginate
from gateway.documents.intake import IntakeError
from gateway.documents.models import Document
from gateway.documents.schemas import (DocumentSchema, DocumentSummarySchema, PresignRequestSchema,
                                       PresignResponseSchema, UploadFileSchema, UploadFormSchema)
from gateway.documents.services import (accept_upload, confirm_upload, create_presigned, document_for_upload_token,
                                        staging_key)
from gateway.i18n import pick
from gateway.problems import Problem
from gateway.storage import StorageError

log = logging.getLogger(__name__)
blp = Blueprint("documents", __name__, url_prefix="/v1/documents",
                description="上传与识别证照文件 / Upload licences and certificates and read their fields")

_INTAKE_STATUS = {"unsupported_media_type": 415, "empty_file": 422, "too_large": 413, "not_uploaded": 409}


def _intake_problem(exc: IntakeError) -> Problem:
    return Problem(_INTAKE_STATUS.get(exc.code, 422), pick(exc.zh, exc.en), slug=exc.code.replace("_", "-"))


def _storage_problem(exc: StorageError) -> Problem:
    log.error("storage unavailable: %s", exc)
    return Problem(503, pick("文件存储暂不可用，请稍后重试", "File storage is unavailable; retry later"),
                   headers={"Retry-After": "5"})


def get_document(document_id: str) -> Document:
    document = web.session().get(Document, document_id)
    if document is None or document.platform_id != web.platform_id():
        raise Problem(404, pick(f"文件 {document_id} 不存在", f"No document {document_id}"))
    return document


@blp.route("")
class Documents(MethodView):
    @blp.arguments(UploadFormSchema, location="form")
    @blp.arguments(UploadFileSchema, location="files")
    @blp.response(201, DocumentSchema, description="已接收，正在处理 / accepted, processing")
    @blp.alt_response(200, schema=DocumentSchema, description="同一文件已上传过 / the same file was uploaded before")
    def post(self, form, files):
        """上传一个文件 / Upload one file

        The type is read from the bytes; the file is stored once per SHA-256 and
        processed (OCR and field extraction) in the background: poll
        `GET /v1/documents/{id}` until `status` is `processed` or `failed`.
        """
        upload = files["file"]
        data = upload.read()
        try:
            document, created, tasks = accept_upload(web.runtime(), web.session(), web.platform_id(), data,
                                                     upload.filename, form.get("type"))
        except IntakeError as exc:
            raise _intake_problem(exc) from None
        except StorageError as exc:
            raise _storage_problem(exc) from None
        web.commit_and_dispatch(tasks)
        return document, (201 if created else 200), {"Location": url_for(".DocumentView", document_id=document.id)}

    @blp.response(200, DocumentSummarySchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """列出文件 / List documents, newest first"""
        mine = Document.platform_id == web.platform_id()
        return paginate(select(Document).where(mine).order_by(Document.created_at.desc(), Document.id.desc()),
                        pagination_parameters)


@blp.route("/<document_id>")
class DocumentView(MethodView):
    @blp.response(200, DocumentSchema)
    def get(self, document_id):
        """文件状态与识别结果 / A document's status, type, fields and OCR boxes"""
        return get_document(document_id)


@blp.route("/presign")
class Presign(MethodView):
    @blp.arguments(PresignRequestSchema)
    @blp.response(201, PresignResponseSchema)
    def post(self, body):
        """获取直传地址 / Get a presigned URL to upload straight to storage

        PUT the file to `upload.url` with `upload.headers`, then POST `confirm_url`.
        """
        base = web.runtime().settings.public_base_url or request.host_url
        try:
            document, target = create_presigned(web.runtime(), web.session(), web.platform_id(),
                                                filename=body.get("filename"), media_type=body.get("media_type"),
                                                type_hint=body.get("type"), base_url=base)
        except StorageError as exc:
            raise _storage_problem(exc) from None
        web.session().commit()
        return {"id": document.id, "status": document.status, "upload": target,
                "confirm_url": url_for(".Confirm", document_id=document.id, _external=True)}


@blp.route("/<document_id>/confirm")
class Confirm(MethodView):
    @blp.response(200, DocumentSchema)
    def post(self, document_id):
        """确认直传完成 / Confirm a presigned upload and start processing"""
        document = get_document(document_id)
        try:
            tasks = confirm_upload(web.runtime(), web.session(), document)
        except IntakeError as exc:
            raise _intake_problem(exc) from None
        except StorageError as exc:
            raise _storage_problem(exc) from None
        web.commit_and_dispatch(tasks)
        if tasks:
            try:
                web.runtime().storage.delete(staging_key(document.id))
            except StorageError:
                log.warning("could not remove staged upload of %s", document.id)
        return document


def local_upload(token: str):
    """PUT target for presigned uploads when storage is local disk (no API key: the
    signed token in the URL is the authorisation)."""
    from flask import jsonify

    runtime = web.runtime()
    try:
        document_id = document_for_upload_token(runtime, token)
    except ValueError as exc:
        raise Problem(403, pick("上传地址无效或已过期", "The upload URL is invalid or has expired"),
                      slug=f"upload-url-{exc}") from None
    data = request.get_data(cache=False)
    if len(data) > runtime.settings.max_upload_bytes:
        raise Problem(413)
    runtime.storage.put(staging_key(document_id), data, request.mimetype or "application/octet-stream")
    return jsonify(id=document_id, received=len(data))
