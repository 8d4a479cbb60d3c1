"""A document's fields beside the registry's record: what corresponds, and what differs as a reader
would see it."""
from verifiers.documents.compare import DECLARED_KEYS, compare, keys_for, same


def test_which_record_keys_a_document_is_compared_with():
    assert keys_for("registration_certificate")["registrant"] == "registrant"
    assert keys_for("class1_filing")["issued_on"] == "approved_on"
    assert keys_for("device_business_licence")["name"] == "holder"
    assert keys_for(None)["name"] == "holder"
    assert keys_for("business_licence") is DECLARED_KEYS


def test_values_are_compared_as_a_reader_would():
    assert same("粤深药监械经营许20240627号", "粤深药监械经营许 20240627") is True  # spaces and the final 号
    assert same("ＡＢＣ-1", "abc-1") is True  # width and case
    assert same(["5ml", "10ml"], ["10ML", "5 ml"]) is True  # lists as sets
    assert same([{"class": 3, "category": "14"}], [{"class": "3", "category": "14", "excluded": False}]) is True
    assert same([{"class": 3, "category": "14"}], [{"class": 3, "category": "14", "excluded": True}]) is False
    assert same("深圳示例", "广州示例") is False
    # a side that is missing neither matches nor differs
    assert same(None, "x") is None and same("x", "") is None and same([], ["x"]) is None


def test_rows_follow_the_mapping_then_any_other_field():
    fields = {"name": {"value": "深圳示例医疗器械有限公司", "confidence": 0.93, "page": 1},
              "number": {"value": "粤深药监械经营许20240627号", "confidence": 0.9, "page": 1},
              "legal_representative": {"value": "张三", "confidence": 0.8, "page": 1}}
    record = {"number": "粤深药监械经营许20240627号", "holder": "深圳示例医疗用品有限公司", "issuer": "深圳市市场监督管理局"}
    rows = compare("device_business_licence", fields, record)
    assert [r.name for r in rows] == ["number", "name", "issuer", "legal_representative"]
    by = {r.name: r for r in rows}
    assert by["number"].differs is False and by["number"].confidence == 0.9
    assert by["name"].differs is True and by["name"].record == "深圳示例医疗用品有限公司"
    # the record has an issuer the document did not show; a field the record lacks has nothing beside it
    assert by["issuer"].extracted is None and by["issuer"].differs is None
    assert by["legal_representative"].record is None and by["legal_representative"].differs is None


def test_no_record_and_no_fields():
    assert compare("device_business_licence", {}, None) == []
    [row] = compare("business_licence", {"uscc": {"value": "9144030071526726XG"}}, None)
    assert row.name == "uscc" and row.record is None and row.differs is None
