"""The parse result every number kind shares, and which catalogue a registration's category is from."""
import pytest

from verifiers.identifiers.model import KINDS, ParsedIdentifier, catalogue_hint


def _parsed(**fields):
    values = {"number": "粤械注准20192140001", "kind": "registration", "authority": "provincial", "province": "粤",
              "city": None, "region_code": "440000", "year": 2019, "serial": "0001", "device_class": 2,
              "category": "14", "catalogue_hint": "2017"}
    return ParsedIdentifier(**{**values, **fields})


def test_derived_fields():
    parsed = _parsed(region_code="440300")
    assert parsed.province_code == "440000"
    assert parsed.catalogue_code == "14"
    assert parsed.document_type == "registration_certificate"
    assert _parsed(region_code=None).province_code is None


def test_the_catalogue_code_in_full():
    assert _parsed(category="46", catalogue_hint="2002").catalogue_code == "6846"
    assert _parsed(category="40", catalogue_hint="2002").catalogue_code == "6840"
    assert _parsed(catalogue_hint="uncertain").catalogue_code is None
    assert _parsed(category=None, catalogue_hint=None).catalogue_code is None


def test_kinds_without_a_document_type():
    assert _parsed(kind="advertisement").document_type is None
    assert {"registration", "filing", "advertisement"} <= set(KINDS)


def test_to_dict_holds_the_derived_fields_too():
    data = _parsed().to_dict()
    assert data["number"] == "粤械注准20192140001" and data["year"] == 2019
    assert data["province_code"] == "440000" and data["catalogue_code"] == "14"


@pytest.mark.parametrize(("year", "category", "hint"), [
    (2015, "40", "2002"), (2024, "40", "2002"),  # IVD reagents keep 40 under both catalogues
    (2015, "15", "2002"),  # before the 2017 catalogue: the tail of 6815
    (2017, "77", "2002"), (2017, "78", "uncertain"),  # the 2002 catalogue ran 6801-6877
    (2019, "15", "2017"), (2024, "22", "2017"),
    (2018, "15", "uncertain"),  # the 2017 catalogue came into force mid-2018
    (2018, "64", "2002"), (2019, "64", "uncertain"),
])
def test_catalogue_hint(year, category, hint):
    assert catalogue_hint(year, category) == hint
