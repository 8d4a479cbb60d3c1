from __future__ import annotations

from flask import Blueprint as FlaskBlueprint
from flask import jsonify, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from gateway import web
from gateway.documents.models import Document
from gateway.documents.schemas import (DocumentSchema, DocumentSummarySchema, PresignRequestSchema,
                                       PresignResponseSchema, UploadFileSchema, UploadFormSchema)
from gateway.documents.services import (accept_upload, confirm_upload, create_presigned, discard_staged,
                                        get_document, receive_local_upload)
from gateway.pagination import paginate

blp = Blueprint("documents", __name__, url_prefix="/v1/documents",
                description="上传与识别证照文件 / Upload licences and certificates and read their fields")


def _mine(document_id: str) -> Document:
    return get_document(web.session(), web.platform_id(), document_id)


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
        document, created, tasks = accept_upload(web.runtime(), web.session(), web.platform_id(), data,
                                                 upload.filename, form.get("type"))
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
        return _mine(document_id)


@blp.route("/presign")
class Presign(MethodView):
    @blp.arguments(PresignRequestSchema)
    @blp.response(201, PresignResponseSchema)
    def post(self, body):
        """获取直传地址 / Get a presigned URL to upload straight to storage

        Send the file to `upload.url` with `upload.method`: for `PUT`, the file as the
        body with `upload.headers`; for `POST` (S3), a `multipart/form-data` form with
        every entry of `upload.fields` and then the file as `file`. Files over the
        upload limit are refused. Then POST `confirm_url`.
        """
        base = web.runtime().settings.public_base_url or request.host_url
        document, target = create_presigned(web.runtime(), web.session(), web.platform_id(),
                                            filename=body.get("filename"), media_type=body.get("media_type"),
                                            type_hint=body.get("type"), base_url=base)
        web.commit_and_dispatch()
        return {"id": document.id, "status": document.status, "upload": target,
                "confirm_url": url_for(".Confirm", document_id=document.id, _external=True)}


@blp.route("/<document_id>/confirm")
class Confirm(MethodView):
    @blp.response(200, DocumentSchema)
    def post(self, document_id):
        """确认直传完成 / Confirm a presigned upload and start processing

        When the platform uploaded the same file before, that document is returned
        and this one ends `failed` (`duplicate_upload`).
        """
        document, tasks = confirm_upload(web.runtime(), web.session(), web.platform_id(), document_id)
        web.commit_and_dispatch(tasks)
        if tasks or document.id != document_id:
            discard_staged(web.runtime(), document_id)
        return document


#: Outside the documented API: the presigned PUT target when storage is local disk.
uploads = FlaskBlueprint("uploads", __name__)


@uploads.put("/uploads/<token>")
def local_upload(token: str):
    """PUT target for presigned uploads when storage is local disk (no API key: the
    signed token in the URL is the authorisation)."""
    data = request.get_data(cache=False)
    document_id = receive_local_upload(web.runtime(), token, data, request.mimetype)
    return jsonify(id=document_id, received=len(data))
