"""Category names for people: the 2017 sub-catalogues, IVD reagents (40), and 2002 codes (68xx)."""
from verifiers.catalogue import SUB_CATALOGUES, category_name


def test_a_2017_sub_catalogue_in_either_language():
    assert category_name("16") == "眼科器械"
    assert category_name("16", "en") == "ophthalmic devices"
    assert category_name("6") == "医用成像器械"  # a one-digit code is zero-filled


def test_ivd_reagents_keep_40():
    assert category_name("40") == "体外诊断试剂"
    assert category_name("40", "en") == "in-vitro diagnostic reagents"


def test_a_2002_code_by_its_old_name():
    assert category_name("6864") == "医用卫生材料及敷料"
    assert category_name("6864", "en") == "2002 catalogue 6864"


def test_an_unknown_code_is_shown_as_it_is():
    assert category_name("99") == "99"
    assert category_name(None) == "?" and category_name("") == "?"


def test_the_sub_catalogues_are_01_to_22_and_40():
    assert sorted(SUB_CATALOGUES) == [f"{n:02d}" for n in range(1, 23)] + ["40"]
    assert all(zh and en.isascii() for zh, en in SUB_CATALOGUES.values())
