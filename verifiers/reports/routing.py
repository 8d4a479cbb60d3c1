"""Which bureau a report goes to (报送机关), from GB/T 2260 division codes.

Two rules, chosen per platform:

- ``seller_municipal`` (default): the drug regulator of the 设区的市 where the seller is located,
  REG21 Art 46 ¶2 and GSP-NET Arts 42 and 45;
- ``platform_provincial``: the provincial MPA where the platform is located, as O38 Arts 22-23 had it;
- ``both``: one report to each.

Names. A provincial-level bureau is ``<full province name>药品监督管理局`` (广东省药品监督管理局,
广西壮族自治区药品监督管理局, 北京市药品监督管理局): since the 2018 reform every province-level
unit has one under that name. Below the province, drug supervision sits in the market-regulation
bureau, so a municipal bureau is ``<name>市场监督管理局`` (深圳市市场监督管理局,
延边朝鲜族自治州市场监督管理局). Those municipal names are UNCONFIRMED (``Bureau.confirmed`` is
False): some cities add a second name (…（知识产权局）) or use a short form. A name written in
``verifiers/data/divisions.csv`` (column ``bureau_zh``) or passed as ``overrides`` replaces the
pattern and counts as confirmed.

Special cases. The four municipalities are province and 设区的市 at once: their municipal bureau
is the municipal MPA itself. A county-level unit directly under its province (省直辖县级行政区划:
仙桃市 429004, 济源市 419001, the Hainan counties, the XPCC cities) has no prefecture above it, so its
own market-regulation bureau takes the municipal role. A prefecture-level city without districts
(东莞 441900, 中山 442000) is found by its own code. Any other county code rolls up to its prefecture.
A code the table does not know, or a bare province code where a municipal bureau was asked for,
falls back to the provincial bureau with ``fallback=True``, so a report is never lost for want of
a row; a code outside every mainland province raises :class:`RoutingError`.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from verifiers.identifiers.regions import province_by_code

DATA = Path(__file__).resolve().parent.parent / "data" / "divisions.csv"
RULES = ("seller_municipal", "platform_provincial", "both")
LEVELS = ("province", "municipality", "prefecture", "county_group", "county_direct")
_CODE = re.compile(r"^\d{6}$")


class RoutingError(ValueError):
    """A code no bureau can be found for. ``reason`` is ASCII; ``message`` is "中文 / English"."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Division:
    code: str  # six digits
    name: str  # as published: 深圳市, 省直辖县级行政区划
    level: str  # one of LEVELS
    parent: str | None  # the province's code, for everything below a province
    bureau_zh: str | None = None  # a confirmed bureau name that replaces the pattern


@dataclass(frozen=True)
class Bureau:
    """The regulator a report is addressed to."""

    code: str  # the division whose bureau it is: 440300, 440000, 429004
    level: str  # municipal | provincial
    name_zh: str
    name_en: str | None  # None where no English name is known (most municipal bureaus)
    rule: str  # the rule that chose it: seller_municipal | platform_provincial | region
    fallback: bool  # True: the municipal bureau could not be resolved; this is the province's
    confirmed: bool  # False: the name comes from the naming pattern (UNCONFIRMED)
    division_name: str  # 深圳市, 广东省
    requested: str  # the code that was routed

    def as_dict(self) -> dict:
        return {"code": self.code, "level": self.level, "name_zh": self.name_zh, "name_en": self.name_en,
                "rule": self.rule, "fallback": self.fallback, "confirmed": self.confirmed,
                "division_name": self.division_name, "requested": self.requested}


def region_prefix(region: str) -> str:
    """The leading digits every code inside ``region`` shares: 440000 -> ``44``, 440300 -> ``4403``.

    A county code (440305) is its own prefix. This is design §5's ``region`` filter: a province code
    covers its cities and districts, a prefecture code its districts. Callers with a database can
    use it in ``LIKE '4403%'``.
    """
    _check(region)
    if region.endswith("0000"):
        return region[:2]
    if region.endswith("00"):
        return region[:4]
    return region


def region_covers(region: str, code: str | None) -> bool:
    """Whether division ``code`` lies inside the report region ``region`` (both six digits)."""
    return bool(code) and code.startswith(region_prefix(region))


def _check(code: str) -> None:
    if not isinstance(code, str) or not _CODE.match(code):
        raise RoutingError("format", f"行政区划代码应为6位数字：{code!r} / a division code has 6 digits: {code!r}")


class DivisionDirectory:
    """The division table, answering "whose bureau is this?". Build one with :meth:`load`."""

    def __init__(self, divisions: Iterable[Division], overrides: Mapping[str, str] | None = None):
        self._divisions = {d.code: d for d in divisions}
        self._overrides = dict(overrides or {})
        self._municipal_cache: dict[tuple[str, str], Bureau] = {}
        self._names: dict[str, str] | None = None  # place name -> code, built on first use

    @classmethod
    def load(cls, path: Path | str | None = None, overrides: Mapping[str, str] | None = None) -> DivisionDirectory:
        """The table in ``path`` (default: the shipped ``divisions.csv``), with optional name overrides
        (division code -> bureau name, e.g. from the platform's settings)."""
        with open(path or DATA, encoding="utf-8", newline="") as fh:
            divisions = [Division(row["code"], row["name"], row["level"], row["parent"] or None,
                                  row.get("bureau_zh") or None) for row in csv.DictReader(fh)]
        unknown = {d.level for d in divisions} - set(LEVELS)
        if unknown:
            raise ValueError(f"unknown division levels in {path or DATA}: {sorted(unknown)}")
        return cls(divisions, overrides)

    def __len__(self) -> int:
        return len(self._divisions)

    def division(self, code: str) -> Division | None:
        return self._divisions.get(code)

    def province(self, code: str) -> Division:
        """The province-level division containing ``code``."""
        _check(code)
        province = self._divisions.get(code[:2] + "0000")
        if province is None:
            raise RoutingError("unknown_province", f"{code[:2]}不是内地省级行政区划代码：{code} / "
                                                   f"{code[:2]} is not a mainland province code: {code}")
        return province

    def region_name(self, code: str) -> str:
        """A readable name for a report region: 广东省, 广东省深圳市, 湖北省仙桃市; a county code gets
        its prefecture's name and the code (the table stops at prefectures)."""
        province = self.province(code)
        if code == province.code:
            return province.name
        own = self._divisions.get(code)
        if own is not None and own.level in ("prefecture", "county_direct"):
            return province.name + own.name
        prefecture = self._divisions.get(code[:4] + "00")
        if province.level == "municipality" or prefecture is None or prefecture.level != "prefecture":
            return f"{province.name}（{code}）"
        return f"{province.name}{prefecture.name}（{code}）"

    def code_for_name(self, name: str) -> str | None:
        """The division code a place name stands for, written in full (广东省深圳市) or alone (深圳市,
        广东省), as bureaus' spreadsheets write it; None when unknown or shared by several places."""
        names = self._names
        if names is None:
            seen: dict[str, set[str]] = {}
            for division in self._divisions.values():
                if division.level == "county_group":  # 市辖区 and the like name no one place
                    continue
                for text in {division.name, self.region_name(division.code)}:
                    seen.setdefault(text, set()).add(division.code)
            names = self._names = {text: codes.pop() for text, codes in seen.items() if len(codes) == 1}
        return names.get("".join(name.split()))

    # --- the two rules -------------------------------------------------------------------------

    def municipal_bureau(self, seller_region: str, rule: str = "seller_municipal") -> Bureau:
        """The municipal (设区的市级) bureau where a seller is located, REG21 Art 46."""
        cached = self._municipal_cache.get((seller_region, rule))
        if cached is not None:
            return cached
        province = self.province(seller_region)
        unit = self._municipal_unit(seller_region, province)
        if unit is None:
            bureau = self._provincial(province, rule, seller_region, fallback=True)
        elif unit.level == "municipality":
            bureau = self._provincial(province, rule, seller_region, fallback=False, level="municipal")
        else:
            override = self._overrides.get(unit.code) or unit.bureau_zh
            bureau = Bureau(code=unit.code, level="municipal", name_zh=override or f"{unit.name}市场监督管理局",
                            name_en=None, rule=rule, fallback=False, confirmed=bool(override),
                            division_name=unit.name, requested=seller_region)
        self._municipal_cache[(seller_region, rule)] = bureau
        return bureau

    def provincial_bureau(self, platform_region: str, rule: str = "platform_provincial") -> Bureau:
        """The provincial MPA where a platform is located, O38 Arts 3, 16, 26."""
        return self._provincial(self.province(platform_region), rule, platform_region, fallback=False)

    def route(self, *, seller_region: str, platform_region: str, rule: str = "seller_municipal") -> tuple[Bureau, ...]:
        """The bureaus one report goes to under ``rule`` (one, or two for ``both``)."""
        if rule == "seller_municipal":
            return (self.municipal_bureau(seller_region),)
        if rule == "platform_provincial":
            return (self.provincial_bureau(platform_region),)
        if rule == "both":
            return (self.municipal_bureau(seller_region, "both"), self.provincial_bureau(platform_region, "both"))
        raise RoutingError("rule", f"未知的报送规则：{rule!r}，应为 {', '.join(RULES)} / "
                                   f"unknown routing rule {rule!r}; expected one of {', '.join(RULES)}")

    def bureau_for_region(self, region: str) -> Bureau:
        """The bureau that supervises a whole report region: a province code gets its provincial MPA,
        anything smaller the municipal bureau above it."""
        province = self.province(region)
        if region == province.code and province.level == "province":
            return self._provincial(province, "region", region, fallback=False)
        return self.municipal_bureau(region, "region")

    # --- helpers --------------------------------------------------------------------------------

    def _municipal_unit(self, code: str, province: Division) -> Division | None:
        """The division whose bureau acts at municipal level for ``code``, or None (fall back)."""
        if province.level == "municipality":
            return province
        own = self._divisions.get(code)
        if own is not None and own.level in ("prefecture", "county_direct"):
            return own
        prefecture = self._divisions.get(code[:4] + "00")
        if prefecture is not None and prefecture.level == "prefecture" and code != province.code:
            return prefecture
        return None

    def _provincial(self, province: Division, rule: str, requested: str, *, fallback: bool,
                    level: str = "provincial") -> Bureau:
        override = self._overrides.get(province.code) or province.bureau_zh
        known = province_by_code(province.code)
        if province.level == "municipality":
            name_en = f"{known.name_en} Municipal Medical Products Administration" if known else None
        else:
            name_en = f"{known.name_en} Medical Products Administration" if known else None
        # Provincial MPA names follow the 2018 reform's single pattern, so they count as confirmed.
        return Bureau(code=province.code, level=level, name_zh=override or f"{province.name}药品监督管理局",
                      name_en=name_en, rule=rule, fallback=fallback, confirmed=True,
                      division_name=province.name, requested=requested)


@lru_cache(maxsize=1)
def default_directory() -> DivisionDirectory:
    """The shipped table, loaded once."""
    return DivisionDirectory.load()
