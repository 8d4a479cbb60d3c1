"""Reject text the database cannot store before any handler sees it.

PostgreSQL text columns cannot hold U+0000 and UTF-8 cannot hold a lone surrogate
(both are legal JSON escapes); no licence number, name or file name legitimately
contains either. Checking once here, for every /v1 request, turns what would
be a driver error deep inside a handler (a 500 on PostgreSQL only) into a clear 422.
"""
from __future__ import annotations

from flask import Flask, request

from gateway.errors import Invalid
from gateway.i18n import pick


def _unstorable(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: valid JSON escape, not valid UTF-8
        return True
    return False


def _any_unstorable(value) -> bool:
    if isinstance(value, str):
        return _unstorable(value)
    if isinstance(value, dict):
        return any(_any_unstorable(k) or _any_unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_any_unstorable(v) for v in value)
    return False


def _reject(location: str) -> None:
    raise Invalid("文本中不允许包含 NUL（U+0000）字符或孤立的代理码位",
                  "Text must not contain NUL (U+0000) or lone surrogate characters",
                  errors={location: [pick("包含无法存储的字符", "contains a character that cannot be stored")]})


def init_app(app: Flask) -> None:
    @app.before_request
    def _reject_nul_characters():
        if not request.path.startswith("/v1"):
            return None
        if "\x00" in request.path:
            _reject("path")
        if b"%00" in request.query_string or b"\x00" in request.query_string:
            _reject("query")
        # Parsed (and cached for the handler) only when the raw body could hold one.
        # (escapes are \u0000 and \uD800-\uDFFF in either case; no copy of the body is made)
        raw = request.get_data(cache=True) if request.is_json else b""
        if ((b"\\u0000" in raw or b"\\ud" in raw or b"\\uD" in raw)
                and _any_unstorable(request.get_json(silent=True))):
            _reject("json")
        if request.mimetype == "multipart/form-data":
            for name, value in request.form.items(multi=True):
                if _unstorable(value):
                    _reject(f"form.{name}")
            for name, upload in request.files.items(multi=True):
                if upload.filename and _unstorable(upload.filename):
                    _reject(f"files.{name}")
        return None
