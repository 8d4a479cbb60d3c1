"""Chinese first, English on request.

Messages are written as ``(zh, en)`` pairs at the place they arise; the response
language follows ``Accept-Language`` (``en`` picks English, anything else Chinese).
"""
from __future__ import annotations

from flask import has_request_context, request


def language() -> str:
    if not has_request_context():
        return "zh"
    best = request.accept_languages.best_match(["zh", "zh-CN", "en"], default="zh")
    return "en" if best and best.startswith("en") else "zh"


def pick(zh: str, en: str) -> str:
    return en if language() == "en" else zh
