"""Parsers and validators for the identifiers printed on licences and certificates (证照编号).

- :func:`identify` reads any licence, filing, certificate, platform or advertisement number.
- :func:`lookup_key` is the key a registry stores and queries numbers by.
- :func:`parse_uscc` (in :mod:`uscc`) reads the unified social credit code, which is not a
  "number" in this sense and is not tried by :func:`identify`.

Every failure is an :class:`IdentifierError` with a stable ``reason`` (see ``errors.REASONS``).
"""
from __future__ import annotations

import functools

import re
import unicodedata

from verifiers.identifiers.errors import REASONS, IdentifierError
from verifiers.identifiers.licences import (SHAPES as _LICENCE_SHAPES, format_licence, parse_advertisement,
                                            parse_business_filing, parse_business_licence,
                                            parse_online_sales_filing, parse_platform_filing,
                                            parse_production_filing, parse_production_licence)
from verifiers.identifiers.model import FILING, KINDS, REGISTRATION, ParsedIdentifier
from verifiers.identifiers.normalise import ascii_upper, normalise_identifier
from verifiers.identifiers.registration import (FILING_SHAPES, REGISTRATION_SHAPES, format_registration,
                                                parse_filing, parse_registration)
from verifiers.identifiers.shape import parse_first
from verifiers.identifiers.uscc import USCC, USCCError, is_valid_uscc, parse_uscc

#: Every shape, in the order tried. Their keywords are disjoint, so at most one can match; the
#: order only decides which error is reported when several reject the text equally usefully.
_ALL_SHAPES = (*REGISTRATION_SHAPES, *FILING_SHAPES, *(pair for kind in _LICENCE_SHAPES
                                                       for pair in _LICENCE_SHAPES[kind]))


# Parsing is pure and a catalogue names the same few thousand numbers again and again (the
# listing API, a million-listing re-screen): the results are kept, bounded. Failures raise
# and are not kept.
@functools.lru_cache(maxsize=65536)
def _parse(text: str) -> ParsedIdentifier:
    return parse_first(_ALL_SHAPES, text, "证照编号", "licence or certificate number")


def identify(text: str, *, allow_legacy: bool = True) -> ParsedIdentifier:
    """Read ``text`` as whichever number kind it is.

    Raises :class:`IdentifierError` with the most useful reason: text that has a registration
    number's keyword but breaks its class/authority rule says ``class_authority_mismatch``, not
    ``format``. With ``allow_legacy=False`` an outdated (2004-2014 registration, 2009-era
    advertisement) number raises ``legacy_format`` instead of parsing with ``legacy=True``.
    """
    parsed = _parse(text)
    if parsed.legacy and not allow_legacy:
        raise IdentifierError("legacy_format",
                              f"{parsed.number}是已停用的旧格式编号，不再有效 / "
                              f"{parsed.number} is in a discontinued format and no longer valid",
                              kind=parsed.kind)
    return parsed


def format_identifier(parsed: ParsedIdentifier) -> str:
    """The canonical printed form of a parse result (equal to ``parsed.number``)."""
    return format_registration(parsed) if parsed.kind in (REGISTRATION, FILING) else format_licence(parsed)


@functools.lru_cache(maxsize=65536)
def lookup_key(text: str) -> str:
    """The key a registry stores and queries numbers by, however they were typed.

    Half-width, no whitespace, ASCII ``()`` for every bracket style, ASCII letters upper-case,
    trailing 号 dropped. When the text is a recognised number its canonical form is used, so
    OCR variants such as ``粤械备（2014）0023`` and ``粤械备20140023号`` share a key; 食-form and
    plain-form numbers (…食药监械… / …药监械…) stay distinct, as do alternate province
    abbreviations (贵/黔), because they are different printed numbers. Idempotent. Keys are
    stored: a change to this function or to a canonical form needs a data migration.
    """
    key = _fold(text).rstrip("号")
    if _ALREADY_CANONICAL.match(key):
        # Fast path for clean regulator data (a million-row import calls this per row):
        # these shapes have no bracket or spacing variants, so identify() would return
        # them unchanged or reject them, and either way the key is the folded text.
        return key
    try:
        key = identify(key).number.rstrip("号")
    except IdentifierError:
        pass
    return key


_ALREADY_CANONICAL = re.compile(
    r"^[\u4e00-\u9fff]{1,3}(?:械注[准进许]\d{11}|械备\d{8}|食?药监械(?:经营|生产)[许备]\d{4}[0-9A-Z]{4})$")


_NEEDS_FOLDING = re.compile(r"[\sa-z()\[\]{}〔〕【】（）［］｛｝〖〗﹝﹞]")


def _fold(text: str) -> str:
    if unicodedata.is_normalized("NFKC", text) and not _NEEDS_FOLDING.search(text):
        return text  # already half-width, upper-case, bracket- and space-free: nothing to do
    # Upper-casing can let NFKC compose again (i + U+0307 -> İ), so repeat to a fixed point.
    for _ in range(4):
        folded = ascii_upper(normalise_identifier(text))
        if folded == text:
            break
        text = folded
    return text


__all__ = [
    "IdentifierError", "REASONS", "KINDS", "ParsedIdentifier", "USCC", "USCCError", "format_identifier",
    "identify", "is_valid_uscc", "lookup_key", "normalise_identifier", "parse_advertisement",
    "parse_business_filing", "parse_business_licence", "parse_filing", "parse_online_sales_filing",
    "parse_platform_filing", "parse_production_filing", "parse_production_licence", "parse_registration",
    "parse_uscc",
]
