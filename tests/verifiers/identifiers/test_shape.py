"""The shape Chinese licence numbers share, read once for every kind: the prefix into a region,
a wrong digit count told from a wrong format, the year checked, the most useful failure reported."""
import pytest

from verifiers.identifiers.errors import IdentifierError
from verifiers.identifiers.model import MUNICIPAL, NATIONAL, PROVINCIAL
from verifiers.identifiers.shape import Shape, head_text, match_shape, parse_first

# A made-up kind with the common parts: an agency (药监, 食 before 2018), a keyword, year + serial.
LICENCE = Shape("test_licence", "测试许可证", "test licence", keyword="械测试许",
                tail=r"(?P<year>\d{4})(?P<serial>\d{4})", digits=8, agency=True)
NATIONAL_FILING = Shape("test_filing", "测试备案", "test filing", keyword="械测备", tail=r"(?P<year>\d{4})(?P<serial>\d{3})",
                        digits=7, national=True, city=False)


def _reason(shape, text):
    with pytest.raises(IdentifierError) as caught:
        match_shape(shape, text)
    assert caught.value.kind == shape.kind
    assert " / " in caught.value.message  # Chinese first, then English
    return caught.value.reason


def test_a_number_is_read_into_its_parts():
    match = match_shape(LICENCE, "粤深食药监械测试许20150001号")
    assert (match.province, match.city, match.head) == ("粤", "深", "粤深")
    assert match.with_food and match.year == 2015 and match.groups["serial"] == "0001"
    assert match.authority == MUNICIPAL and match.region_code == "440300"
    provincial = match_shape(LICENCE, "粤 药监械测试许\u3000２０１５ ０００１")  # width and spaces normalised
    assert provincial.authority == PROVINCIAL and provincial.region_code == "440000" and not provincial.with_food


def test_national_numbers_where_the_kind_allows_them():
    match = match_shape(NATIONAL_FILING, "国械测备2020001")
    assert match.national and match.authority == NATIONAL and match.region_code is None and match.head == "国"
    assert _reason(LICENCE, "国药监械测试许20150001") == "national_not_issued"
    assert _reason(NATIONAL_FILING, "国京械测备2020001") == "format"  # nothing may follow 国


def test_another_kind_is_not_this_shape():
    assert match_shape(LICENCE, "粤械注准20203140456") is None
    assert match_shape(LICENCE, "") is None


@pytest.mark.parametrize(("text", "reason"), [
    ("粤械测试许20150001", "format"),  # the agency (药监) is missing
    ("粤药监械测试许2015001", "length"),  # seven digits where eight belong
    ("粤药监械测试许2015-00012", "length"),
    ("粤药监械测试许2015000A", "format"),
    ("粤药监械测试许18150001", "year"),
    ("药监械测试许20150001", "unknown_province"),  # no prefix at all
    ("港药监械测试许20150001", "unknown_province"),  # not a mainland regulator
])
def test_failures_name_their_reason(text, reason):
    assert _reason(LICENCE, text) == reason


def test_a_city_where_the_kind_carries_the_province_only():
    assert _reason(NATIONAL_FILING, "京朝械测备2020001") == "format"
    assert match_shape(NATIONAL_FILING, "京械测备2020001").province == "京"


def test_parse_first_returns_the_first_reading_or_the_most_useful_failure():
    build = [(LICENCE, lambda m: ("licence", m.year)), (NATIONAL_FILING, lambda m: ("filing", m.year))]
    assert parse_first(build, "京械测备2020001", "编号", "number") == ("filing", 2020)
    with pytest.raises(IdentifierError) as caught:
        parse_first(build, "   ", "编号", "number")
    assert caught.value.reason == "empty"
    with pytest.raises(IdentifierError) as caught:
        parse_first(build, "甲乙丙", "编号", "number")
    assert caught.value.reason == "format" and "甲乙丙" in caught.value.message
    # both shapes fail; the year is a more useful reason than the format
    with pytest.raises(IdentifierError) as caught:
        parse_first(build, "粤药监械测试许18150001", "编号", "number")
    assert caught.value.reason == "year"


def test_head_text():
    assert head_text(None, None) == "国"
    assert head_text("粤", None) == "粤" and head_text("粤", "深") == "粤深"
