"""The facts rules read: a document's fields with their defaults, a platform's severities, and
what a holding covers."""
from datetime import date

from verifiers.coverage import COVERED, EXCLUDED, NOT_COVERED, UNDETERMINED
from verifiers.rules.facts import DocumentFacts, Holding, ListingClaim, Policy
from verifiers.rules.model import Reason, reason

DOC = DocumentFacts("doc_1", "processed", "device_business_licence", fields={
    "number": {"value": "粤深药监械经营许20240627号", "raw": "粤深药监械经营许2024O627号", "confidence": 0.91,
               "page": 1, "box": [1, 2, 3, 4]},
    "uscc": {"value": "9144030071526726XG", "valid": False},
    "name": {"value": "深圳示例医疗器械有限公司", "confidence": None},
})


def test_field_values_and_their_defaults():
    assert DOC.value("number") == "粤深药监械经营许20240627号"
    assert DOC.value("issuer") is None
    # no confidence recorded reads as certain; a field never marked invalid is valid
    assert DOC.confidence("name") == 1.0 and DOC.confidence("issuer") == 1.0
    assert DOC.confidence("number") == 0.91
    assert DOC.valid("name") and DOC.valid("issuer") and not DOC.valid("uscc")


def test_evidence_points_at_what_was_printed():
    assert DOC.evidence("number") == {"document_id": "doc_1", "field": "number", "printed": "粤深药监械经营许2024O627号",
                                      "confidence": 0.91, "page": 1, "box": [1, 2, 3, 4]}
    assert DOC.evidence("uscc")["printed"] == "9144030071526726XG"  # no raw text: the value
    assert DOC.evidence("issuer")["printed"] is None


def test_a_listings_text_is_its_title_and_description():
    assert ListingClaim("医用外科口罩", "独立包装").text == "医用外科口罩\n独立包装"


def test_policy_severities_change_only_reasons_at_their_default():
    policy = Policy(today=date(2026, 12, 1), severity={"REGISTRANT_MISMATCH": "block"})
    default = reason("REGISTRANT_MISMATCH")  # review by default
    lowered = Reason("REGISTRANT_MISMATCH", "info", "m", "m")  # a rule's own judgement on weak evidence
    other = reason("DOC_PENDING")
    assert [r.severity for r in policy.apply([default, lowered, other])] == ["block", "info", "review"]
    assert Policy(today=date(2026, 12, 1)).apply([default]) == [default]


def test_a_holding_covers_what_its_scope_lists_minus_what_it_excludes():
    holding = Holding("device_business_licence", "粤深药监械经营许20240627号", scope=((3, "14"), (3, "16")),
                      valid_until=date(2029, 6, 26), snapshot_id="snap", excluded=((3, "16"),))
    assert holding.coverage(3, "14").verdict == COVERED
    assert holding.coverage(3, "16").verdict == EXCLUDED
    assert holding.coverage(3, "22").verdict == NOT_COVERED
    assert holding.coverage(2, "14").verdict == UNDETERMINED  # nothing in class II on this licence
