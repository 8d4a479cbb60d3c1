"""Class II devices exempt from business filing: matched by the registered product name and, when
the device's category is known, by its sub-catalogue."""
from verifiers.rules.exempt import exempt_entry, exempt_list


def test_the_list_ships_with_the_package_and_every_entry_is_usable():
    entries = exempt_list()
    assert len(entries) >= 10
    assert len({e.id for e in entries}) == len(entries)
    for entry in entries:
        assert entry.words and all(entry.words), entry.id
        assert len(entry.category) == 2 and entry.category.isdigit(), entry.id
        assert entry.name_zh and entry.name_en
        assert isinstance(entry.confirmed, bool)  # yes/no in the CSV


def test_a_product_falls_under_its_entry():
    entry = exempt_entry("电子血压计（上臂式）", "07")
    assert entry is not None and entry.id == "blood_pressure"
    assert exempt_entry("家用 血糖仪").id == "glucose_meter"  # no category known: the name decides
    assert exempt_entry("天然胶乳橡胶避孕套", "18").id == "condom"


def test_the_category_must_agree_when_it_is_known():
    # "血压计" in the name of a therapy device (09) is not the listed monitor
    assert exempt_entry("血压计式理疗仪", "09") is None
    assert exempt_entry("电子血压计", "7").id == "blood_pressure"  # a one-digit category is zero-filled


def test_other_products_are_not_exempt():
    assert exempt_entry("一次性使用无菌注射器", "14") is None
    assert exempt_entry(None) is None and exempt_entry("") is None

