"""Reasons and outcomes."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from verifiers.rules.codes import CODES


class Severity(StrEnum):
    """How much a reason weighs, most serious first."""

    BLOCK = "block"
    REVIEW = "review"
    INFO = "info"


class MerchantStatus(StrEnum):
    """A merchant's standing on its platform (design §5)."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    NEEDS_REVIEW = "needs_review"
    SUSPENDED = "suspended"


class ListingOutcome(StrEnum):
    """A listing's decision (design §5)."""

    ALLOW = "allow"
    BLOCK = "block"
    REVIEW = "review"


SEVERITIES = tuple(Severity)


class _Blank(dict):
    def __missing__(self, key):
        return "—"


@dataclass(frozen=True)
class Reason:
    code: str
    severity: str
    message: str
    message_en: str
    field: str | None = None
    # (dataclasses.field spelled out: this class has an attribute called ``field``)
    evidence: dict[str, Any] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict:
        out = {"code": self.code, "severity": self.severity, "message": self.message, "message_en": self.message_en}
        if self.field:
            out["field"] = self.field
        if self.evidence:
            out["evidence"] = self.evidence
        return out


def reason(code: str, *, severity: str | None = None, field: str | None = None, evidence: dict | None = None,
           **params) -> Reason:
    """A reason with its message filled from ``params`` (and ``evidence``)."""
    spec = CODES[code]
    values = _Blank({**(evidence or {}), **params})
    zh_values = _Blank({k: (v[0] if isinstance(v, tuple) else v) for k, v in values.items()})
    en_values = _Blank({k: (v[1] if isinstance(v, tuple) else v) for k, v in values.items()})
    severity = severity or spec.severity
    assert severity in SEVERITIES, severity
    return Reason(code=code, severity=severity, message=spec.zh.format_map(zh_values),
                  message_en=spec.en.format_map(en_values), field=field, evidence=dict(evidence or {}))


def bilingual(message: str) -> tuple[str, str]:
    """Split a "中文 / English" message (the identifiers' convention) into its two halves."""
    zh, sep, en = message.partition(" / ")
    return (zh, en) if sep else (message, message)


def worst(reasons: list[Reason]) -> str | None:
    """The most serious severity among reasons (None when there are none)."""
    for severity in SEVERITIES:
        if any(r.severity == severity for r in reasons):
            return severity
    return None


def merchant_outcome(reasons: list[Reason]) -> MerchantStatus:
    return {Severity.BLOCK: MerchantStatus.REJECTED, Severity.REVIEW: MerchantStatus.NEEDS_REVIEW}.get(
        worst(reasons), MerchantStatus.APPROVED)


def listing_outcome(reasons: list[Reason]) -> ListingOutcome:
    return {Severity.BLOCK: ListingOutcome.BLOCK, Severity.REVIEW: ListingOutcome.REVIEW}.get(
        worst(reasons), ListingOutcome.ALLOW)
