"""Reasons and outcomes: messages filled in both languages, the worst severity deciding."""
import pytest

from verifiers.rules.model import (ListingOutcome, MerchantStatus, Reason, Severity, bilingual, listing_outcome,
                                   merchant_outcome, reason, worst)


def test_a_reason_fills_both_messages_from_its_parameters_and_evidence():
    r = reason("DOC_EXPIRED", field="valid_until", evidence={"valid_until": "2025-01-31"},
               doc_name=("医疗器械经营许可证", "device business licence"))
    assert r.code == "DOC_EXPIRED" and r.severity == "block" and r.field == "valid_until"
    assert r.message == "医疗器械经营许可证已于2025-01-31过期"
    assert r.message_en == "device business licence expired on 2025-01-31"
    assert r.evidence == {"valid_until": "2025-01-31"}


def test_a_missing_parameter_shows_a_dash_not_an_error():
    r = reason("DOC_EXPIRED")
    assert r.message == "—已于—过期"


def test_a_severity_may_be_given_but_must_be_one_of_the_three():
    assert reason("DOC_EXPIRED", severity="review").severity == "review"
    with pytest.raises(AssertionError):
        reason("DOC_EXPIRED", severity="fatal")
    with pytest.raises(KeyError):
        reason("NO_SUCH_CODE")


def test_as_dict_leaves_out_what_is_empty():
    assert reason("DOC_PENDING").as_dict() == {"code": "DOC_PENDING", "severity": "review",
                                               "message": "文件仍在识别中", "message_en": "A document is still being read"}
    full = reason("DOC_PENDING", field="number", evidence={"document_id": "d1"}).as_dict()
    assert full["field"] == "number" and full["evidence"] == {"document_id": "d1"}


def test_bilingual_splits_at_the_first_separator():
    assert bilingual("编号无效 / invalid number") == ("编号无效", "invalid number")
    assert bilingual("只有中文") == ("只有中文", "只有中文")
    assert bilingual("甲 / a / b") == ("甲", "a / b")


def _r(severity):
    return Reason("DOC_PENDING", severity, "m", "m")


def test_the_worst_severity_decides_the_outcome():
    assert worst([]) is None
    assert worst([_r("info"), _r("block"), _r("review")]) == Severity.BLOCK
    assert merchant_outcome([]) is MerchantStatus.APPROVED
    assert merchant_outcome([_r("info")]) is MerchantStatus.APPROVED
    assert merchant_outcome([_r("info"), _r("review")]) is MerchantStatus.NEEDS_REVIEW
    assert merchant_outcome([_r("review"), _r("block")]) is MerchantStatus.REJECTED
    assert listing_outcome([_r("info")]) is ListingOutcome.ALLOW
    assert listing_outcome([_r("review")]) is ListingOutcome.REVIEW
    assert listing_outcome([_r("block"), _r("info")]) is ListingOutcome.BLOCK
