"""Screening listing text for banned advertising claims (domain.md §6).

The phrase list is data, versioned by the gateway so that compliance staff can update it
at run time (the regulators' "dynamic keywords"): this module gets it as an argument and
never reads a database. The shipped default, ``verifiers/data/banned_claims.csv``, is
version 1. Each entry names the article it rests on and explains itself; a hit reports
the exact words found and where. Law-derived bans block; heuristics ask for review.

Entries are literal phrases (``kind=literal``, alternatives separated by ``|``) or simple
bounded regular expressions (``kind=regex``): no repetition without an upper bound, none
above :data:`MAX_REPEAT`, no repetition inside a repetition, no back-references. With
those limits every entry costs time linear in the text, so a 20,000-character description
screens in milliseconds whatever staff import (see benchmarks/claims_screening.py).
Literal phrases are found with ``str.find``: a few hundred phrases over a description are
a few million character comparisons in C, which an Aho-Corasick library would not
measurably beat at this size, so the project does without the extra compiled dependency.
"""
from __future__ import annotations

import bisect
import csv
import io
import re
import re._constants as sre_constants
import re._parser as sre_parse
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Iterable

KINDS = ("literal", "regex")
SEVERITIES = ("block", "review", "info")
MAX_REPEAT = 20
#: Columns of an imported list (CSV header or JSON object keys); the first seven are required.
COLUMNS = ("id", "phrase", "kind", "category", "severity", "article", "explanation_zh", "explanation_en",
           "exclude", "applies_to")


class ClaimListError(ValueError):
    """An entry that cannot go into a phrase list; ``problems`` lists each one."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ClaimRule:
    id: str
    phrase: str  # literal alternatives separated by "|", or one regex
    kind: str
    category: str
    severity: str
    basis: str  # the article(s) the entry rests on
    explanation_zh: str
    explanation_en: str
    #: Literal phrases that, where they contain the hit, cancel it ("第一类" is not the superlative "第一").
    exclude: tuple[str, ...] = ()
    #: The entry applies only to products whose text contains one of these words (祛痘 on a
    #: 医用冷敷贴, not on a face wash); empty: every listing.
    applies_to: tuple[str, ...] = ()
    _literals: tuple[str, ...] = field(default=(), repr=False, compare=False)
    _regex: re.Pattern | None = field(default=None, repr=False, compare=False)

    def as_row(self) -> dict:
        return {"id": self.id, "phrase": self.phrase, "kind": self.kind, "category": self.category,
                "severity": self.severity, "article": self.basis, "explanation_zh": self.explanation_zh,
                "explanation_en": self.explanation_en, "exclude": "|".join(self.exclude),
                "applies_to": "|".join(self.applies_to)}


@dataclass(frozen=True)
class ClaimList:
    """A version of the phrase list."""

    version: int
    rules: tuple[ClaimRule, ...]


@dataclass(frozen=True)
class ClaimHit:
    rule: ClaimRule
    phrase: str
    start: int
    end: int
    context: str

    def evidence(self, version: int | None = None) -> dict:
        out = {"phrase": self.phrase, "rule": self.rule.id, "category": self.rule.category,
               "basis": self.rule.basis, "context": self.context, "position": self.start}
        if version is not None:
            out["claims_version"] = version
        return out


def normalise(text: str) -> str:
    # Full-width letters and digits (１００％), spaced-out words ("根 治") and letter case (no.1)
    # are common evasions.
    return re.sub(r"[\s\u3000]+", "", unicodedata.normalize("NFKC", text or "")).upper()


def _split(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        parts = value
    else:
        parts = str(value).split("|")
    return tuple(p for p in (normalise(str(p)) for p in parts) if p)


def _check_bounded(pattern: str) -> str | None:
    """Why ``pattern`` might not run in linear time, or None when it is simple and bounded."""
    try:
        tree = sre_parse.parse(pattern)
    except re.error as exc:
        return f"不是有效的正则表达式：{exc} / not a valid regular expression: {exc}"

    def walk(items, in_repeat: bool) -> str | None:
        for op, arg in items:
            if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
                low, high, sub = arg
                if high == sre_constants.MAXREPEAT or high > MAX_REPEAT:
                    return f"重复次数须有上限且不超过{MAX_REPEAT} / repetition must be bounded by {MAX_REPEAT}"
                if in_repeat:
                    return "不允许嵌套重复 / nested repetition is not allowed"
                problem = walk(sub, True)
            elif op in (sre_constants.GROUPREF, sre_constants.GROUPREF_EXISTS):
                return "不允许反向引用 / back-references are not allowed"
            elif op == sre_constants.SUBPATTERN:
                problem = walk(arg[-1], in_repeat)
            elif op == sre_constants.BRANCH:
                problem = next((p for p in (walk(b, in_repeat) for b in arg[1]) if p), None)
            elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
                problem = walk(arg[1], in_repeat)
            else:
                problem = None
            if problem:
                return problem
        return None

    return walk(tree, False)


def build_rule(row: dict) -> ClaimRule:
    """One entry from an imported row (CSV or JSON), validated; raises ClaimListError."""
    problems = []
    get = lambda key: (str(row.get(key)).strip() if row.get(key) is not None else "")  # noqa: E731
    for key in COLUMNS[:8]:
        if key == "kind":
            continue
        if not get(key):
            problems.append(f"缺少 {key} / missing {key}")
    kind = get("kind") or "literal"
    if kind not in KINDS:
        problems.append(f"kind 应为 literal 或 regex，实为 {kind!r} / kind must be literal or regex")
    if get("severity") and get("severity") not in SEVERITIES:
        problems.append(f"severity 应为 {'/'.join(SEVERITIES)} / severity must be one of {SEVERITIES}")
    if not re.fullmatch(r"[a-z0-9_]{1,64}", get("id") or "x"):
        problems.append("id 应为小写字母、数字和下划线 / id must be lower-case ASCII, digits and _")
    literals, regex = (), None
    if kind == "regex" and get("phrase"):
        problem = _check_bounded(get("phrase"))
        if problem:
            problems.append(f"{get('phrase')}：{problem}")
        else:
            # Matched against normalised text (NFKC, upper-case): IGNORECASE lets "no\.?1" match "NO.1".
            regex = re.compile(get("phrase"), re.IGNORECASE)
    elif kind == "literal":
        literals = _split(get("phrase"))
        if get("phrase") and not literals:
            problems.append("phrase 为空 / empty phrase")
    if problems:
        raise ClaimListError([f"{get('id') or '?'}: {p}" for p in problems])
    return ClaimRule(id=get("id"), phrase=get("phrase"), kind=kind, category=get("category"), severity=get("severity"),
                     basis=get("article"), explanation_zh=get("explanation_zh"), explanation_en=get("explanation_en"),
                     exclude=_split(row.get("exclude")), applies_to=_split(row.get("applies_to")),
                     _literals=literals, _regex=regex)


def build_list(rows: Iterable[dict], version: int) -> ClaimList:
    """A phrase list from rows; every bad row is reported at once, with its number."""
    rules, problems = [], []
    for number, row in enumerate(rows, 1):
        try:
            rules.append(build_rule(row))
        except ClaimListError as exc:
            problems += [f"第{number}条 / entry {number}: {p}" for p in exc.problems]
    if not problems and not rules:
        problems.append("列表为空 / the list is empty")
    if problems:
        raise ClaimListError(problems)
    return ClaimList(version=version, rules=tuple(rules))


def read_csv_rows(text: str) -> list[dict]:
    lines = [line for line in text.lstrip("\ufeff").splitlines() if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


@lru_cache(maxsize=1)
def default_list() -> ClaimList:
    """The shipped list: version 1, what every platform screens with until staff import another."""
    raw = resources.files("verifiers").joinpath("data/banned_claims.csv").read_text(encoding="utf-8")
    return build_list(read_csv_rows(raw), version=1)


def _applies(rule: ClaimRule, product: str) -> bool:
    return not rule.applies_to or any(word in product for word in rule.applies_to)


def _spans(text: str, needles: tuple[str, ...]) -> list[tuple[int, int]]:
    spans = []
    for needle in needles:
        start = text.find(needle)
        while start >= 0:
            spans.append((start, start + len(needle)))
            start = text.find(needle, start + 1)
    return sorted(spans)


def _excluded(spans: list[tuple[int, int]], longest: int, start: int, end: int) -> bool:
    # An exclusion cancels a hit it contains: "第一类" around "第一". Only spans starting at
    # most ``longest`` characters before the hit can contain it, so this looks at a few.
    low = bisect.bisect_left(spans, (start - longest, -1))
    high = bisect.bisect_right(spans, (start, float("inf")))
    return any(s <= start and end <= e for s, e in spans[low:high])


def _matches(rule: ClaimRule, text: str):
    if rule._regex is not None:
        for m in rule._regex.finditer(text):
            yield m.group(0), m.start(), m.end()
        return
    for literal in rule._literals:
        start = text.find(literal)
        while start >= 0:
            yield literal, start, start + len(literal)
            start = text.find(literal, start + 1)


def screen(text: str, claims: ClaimList, product_text: str = "") -> list[ClaimHit]:
    """Every banned claim in ``text``: one hit per distinct phrase and entry. ``product_text``
    (the registered product name and the listing's product name) decides which
    product-specific entries apply."""
    norm, product = normalise(text), normalise(f"{product_text}\n{text}")
    hits: dict[tuple[str, str], ClaimHit] = {}
    for rule in claims.rules:
        if rule.applies_to and not _applies(rule, product):
            continue
        spans = None  # the entry's exclusions, found only once it has a hit (most entries have none)
        for phrase, start, end in _matches(rule, norm):
            if (rule.id, phrase) in hits:
                continue
            if rule.exclude:
                if spans is None:
                    spans, longest = _spans(norm, rule.exclude), max(len(e) for e in rule.exclude)
                if spans and _excluded(spans, longest, start, end):
                    continue
            context = norm[max(0, start - 12): end + 12]
            hits[(rule.id, phrase)] = ClaimHit(rule, phrase, start, end, context)
    return sorted(hits.values(), key=lambda h: h.start)
