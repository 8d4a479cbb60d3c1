"""The dispatcher, lookup keys and format->parse round trips for every number kind."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verifiers.identifiers import (KINDS, REASONS, IdentifierError, format_identifier, identify, lookup_key,
                                   normalise_identifier)
from verifiers.identifiers.regions import LOCAL_PREFIXES, MAINLAND_ABBREVIATIONS, region_for_prefix

ONE_OF_EACH = {
    "国械注准20153460123": "registration",
    "苏食药监械(准)字2012第2270411号": "registration",
    "浙温械备20140027号": "filing",
    "粤穗食药监械经营许20171161号": "device_business_licence",
    "浙杭食药监械经营备20171029号": "class2_business_filing",
    "粤食药监械生产许20132464号": "production_licence",
    "粤深食药监械生产备20150001号": "production_filing",
    "粤深械网备202005070014": "online_sales_filing",
    "（京）网械平台备字（2018）第00005号": "platform_filing",
    "粤械广审（文）第280917-05538号": "advertisement",
}


def test_every_kind_is_covered():
    assert set(ONE_OF_EACH.values()) == set(KINDS)


@pytest.mark.parametrize("text", ONE_OF_EACH)
def test_identify_picks_the_kind(text):
    parsed = identify(text)
    assert parsed.kind == ONE_OF_EACH[text]
    assert format_identifier(parsed) == parsed.number
    assert identify(parsed.number) == parsed
    assert set(parsed.to_dict()) >= {"number", "kind", "region_code", "province_code", "catalogue_code"}


@pytest.mark.parametrize("text, reason", [
    ("粤械注准20233160001", "class_authority_mismatch"),  # looks like a registration: say why it is wrong
    ("国械注准20232160001", "class_authority_mismatch"),
    ("国械注准20231160001", "device_class"),
    ("国械生产许20200001号", "national_not_issued"),
    ("港械注准20232160001", "unknown_province"),
    ("粤械注准2023216000", "length"),
    ("粤穗食药监械经营许00171161号", "year"),
    ("91340111MA8P9K0G9N", "format"),  # a credit code is not a licence number: parse_uscc reads it
    ("hello", "format"),
    ("粤", "format"),
    ("", "empty"),
    ("  \u3000 ", "empty"),
])
def test_identify_reports_the_most_useful_reason(text, reason):
    with pytest.raises(IdentifierError) as err:
        identify(text)
    assert err.value.reason == reason
    assert reason in REASONS
    zh, en = err.value.message.split(" / ", 1)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh) and en.strip()  # Chinese first, then English


def test_reason_codes_are_stable_ascii_snake_case():
    for reason in REASONS:
        assert reason.isascii() and reason == reason.lower() and " " not in reason


# --- lookup keys ------------------------------------------------------------------------------


@pytest.mark.parametrize("variants, key", [
    (["粤深药监械经营许20230001号", "粤深药监械经营许 20230001", "粤深药监械经营许２０２３０００１号",
      " 粤深药监械经营许20230001号号 "], "粤深药监械经营许20230001"),
    (["粤械备（2014）0023", "粤械备20140023号", "粤械备[2014]0023"], "粤械备20140023"),
    (["（京）网械平台备字（2018）第00005号", "(京)网械平台备字[2018]第00005号",
      "京网械平台备字〔2018〕第00005"],
     "(京)网械平台备字(2018)第00005"),
    (["鄂汉食药监械经营备2018h006号", "鄂汉食药监械经营备2018H006"], "鄂汉食药监械经营备2018H006"),
    (["苏食药监械（准）字2012第2270411号", "苏食药监械[准]字2012第2270411"], "苏食药监械(准)字2012第2270411"),
    (["some unknown no. 12 号", "SOME UNKNOWN NO.12"], "SOMEUNKNOWNNO.12"),
    (["（京）网药械信息备字（2021）第00159号", "(京)网药械信息备字[2021]第00159"],
     "(京)网药械信息备字(2021)第00159"),
])
def test_lookup_key_unifies_how_numbers_were_typed(variants, key):
    assert {lookup_key(v) for v in variants} == {key}


def test_lookup_key_keeps_genuinely_different_numbers_apart():
    assert lookup_key("粤深食药监械经营许20230001号") != lookup_key("粤深药监械经营许20230001号")
    assert lookup_key("黔械注准20192070001") != lookup_key("贵械注准20192070001")
    assert lookup_key("粤械备20140023") != lookup_key("粤械备20140024")


# --- property tests ---------------------------------------------------------------------------

_DIGIT = "0123456789"
_PROVINCE = st.sampled_from(MAINLAND_ABBREVIATIONS)
_CITY = st.sampled_from([p.prefix[1:] for p in LOCAL_PREFIXES] + ["佛", "宁", "沈"])
_YEAR = st.integers(1990, 2099)


def _digits(n):
    return st.text(st.sampled_from(_DIGIT), min_size=n, max_size=n)


@st.composite
def registrations(draw):
    if draw(st.booleans()):
        head, form = "国", draw(st.sampled_from("准进许"))
        cls = 3 if form == "准" else draw(st.sampled_from([2, 3]))
    else:
        head, form, cls = draw(_PROVINCE), "准", 2
    year, category, serial = draw(_YEAR), draw(_digits(2)), draw(_digits(4))
    text = f"{head}械注{form}{year}{cls}{category}{serial}"
    return text, dict(kind="registration", year=year, device_class=cls, category=category, serial=serial,
                      legacy=False, region_code=None if head == "国" else region_for_prefix(head))


@st.composite
def legacy_registrations(draw):
    level = draw(st.sampled_from(["national", "provincial", "municipal"]))
    if level == "national":
        head, form = "国", draw(st.sampled_from("准进许试"))
        cls = 3 if form in "准试" else draw(st.sampled_from([1, 2, 3]))
    elif level == "provincial":
        head, form, cls = draw(_PROVINCE), draw(st.sampled_from("准试")), 2
    else:
        head, form, cls = draw(_PROVINCE) + draw(_CITY), "准", 1
    food, year = draw(st.sampled_from(["食", ""])), draw(_YEAR)
    category, serial = draw(_digits(2)), draw(_digits(4))
    text = f"{head}{food}药监械({form})字{year}第{cls}{category}{serial}号"
    return text, dict(kind="registration", year=year, device_class=cls, category=category, serial=serial,
                      legacy=True, with_food=bool(food), trial=form == "试", authority=level)


@st.composite
def filings(draw):
    head = draw(st.sampled_from(["国", "P", "PC"]))
    head = {"国": "国", "P": draw(_PROVINCE), "PC": draw(_PROVINCE) + draw(_CITY)}[head]
    year, serial = draw(_YEAR), draw(_digits(4))
    return f"{head}械备{year}{serial}号", dict(kind="filing", year=year, serial=serial, device_class=1,
                                             region_code=region_for_prefix(head) if head != "国" else None)


_AGENCY_KINDS = {"经营许": "device_business_licence", "经营备": "class2_business_filing",
                 "生产许": "production_licence", "生产备": "production_filing"}


@st.composite
def agency_numbers(draw):
    keyword = draw(st.sampled_from(sorted(_AGENCY_KINDS)))
    head = draw(_PROVINCE) + ("" if keyword == "生产许" else draw(st.sampled_from(["", draw(_CITY)])))
    food, year = draw(st.sampled_from(["食", ""])), draw(_YEAR)
    alphabet = _DIGIT + ("ABCH" if keyword.startswith("经营") else "")
    serial = draw(st.text(st.sampled_from(alphabet), min_size=4, max_size=4))
    return f"{head}{food}药监械{keyword}{year}{serial}号", dict(
        kind=_AGENCY_KINDS[keyword], year=year, serial=serial, with_food=bool(food),
        region_code=region_for_prefix(head), city=head[1:] or None)


@st.composite
def other_numbers(draw):
    province, year = draw(_PROVINCE), draw(_YEAR)
    choice = draw(st.sampled_from(["online", "platform", "ad", "old_ad"]))
    if choice == "online":
        city, rest, serial = draw(_CITY), draw(_digits(4)), draw(_digits(4))
        return f"{province}{city}械网备{year}{rest}{serial}", dict(
            kind="online_sales_filing", year=year, serial=serial, date_digits=f"{year}{rest}")
    if choice == "platform":
        serial = draw(_digits(5))
        return f"({province})网械平台备字({year})第{serial}号", dict(kind="platform_filing", year=year,
                                                                  serial=serial)
    media = draw(st.sampled_from("视声文"))
    if choice == "ad":
        d6, serial = draw(_digits(6)), draw(_digits(5))
        return f"{province}械广审({media})第{d6}-{serial}号", dict(
            kind="advertisement", media=media, date_digits=d6, serial=serial, year=2000 + int(d6[:2]))
    month, serial = draw(_digits(2)), draw(_digits(4))
    return f"{province}医械广审({media})第{year}{month}{serial}号", dict(
        kind="advertisement", media=media, year=year, serial=serial, legacy=True)


#: Characters numbers are made of, to build near-misses from.
_PIECES = "国粤深京食药监械注准进经营许备生产网平台字广审文第号()（）[]0123456789 Hh-"
ANY_NUMBER = st.one_of(registrations(), legacy_registrations(), filings(), agency_numbers(), other_numbers())

_FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})
_BRACKETS = [("(", ")"), ("（", "）"), ("[", "]"), ("〔", "〕"), ("【", "】")]


@st.composite
def typed_like_a_person(draw, numbers=ANY_NUMBER):
    """A number as it might be typed or OCRed: spaces, full-width forms, other brackets, no 号."""
    text, expected = draw(numbers)
    if draw(st.booleans()):
        text = text.translate(_FULL_WIDTH)
    opening, closing = draw(st.sampled_from(_BRACKETS))
    text = text.replace("(", opening).replace("（", opening).replace(")", closing).replace("）", closing)
    if draw(st.booleans()):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from([" ", "\u3000", "\t"])) + text[at:]
    if draw(st.booleans()):
        text = text.rstrip("号")
    return text, expected


@settings(max_examples=300)
@given(typed_like_a_person())
def test_format_then_parse_round_trips_for_every_kind(case):
    text, expected = case
    parsed = identify(text)
    for name, value in expected.items():
        assert getattr(parsed, name) == value, name
    assert format_identifier(parsed) == parsed.number
    assert identify(parsed.number) == parsed
    assert lookup_key(text) == lookup_key(parsed.number) == parsed.number.rstrip("号")


@given(ANY_NUMBER)
def test_canonical_numbers_are_their_own_normal_form(case):
    text, _ = case
    number = identify(text).number
    assert normalise_identifier(number) == number


@settings(max_examples=300)
@given(st.one_of(st.text(), typed_like_a_person().map(lambda case: case[0]), st.text(alphabet=_PIECES)))
def test_lookup_key_is_idempotent_and_identify_only_raises_identifier_errors(text):
    key = lookup_key(text)
    assert lookup_key(key) == key
    try:
        identify(text)
    except IdentifierError as exc:
        assert exc.reason in REASONS
