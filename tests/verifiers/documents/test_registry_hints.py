"""A misread licence number corrected from the regulator's records: only when exactly one
licence of the credit code's holder is that close."""
from tests.verifiers.rules.support import MemoryRegistry, licence
from verifiers.documents.model import Field
from verifiers.documents.registry_hints import correct_number


def field(value, valid=True):
    return Field(value=value, confidence=0.95, page=1, box=(0, 0, 10, 10), raw=value, valid=valid)


def test_a_misread_licence_number_is_corrected_from_the_registry():
    registry = MemoryRegistry(enterprises=[licence()])
    fields = {"number": field("粤深药监械经营许20238001号"), "uscc": field("9144030071526726XG")}
    corrected = correct_number("device_business_licence", fields, registry)["number"]
    assert corrected.value == "粤深药监械经营许20230001号"
    assert "1" in corrected.corrections[-1]["reason"]


def test_a_number_far_from_the_record_is_left_for_the_rules():
    registry = MemoryRegistry(enterprises=[licence()])
    fields = {"number": field("粤深药监械经营许20199999号"), "uscc": field("9144030071526726XG")}
    assert correct_number("device_business_licence", fields, registry)["number"].value == "粤深药监械经营许20199999号"


def test_the_correction_keeps_where_the_number_was_read_and_says_why():
    registry = MemoryRegistry(enterprises=[licence()])
    fields = {"number": field("粤深药监械经营许20238001号"), "uscc": field("9144030071526726XG")}
    corrected = correct_number("device_business_licence", fields, registry)["number"]
    assert (corrected.page, corrected.box, corrected.raw, corrected.confidence) == (1, (0, 0, 10, 10),
                                                                                  "粤深药监械经营许20238001号", 0.95)
    assert corrected.valid
    [correction] = corrected.corrections
    assert correction["from"] == "粤深药监械经营许20238001号" and correction["to"] == "粤深药监械经营许20230001号"
    assert " / " in correction["reason"]  # Chinese, then English


def test_two_close_records_are_no_certainty():
    registry = MemoryRegistry(enterprises=[licence(), licence(number="粤深药监械经营许20238011号")])
    fields = {"number": field("粤深药监械经营许20238001号"), "uscc": field("9144030071526726XG")}
    assert correct_number("device_business_licence", fields, registry)["number"].value == "粤深药监械经营许20238001号"


def test_nothing_is_corrected_without_firm_ground():
    registry = MemoryRegistry(enterprises=[licence()])
    misread = "粤深药监械经营许20238001号"
    # the credit code failed its checksum: it names no one for sure
    fields = {"number": field(misread), "uscc": field("9144030071526726XG", valid=False)}
    assert correct_number("device_business_licence", fields, registry)["number"].value == misread
    # no credit code, or a document type whose number is not an enterprise licence
    assert correct_number("device_business_licence", {"number": field(misread)}, registry)["number"].value == misread
    fields = {"number": field(misread), "uscc": field("9144030071526726XG")}
    assert correct_number("business_licence", fields, registry)["number"].value == misread
    assert correct_number(None, fields, registry)["number"].value == misread
    # the holder's close licence is of another kind
    other_kind = MemoryRegistry(enterprises=[licence(kind="class2_business_filing")])
    assert correct_number("device_business_licence", fields, other_kind)["number"].value == misread


def test_a_number_on_record_is_left_as_it_is():
    registry = MemoryRegistry(enterprises=[licence(), licence(number="粤深药监械经营许20230002号")])
    fields = {"number": field("粤深药监械经营许20230002号"), "uscc": field("9144030071526726XG")}
    result = correct_number("device_business_licence", fields, registry)["number"]
    assert result.value == "粤深药监械经营许20230002号" and result.corrections == []
