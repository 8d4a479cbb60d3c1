"""Registration certificate and Class I filing numbers, domain.md §2.1-2.2."""
from __future__ import annotations

import dataclasses

import pytest

from verifiers.identifiers import IdentifierError, identify, parse_filing, parse_registration
from verifiers.identifiers.model import catalogue_hint

# number: (authority, origin, province, region, year, class, category, serial, catalogue_hint)
CURRENT = {
    "国械注准20153460123": ("national", "domestic", None, None, 2015, 3, "46", "0123", "2002"),
    "沪械注准20212040585": ("provincial", "domestic", "沪", "310000", 2021, 2, "04", "0585", "2017"),
    "国械注准20223160393": ("national", "domestic", None, None, 2022, 3, "16", "0393", "2017"),
    "国械注许20233160006": ("national", "hmt", None, None, 2023, 3, "16", "0006", "2017"),
    "国械注进20143165007": ("national", "imported", None, None, 2014, 3, "16", "5007", "2002"),
    "粤械注准20232192086": ("provincial", "domestic", "粤", "440000", 2023, 2, "19", "2086", "2017"),
    # IVD reagents keep category 40
    "国械注准20223400001": ("national", "domestic", None, None, 2022, 3, "40", "0001", "2002"),
    "黔械注准20192070001": ("provincial", "domestic", "黔", "520000", 2019, 2, "07", "0001", "2017"),
    "国械注进20192170002": ("national", "imported", None, None, 2019, 2, "17", "0002", "2017"),
}


@pytest.mark.parametrize("number", CURRENT)
def test_current_registrations(number):
    parsed = parse_registration(number)
    authority, origin, province, region, year, cls, category, serial, hint = CURRENT[number]
    assert parsed.number == number
    assert (parsed.kind, parsed.legacy, parsed.city) == ("registration", False, None)
    assert (parsed.authority, parsed.origin, parsed.province, parsed.region_code) == (
        authority, origin, province, region)
    assert (parsed.year, parsed.device_class, parsed.category, parsed.serial) == (year, cls, category, serial)
    assert parsed.catalogue_hint == hint
    assert identify(number) == parsed


def test_worked_example_reads_as_domain_md_says():
    parsed = parse_registration("国械注准20153460123")
    assert parsed.catalogue_code == "6846"  # implants, 2002 catalogue
    assert parsed.province_code is None
    assert parsed.document_type == "registration_certificate"


def test_category_40_is_the_ivd_code_under_both_catalogues():
    assert parse_registration("国械注准20223400001").catalogue_code == "6840"
    assert parse_registration("国械注准20223160393").catalogue_code == "16"


@pytest.mark.parametrize("year, category, hint", [
    (2015, "46", "2002"), (2017, "77", "2002"), (2016, "00", "uncertain"), (2016, "99", "uncertain"),
    (2018, "16", "uncertain"), (2018, "46", "2002"), (2018, "40", "2002"), (2019, "22", "2017"),
    (2022, "01", "2017"), (2022, "40", "2002"), (2022, "54", "uncertain"),
])
def test_catalogue_hint(year, category, hint):
    assert catalogue_hint(year, category) == hint


def test_uncertain_hint_gives_no_catalogue_code():
    parsed = parse_registration("粤械注准20182160001")
    assert parsed.catalogue_hint == "uncertain" and parsed.catalogue_code is None


@pytest.mark.parametrize("variant", [
    "国械注准 2015 3 46 0123", "国械注准２０１５３４６０１２３", " 国械注准20153460123号 ",
    "国 械 注 准 20153460123",
])
def test_current_registration_variants(variant):
    assert parse_registration(variant).number == "国械注准20153460123"


@pytest.mark.parametrize("text, reason", [
    ("粤械注准20233160001", "class_authority_mismatch"),  # domestic Class III is NMPA's
    ("国械注准20232160001", "class_authority_mismatch"),  # domestic Class II is a province's
    ("粤械注进20232160001", "class_authority_mismatch"),  # imports are NMPA's
    ("沪械注许20212040585", "class_authority_mismatch"),
    ("国械注准20231160001", "device_class"),  # Class I is filed, not registered
    ("国械注准20154460123", "device_class"),
    ("国械注准2015346012", "length"),
    ("国械注准201534601234", "length"),
    ("国械注准2015346012A", "format"),
    ("国械注准18153460123", "year"),
    ("港械注准20232160001", "unknown_province"),
    ("深械注准20232160001", "unknown_province"),
    ("械注准20232160001", "unknown_province"),
    ("粤深械注准20232160001", "format"),  # registrations carry no city
    ("国粤械注准20232160001", "format"),
    ("国械注册20153460123", "format"),
    ("", "empty"),
])
def test_registration_rejections(text, reason):
    with pytest.raises(IdentifierError) as err:
        parse_registration(text)
    assert err.value.reason == reason
    assert " / " in err.value.message
    if reason not in ("empty", "format") or text.startswith(("粤深", "国粤")):
        assert err.value.kind == "registration"


LEGACY = {
    # number: (authority, origin, province, city, region, year, class, category, serial, food, trial)
    "苏食药监械(准)字2012第2270411号": ("provincial", "domestic", "苏", None, "320000", 2012, 2, "27", "0411",
                                   True, False),
    "国食药监械(进)字2013第3401234号": ("national", "imported", None, None, None, 2013, 3, "40", "1234",
                                   True, False),
    "国食药监械(许)字2011第1660001号": ("national", "hmt", None, None, None, 2011, 1, "66", "0001",
                                   True, False),
    "粤穗食药监械(准)字2008第1640123号": ("municipal", "domestic", "粤", "穗", "440100", 2008, 1, "64",
                                    "0123", True, False),
    "国药监械(试)字2004第3211234号": ("national", "domestic", None, None, None, 2004, 3, "21", "1234",
                                 False, True),
}


@pytest.mark.parametrize("number", LEGACY)
def test_legacy_registrations_parse_and_are_marked(number):
    parsed = parse_registration(number)
    authority, origin, province, city, region, year, cls, category, serial, food, trial = LEGACY[number]
    assert parsed.legacy and parsed.number == number
    assert (parsed.authority, parsed.origin, parsed.province, parsed.city, parsed.region_code) == (
        authority, origin, province, city, region)
    assert (parsed.year, parsed.device_class, parsed.category, parsed.serial) == (year, cls, category, serial)
    assert (parsed.with_food, parsed.trial, parsed.catalogue_hint) == (food, trial, "2002")


@pytest.mark.parametrize("variant", ["苏食药监械（准）字2012第2270411号", "苏食药监械〔准〕字2012第2270411号",
                                     "苏食药监械[准]字 2012 第 2270411 号", "苏食药监械(准)字2012第2270411"])
def test_legacy_bracket_and_space_variants(variant):
    assert parse_registration(variant).number == "苏食药监械(准)字2012第2270411号"


def test_legacy_numbers_are_refused_when_a_current_number_is_required():
    with pytest.raises(IdentifierError) as err:
        identify("苏食药监械(准)字2012第2270411号", allow_legacy=False)
    assert err.value.reason == "legacy_format"
    assert identify("国械注准20153460123", allow_legacy=False).legacy is False


@pytest.mark.parametrize("text", [
    "苏食药监械(准)字2012第3270411号",  # a province never registered Class III
    "苏食药监械(进)字2012第2270411号",  # nor imports
    "粤穗食药监械(准)字2008第2640123号",  # a city registered Class I only
    "国食药监械(准)字2012第2270411号",  # SFDA's domestic registrations were Class III
    "粤穗食药监械(试)字2008第1640123号",
])
def test_legacy_class_authority_rules(text):
    with pytest.raises(IdentifierError) as err:
        parse_registration(text)
    assert err.value.reason == "class_authority_mismatch"


def test_legacy_class_digit_out_of_range():
    with pytest.raises(IdentifierError) as err:
        parse_registration("国食药监械(进)字2013第4401234号")
    assert err.value.reason == "device_class"


# number: (authority, origin, province, city, region, year, serial, canonical)
FILINGS = {
    "国械备20151134号": ("national", "imported", None, None, None, 2015, "1134", "国械备20151134"),
    "浙温械备20140027号": ("municipal", "domestic", "浙", "温", "330300", 2014, "0027", "浙温械备20140027"),
    "粤中械备20190035号": ("municipal", "domestic", "粤", "中", "442000", 2019, "0035", "粤中械备20190035"),
    "鲁青械备20150027号": ("municipal", "domestic", "鲁", "青", "370200", 2015, "0027", "鲁青械备20150027"),
    "赣械备20170001号": ("provincial", "domestic", "赣", None, "360000", 2017, "0001", "赣械备20170001"),
    "粤潮械备20140023": ("municipal", "domestic", "粤", "潮", "445100", 2014, "0023", "粤潮械备20140023"),
    "粤穗械备20230018": ("municipal", "domestic", "粤", "穗", "440100", 2023, "0018", "粤穗械备20230018"),
    "粤械备（2014）0023": ("provincial", "domestic", "粤", None, "440000", 2014, "0023", "粤械备20140023"),
    "粤佛械备20200001号": ("municipal", "domestic", "粤", "佛", "440000", 2020, "0001", "粤佛械备20200001"),
}


@pytest.mark.parametrize("number", FILINGS)
def test_class1_filings(number):
    parsed = parse_filing(number)
    authority, origin, province, city, region, year, serial, canonical = FILINGS[number]
    assert (parsed.kind, parsed.device_class, parsed.category, parsed.catalogue_hint) == (
        "filing", 1, None, None)
    assert (parsed.authority, parsed.origin, parsed.province, parsed.city, parsed.region_code) == (
        authority, origin, province, city, region)
    assert (parsed.year, parsed.serial, parsed.number) == (year, serial, canonical)
    assert identify(number) == parsed


@pytest.mark.parametrize("variant", ["粤械备【2014】0023", "粤械备 [2014] 0023号", "粤械备２０１４００２３",
                                     "粤械备(2014)0023号"])
def test_filing_ocr_variants(variant):
    assert parse_filing(variant).number == "粤械备20140023"


@pytest.mark.parametrize("text, reason", [
    ("粤械备2014002", "length"), ("粤械备201400231", "length"), ("粤械备2014A023", "format"),
    ("港械备20140023", "unknown_province"), ("国京械备20140023", "format"), ("粤械备10140023", "year"),
    ("粤械注准20140023", "format"),
])
def test_filing_rejections(text, reason):
    with pytest.raises(IdentifierError) as err:
        parse_filing(text)
    assert err.value.reason == reason


def test_parse_results_are_frozen():
    parsed = parse_filing("赣械备20170001号")
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.year = 2020
