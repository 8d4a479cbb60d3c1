"""Scope text (经营范围 / 生产范围) and the 2002 -> 2017 catalogue mapping, domain.md §10."""
from __future__ import annotations

import csv
import io
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifiers.scope import CATALOGUE_2017, format_scope, map_2002_to_2017, parse_scope, scope_lines


def item(cls, category):
    return {"class": cls, "category": category, "catalogue": "2002" if len(category) == 4 else "2017"}


def test_mixed_catalogue_scope_from_the_brief():
    text = "2002年分类目录：Ⅲ类：6815，6821，6840体外诊断试剂；2017年分类目录：Ⅲ类：14，16；Ⅱ类：07，09"
    assert parse_scope(text) == [item(3, "6815"), item(3, "6821"), item(3, "6840"), item(3, "14"),
                                 item(3, "16"), item(2, "07"), item(2, "09")]


def test_chinese_class_words_with_category_names():
    assert parse_scope("三类：14-注输、护理和防护器械，16眼科器械；二类：07") == [
        item(3, "14"), item(3, "16"), item(2, "07")]


@pytest.mark.parametrize("marker, cls", [
    ("Ⅲ类", 3), ("Ⅱ类", 2), ("Ⅰ类", 1), ("III类", 3), ("II类", 2), ("I类", 1), ("三类", 3), ("二类", 2),
    ("一类", 1), ("第三类", 3), ("第二类医疗器械", 2), ("3类", 3), ("Ⅲ", 3), ("ＩＩＩ类", 3),
])
def test_every_way_of_writing_the_class(marker, cls):
    assert parse_scope(f"{marker}：07") == [item(cls, "07")]


@pytest.mark.parametrize("separator", ["，", ",", "、", "；", ";", " ", "，\n"])
def test_separators(separator):
    expected = [item(2, "07"), item(2, "09"), item(2, "6840")]
    assert parse_scope(f"Ⅱ类：07{separator}09{separator}6840") == expected


def test_scope_as_licences_print_it_with_names_and_notes():
    text = ("2002年分类目录：Ⅱ类：6840体外诊断试剂（不需冷链运输、贮存），6866医用高分子材料及制品；"
            "2017年分类目录：Ⅱ类：07-医用诊察和监护器械，14-注输、护理和防护器械，22临床检验器械")
    assert parse_scope(text) == [item(2, "6840"), item(2, "6866"), item(2, "07"), item(2, "14"),
                                 item(2, "22")]


def test_two_classes_listed_together():
    assert parse_scope("Ⅱ、Ⅲ类：6815注射穿刺器械") == [item(2, "6815"), item(3, "6815")]


def test_two_digit_codes_inside_a_2002_section_are_old_codes():
    assert parse_scope("2002版分类目录：Ⅲ类：15，21") == [item(3, "6815"), item(3, "6821")]


def test_first_level_product_category_suffix_is_not_a_second_code():
    assert parse_scope("Ⅲ类：07-03，16") == [item(3, "07"), item(3, "16")]


def test_codes_before_any_class_are_skipped_and_unknown_codes_ignored():
    assert parse_scope("6815，07；Ⅲ类：6899，23，2018年，99，16") == [item(3, "16")]


def test_a_new_catalogue_section_restates_its_classes():
    assert parse_scope("2002年分类目录：Ⅲ类：6815；2017年分类目录：14") == [item(3, "6815")]


def test_duplicates_are_dropped_in_first_seen_order():
    assert parse_scope("Ⅲ类：16，14，16；三类：14") == [item(3, "16"), item(3, "14")]


@pytest.mark.parametrize("text", ["", "医疗器械（不含体外诊断试剂）", "Ⅲ类：", None])
def test_unreadable_scopes_give_nothing(text):
    assert parse_scope(text) == []


def test_format_scope_prints_the_canonical_form():
    items = [item(2, "09"), item(3, "16"), item(3, "6821"), item(2, "07"), item(3, "14"), item(3, "6815"),
             item(3, "6840")]
    assert format_scope(items) == ("2002年分类目录：Ⅲ类：6815，6821，6840；"
                                   "2017年分类目录：Ⅲ类：14，16；Ⅱ类：07，09")
    assert format_scope([]) == ""


@pytest.mark.parametrize("bad", [
    {"class": 4, "category": "07", "catalogue": "2017"},
    {"class": 2, "category": "23", "catalogue": "2017"},
    {"class": 2, "category": "6815", "catalogue": "2017"},
    {"class": 2, "category": "15", "catalogue": "2002"},
    {"class": 2, "category": "6899", "catalogue": "2002"},
])
def test_format_scope_rejects_malformed_items(bad):
    with pytest.raises(ValueError):
        format_scope([bad])


def _table():
    raw = resources.files("verifiers").joinpath("data/catalogue_2002_to_2017.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO("\n".join(l for l in raw.splitlines() if not l.startswith("#")))))


OLD_CODES = [row["code_2002"] for row in _table()]
ITEMS = st.lists(st.one_of(
    st.builds(item, st.sampled_from([1, 2, 3]), st.sampled_from(sorted(CATALOGUE_2017))),
    st.builds(item, st.sampled_from([1, 2, 3]), st.sampled_from(OLD_CODES)),
))


@given(ITEMS)
def test_format_then_parse_round_trips(items):
    canonical = sorted({tuple(i.items()) for i in items},
                       key=lambda t: (dict(t)["catalogue"], -dict(t)["class"], dict(t)["category"]))
    assert parse_scope(format_scope(items)) == [dict(t) for t in canonical]


def test_mapping_table_is_well_formed():
    rows = _table()
    assert len(rows) == 43 and len(set(OLD_CODES)) == 43
    assert all(code.startswith("68") and len(code) == 4 for code in OLD_CODES)
    for row in rows:
        candidates = row["candidates_2017"].split(";")
        assert row["name_2002"] and row["ambiguous"] in ("yes", "no")
        # "40" is IVD reagents, their own category beside the 22 sub-catalogues (6840 only).
        assert candidates and all(c in CATALOGUE_2017 or (c == "40" and row["code_2002"] == "6840")
                                  for c in candidates)
        if row["ambiguous"] == "no":
            assert len(candidates) == 1, row["code_2002"]  # a one-to-one claim names one sub-catalogue


@pytest.mark.parametrize("code, expected", [
    ("6804", (["16"], False)), ("6870", (["21"], False)), ("6845", (["10"], False)),
    ("6857", (["11"], False)), ("6827", (["20"], False)), ("04", (["16"], False)),
    ("６８０４", (["16"], False)),
])
def test_unambiguous_mappings(code, expected):
    assert map_2002_to_2017(code) == expected


@pytest.mark.parametrize("code", ["6821", "6815", "6840", "6846", "6866", "6877", "6823"])
def test_mixed_old_categories_are_marked_ambiguous(code):
    candidates, ambiguous = map_2002_to_2017(code)
    assert ambiguous and candidates


@pytest.mark.parametrize("code", ["6899", "6811", "14", "", "abc"])
def test_unknown_codes_go_to_review(code):
    assert map_2002_to_2017(code) == ([], True)


def test_scope_lines_read_as_classes_with_category_names():
    # As the OCR pipeline stores it (no catalogue key): one line per class, Ⅲ first, names beside codes.
    assert scope_lines([{"class": 2, "category": "07"}, {"class": 3, "category": "16"},
                        {"class": 3, "category": "14"}]) == ["Ⅲ类：14 注输、护理和防护器械，16 眼科器械",
                                                             "Ⅱ类：07 医用诊察和监护器械"]
    # Both catalogues: each line says which; an exclusion is shown as one; an unknown code bare.
    assert scope_lines(parse_scope("2002年分类目录：Ⅲ类：6815，6866（不含6846植入材料）；2017年分类目录：Ⅱ类：07")) == [
        "2002年分类目录 Ⅲ类：6815 注射穿刺器械，6866 医用高分子材料及制品（不含：6846 植入材料和人工器官）",
        "2017年分类目录 Ⅱ类：07 医用诊察和监护器械"]
    assert scope_lines([{"class": 2, "category": "99"}, "not an item"]) == ["Ⅱ类：99"]
