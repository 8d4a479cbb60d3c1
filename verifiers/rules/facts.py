"""The inputs rules look at: what was claimed, what documents say, and policy."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from verifiers.registry.records import Found


class Registry(Protocol):
    """What rules may ask of the regulator data."""

    def version(self) -> str | None: ...

    def device(self, number: str) -> Found | None: ...

    def enterprise(self, number: str) -> Found | None: ...

    def enterprises_for_uscc(self, uscc: str) -> tuple[Found, ...]: ...

    def devices_for_registrant(self, uscc: str) -> tuple[Found, ...]:
        """Registrations and filings whose registrant (注册人/备案人) has this credit code
        (a bounded sample is enough: rules ask which classes it holds)."""
        ...


@dataclass(frozen=True)
class DocumentFacts:
    """A document as read: its status, detected type and extracted fields."""

    id: str
    status: str  # processing | processed | failed
    type: str | None = None
    fields: dict[str, dict] = field(default_factory=dict)
    error: dict | None = None
    sha256: str | None = None

    def value(self, name: str) -> Any:
        return (self.fields.get(name) or {}).get("value")

    def confidence(self, name: str) -> float:
        c = (self.fields.get(name) or {}).get("confidence")
        return 1.0 if c is None else float(c)

    def valid(self, name: str) -> bool:
        return (self.fields.get(name) or {}).get("valid", True) is not False

    def evidence(self, name: str) -> dict:
        f = self.fields.get(name) or {}
        return {"document_id": self.id, "field": name, "printed": f.get("raw") or f.get("value"),
                "confidence": f.get("confidence"), "page": f.get("page"), "box": f.get("box")}


@dataclass(frozen=True)
class MerchantClaim:
    """What the platform told us about the merchant."""

    name: str
    uscc: str
    online_sales_filing_number: str | None = None
    #: Device classes the merchant intends to sell; empty when not declared.
    device_classes: tuple[int, ...] = ()


@dataclass(frozen=True)
class ListingClaim:
    title: str
    description: str = ""
    registration_number: str | None = None
    product_name: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    device_class: int | None = None

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.description}"


@dataclass(frozen=True)
class Policy:
    """A platform's settings for the rules, with defaults that suit most."""

    today: date
    #: Below this OCR confidence a field decides nothing alone: it goes to review.
    min_confidence: float = 0.85
    #: Severity of NOTICE_MISSING (GSP-NET Art 12 notices); info unless the platform says otherwise.
    notice_severity: str = "info"
    #: Per focus-category id, a severity replacing the default.
    focus_severity: dict[str, str] = field(default_factory=dict)
    #: Whether listings are retail (to consumers): the retail notice applies.
    retail: bool = True
    #: Per reason code, a severity replacing the default (never below the code's legal tier:
    #: gateway.policy enforces that when it builds the policy).
    severity: dict[str, str] = field(default_factory=dict)

    def apply(self, reasons: list) -> list:
        """The reasons with this platform's severities. Only reasons at their code's default
        severity change: a rule that lowered one for weak evidence (an OCR slip) keeps its say."""
        if not self.severity:
            return reasons
        from dataclasses import replace

        from verifiers.rules.codes import CODES

        return [replace(r, severity=self.severity[r.code])
                if r.code in self.severity and r.severity == CODES[r.code].severity else r for r in reasons]


@dataclass(frozen=True)
class Holding:
    """A licence or filing the merchant holds that is active and in date today."""

    kind: str
    number: str
    scope: tuple[tuple[int, str], ...]
    valid_until: date | None
    snapshot_id: str
    excluded: tuple[tuple[int, str], ...] = ()

    def coverage(self, device_class: int, category: str | None):
        """Whether this holding's scope covers the device (see verifiers.coverage)."""
        from verifiers.coverage import coverage

        return coverage(self.scope, self.excluded, device_class, category)
