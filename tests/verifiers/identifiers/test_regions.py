"""Province table and city prefixes, domain.md §9."""
from __future__ import annotations

import pytest

from verifiers.identifiers import IdentifierError
from verifiers.identifiers.regions import (LOCAL_PREFIXES, MAINLAND_ABBREVIATIONS, PROVINCES, local_prefix,
                                           province_by_abbreviation, province_by_code, province_code_of,
                                           region_for_prefix)

DOMAIN_P_SET = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川蜀贵黔云滇藏陕秦甘陇青宁新"


def test_table_is_complete_and_unambiguous():
    assert len(PROVINCES) == 34
    assert len({p.code for p in PROVINCES}) == 34
    abbreviations = [a for p in PROVINCES for a in p.abbreviations]
    assert len(abbreviations) == len(set(abbreviations))
    assert sorted(MAINLAND_ABBREVIATIONS) == sorted(DOMAIN_P_SET)


@pytest.mark.parametrize("abbr, code, name", [
    ("京", "11", "北京"), ("冀", "13", "河北"), ("蒙", "15", "内蒙古"), ("黑", "23", "黑龙江"),
    ("沪", "31", "上海"), ("皖", "34", "安徽"), ("闽", "35", "福建"), ("赣", "36", "江西"),
    ("鄂", "42", "湖北"), ("粤", "44", "广东"), ("桂", "45", "广西"), ("琼", "46", "海南"),
    ("渝", "50", "重庆"), ("川", "51", "四川"), ("蜀", "51", "四川"), ("贵", "52", "贵州"),
    ("黔", "52", "贵州"), ("云", "53", "云南"), ("滇", "53", "云南"), ("藏", "54", "西藏"),
    ("陕", "61", "陕西"), ("秦", "61", "陕西"), ("甘", "62", "甘肃"), ("陇", "62", "甘肃"),
    ("宁", "64", "宁夏"), ("新", "65", "新疆"), ("台", "71", "台湾"), ("港", "81", "香港"),
    ("澳", "82", "澳门"),
])
def test_abbreviations_and_alternates(abbr, code, name):
    province = province_by_abbreviation(abbr)
    assert (province.code, province.name_zh) == (code, name)
    assert province.division == code + "0000"
    assert province_by_code(code) is province


def test_hong_kong_macao_taiwan_are_not_mainland_regulators():
    assert [p.abbreviation for p in PROVINCES if not p.mainland] == ["台", "港", "澳"]
    assert province_by_abbreviation("港").name_en == "Hong Kong"


def test_lookups_return_none_for_unknowns():
    assert province_by_abbreviation("深") is None
    assert province_by_code("99") is None
    assert province_by_code("4403") is None
    assert province_by_code(None) is None
    assert province_by_code("440305").abbreviation == "粤"


@pytest.mark.parametrize("prefix, division", [
    ("粤穗", "440100"), ("粤深", "440300"), ("粤中", "442000"), ("粤潮", "445100"), ("浙杭", "330100"),
    ("浙温", "330300"), ("浙嘉", "330400"), ("鲁青", "370200"), ("皖马", "340500"), ("皖阜", "341200"),
    ("鄂汉", "420100"), ("桂南", "450100"), ("桂柳", "450200"), ("京丰", "110106"), ("沪嘉", "310114"),
])
def test_city_and_district_prefixes(prefix, division):
    assert region_for_prefix(prefix) == division
    assert local_prefix(prefix).division == division


def test_every_local_prefix_lies_in_its_province():
    for entry in LOCAL_PREFIXES:
        assert province_code_of(entry.division) == province_by_abbreviation(entry.prefix[0]).division


@pytest.mark.parametrize("prefix, division", [
    ("粤", "440000"), ("粤佛", "440000"), ("京经", "110000"), ("黔", "520000"), ("", None), ("深", None),
    ("国", None),
])
def test_region_for_prefix_falls_back_to_the_province(prefix, division):
    assert region_for_prefix(prefix) == division


def test_province_code_of():
    assert province_code_of("440305") == "440000"
    assert province_code_of("110000") == "110000"
    with pytest.raises(IdentifierError) as err:
        province_code_of("990000")
    assert err.value.reason == "unknown_province"
    for bad in ("4403", "44030a", "", None):
        with pytest.raises(IdentifierError) as err:
            province_code_of(bad)
        assert err.value.reason == "format"
