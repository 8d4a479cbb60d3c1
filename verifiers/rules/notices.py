"""Mandatory notices on product pages (GSP-NET 2025 Art 12)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Notice:
    id: str
    text: str  # the wording to show
    text_en: str
    pattern: re.Pattern  # what counts as present (tolerant of small wording differences)
    product_words: tuple[str, ...] = ()  # empty: every retail listing


NOTICES = (
    Notice("retail", "购买和使用前请仔细阅读产品说明书或者在医务人员的指导下购买和使用",
           "Read the instructions carefully before buying and using, or buy and use under medical guidance",
           re.compile(r"仔细阅读(?:产品)?(?:使用)?说明书.{0,8}医务人员的?指导下购买和?使用")),
    Notice("contact_lens", "配戴本产品，应由眼视光专业人士进行验配",
           "This product must be fitted by an eye-care professional",
           re.compile(r"由眼视光专业人[士员].{0,4}验配"), ("接触镜", "隐形眼镜", "美瞳", "角膜塑形镜")),
    Notice("hearing_aid", "验配助听器前应经过专业的检查及听力测试，并在助听器验配师调试并试听试戴和验配师指导下使用",
           "Before fitting, have a professional examination and hearing test; use under a hearing-aid fitter's guidance",
           re.compile(r"验配助听器前.{0,6}检查.{0,4}听力测试"), ("助听器",)),
)


def _compact(text: str) -> str:
    return re.sub(r"[\s\u3000，,。.、；;：:！!]+", "", unicodedata.normalize("NFKC", text or ""))


def required_notices(product_text: str) -> tuple[Notice, ...]:
    compact = _compact(product_text)
    return tuple(n for n in NOTICES if not n.product_words or any(w in compact for w in n.product_words))


def missing_notices(listing_text: str, product_text: str) -> list[Notice]:
    """The notices a listing should carry (given what the product is) but does not."""
    compact = _compact(listing_text)
    return [n for n in required_notices(product_text) if not n.pattern.search(compact)]
