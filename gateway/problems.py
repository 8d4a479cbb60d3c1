"""RFC 9457 problem details for every error the service returns.

Nothing under /v1 answers with an HTML error page: HTTP errors raised by Flask or
Werkzeug (404, 405, 413 …), validation errors from webargs/marshmallow (with the field
errors in ``errors``), errors services raise (:class:`gateway.errors.ServiceError`) and unexpected
exceptions (a 500 that says only what is safe to say) all come out the same way.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from gateway.errors import DATABASE_UNAVAILABLE, ServiceError, database_unavailable
from gateway.i18n import language, pick

log = logging.getLogger(__name__)
CONTENT_TYPE = "application/problem+json"

#: status -> (slug, zh title, en title)
TITLES = {
    400: ("bad-request", "请求无效", "Bad request"),
    401: ("unauthorized", "未认证：缺少或无效的 API 密钥", "Unauthorized: missing or invalid API key"),
    403: ("forbidden", "无权访问", "Forbidden"),
    404: ("not-found", "资源不存在", "Not found"),
    405: ("method-not-allowed", "不支持该请求方法", "Method not allowed"),
    409: ("conflict", "请求冲突", "Conflict"),
    413: ("payload-too-large", "请求内容过大", "Payload too large"),
    415: ("unsupported-media-type", "不支持的文件类型", "Unsupported media type"),
    422: ("validation-error", "请求参数校验失败", "Validation failed"),
    428: ("precondition-required", "缺少前置条件", "Precondition required"),
    429: ("too-many-requests", "请求过于频繁", "Too many requests"),
    500: ("internal-error", "服务器内部错误", "Internal server error"),
    503: ("service-unavailable", "服务暂不可用", "Service unavailable"),
}


def problem_document(status: int, detail: str | None = None, *, slug: str | None = None, title: str | None = None,
                     errors: dict | None = None, **extra) -> dict:
    """The RFC 9457 problem details object (also used in place, for one item of a batch)."""
    default_slug, zh, en = TITLES.get(status, ("error", "错误", "Error"))
    body = {
        "type": f"{request.host_url}problems/{slug or default_slug}",
        "title": title or pick(zh, en),
        "status": status,
        "detail": detail or pick(zh, en),
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    request_id = getattr(g, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    body.update(extra)
    return body


def service_error_document(exc: ServiceError) -> dict:
    return problem_document(exc.status, exc.message(language()), slug=exc.code, errors=exc.errors, **exc.extra)


def problem_response(status: int, detail: str | None = None, *, slug: str | None = None, title: str | None = None,
                     errors: dict | None = None, headers: dict | None = None, **extra):
    response = jsonify(problem_document(status, detail, slug=slug, title=title, errors=errors, **extra))
    response.status_code = status
    response.content_type = CONTENT_TYPE
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def from_http_exception(exc: HTTPException):
    errors = None
    detail = None
    data = getattr(exc, "data", None) or {}
    if "messages" in data:  # webargs / flask-smorest validation error
        errors = data["messages"]
        detail = pick("请求中有字段不符合要求，见 errors", "Some fields are invalid, see errors")
    elif exc.code == 413:
        limit = request.max_content_length or current_app.config.get("MAX_CONTENT_LENGTH")
        detail = pick(f"请求内容超过大小限制（{limit} 字节）", f"The request body exceeds the size limit ({limit} bytes)")
    elif exc.code == 405:
        detail = pick(f"{request.method} 不适用于 {request.path}", f"{request.method} is not allowed on {request.path}")
    elif exc.code == 404:
        detail = pick(f"找不到 {request.path}", f"Nothing at {request.path}")
    elif data.get("message"):
        detail = data["message"]
    headers = {}
    if exc.code == 405 and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    extra_headers = data.get("headers") or {}
    headers.update(extra_headers)
    return problem_response(exc.code or 500, detail, errors=errors, headers=headers)


def from_service_error(exc: ServiceError):
    """The one place a service's error becomes a response."""
    if exc.status >= 500:
        log.error("%s: %s", exc.code, exc)
    return problem_response(exc.status, exc.message(language()), slug=exc.code, errors=exc.errors,
                            headers=exc.headers, **exc.extra)


def from_database_outage(exc: Exception):
    """A locked, busy or unreachable database: 503 with Retry-After. Only the error's class
    is logged: its text may carry the statement (parameters are never logged, see gateway.db)."""
    log.warning("database unavailable: %s", type(exc).__name__)
    return from_service_error(database_unavailable(exc))


def init_app(app: Flask) -> None:
    app.register_error_handler(ServiceError, from_service_error)
    for kind in DATABASE_UNAVAILABLE:
        app.register_error_handler(kind, from_database_outage)
    app.register_error_handler(HTTPException, from_http_exception)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("unhandled error")
        return problem_response(500, pick("请求处理失败，已记录；请稍后重试或提供 request_id 联系支持",
                                          "The request failed and was logged; retry later or quote the request_id"))
