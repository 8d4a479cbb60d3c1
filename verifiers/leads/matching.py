"""Which merchants and listings a lead is about, and how sure that is (线索比对).

A bureau names a lead's subject in its own terms: a shop name and link, a credit code, a
listing's id or link, a product name, a registration number. Each is compared with the
platform's records, and each kind of agreement carries its own weight:

- identifiers that name one thing (credit code, the platform's listing id, a link) are
  certain or nearly so;
- a registration number names a product, which many sellers may offer: on its own it makes
  a listing a candidate, not a match;
- names (shop, enterprise, product) are compared with rapidfuzz after normalisation
  (full-width to half-width, case, spaces and punctuation dropped); an identical name is
  strong, a similar one weaker in proportion to its score.

Several agreeing signals add up (noisy-or: ``1 - Π(1 - c)``), so a shop name and a product
name that both agree beat either alone. The gateway shows every match with the fields that
agreed; a person confirms or picks one when none is certain.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

#: The subject fields of a lead (design §5), and ``enterprise_name`` (企业名称), which bureaus'
#: spreadsheets carry beside the shop name.
SUBJECT_FIELDS = ("shop_name", "shop_url", "uscc", "enterprise_name", "listing_external_id", "listing_url",
                  "product_name", "registration_number")
#: At or above this a match is taken as the lead's subject without a person's confirmation.
CERTAIN = 0.9
#: Names scoring below this (rapidfuzz ratio, 0-100) are not shown at all.
NAME_THRESHOLD = 80.0
MAX_MATCHES = 20

_WEIGHTS = {  # field -> confidence of an exact agreement
    "uscc": 1.0, "listing_external_id": 1.0, "shop_url": 0.98, "listing_url": 0.98,
    "shop_name": 0.95, "enterprise_name": 0.95, "registration_number": 0.7, "product_name": 0.6,
}
_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise_name(text: str | None) -> str:
    """Half-width, lower case, no spaces or punctuation: ``（深圳）示例 旗舰店`` -> ``深圳示例旗舰店``."""
    return _PUNCTUATION.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def normalise_url(url: str | None) -> str:
    """A link without scheme, ``www.``, fragment or trailing slash, host in lower case: the same
    page however the bureau copied it."""
    text = unicodedata.normalize("NFKC", (url or "").strip())
    text = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", text).split("#", 1)[0].rstrip("/")
    host, _, rest = text.partition("/")
    host = host.lower().removeprefix("www.")
    return f"{host}/{rest}" if rest else host


def normalise_code(text: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).upper()


@dataclass(frozen=True)
class MerchantCandidate:
    id: str
    external_id: str
    name: str
    uscc: str
    shop_name: str | None = None
    shop_url: str | None = None


@dataclass(frozen=True)
class ListingCandidate:
    id: str
    merchant_id: str
    external_id: str
    title: str
    product_name: str | None = None
    url: str | None = None
    registration_key: str | None = None  # verifiers.identifiers.lookup_key of its registration number


@dataclass(frozen=True)
class Agreement:
    """One subject field that agreed with a record: how, and its score (1.0 when exact)."""

    field: str
    method: str  # exact | fuzzy
    score: float
    confidence: float

    def as_dict(self) -> dict:
        return {"field": self.field, "method": self.method, "score": round(self.score, 3),
                "confidence": round(self.confidence, 3)}


@dataclass(frozen=True)
class Match:
    kind: str  # merchant | listing
    merchant_id: str
    listing_id: str | None
    confidence: float
    evidence: tuple[Agreement, ...] = field(default=())


def combine(confidences: Iterable[float]) -> float:
    """Independent signals together (noisy-or), at most 1."""
    miss = 1.0
    for c in confidences:
        miss *= 1.0 - min(max(c, 0.0), 1.0)
    return round(1.0 - miss, 4)


def _name_score(wanted: str, have: str) -> float:
    return 100.0 if have == wanted else fuzz.ratio(wanted, have)


def _agreement_for_score(field_name: str, best: float) -> Agreement | None:
    if best >= 100.0:
        return Agreement(field_name, "exact", 1.0, _WEIGHTS[field_name])
    if best >= NAME_THRESHOLD:
        # A similar name counts less the further it is from identical: at the threshold, half.
        share = 0.5 + 0.5 * (best - NAME_THRESHOLD) / (100.0 - NAME_THRESHOLD)
        return Agreement(field_name, "fuzzy", best / 100.0, round(_WEIGHTS[field_name] * share * 0.9, 4))
    return None


def _name_agreement(field_name: str, wanted: str, *names: str | None) -> Agreement | None:
    if not wanted:
        return None
    scores = [_name_score(wanted, have) for have in map(normalise_name, names) if have]
    return _agreement_for_score(field_name, max(scores, default=0.0))


def merchant_evidence(subject: dict, merchants: list[MerchantCandidate]) -> dict[str, list[Agreement]]:
    """What of the subject agrees with each merchant's file, for the merchants something agrees
    with. Names are compared in bulk (rapidfuzz's C loop): a platform may have 100,000 sellers."""
    found: dict[str, list[Agreement]] = {}
    uscc = normalise_code(subject.get("uscc"))
    if uscc:
        for m in merchants:
            if m.uscc and normalise_code(m.uscc) == uscc:
                found.setdefault(m.id, []).append(Agreement("uscc", "exact", 1.0, _WEIGHTS["uscc"]))
    shop_url = normalise_url(subject.get("shop_url"))
    if shop_url:
        for m in merchants:
            if m.shop_url and normalise_url(m.shop_url) == shop_url:
                found.setdefault(m.id, []).append(Agreement("shop_url", "exact", 1.0, _WEIGHTS["shop_url"]))
    wanted = {f: normalise_name(subject.get(f)) for f in ("shop_name", "enterprise_name")}
    if any(wanted.values()):
        columns = [[normalise_name(m.shop_name) for m in merchants], [normalise_name(m.name) for m in merchants]]
        for field_name, text in wanted.items():
            if not text:
                continue
            best: dict[int, float] = {}
            for column in columns:
                for _, score, index in process.extract(text, column, scorer=fuzz.ratio, processor=None,
                                                       score_cutoff=NAME_THRESHOLD, limit=None):
                    score = 100.0 if column[index] == text else score
                    best[index] = max(best.get(index, 0.0), score)
            for index in sorted(best):
                agreement = _agreement_for_score(field_name, best[index])
                if agreement:
                    found.setdefault(merchants[index].id, []).append(agreement)
    return found


def listing_agreements(subject: dict, listing: ListingCandidate, registration_key: str | None) -> list[Agreement]:
    """What of the subject agrees with this listing (its merchant is judged separately)."""
    found = []
    external = (subject.get("listing_external_id") or "").strip()
    if external and external == listing.external_id:
        found.append(Agreement("listing_external_id", "exact", 1.0, _WEIGHTS["listing_external_id"]))
    url = normalise_url(subject.get("listing_url"))
    if url and url == normalise_url(listing.url):
        found.append(Agreement("listing_url", "exact", 1.0, _WEIGHTS["listing_url"]))
    if registration_key and registration_key == listing.registration_key:
        found.append(Agreement("registration_number", "exact", 1.0, _WEIGHTS["registration_number"]))
    agreement = _name_agreement("product_name", normalise_name(subject.get("product_name")), listing.product_name,
                                listing.title)
    if agreement:
        found.append(agreement)
    return found


def match_subject(subject: dict, merchants: Iterable[MerchantCandidate], listings: Iterable[ListingCandidate],
                  registration_key: str | None = None, limit: int = MAX_MATCHES) -> list[Match]:
    """The merchants and listings ``subject`` is about, most certain first.

    ``merchants`` and ``listings`` are the candidates the caller found (a platform's merchants;
    listings that share an id, link or registration number with the subject, and the listings
    of merchants that matched). A merchant is a match when something of its own agrees; a
    listing when something of the listing agrees, and its merchant's agreement adds to it. A
    product name alone never makes a match: it only strengthens a listing found otherwise.
    """
    by_merchant = merchant_evidence(subject, list(merchants))
    matches = [Match("merchant", mid, None, combine(a.confidence for a in found), tuple(found))
               for mid, found in by_merchant.items()]
    for listing in listings:
        own = listing_agreements(subject, listing, registration_key)
        if not own or all(a.field == "product_name" for a in own) and listing.merchant_id not in by_merchant:
            continue
        found = own + by_merchant.get(listing.merchant_id, [])
        matches.append(Match("listing", listing.merchant_id, listing.id, combine(a.confidence for a in found),
                             tuple(found)))
    matches.sort(key=lambda m: (-m.confidence, m.kind != "listing", m.listing_id or m.merchant_id))
    return matches[:limit]


def match_status(matches: list[Match]) -> str:
    """``matched`` (one is certain), ``candidates`` (only likely ones) or ``unmatched``."""
    if not matches:
        return "unmatched"
    return "matched" if matches[0].confidence >= CERTAIN else "candidates"
