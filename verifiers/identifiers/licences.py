"""Enterprise, platform and advertisement numbers (许可证/备案凭证/广告批准文号编号).

All share the prefix + keyword + digits shape of :mod:`shape`:

- 经营许 device business licence, 经营备 Class II business filing (domain.md §2.3),
  生产许 production licence (province only), 生产备 Class I production filing (§2.4):
  ``省[市](食)药监械<keyword>YYYY NNNN号``; 食 marks the pre-2018 form (``with_food``).
- 械网备 online-sales filing (§2.5, seen in Shenzhen): ``粤深械网备`` + YYYYMMDD + NNNN; and the
  bracketed provincial form ``（浙杭）网械企备字[2019]第00119号`` (seen in Zhejiang, issue 11).
- 网械平台备字 platform filing (§1.3): ``(京)网械平台备字[2018]第00005号``, any brackets.
- 械广审 advertisement approval (§2.6): ``粤械广审(文)第280917-05538号``; the 2009-era
  ``苏医械广审(文)第2012120208号`` parses with ``legacy=True``.

Segment meanings marked UNCONFIRMED in domain.md (the 12 online-sales digits, the 6
advertisement digits) are exposed raw in ``date_digits`` and not validated as dates.
"""
from __future__ import annotations

from verifiers.identifiers.model import (ADVERTISEMENT, BUSINESS_FILING, BUSINESS_LICENCE,
                                         ONLINE_SALES_FILING, PLATFORM_FILING, PRODUCTION_FILING,
                                         PRODUCTION_LICENCE, ParsedIdentifier)
from verifiers.identifiers.shape import Match, Shape, head_text, parse_first


def _agency_shape(kind: str, keyword: str, name_zh: str, name_en: str, *, city: bool = True,
                  serial: str = r"\d{4}") -> Shape:
    """The 2014 convention ``省[市](食)药监械<keyword>YYYYNNNN号``."""
    return Shape(kind, name_zh, name_en, keyword=keyword, digits=8, city=city, agency=True,
                 tail=rf"(?P<year>\d{{4}})(?P<serial>{serial})")


# A letter appears in real business serials (鄂汉食药监械经营备2018H006号), so those allow A-Z.
BUSINESS_LICENCE_SHAPE = _agency_shape(BUSINESS_LICENCE, "械经营许", "医疗器械经营许可证编号",
                                       "device business licence number", serial="[0-9A-Z]{4}")
BUSINESS_FILING_SHAPE = _agency_shape(BUSINESS_FILING, "械经营备", "第二类医疗器械经营备案编号",
                                      "Class II business filing number", serial="[0-9A-Z]{4}")
PRODUCTION_LICENCE_SHAPE = _agency_shape(PRODUCTION_LICENCE, "械生产许", "医疗器械生产许可证编号",
                                         "production licence number", city=False)
PRODUCTION_FILING_SHAPE = _agency_shape(PRODUCTION_FILING, "械生产备", "第一类医疗器械生产备案编号",
                                        "Class I production filing number")
ONLINE_SALES_SHAPE = Shape(ONLINE_SALES_FILING, "医疗器械网络销售备案编号", "online-sales filing number",
                           keyword="械网备", digits=12,
                           tail=r"(?P<year>\d{4})(?P<mmdd>\d{4})(?P<serial>\d{4})")
# Zhejiang and others print the online-sales filing like a platform filing: (浙杭)网械企备字[2019]第00119号.
ONLINE_SALES_BRACKET_SHAPE = Shape(ONLINE_SALES_FILING, "医疗器械网络销售备案编号", "online-sales filing number",
                                   keyword="网械企备字", digits=9, bracket_head=True,
                                   tail=r"\(?(?P<year>\d{4})\)?第?(?P<serial>\d{5})")
PLATFORM_SHAPE = Shape(PLATFORM_FILING, "网络交易服务第三方平台备案编号", "platform filing number",
                       keyword="网械平台备字", digits=9, city=False, bracket_head=True,
                       tail=r"\(?(?P<year>\d{4})\)?第?(?P<serial>\d{5})")
ADVERTISEMENT_SHAPE = Shape(ADVERTISEMENT, "医疗器械广告批准文号", "device advertisement approval number",
                            keyword=r"械广审\(?(?P<media>[视声文])\)?", digits=11, city=False,
                            tail=r"第?(?P<d6>\d{6})-(?P<serial>\d{5})")
ADVERTISEMENT_OLD_SHAPE = Shape(ADVERTISEMENT, "医疗器械广告批准文号（旧格式）",
                                "advertisement approval number (old format)",
                                keyword=r"医械广审\(?(?P<media>[视声文])\)?", digits=10, city=False,
                                tail=r"第?(?P<year>\d{4})(?P<month>\d{2})(?P<serial>\d{4})")

_TEMPLATES = {
    BUSINESS_LICENCE: "{head}{food}药监械经营许{year}{serial}号",
    BUSINESS_FILING: "{head}{food}药监械经营备{year}{serial}号",
    PRODUCTION_LICENCE: "{head}{food}药监械生产许{year}{serial}号",
    PRODUCTION_FILING: "{head}{food}药监械生产备{year}{serial}号",
    ONLINE_SALES_FILING: "{head}械网备{date_digits}{serial}",
    PLATFORM_FILING: "({head})网械平台备字({year})第{serial}号",
}
_ONLINE_SALES_BRACKET = "({head})网械企备字({year})第{serial}号"
_ADVERTISEMENT = "{head}械广审({media})第{date_digits}-{serial}号"
_OLD_ADVERTISEMENT = "{head}医械广审({media})第{date_digits}{serial}号"


def format_licence(p: ParsedIdentifier) -> str:
    """The canonical printed form of any number kind in this module."""
    if p.kind == ADVERTISEMENT:
        template = _OLD_ADVERTISEMENT if p.legacy else _ADVERTISEMENT
    elif p.kind == ONLINE_SALES_FILING and p.date_digits is None:
        template = _ONLINE_SALES_BRACKET
    else:
        template = _TEMPLATES[p.kind]
    return template.format(head=head_text(p.province, p.city), food="食" if p.with_food else "",
                           year=p.year, serial=p.serial, media=p.media, date_digits=p.date_digits)


def _plain(m: Match) -> ParsedIdentifier:
    return m.result(format_licence)


def _online_sales(m: Match) -> ParsedIdentifier:
    return m.result(format_licence, date_digits=m.groups["year"] + m.groups["mmdd"])


def _advertisement(m: Match) -> ParsedIdentifier:
    # Read as YYMMDD, so ``year`` is that date's year. The date is believed to be the approval's
    # expiry (280917 in a 2020s footer), but domain.md §2.6 leaves it UNCONFIRMED: rules must not
    # treat this year as an issue year. The format is post-2019, so the century is 20.
    d6 = m.groups["d6"]
    return m.result(format_licence, year=2000 + int(d6[:2]), media=m.groups["media"], date_digits=d6)


def _advertisement_old(m: Match) -> ParsedIdentifier:
    # 2009-era approvals were valid for a year and the format was replaced in 2020: none is current.
    return m.result(format_licence, media=m.groups["media"], legacy=True,
                    date_digits=m.groups["year"] + m.groups["month"])


SHAPES = {
    BUSINESS_LICENCE: ((BUSINESS_LICENCE_SHAPE, _plain),),
    BUSINESS_FILING: ((BUSINESS_FILING_SHAPE, _plain),),
    PRODUCTION_LICENCE: ((PRODUCTION_LICENCE_SHAPE, _plain),),
    PRODUCTION_FILING: ((PRODUCTION_FILING_SHAPE, _plain),),
    ONLINE_SALES_FILING: ((ONLINE_SALES_SHAPE, _online_sales), (ONLINE_SALES_BRACKET_SHAPE, _plain)),
    PLATFORM_FILING: ((PLATFORM_SHAPE, _plain),),
    ADVERTISEMENT: ((ADVERTISEMENT_SHAPE, _advertisement), (ADVERTISEMENT_OLD_SHAPE, _advertisement_old)),
}


def _parse(kind: str, text: str) -> ParsedIdentifier:
    first = SHAPES[kind][0][0]
    return parse_first(SHAPES[kind], text, first.name_zh, first.name_en)


def parse_business_licence(text: str) -> ParsedIdentifier:
    """医疗器械经营许可证编号, e.g. 粤穗食药监械经营许20171161号."""
    return _parse(BUSINESS_LICENCE, text)


def parse_business_filing(text: str) -> ParsedIdentifier:
    """第二类医疗器械经营备案编号, e.g. 浙杭食药监械经营备20171029号."""
    return _parse(BUSINESS_FILING, text)


def parse_production_licence(text: str) -> ParsedIdentifier:
    """医疗器械生产许可证编号, e.g. 粤食药监械生产许20132464号 (province only; no 国)."""
    return _parse(PRODUCTION_LICENCE, text)


def parse_production_filing(text: str) -> ParsedIdentifier:
    """第一类医疗器械生产备案编号, province + city."""
    return _parse(PRODUCTION_FILING, text)


def parse_online_sales_filing(text: str) -> ParsedIdentifier:
    """网络销售备案编号, e.g. 粤深械网备202005070014 or （浙杭）网械企备字[2019]第00119号."""
    return _parse(ONLINE_SALES_FILING, text)


def parse_platform_filing(text: str) -> ParsedIdentifier:
    """网械平台备字 number, e.g. （京）网械平台备字（2018）第00005号."""
    return _parse(PLATFORM_FILING, text)


def parse_advertisement(text: str) -> ParsedIdentifier:
    """医疗器械广告批准文号, current or old (``legacy=True``)."""
    return _parse(ADVERTISEMENT, text)
