"""Normalisation applied to every identifier before it is parsed (domain.md §2.7).

OCR and hand-typed input mix full-width and half-width forms, stray spaces and
several bracket styles; the canonical form is half-width, no whitespace, ASCII round
brackets.
"""
from __future__ import annotations

import re
import unicodedata

_BRACKETS = str.maketrans({"〔": "(", "〕": ")", "【": "(", "】": ")", "[": "(", "]": ")",
                           "（": "(", "）": ")", "［": "(", "］": ")", "｛": "(", "｝": ")"})
_SPACE = re.compile(r"\s+")
# Roman-numeral letters (U+2160 block) are class markers on licences; NFKC turns them into
# ASCII "III" which is what the class parsers expect.


def normalise_identifier(text: str) -> str:
    """Half-width, no whitespace, brackets unified to ASCII ``()``."""
    text = unicodedata.normalize("NFKC", text or "")
    text = text.translate(_BRACKETS)
    return _SPACE.sub("", text)
