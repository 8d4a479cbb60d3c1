"""Business, production, online-sales, platform and advertisement numbers, domain.md §1.3, §2.3-2.6."""
from __future__ import annotations

import pytest

from verifiers.identifiers import (IdentifierError, identify, parse_advertisement, parse_business_filing,
                                   parse_business_licence, parse_online_sales_filing, parse_platform_filing,
                                   parse_production_filing, parse_production_licence)

LICENCE = "device_business_licence"
# number: (parser, kind, authority, province, city, region, year, serial, with_food)
REAL = {
    "沪嘉食药监械经营许20187006号": (parse_business_licence, LICENCE, "municipal", "沪", "嘉",
                              "310114", 2018, "7006", True),
    "粤穗食药监械经营许20171161号": (parse_business_licence, LICENCE, "municipal", "粤", "穗",
                              "440100", 2017, "1161", True),
    "京丰食药监械经营许20150100号": (parse_business_licence, LICENCE, "municipal", "京", "丰",
                              "110106", 2015, "0100", True),
    "京丰食药监械经营备20150159号": (parse_business_filing, "class2_business_filing", "municipal", "京", "丰",
                              "110106", 2015, "0159", True),
    "浙杭食药监械经营备20171029号": (parse_business_filing, "class2_business_filing", "municipal", "浙", "杭",
                              "330100", 2017, "1029", True),
    "皖马食药监械经营备20140017号": (parse_business_filing, "class2_business_filing", "municipal", "皖", "马",
                              "340500", 2014, "0017", True),
    "粤深食药监械经营备20151274号": (parse_business_filing, "class2_business_filing", "municipal", "粤", "深",
                              "440300", 2015, "1274", True),
    "鄂汉食药监械经营备2018H006号": (parse_business_filing, "class2_business_filing", "municipal", "鄂", "汉",
                              "420100", 2018, "H006", True),
    "粤深药监械经营许20230001号": (parse_business_licence, LICENCE, "municipal", "粤", "深",
                             "440300", 2023, "0001", False),
    "粤食药监械生产许20132464号": (parse_production_licence, "production_licence", "provincial", "粤", None,
                             "440000", 2013, "2464", True),
    "冀食药监械生产许20170015号": (parse_production_licence, "production_licence", "provincial", "冀", None,
                             "130000", 2017, "0015", True),
    "沪药监械生产许20242792号": (parse_production_licence, "production_licence", "provincial", "沪", None,
                           "310000", 2024, "2792", False),
    "苏药监械生产许20250003号": (parse_production_licence, "production_licence", "provincial", "苏", None,
                           "320000", 2025, "0003", False),
    "粤深食药监械生产备20150001号": (parse_production_filing, "production_filing", "municipal", "粤", "深",
                              "440300", 2015, "0001", True),
    "粤深械网备202005070014": (parse_online_sales_filing, "online_sales_filing", "municipal", "粤", "深",
                          "440300", 2020, "0014", False),
}


@pytest.mark.parametrize("number", REAL)
def test_real_numbers(number):
    parser, kind, authority, province, city, region, year, serial, food = REAL[number]
    parsed = parser(number)
    assert parsed.number == number
    assert (parsed.kind, parsed.authority, parsed.province, parsed.city, parsed.region_code) == (
        kind, authority, province, city, region)
    assert (parsed.year, parsed.serial, parsed.with_food, parsed.legacy) == (year, serial, food, False)
    assert (parsed.origin, parsed.device_class, parsed.category) == (None, None, None)
    assert identify(number) == parsed


@pytest.mark.parametrize("variant, canonical", [
    ("沪药监械生产许 20242792 号", "沪药监械生产许20242792号"),
    ("苏药监械生产许 20250003 号", "苏药监械生产许20250003号"),
    ("粤深药监械经营许 20230001", "粤深药监械经营许20230001号"),
    ("粤深药监械经营许２０２３０００１号", "粤深药监械经营许20230001号"),
    ("鄂汉食药监械经营备2018h006号", "鄂汉食药监械经营备2018H006号"),
    ("鄂汉食药监械经营备２０１８Ｈ００６号", "鄂汉食药监械经营备2018H006号"),
])
def test_spacing_width_and_case_variants(variant, canonical):
    assert identify(variant).number == canonical


def test_online_sales_digits_are_kept_raw():
    parsed = parse_online_sales_filing("粤深械网备202005070014")
    assert parsed.date_digits == "20200507" and parsed.serial == "0014"


PLATFORM = {
    "（京）网械平台备字（2018）第00005号": ("京", "110000", 2018, "00005"),  # mi.com
    "（浙）网械平台备字[2018]第00002号": ("浙", "330000", 2018, "00002"),  # Taobao
    "（苏）网械平台备字（2018）第00052号": ("苏", "320000", 2018, "00052"),  # Suning
    "（豫）网械平台备字（2018）第00052号": ("豫", "410000", 2018, "00052"),
    "(沪)网械平台备字[2019]第00006号": ("沪", "310000", 2019, "00006"),  # Xiaohongshu
    "（沪）网械平台备字[2020]第00002号": ("沪", "310000", 2020, "00002"),  # Bailian
    "（京）网械平台备字（2020）第00002号": ("京", "110000", 2020, "00002"),  # Baidu
}


@pytest.mark.parametrize("number", PLATFORM)
def test_platform_filings(number):
    province, region, year, serial = PLATFORM[number]
    parsed = parse_platform_filing(number)
    assert (parsed.kind, parsed.authority, parsed.province, parsed.region_code) == (
        "platform_filing", "provincial", province, region)
    assert (parsed.year, parsed.serial) == (year, serial)
    assert parsed.number == f"({province})网械平台备字({year})第{serial}号"


@pytest.mark.parametrize("variant", ["〔京〕网械平台备字〔2018〕第00005号",
                                     "【京】网械平台备字【2018】第00005号",
                                     "(京)网械平台备字(2018)第00005", "京网械平台备字2018第00005号",
                                     "（京） 网械平台备字 （2018） 第00005号"])
def test_platform_bracket_variants(variant):
    assert parse_platform_filing(variant).number == "(京)网械平台备字(2018)第00005号"


def test_current_advertisement_number():
    parsed = parse_advertisement("粤械广审（文）第280917-05538号")
    assert parsed.number == "粤械广审(文)第280917-05538号"
    assert (parsed.kind, parsed.province, parsed.region_code, parsed.media) == (
        "advertisement", "粤", "440000", "文")
    assert (parsed.date_digits, parsed.year, parsed.serial, parsed.legacy) == ("280917", 2028, "05538", False)


def test_old_advertisement_number_is_legacy():
    parsed = parse_advertisement("苏医械广审(文)第2012120208号")
    assert (parsed.province, parsed.region_code, parsed.media) == ("苏", "320000", "文")
    assert (parsed.year, parsed.date_digits, parsed.serial, parsed.legacy) == (2012, "201212", "0208", True)
    assert parsed.number == "苏医械广审(文)第2012120208号"
    with pytest.raises(IdentifierError) as err:
        identify("苏医械广审(文)第2012120208号", allow_legacy=False)
    assert err.value.reason == "legacy_format"


@pytest.mark.parametrize("media", "视声文")
def test_advertisement_media(media):
    assert parse_advertisement(f"京械广审（{media}）第250101-00001号").media == media


@pytest.mark.parametrize("parser, text, reason", [
    (parse_production_licence, "国械生产许20200001号", "national_not_issued"),  # domain.md §2.4: fakes
    (parse_production_licence, "国食药监械生产许20200001号", "national_not_issued"),
    (parse_business_licence, "国食药监械经营许20200001号", "national_not_issued"),
    (parse_platform_filing, "（国）网械平台备字（2018）第00005号", "national_not_issued"),
    (parse_advertisement, "国械广审（文）第280917-05538号", "national_not_issued"),
    (parse_production_licence, "粤深食药监械生产许20132464号", "format"),  # province only
    (parse_platform_filing, "（京丰）网械平台备字（2018）第00005号", "format"),
    (parse_business_licence, "粤械经营许20171161号", "format"),  # 药监 missing
    (parse_business_licence, "粤穗食药监械经营许2017116号", "length"),
    (parse_business_licence, "粤穗食药监械经营许201711611号", "length"),
    (parse_business_licence, "粤穗食药监械经营许2017-1161号", "format"),
    (parse_business_licence, "粤穗食药监械经营许00171161号", "year"),
    (parse_business_filing, "港食药监械经营备20151274号", "unknown_province"),
    (parse_business_filing, "食药监械经营备20151274号", "unknown_province"),
    (parse_production_licence, "粤食药监械生产许2013246A号", "format"),  # letters only in business serials
    (parse_online_sales_filing, "粤深械网备20200507001", "length"),
    (parse_platform_filing, "（京）网械平台备字（2018）第0005号", "length"),
    (parse_advertisement, "粤械广审（文）第280917-0553号", "length"),
    (parse_advertisement, "粤械广审（图）第280917-05538号", "format"),
    (parse_business_licence, "粤穗食药监械经营备20171161号", "format"),  # a filing, not a licence
])
def test_rejections(parser, text, reason):
    with pytest.raises(IdentifierError) as err:
        parser(text)
    assert err.value.reason == reason


@pytest.mark.parametrize("text", ["（京）网药械信息备字（2021）第00159号", "(京)-非经营性-2014-0090",
                                  "（粤）-经营性-2018-0271", "（京）网药平台备字〔2023〕第000002号"])
def test_related_but_different_numbers_are_not_device_numbers(text):
    with pytest.raises(IdentifierError) as err:
        identify(text)
    assert err.value.reason == "format"
