"""Screening listing text for banned advertising claims (domain.md §6).

The phrase list lives in ``verifiers/data/banned_claims.csv`` so compliance staff can
maintain it; each entry names its legal basis and explains itself, and a hit reports
the exact words found and where. Law-derived bans block; heuristics (superlatives in
general, inducement and ranking words) ask for review.
"""
from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "banned_claims.csv"


@dataclass(frozen=True)
class ClaimRule:
    id: str
    pattern: re.Pattern
    exclude: re.Pattern | None
    category: str
    severity: str
    basis: str
    explanation_zh: str
    explanation_en: str


@dataclass(frozen=True)
class ClaimHit:
    rule: ClaimRule
    phrase: str
    start: int
    end: int
    context: str

    def evidence(self) -> dict:
        return {"phrase": self.phrase, "rule": self.rule.id, "category": self.rule.category,
                "basis": self.rule.basis, "context": self.context, "position": self.start}


@functools.lru_cache(maxsize=1)
def rules() -> tuple[ClaimRule, ...]:
    with open(DATA, encoding="utf-8", newline="") as fh:
        return tuple(ClaimRule(
            id=row["id"], pattern=re.compile(row["pattern"], re.IGNORECASE),
            exclude=re.compile(row["exclude"]) if row["exclude"] else None, category=row["category"],
            severity=row["severity"], basis=row["basis"], explanation_zh=row["explanation_zh"],
            explanation_en=row["explanation_en"]) for row in csv.DictReader(fh))


def _normalise(text: str) -> str:
    # Full-width letters and digits (１００％) and spaced-out words ("根 治") are common evasions.
    return re.sub(r"[\s\u3000]+", "", unicodedata.normalize("NFKC", text or ""))


def screen(text: str) -> list[ClaimHit]:
    """Every banned claim in ``text``: one hit per distinct phrase and rule."""
    norm = _normalise(text)
    hits: dict[tuple[str, str], ClaimHit] = {}
    for rule in rules():
        excluded = [m.span() for m in rule.exclude.finditer(norm)] if rule.exclude else []
        for match in rule.pattern.finditer(norm):
            if any(s <= match.start() < e for s, e in excluded):
                continue
            phrase = match.group(0)
            context = norm[max(0, match.start() - 12): match.end() + 12]
            hits.setdefault((rule.id, phrase), ClaimHit(rule, phrase, match.start(), match.end(), context))
    return sorted(hits.values(), key=lambda h: h.start)
