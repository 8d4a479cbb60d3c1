"""Registration certificate numbers (医疗器械注册证编号) and Class I filing numbers (第一类医疗器械备案编号).

Current registration format (REGM Art 115, since 2014): ``×1械注×2 YYYY ×4 ××5 ××××6`` —
authority (国 or a province), 准/进/许 (domestic / imported / Hong Kong-Macao-Taiwan), year of
first registration, class, 2-digit category, serial. The 2004-2014 format
``×(×)(食)药监械(×)字YYYY第×××××××号`` is still recognised so that a reviewer is told the number
is outdated rather than unreadable; it parses with ``legacy=True``.

Class I filing (REGM Art 116, CL1 §8): ``×1械备 YYYY ××××`` with ×1 = 国 (imported) or a
province plus, usually, the prefecture city that accepted the filing.
"""
from __future__ import annotations

from verifiers.identifiers.model import (DOMESTIC, FILING, HMT, IMPORTED, REGISTRATION, ParsedIdentifier,
                                         catalogue_hint)
from verifiers.identifiers.shape import Match, Shape, head_text, parse_first

CURRENT = Shape(REGISTRATION, "医疗器械注册证编号", "registration certificate number",
                keyword=r"械注(?P<form>[准进许])", digits=11, national=True, city=False,
                tail=r"(?P<year>\d{4})(?P<cls>\d)(?P<cat>\d{2})(?P<serial>\d{4})")
LEGACY = Shape(REGISTRATION, "医疗器械注册证编号（旧格式）", "registration number (2004-2014 format)",
               keyword=r"械\(?(?P<form>[准进许试])\)?字", digits=11, national=True, city=True, agency=True,
               tail=r"(?P<year>\d{4})第(?P<cls>\d)(?P<cat>\d{2})(?P<serial>\d{4})")
CLASS1_FILING = Shape(FILING, "第一类医疗器械备案编号", "Class I filing number", keyword="械备",
                      digits=8, national=True, city=True,
                      # OCR and typing put the year in brackets: 粤械备（2014）0023.
                      tail=r"\(?(?P<year>\d{4})\)?(?P<serial>\d{4})")

_ORIGIN = {"准": DOMESTIC, "试": DOMESTIC, "进": IMPORTED, "许": HMT}
_FORM = {DOMESTIC: "准", IMPORTED: "进", HMT: "许"}


def _current(m: Match) -> ParsedIdentifier:
    """REGM Art 115: 国 registers domestic Class III and every imported or HMT device; a
    province registers domestic Class II only; Class I is filed, never registered."""
    form, cls = m.groups["form"], int(m.groups["cls"])
    if cls == 1:
        raise m.fail("device_class", "第一类医疗器械实行备案，没有注册证编号（应为“械备”）",
                     "Class I devices are filed (械备), never registered")
    if cls not in (2, 3):
        raise m.fail("device_class", f"管理类别应为2或3，实为{cls}",
                     f"the class digit must be 2 or 3, not {cls}")
    if not m.national and form != "准":
        raise m.fail("class_authority_mismatch",
                     f"进口及港澳台医疗器械由国家药监局注册（国械注{form}），省级编号只能是“械注准”",
                     f"imported and HMT devices are registered by NMPA (国械注{form}); "
                     f"a province only issues 械注准")
    if not m.national and cls == 3:
        raise m.fail("class_authority_mismatch",
                     "境内第三类医疗器械由国家药监局注册（国械注准），省级编号不能是第三类",
                     "domestic Class III devices are registered by NMPA (国械注准), not by a province")
    if m.national and form == "准" and cls == 2:
        raise m.fail("class_authority_mismatch",
                     "境内第二类医疗器械由省级药监部门注册，“国械注准”只用于第三类",
                     "domestic Class II devices are registered by a province; 国械注准 is for Class III")
    return _registration(m, legacy=False)


#: 2004 rule: SFDA (国) registered domestic Class III and every imported or HMT device (any
#: class); a province domestic Class II; a prefecture city (province + city prefix) Class I.
_LEGACY_AUTHORITY = {"national": ("国家局", "SFDA"), "provincial": ("省局", "a province"),
                     "municipal": ("设区的市", "a city")}


def _legacy(m: Match) -> ParsedIdentifier:
    form, cls = m.groups["form"], int(m.groups["cls"])
    if cls not in (1, 2, 3):
        raise m.fail("device_class", f"管理类别应为1、2或3，实为{cls}",
                     f"the class digit must be 1, 2 or 3, not {cls}")
    if m.national:
        allowed = {"准": (3,), "试": (3,)}.get(form, (1, 2, 3))
    else:
        allowed = {"准": (1,) if m.city else (2,), "试": () if m.city else (2,)}.get(form, ())
    if cls not in allowed:
        who_zh, who_en = _LEGACY_AUTHORITY[m.authority]
        raise m.fail("class_authority_mismatch", f"{who_zh}不核发第{cls}类({form})字注册证",
                     f"{who_en} did not issue ({form}) registrations for Class {cls}")
    return _registration(m, legacy=True)


def _registration(m: Match, legacy: bool) -> ParsedIdentifier:
    form, category = m.groups["form"], m.groups["cat"]
    fields = dict(origin=_ORIGIN[form], device_class=int(m.groups["cls"]), category=category,
                  catalogue_hint=catalogue_hint(m.year, category), legacy=legacy, trial=form == "试")
    return m.result(format_registration, **fields)


def _filing(m: Match) -> ParsedIdentifier:
    # 国械备 covers imported and, it is assumed, Hong Kong/Macao/Taiwan devices alike (CL1 names
    # only "进口"); both read as "imported".
    fields = dict(origin=IMPORTED if m.national else DOMESTIC, device_class=1)
    return m.result(format_registration, **fields)


def format_registration(p: ParsedIdentifier) -> str:
    """The canonical printed form of a registration or Class I filing parse result."""
    head = head_text(p.province, p.city)
    if p.kind == FILING:
        return f"{head}械备{p.year}{p.serial}"  # REGM Art 116 prints no 号
    if p.legacy:
        form = "试" if p.trial else _FORM[p.origin]
        food = "食" if p.with_food else ""
        return f"{head}{food}药监械({form})字{p.year}第{p.device_class}{p.category}{p.serial}号"
    return f"{head}械注{_FORM[p.origin]}{p.year}{p.device_class}{p.category}{p.serial}"


format_filing = format_registration

REGISTRATION_SHAPES = ((CURRENT, _current), (LEGACY, _legacy))
FILING_SHAPES = ((CLASS1_FILING, _filing),)


def parse_registration(text: str) -> ParsedIdentifier:
    """A registration certificate number, current or legacy (check ``legacy``)."""
    return parse_first(REGISTRATION_SHAPES, text, "医疗器械注册证编号", "registration certificate number")


def parse_filing(text: str) -> ParsedIdentifier:
    """A Class I filing number (第一类医疗器械备案编号)."""
    return parse_first(FILING_SHAPES, text, "第一类医疗器械备案编号", "Class I filing number")
