"""Reject what no handler should see: oversized or deeply nested JSON, and text the
database cannot store.

PostgreSQL text columns cannot hold U+0000 and UTF-8 cannot hold a lone surrogate
(both are legal JSON escapes); no licence number, name or file name legitimately
contains either. Checking once here, for every /v1 request, turns what would
be a driver error deep inside a handler (a 500 on PostgreSQL only) into a clear 422.

Bodies other than file uploads are held to ``MAX_JSON_BYTES`` (about 1 MB), far below
the upload limit, and JSON nested deeper than :data:`MAX_JSON_DEPTH` answers 400 before
anything parses it: the parsers and the code walking the result recurse, and a few
kilobytes of ``[[[[`` would otherwise end in a RecursionError (a 500).
"""
from __future__ import annotations

import re
from itertools import accumulate

from flask import Flask, request

from gateway import web
from gateway.errors import BadRequest, Invalid
from gateway.i18n import pick

#: Our request bodies nest three or four levels; nothing legitimate comes near this.
MAX_JSON_DEPTH = 32
#: A JSON string, or an unterminated one to the end of the text: every match runs on from
#: where the last ended, so stripping strings takes one pass whatever the text holds.
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


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


def json_depth(raw: bytes) -> int:
    """How deep the arrays and objects in a JSON text nest, counted without parsing it
    (brackets inside strings do not count). Malformed text gets some number; the parser
    rejects it afterwards."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH:
        return 0  # too few brackets to nest that deep: the common case costs two counts
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKET)
    return max(accumulate(1 if b in b"[{" else -1 for b in brackets), default=0)


def may_hold_unstorable(raw: bytes) -> bool:
    """Whether JSON text has an escape that could decode to NUL or a lone surrogate (the escapes
    are \\u0000 and \\uD800-\\uDFFF in either case); no copy of the text is made."""
    return b"\\u0000" in raw or b"\\ud" in raw or b"\\uD" in raw


def _reject(location: str) -> None:
    raise Invalid("文本中不允许包含 NUL（U+0000）字符或孤立的代理码位",
                  "Text must not contain NUL (U+0000) or lone surrogate characters",
                  errors={location: [pick("包含无法存储的字符", "contains a character that cannot be stored")]})


def init_app(app: Flask) -> None:
    @app.before_request
    def _limit_bodies():
        # Set before anything reads the body: werkzeug then stops reading at the limit (413).
        if request.mimetype != "multipart/form-data" and not request.path.startswith("/uploads/"):
            request.max_content_length = web.runtime().settings.max_json_bytes

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
        if json_depth(raw) > MAX_JSON_DEPTH:
            raise BadRequest(f"JSON 嵌套过深（上限 {MAX_JSON_DEPTH} 层）",
                             f"The JSON nests too deeply (at most {MAX_JSON_DEPTH} levels)", code="json-too-deep")
        if may_hold_unstorable(raw) and _any_unstorable(request.get_json(silent=True)):
            _reject("json")
        if request.mimetype == "multipart/form-data":
            for name, value in request.form.items(multi=True):
                if _unstorable(value):
                    _reject(f"form.{name}")
            for name, upload in request.files.items(multi=True):
                if upload.filename and _unstorable(upload.filename):
                    _reject(f"files.{name}")
        return None
