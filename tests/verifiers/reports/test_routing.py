"""Division code -> bureau, and the region filter (design §5)."""
from __future__ import annotations

import csv

import pytest

from verifiers.identifiers.regions import PROVINCES
from verifiers.reports.routing import (DATA, DivisionDirectory, RoutingError, default_directory, region_covers,
                                       region_prefix)


@pytest.fixture(scope="module")
def directory():
    return default_directory()


def test_shipped_table(directory):
    with open(DATA, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(directory) == 404
    assert len({r["code"] for r in rows}) == len(rows)
    levels = {}
    for row in rows:
        levels[row["level"]] = levels.get(row["level"], 0) + 1
        assert len(row["code"]) == 6 and row["code"].isdigit()
        if row["level"] not in ("province", "municipality"):
            assert row["parent"] == row["code"][:2] + "0000"
    assert levels == {"province": 27, "municipality": 4, "prefecture": 333, "county_group": 9, "county_direct": 31}
    # The province rows carry the full names regions.py prints.
    for province in PROVINCES:
        division = directory.division(province.division)
        if province.mainland:
            assert division.name == province.full_name
        else:
            assert division is None


@pytest.mark.parametrize("seller, code, name, fallback", [
    ("440305", "440300", "深圳市市场监督管理局", False),  # a district rolls up to its prefecture
    ("440300", "440300", "深圳市市场监督管理局", False),
    ("441900", "441900", "东莞市市场监督管理局", False),  # a prefecture-level city without districts
    ("442000", "442000", "中山市市场监督管理局", False),
    ("460400", "460400", "儋州市市场监督管理局", False),
    ("130171", "130100", "石家庄市市场监督管理局", False),  # an NBS development-zone code
    ("222401", "222400", "延边朝鲜族自治州市场监督管理局", False),  # an autonomous prefecture
    ("152501", "152500", "锡林郭勒盟市场监督管理局", False),
    ("429004", "429004", "仙桃市市场监督管理局", False),  # 省直辖县级行政区划: its own bureau
    ("469002", "469002", "琼海市市场监督管理局", False),
    ("659001", "659001", "石河子市市场监督管理局", False),
    ("110105", "110000", "北京市药品监督管理局", False),  # a municipality: the municipal MPA
    ("310114", "310000", "上海市药品监督管理局", False),
    ("500230", "500000", "重庆市药品监督管理局", False),  # a Chongqing county (5002xx)
    ("120000", "120000", "天津市药品监督管理局", False),
    ("429099", "420000", "湖北省药品监督管理局", True),  # unknown county-level code under the grouping
    ("429000", "420000", "湖北省药品监督管理局", True),  # the grouping itself has no government
    ("449900", "440000", "广东省药品监督管理局", True),  # unknown prefecture
    ("659012", "650000", "新疆维吾尔自治区药品监督管理局", True),  # 白杨市: newer than the table
    ("440000", "440000", "广东省药品监督管理局", True),  # only the province is known
])
def test_seller_municipal(directory, seller, code, name, fallback):
    bureau = directory.municipal_bureau(seller)
    assert (bureau.code, bureau.name_zh, bureau.fallback) == (code, name, fallback)
    assert bureau.rule == "seller_municipal" and bureau.requested == seller
    assert bureau.level == ("provincial" if fallback else "municipal")
    # Municipal market-regulation bureau names come from a pattern: UNCONFIRMED.
    assert bureau.confirmed == (bureau.name_zh.endswith("药品监督管理局"))


@pytest.mark.parametrize("platform, name, name_en", [
    ("330106", "浙江省药品监督管理局", "Zhejiang Medical Products Administration"),
    ("450103", "广西壮族自治区药品监督管理局", "Guangxi Medical Products Administration"),
    ("150102", "内蒙古自治区药品监督管理局", "Inner Mongolia Medical Products Administration"),
    ("540102", "西藏自治区药品监督管理局", "Tibet Medical Products Administration"),
    ("640104", "宁夏回族自治区药品监督管理局", "Ningxia Medical Products Administration"),
    ("110108", "北京市药品监督管理局", "Beijing Municipal Medical Products Administration"),
])
def test_platform_provincial(directory, platform, name, name_en):
    (bureau,) = directory.route(seller_region="440305", platform_region=platform, rule="platform_provincial")
    assert (bureau.level, bureau.name_zh, bureau.name_en, bureau.fallback) == ("provincial", name, name_en, False)
    assert bureau.confirmed


def test_both_rules_at_once(directory):
    municipal, provincial = directory.route(seller_region="440305", platform_region="330106", rule="both")
    assert (municipal.name_zh, provincial.name_zh) == ("深圳市市场监督管理局", "浙江省药品监督管理局")
    assert municipal.rule == provincial.rule == "both"


def test_default_rule_is_the_sellers_municipal_bureau(directory):
    (bureau,) = directory.route(seller_region="420102", platform_region="330106")
    assert bureau.name_zh == "武汉市市场监督管理局"


@pytest.mark.parametrize("code, reason", [("810000", "unknown_province"), ("710100", "unknown_province"),
                                          ("990000", "unknown_province"), ("4403", "format"), ("44030a", "format"),
                                          (None, "format")])
def test_codes_outside_every_mainland_province(directory, code, reason):
    with pytest.raises(RoutingError) as caught:
        directory.municipal_bureau(code)
    assert caught.value.reason == reason and " / " in caught.value.message


def test_unknown_rule(directory):
    with pytest.raises(RoutingError, match="unknown routing rule"):
        directory.route(seller_region="440305", platform_region="330106", rule="nearest")


def test_names_can_be_confirmed_by_data(tmp_path):
    source = DATA.read_text(encoding="utf-8").replace("440300,深圳市,prefecture,440000,",
                                                         "440300,深圳市,prefecture,440000,深圳市市场监督管理局（知识产权局）")
    path = tmp_path / "divisions.csv"
    path.write_text(source, encoding="utf-8")
    directory = DivisionDirectory.load(path, overrides={"440100": "广州市市场监管局"})
    shenzhen = directory.municipal_bureau("440305")
    assert (shenzhen.name_zh, shenzhen.confirmed) == ("深圳市市场监督管理局（知识产权局）", True)
    guangzhou = directory.municipal_bureau("440106")
    assert (guangzhou.name_zh, guangzhou.confirmed) == ("广州市市场监管局", True)
    assert not directory.municipal_bureau("440402").confirmed  # 珠海: still the pattern


def test_bureau_for_a_report_region(directory):
    assert directory.bureau_for_region("440000").name_zh == "广东省药品监督管理局"
    assert directory.bureau_for_region("440000").fallback is False
    assert directory.bureau_for_region("440300").name_zh == "深圳市市场监督管理局"
    assert directory.bureau_for_region("440305").name_zh == "深圳市市场监督管理局"
    assert directory.bureau_for_region("110000").name_zh == "北京市药品监督管理局"


@pytest.mark.parametrize("code, name", [("440000", "广东省"), ("440300", "广东省深圳市"), ("440305", "广东省深圳市（440305）"),
                                        ("429004", "湖北省仙桃市"), ("110105", "北京市（110105）"),
                                        ("449900", "广东省（449900）")])
def test_region_names(directory, code, name):
    assert directory.region_name(code) == name


@pytest.mark.parametrize("region, prefix", [("440000", "44"), ("440300", "4403"), ("440305", "440305"),
                                            ("110000", "11"), ("429000", "4290"), ("441900", "4419")])
def test_region_prefix(region, prefix):
    assert region_prefix(region) == prefix


@pytest.mark.parametrize("region, code, inside", [
    ("440000", "440305", True), ("440000", "441900", True), ("440000", "450103", False),
    ("440300", "440305", True), ("440300", "440300", True), ("440300", "440106", False),
    ("440305", "440305", True), ("440305", "440306", False),
    ("110000", "110105", True), ("420000", "429004", True), ("429000", "429004", True), ("429000", "420102", False),
    ("440000", None, False), ("440000", "", False),
])
def test_region_covers(region, code, inside):
    assert region_covers(region, code) is inside
