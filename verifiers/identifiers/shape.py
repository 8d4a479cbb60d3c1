"""The shape most Chinese licence and certificate numbers share (编号结构).

``[(]province[city][)] [食][药监] keyword  year … serial [号]``: a province abbreviation (or 国
for NMPA), optionally a prefecture-city or district abbreviation, a keyword naming the kind
of number, then digits. Each number kind is a :class:`Shape`; :func:`match_shape` does the
work common to all of them (normalising, reading the prefix into a region, telling a wrong
digit count from a wrong format, checking the year) so the kind modules only add their
own rules.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

from verifiers.identifiers.errors import IdentifierError, reason_rank
from verifiers.identifiers.model import MUNICIPAL, NATIONAL, PROVINCIAL, ParsedIdentifier
from verifiers.identifiers.normalise import ascii_upper, normalise_identifier
from verifiers.identifiers.regions import province_by_abbreviation, region_for_prefix

# Characters that start the fixed part of a number; the prefix never contains them, which
# keeps "粤深食药监" read as 粤 + 深 + 食药监 rather than a three-character prefix.
_HEAD = r"(?P<head>(?:(?![食药医械网注备])[^()\d]){0,3}?)"
_YEAR = re.compile(r"(?:19|20)\d{2}")
_NOT_BODY = re.compile(r"[()第\-]")
_BODY = re.compile(r"[0-9A-Z]+")


@dataclass(frozen=True)
class Shape:
    kind: str
    name_zh: str
    name_en: str
    keyword: str  # regex for the fixed part after the prefix; may define groups (form, media)
    tail: str  # regex for what follows the keyword, trailing 号 removed; groups year, serial, …
    digits: int  # letters and digits the tail holds, to report a wrong count as ``length``
    national: bool = False  # 国 may stand where the province is
    city: bool = True  # a city/district abbreviation may follow the province
    agency: bool = False  # "(食)药监" precedes the keyword; 食 marks the pre-2018 form
    bracket_head: bool = False  # the prefix is printed in brackets: （京）网械平台备字
    lead: re.Pattern = field(init=False, repr=False, compare=False)
    tail_re: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        head = rf"\(?{_HEAD}\)?" if self.bracket_head else _HEAD
        # 药监 is optional in the pattern so that, say, 国械生产许 is recognised as a
        # production licence and rejected for the right reason instead of "unknown".
        agency = r"(?P<food>食)?(?P<agency>药监)?" if self.agency else ""
        object.__setattr__(self, "lead", re.compile(f"^{head}{agency}{self.keyword}"))
        object.__setattr__(self, "tail_re", re.compile(self.tail))


@dataclass(frozen=True)
class Match:
    shape: Shape
    province: str | None  # as printed; None when national
    city: str | None
    groups: dict[str, str]  # keyword and tail groups
    with_food: bool

    @property
    def national(self) -> bool:
        return self.province is None

    @property
    def head(self) -> str:
        return head_text(self.province, self.city)

    @property
    def authority(self) -> str:
        return NATIONAL if self.national else MUNICIPAL if self.city else PROVINCIAL

    @property
    def region_code(self) -> str | None:
        return None if self.national else region_for_prefix(self.head)

    @property
    def year(self) -> int:
        return int(self.groups["year"])

    def fail(self, reason: str, zh: str, en: str) -> IdentifierError:
        return _error(self.shape, reason, zh, en)

    def result(self, formatter: Callable[[ParsedIdentifier], str], **fields) -> ParsedIdentifier:
        """The parse result: prefix-derived fields, then ``fields``; ``number`` is ``formatter``'s
        canonical rendering of it, so every number kind round-trips by construction."""
        base = dict(kind=self.shape.kind, authority=self.authority, province=self.province, city=self.city,
                    region_code=self.region_code, year=self.year if "year" in self.groups else 0,
                    serial=self.groups.get("serial", ""), with_food=self.with_food)
        draft = ParsedIdentifier(number="", **{**base, **fields})
        return replace(draft, number=formatter(draft))


def match_shape(shape: Shape, text: str) -> Match | None:
    """Read ``text`` as ``shape``: None if its keyword is absent, else a Match or an error."""
    s = normalise_identifier(text)
    lead = shape.lead.match(s)
    if lead is None:
        return None
    province, city = _read_head(shape, lead.group("head"))
    if shape.agency and not lead.group("agency"):
        raise _error(shape, "format", f"{shape.name_zh}应含“药监械”字样：{s}",
                     f"a {shape.name_en} reads …药监械…: {s}")
    rest = ascii_upper(s[lead.end():]).rstrip("号")
    found = shape.tail_re.fullmatch(rest)
    if found is None:
        body = _NOT_BODY.sub("", rest)
        if _BODY.fullmatch(body or "-") and len(body) != shape.digits:
            raise _error(shape, "length", f"{shape.name_zh}应有{shape.digits}位数字，实为{len(body)}位：{s}",
                         f"a {shape.name_en} has {shape.digits} digits, got {len(body)}: {s}")
        raise _error(shape, "format", f"{shape.name_zh}格式不符：{s}", f"not a valid {shape.name_en}: {s}")
    groups = {k: v for k, v in {**lead.groupdict(), **found.groupdict()}.items() if v is not None}
    year = groups.get("year")
    if year is not None and not _YEAR.fullmatch(year):
        raise _error(shape, "year", f"年份{year}不合理：{s}", f"{year} is not a plausible year: {s}")
    with_food = bool(shape.agency and lead.group("food"))
    return Match(shape=shape, province=province, city=city, groups=groups, with_food=with_food)


def _error(shape: Shape, reason: str, zh: str, en: str) -> IdentifierError:
    return IdentifierError(reason, f"{zh} / {en}", kind=shape.kind)


def _read_head(shape: Shape, head: str) -> tuple[str | None, str | None]:
    """(province, city) as printed; (None, None) for 国."""
    if not head:
        raise _error(shape, "unknown_province", f"{shape.name_zh}缺少省份简称",
                     f"the {shape.name_en} names no province")
    if head[0] == "国":
        if not shape.national:
            raise _error(shape, "national_not_issued",
                         f"国家药监局不发放以“国”开头的{shape.name_zh}，疑似伪造",
                         f"NMPA issues no {shape.name_en} starting with 国; likely fake")
        if len(head) > 1:
            raise _error(shape, "format", f"“国”之后不应再有地区简称：{head}",
                         f"nothing may follow 国: {head}")
        return None, None
    province = province_by_abbreviation(head[0])
    if province is None or not province.mainland:
        raise _error(shape, "unknown_province", f"“{head[0]}”不是内地省级药监部门的简称",
                     f"{head[0]!r} is not the abbreviation of a mainland provincial regulator")
    city = head[1:] or None
    if city and not shape.city:
        raise _error(shape, "format", f"{shape.name_zh}只带省份简称，不带市级简称：{head}",
                     f"a {shape.name_en} carries the province only, not a city: {head}")
    return head[0], city


def head_text(province: str | None, city: str | None) -> str:
    """The printed prefix: 国 for national numbers, else province + city."""
    return "国" if province is None else province + (city or "")


Builder = Callable[[Match], ParsedIdentifier]


def parse_first(candidates: Sequence[tuple[Shape, Builder]], text: str, what_zh: str, what_en: str,
                ) -> ParsedIdentifier:
    """The first candidate shape that reads ``text``; else the most useful of their errors."""
    s = normalise_identifier(text)
    if not s:
        raise IdentifierError("empty", f"未填写{what_zh} / no {what_en} given")
    errors: list[IdentifierError] = []
    for shape, build in candidates:
        try:
            match = match_shape(shape, s)
            if match is not None:
                return build(match)
        except IdentifierError as exc:
            errors.append(exc)
    if errors:
        raise min(errors, key=lambda e: reason_rank(e.reason))
    raise IdentifierError("format", f"无法识别为{what_zh}：{s} / not a recognised {what_en}: {s}")
