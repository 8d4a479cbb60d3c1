"""Comparing names as printed (enterprise names, product names, registrants).

Normalisation removes what OCR and typing vary (full/half width, spaces, bracket
styles, the middle dot) but nothing that changes who or what is named: a branch
(分公司) or a different legal form (有限公司 vs 有限责任公司) stays different.
"""
from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

_DROP = re.compile(r"[\s\u3000·•・.,，。、:：;；\"'“”‘’]+")
_BRACKETS = str.maketrans({"(": "（", ")": "）", "[": "（", "]": "）", "〔": "（", "〕": "）", "【": "（", "】": "）"})

SAME, SIMILAR, DIFFERENT = "same", "similar", "different"


def normalise_name(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    text = text.translate(_BRACKETS)
    # NFKC turns （） into (); put the Chinese brackets back after so both styles agree.
    text = text.replace("(", "（").replace(")", "）")
    return _DROP.sub("", text).upper()


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, normalise_name(a), normalise_name(b)).ratio()


def compare_names(printed: str | None, expected: str | None, similar_at: float = 0.8) -> str:
    """``same`` after normalisation, ``similar`` when close (an OCR slip, a typo: for a
    person to look at), otherwise ``different``."""
    a, b = normalise_name(printed), normalise_name(expected)
    if not a or not b:
        return DIFFERENT
    if a == b:
        return SAME
    return SIMILAR if SequenceMatcher(None, a, b).ratio() >= similar_at else DIFFERENT
