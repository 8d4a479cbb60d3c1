"""Licence scope against device category across the 2002 and 2017 catalogues (verifiers.coverage)."""
import pytest

from verifiers.coverage import COVERED, EXCLUDED, NOT_COVERED, UNDETERMINED, coverage, device_category
from verifiers.scope import included, parse_scope


@pytest.mark.parametrize("code, category", [("14", "14"), ("6864", "6864"), ("64", "6864"), ("40", "40"),
                                            ("6840", "40"), ("15", "15"), ("99", None), (None, None), ("", None)])
def test_device_category(code, category):
    assert device_category(code) == category


@pytest.mark.parametrize("scope, device, verdict", [
    ([(3, "6840")], "40", COVERED),  # 6840体外诊断试剂 covers an antigen test
    ([(3, "22")], "40", NOT_COVERED),  # analysers are not reagents
    ([(3, "6864")], "64", COVERED),  # the tail of an old number
    ([(3, "6804")], "16", COVERED),  # one-to-one mapping
    ([(3, "6815")], "14", UNDETERMINED),  # part of 6815 went to 14
    ([(3, "14")], "6864", UNDETERMINED),  # 6864 may be 14 or 02
    ([(3, "14"), (3, "02")], "6864", COVERED),  # every candidate is held
    ([(3, "16")], "6864", NOT_COVERED),
    ([(3, "14")], None, UNDETERMINED),  # never a pass on class alone
    ([(2, "14")], "14", UNDETERMINED),  # nothing in class 3 on the scope
])
def test_coverage(scope, device, verdict):
    assert coverage(scope, (), 3, device).verdict == verdict


def test_an_exclusion_clause_takes_a_category_out():
    items = parse_scope("2002年分类目录：Ⅲ类：6815，6866，6846（不含6846植入材料和人工器官）")
    scope = [(i["class"], i["category"]) for i in included(items)]
    excluded = [(i["class"], i["category"]) for i in items if i.get("excluded")]
    assert coverage(scope, excluded, 3, "6846").verdict == EXCLUDED
    assert coverage(scope, excluded, 3, "6815").verdict == COVERED


def test_ivd_reagents_excluded_in_words():
    items = parse_scope("Ⅱ类：6840，07（除体外诊断试剂外）")
    excluded = [(i["class"], i["category"]) for i in items if i.get("excluded")]
    assert excluded == [(2, "6840")]
    assert coverage([(2, "07")], excluded, 2, "40").verdict == EXCLUDED


def test_defibrillator_is_not_an_exclusion():
    # 除颤仪 begins with 除 but excludes nothing.
    assert not any(i.get("excluded") for i in parse_scope("Ⅲ类：08 除颤仪，07"))
