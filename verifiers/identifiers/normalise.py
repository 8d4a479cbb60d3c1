"""Normalisation applied to every identifier before it is parsed (编号规范化, domain.md §2.7).

OCR and hand-typed input mix full-width and half-width forms, stray spaces and
several bracket styles; the canonical form is half-width, no whitespace, ASCII round
brackets.
"""
from __future__ import annotations

import re
import unicodedata

_BRACKETS = str.maketrans({"〔": "(", "〕": ")", "【": "(", "】": ")", "[": "(", "]": ")",
                           "（": "(", "）": ")", "［": "(", "］": ")", "｛": "(", "｝": ")",
                           "{": "(", "}": ")", "〖": "(", "〗": ")", "﹝": "(", "﹞": ")"})
_SPACE = re.compile(r"\s+")
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# Roman-numeral letters (U+2160 block) are class markers on licences; NFKC turns them into
# ASCII "III" which is what the class parsers expect.


def _once(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_BRACKETS)
    return _SPACE.sub("", text)


def normalise_identifier(text: str) -> str:
    """Half-width, no whitespace, brackets unified to ASCII ``()``.

    Idempotent: dropping a space can let NFKC compose the characters on either side
    (``a`` + space + combining acute), so the steps repeat until nothing changes.
    """
    text = text or ""
    for _ in range(4):
        again = _once(text)
        if again == text:
            break
        text = again
    return text


def ascii_upper(text: str) -> str:
    """Upper-case ASCII letters only; CJK and other scripts are left alone."""
    return text.translate(_ASCII_UPPER)
