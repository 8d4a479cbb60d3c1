"""Merchant rules, one test (at least) per reason code, from the cases that motivate them."""
from verifiers.rules.facts import DocumentFacts, MerchantClaim
from verifiers.rules.merchant import evaluate_merchant

from tests.verifiers.rules.support import (NAME, POLICY, USCC, MemoryRegistry, business_licence_doc, device,
                                           device_licence_doc, field, licence, online_filing)

CLAIM = MerchantClaim(name=NAME, uscc=USCC, online_sales_filing_number="粤深械网备202301100001", device_classes=(3,))
GOOD_REGISTRY = MemoryRegistry(enterprises=[licence(), online_filing()])


def codes(evaluation):
    return {r.code for r in evaluation.reasons}


def evaluate(claim=CLAIM, documents=None, registry=GOOD_REGISTRY):
    documents = documents if documents is not None else [business_licence_doc(), device_licence_doc()]
    return evaluate_merchant(claim, documents, registry, POLICY)


def test_a_licensed_merchant_with_its_documents_is_approved():
    result = evaluate()
    assert result.outcome == "approved", [r.message for r in result.reasons]
    assert result.registry_version == "snap_test"
    assert {h.number for h in result.holdings} == {"粤深药监械经营许20230001号", "粤深械网备202301100001"}
    assert result.looked_at["documents"][0]["fields"]["uscc"]["confidence"] == 0.99


def test_doc_unreadable_a_failed_upload_needs_resubmission():
    broken = DocumentFacts(id="doc_x", status="failed", error={"code": "no_text", "message": "文件中未识别到文字",
                                                               "message_en": "no text"})
    result = evaluate(documents=[business_licence_doc(), device_licence_doc(), broken])
    [reason] = [r for r in result.reasons if r.code == "DOC_UNREADABLE"]
    assert reason.severity == "review" and "未识别到文字" in reason.message
    assert result.outcome == "needs_review"


def test_doc_type_unknown_a_photo_of_something_else():
    other = DocumentFacts(id="doc_y", status="processed", type=None, fields={})
    assert "DOC_TYPE_UNKNOWN" in codes(evaluate(documents=[business_licence_doc(), device_licence_doc(), other]))


def test_doc_missing_without_a_business_licence():
    result = evaluate(documents=[device_licence_doc()])
    assert "DOC_MISSING" in codes(result) and result.outcome == "needs_review"


def test_doc_field_missing_when_the_credit_code_could_not_be_read():
    doc = business_licence_doc(uscc=field(None))
    result = evaluate(documents=[doc, device_licence_doc()])
    missing = [r for r in result.reasons if r.code == "DOC_FIELD_MISSING"]
    assert missing and missing[0].field == "uscc"


def test_low_confidence_fields_go_to_review():
    result = evaluate(documents=[business_licence_doc(name=field(NAME, confidence=0.55)), device_licence_doc()])
    assert "LOW_CONFIDENCE" in codes(result) and result.outcome == "needs_review"


def test_doc_expired_a_licence_printed_valid_until_last_year():
    result = evaluate(documents=[business_licence_doc(), device_licence_doc(valid_until=field("2025-06-30"))])
    assert "DOC_EXPIRED" in codes(result) and result.outcome == "rejected"


def test_uscc_invalid_when_the_platform_sends_a_bad_check_character():
    claim = MerchantClaim(name=NAME, uscc="91320000608950179D", online_sales_filing_number=None)
    reasons = [r for r in evaluate(claim=claim).reasons if r.code == "USCC_INVALID"]
    assert reasons and reasons[0].severity == "block" and "C" in reasons[0].message


def test_uscc_invalid_on_a_document_is_for_review_only():
    doc = business_licence_doc(uscc=field("9144030071526726XH", valid=False))
    reasons = [r for r in evaluate(documents=[doc, device_licence_doc()]).reasons if r.code == "USCC_INVALID"]
    assert reasons and reasons[0].severity == "review"


def test_uscc_mismatch_between_documents_and_the_claim():
    # Another company's (valid) code on the uploaded business licence: a borrowed licence.
    doc = business_licence_doc(uscc=field("91340111MA8P9K0G9N"))
    result = evaluate(documents=[doc, device_licence_doc()])
    assert "USCC_MISMATCH" in codes(result) and result.outcome == "rejected"


def test_doc_tampered_when_the_qr_code_names_another_credit_code():
    # The printed code was altered to the merchant's; the licence's QR code still names the real holder.
    real = "91340111MA8P9K0G9N"
    qr = {"value": real, "confidence": 1.0, "page": 1, "box": [120.0, 460.0, 340.0, 680.0], "valid": True,
          "raw": f"http://www.gsxt.gov.cn/corp-query-entprise-info.html?uniscid={real}"}
    doc = business_licence_doc(qr_uscc=qr)
    result = evaluate(documents=[doc, device_licence_doc()])
    [tampered] = [r for r in result.reasons if r.code == "DOC_TAMPERED"]
    assert tampered.severity == "review" and result.outcome == "needs_review"
    assert tampered.evidence["qr"] == real and tampered.evidence["printed"] == USCC
    assert real in tampered.message and USCC in tampered.message_en and "营业执照" in tampered.message
    # the QR code agreeing with the print raises nothing
    agreeing = business_licence_doc(qr_uscc=dict(qr, value=USCC, raw=qr["raw"].replace(real, USCC)))
    assert "DOC_TAMPERED" not in codes(evaluate(documents=[agreeing, device_licence_doc()]))


def test_name_mismatch_with_a_different_company_blocks_and_a_near_miss_reviews():
    other = evaluate(documents=[business_licence_doc(name=field("广州另一家贸易有限公司")), device_licence_doc()])
    assert any(r.code == "NAME_MISMATCH" and r.severity == "block" for r in other.reasons)
    typo = evaluate(documents=[business_licence_doc(name=field("深圳示列医疗器械有限公司")), device_licence_doc()])
    assert any(r.code == "NAME_MISMATCH" and r.severity == "review" for r in typo.reasons)
    spacing = evaluate(documents=[business_licence_doc(name=field("深圳示例医疗器械 有限公司")), device_licence_doc()])
    assert "NAME_MISMATCH" not in codes(spacing)


def test_licence_not_found_a_number_the_regulator_never_issued():
    doc = device_licence_doc(number=field("粤深药监械经营许20239999号"))
    result = evaluate(documents=[business_licence_doc(), doc])
    assert "LICENCE_NOT_FOUND" in codes(result) and result.outcome == "rejected"


def test_licence_expired_on_record_even_if_the_printout_says_otherwise():
    registry = MemoryRegistry(enterprises=[licence(issued_on="2018-01-10", valid_until="2023-01-09"), online_filing()])
    result = evaluate(registry=registry)
    assert "LICENCE_EXPIRED" in codes(result) and result.outcome == "rejected"


def test_licence_revoked_by_the_bureau():
    registry = MemoryRegistry(enterprises=[licence(status="revoked"), online_filing()])
    [reason] = [r for r in evaluate(registry=registry).reasons if r.code == "LICENCE_REVOKED"]
    assert "吊销" in reason.message and reason.evidence["registry"]["status"] == "revoked"


def test_licence_held_by_another_company_is_a_credit_code_mismatch():
    registry = MemoryRegistry(enterprises=[licence(uscc="91340111MA8P9K0G9N", holder="示例医疗器械制造有限公司"),
                                           online_filing()])
    result = evaluate(registry=registry)
    assert {"USCC_MISMATCH", "NAME_MISMATCH"} <= codes(result)


def test_class3_requires_licence_when_only_a_class2_filing_is_held():
    registry = MemoryRegistry(enterprises=[licence(number="粤深药监械经营备20230002号", kind="class2_business_filing",
                                                   valid_until=None), online_filing()])
    result = evaluate(documents=[business_licence_doc()], registry=registry)
    assert "CLASS3_REQUIRES_LICENCE" in codes(result) and result.outcome == "rejected"


def test_class2_requires_filing_when_nothing_is_held():
    claim = MerchantClaim(name=NAME, uscc=USCC, online_sales_filing_number=None, device_classes=(2,))
    result = evaluate(claim=claim, documents=[business_licence_doc()], registry=MemoryRegistry())
    assert {"CLASS2_REQUIRES_FILING", "ONLINE_SALES_NOT_FILED"} <= codes(result)


def test_self_registrant_is_the_registrant_on_record_not_a_production_licence_holder():
    # A contract manufacturer (受托生产企业) holds a production licence but registers nothing:
    # it may not sell Class III devices without a business licence (REG21 Arts 34, 42, 43).
    maker = licence(number="粤药监械生产许20230010号", kind="production_licence")
    contract_only = evaluate(documents=[business_licence_doc()], registry=MemoryRegistry(
        enterprises=[maker, online_filing()]))
    assert "CLASS3_REQUIRES_LICENCE" in codes(contract_only) and "SELF_REGISTRANT" not in codes(contract_only)
    # A registrant that outsources manufacturing holds no production licence at all, yet is
    # the registrant of record of a Class III device: it sells its own products.
    own = device(registrant="深圳示例医疗器械有限公司", registrant_uscc=USCC)
    outsourcing = evaluate(documents=[business_licence_doc()], registry=MemoryRegistry(
        devices=[own], enterprises=[online_filing()]))
    assert "SELF_REGISTRANT" in codes(outsourcing) and "CLASS3_REQUIRES_LICENCE" not in codes(outsourcing)


def test_online_sales_not_filed_when_the_number_is_not_on_record():
    claim = MerchantClaim(name=NAME, uscc=USCC, online_sales_filing_number="粤深械网备209912310001", device_classes=(3,))
    result = evaluate(claim=claim, registry=MemoryRegistry(enterprises=[licence()]))
    [reason] = [r for r in result.reasons if r.code == "ONLINE_SALES_NOT_FILED"]
    assert "209912310001" in reason.message


def test_online_sales_filing_found_by_credit_code_when_no_number_is_given():
    claim = MerchantClaim(name=NAME, uscc=USCC, online_sales_filing_number=None, device_classes=(3,))
    assert "ONLINE_SALES_NOT_FILED" not in codes(evaluate(claim=claim))


def test_class1_only_sellers_need_no_licence_and_no_online_filing():
    claim = MerchantClaim(name=NAME, uscc=USCC, device_classes=(1,))
    result = evaluate(claim=claim, documents=[business_licence_doc()], registry=MemoryRegistry())
    assert result.outcome == "approved", [r.code for r in result.reasons]


def test_every_applicable_reason_is_reported():
    claim = MerchantClaim(name=NAME, uscc="91320000608950179D", online_sales_filing_number=None, device_classes=(3,))
    result = evaluate(claim=claim, documents=[device_licence_doc(valid_until=field("2020-01-01"))],
                      registry=MemoryRegistry())
    assert {"USCC_INVALID", "DOC_MISSING", "DOC_EXPIRED", "LICENCE_NOT_FOUND", "CLASS3_REQUIRES_LICENCE",
            "ONLINE_SALES_NOT_FILED"} <= codes(result)
    assert all(r.message and r.message_en for r in result.reasons)
