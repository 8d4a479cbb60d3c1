"""Provinces and the city/district prefixes printed on licences (行政区划代码, GB/T 2260; domain.md §9).

Province codes are the GB/T 2260 two-digit codes (also USCC positions 3-4). The prefixes
are the 简称 regulators print at the start of a number: the province, optionally followed by
the abbreviation of a prefecture-level city (Beijing and Shanghai: a district).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from verifiers.identifiers.errors import IdentifierError


@dataclass(frozen=True)
class Province:
    code: str  # 2-digit GB/T 2260 code, e.g. "44"
    name_zh: str
    name_en: str
    abbreviation: str  # the usual 简称
    alternates: tuple[str, ...] = ()  # other 简称 in use, e.g. 黔 for Guizhou
    mainland: bool = True  # False for Taiwan, Hong Kong, Macao: no NMPA regulator prints these

    @property
    def division(self) -> str:
        """The province's own 6-digit division code, ``xx0000``."""
        return self.code + "0000"

    @property
    def abbreviations(self) -> tuple[str, ...]:
        return (self.abbreviation, *self.alternates)

    @property
    def full_name(self) -> str:
        """The name as an authority prints it: 广东省, 北京市, 广西壮族自治区."""
        return self.name_zh + _FULL_NAME_SUFFIX.get(self.code, "省")


_FULL_NAME_SUFFIX = {"11": "市", "12": "市", "31": "市", "50": "市", "15": "自治区", "45": "壮族自治区",
                     "54": "自治区", "64": "回族自治区", "65": "维吾尔自治区", "81": "特别行政区", "82": "特别行政区"}


PROVINCES: tuple[Province, ...] = (
    Province("11", "北京", "Beijing", "京"),
    Province("12", "天津", "Tianjin", "津"),
    Province("13", "河北", "Hebei", "冀"),
    Province("14", "山西", "Shanxi", "晋"),
    Province("15", "内蒙古", "Inner Mongolia", "蒙"),
    Province("21", "辽宁", "Liaoning", "辽"),
    Province("22", "吉林", "Jilin", "吉"),
    Province("23", "黑龙江", "Heilongjiang", "黑"),
    Province("31", "上海", "Shanghai", "沪"),
    Province("32", "江苏", "Jiangsu", "苏"),
    Province("33", "浙江", "Zhejiang", "浙"),
    Province("34", "安徽", "Anhui", "皖"),
    Province("35", "福建", "Fujian", "闽"),
    Province("36", "江西", "Jiangxi", "赣"),
    Province("37", "山东", "Shandong", "鲁"),
    Province("41", "河南", "Henan", "豫"),
    Province("42", "湖北", "Hubei", "鄂"),
    Province("43", "湖南", "Hunan", "湘"),
    Province("44", "广东", "Guangdong", "粤"),
    Province("45", "广西", "Guangxi", "桂"),
    Province("46", "海南", "Hainan", "琼"),
    Province("50", "重庆", "Chongqing", "渝"),
    Province("51", "四川", "Sichuan", "川", ("蜀",)),
    Province("52", "贵州", "Guizhou", "贵", ("黔",)),
    Province("53", "云南", "Yunnan", "云", ("滇",)),
    Province("54", "西藏", "Tibet", "藏"),
    Province("61", "陕西", "Shaanxi", "陕", ("秦",)),
    Province("62", "甘肃", "Gansu", "甘", ("陇",)),
    Province("63", "青海", "Qinghai", "青"),
    Province("64", "宁夏", "Ningxia", "宁"),
    Province("65", "新疆", "Xinjiang", "新"),
    # The Xinjiang Production and Construction Corps has its own regulator, but its prefix
    # ("兵"?) and code are UNCONFIRMED (domain.md §9), so it is left out rather than guessed.
    Province("71", "台湾", "Taiwan", "台", mainland=False),
    Province("81", "香港", "Hong Kong", "港", mainland=False),
    Province("82", "澳门", "Macao", "澳", mainland=False),
)


@dataclass(frozen=True)
class LocalPrefix:
    prefix: str  # province abbreviation + city/district abbreviation, e.g. "粤深"
    division: str  # 6-digit GB/T 2260 code of the city or district
    name_zh: str
    name_en: str


#: Prefixes seen in real numbers (domain.md §2, §9) whose division we know. Left out on
#: purpose: 京经 (Beijing Economic-Technological Development Area: not a GB/T 2260
#: division, and the reading of 经 is itself inferred), and the 京朝/京海 district forms,
#: which no real number confirms. Unknown prefixes fall back to the province's code.
LOCAL_PREFIXES: tuple[LocalPrefix, ...] = (
    LocalPrefix("粤穗", "440100", "广州市", "Guangzhou"),
    LocalPrefix("粤深", "440300", "深圳市", "Shenzhen"),
    LocalPrefix("粤中", "442000", "中山市", "Zhongshan"),
    LocalPrefix("粤潮", "445100", "潮州市", "Chaozhou"),
    LocalPrefix("浙杭", "330100", "杭州市", "Hangzhou"),
    LocalPrefix("浙温", "330300", "温州市", "Wenzhou"),
    LocalPrefix("浙嘉", "330400", "嘉兴市", "Jiaxing"),
    LocalPrefix("鲁青", "370200", "青岛市", "Qingdao"),
    LocalPrefix("皖马", "340500", "马鞍山市", "Ma'anshan"),
    LocalPrefix("皖阜", "341200", "阜阳市", "Fuyang"),
    LocalPrefix("鄂汉", "420100", "武汉市", "Wuhan"),
    LocalPrefix("桂南", "450100", "南宁市", "Nanning"),
    LocalPrefix("桂柳", "450200", "柳州市", "Liuzhou"),
    LocalPrefix("京丰", "110106", "丰台区", "Fengtai District"),
    LocalPrefix("沪嘉", "310114", "嘉定区", "Jiading District"),
)

_BY_ABBREVIATION = {abbr: p for p in PROVINCES for abbr in p.abbreviations}
_BY_CODE = {p.code: p for p in PROVINCES}
_BY_PREFIX = {lp.prefix: lp for lp in LOCAL_PREFIXES}
_DIVISION = re.compile(r"^\d{6}$")

#: Every mainland abbreviation, alternates included: the ``P`` set of domain.md §2.
MAINLAND_ABBREVIATIONS = "".join(a for p in PROVINCES if p.mainland for a in p.abbreviations)


def province_by_abbreviation(ch: str) -> Province | None:
    """The province whose 简称 (usual or alternate) is ``ch``, or None."""
    return _BY_ABBREVIATION.get(ch)


def province_by_code(code: str) -> Province | None:
    """The province for a 2-digit code or any 6-digit division code inside it, or None."""
    if not isinstance(code, str) or not re.fullmatch(r"\d{2}|\d{6}", code):
        return None
    return _BY_CODE.get(code[:2])


def local_prefix(prefix: str) -> LocalPrefix | None:
    """The city/district entry for a prefix such as ``粤深``, or None when not known."""
    return _BY_PREFIX.get(prefix)


def region_for_prefix(prefix: str) -> str | None:
    """The most specific known 6-digit division code for a number's prefix.

    ``粤深`` gives 440300 (Shenzhen); ``粤佛`` (a city not in the table) gives the
    province's 440000; a prefix that does not start with a province gives None.
    """
    if not prefix:
        return None
    known = _BY_PREFIX.get(prefix)
    if known:
        return known.division
    province = _BY_ABBREVIATION.get(prefix[0])
    return province.division if province else None


def province_code_of(division_code: str) -> str:
    """The province division (``xx0000``) containing a 6-digit division code.

    Raises :class:`IdentifierError` (``format`` or ``unknown_province``) rather than return a
    code that belongs to no province.
    """
    if not isinstance(division_code, str) or not _DIVISION.match(division_code):
        raise IdentifierError("format", f"行政区划代码应为6位数字：{division_code!r} / "
                                        f"a division code has 6 digits: {division_code!r}")
    province = _BY_CODE.get(division_code[:2])
    if province is None:
        raise IdentifierError("unknown_province", f"{division_code[:2]}不是省级行政区划代码 / "
                                                  f"{division_code[:2]} is not a province code")
    return province.division
