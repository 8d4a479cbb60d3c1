"""Listing rules, one test (at least) per reason code."""
from datetime import date

import pytest

from verifiers.rules.facts import DocumentFacts, Holding, ListingClaim, Policy
from verifiers.rules.listing import evaluate_listing

from tests.verifiers.rules.support import (POLICY, REGISTRANT_USCC, USCC, MemoryRegistry, device, field)

NOTICE = "购买和使用前请仔细阅读产品说明书或者在医务人员的指导下购买和使用。"
LICENCE = Holding("device_business_licence", "粤深药监械经营许20230001号", ((3, "14"), (2, "07")), date(2028, 1, 9),
                  "snap_test")
FILING = Holding("class2_business_filing", "粤深药监械经营备20230002号", ((2, "07"), (2, "22")), None, "snap_test")
REGISTRY = MemoryRegistry(devices=[
    device(),
    device(number="粤械注准20212070123", **{"class": 2}, product_name="红外耳温计", models=["ET-1"],
           category_code="07", issuer="广东省药品监督管理局"),
    device(number="粤械注准20212140124", **{"class": 2}, product_name="医用外科口罩", models=["平面耳挂式"],
           category_code="14", issuer="广东省药品监督管理局"),
    device(number="粤深械备20190035号", kind="filing", **{"class": 1}, product_name="医用冷敷贴", models=["10贴/盒"],
           category_code="09", approved_on="2019-03-01", valid_until=None),
    device(number="国械注准20153160393", product_name="软性亲水接触镜", models=["日抛"], category_code="16"),
    device(number="国械注准20183190001", product_name="助听器", models=["H-1"], category_code="19"),
])

SYRINGE = ListingClaim(title="一次性使用无菌注射器 5ml 独立包装", description=NOTICE,
                       registration_number="国械注准20203140456", product_name="一次性使用无菌注射器",
                       manufacturer="示例医疗器械制造有限公司", model="5ml")


def evaluate(listing=SYRINGE, status="approved", holdings=(LICENCE,), registry=REGISTRY, policy=POLICY, documents=()):
    return evaluate_listing(listing, merchant_status=status, merchant_uscc=USCC, holdings=list(holdings),
                            registry=registry, policy=policy, documents=list(documents))


def codes(result):
    return {r.code for r in result.reasons}


def listing(**changes):
    return ListingClaim(**{**SYRINGE.__dict__, **changes})


def test_a_registered_product_in_scope_is_allowed():
    result = evaluate()
    assert result.outcome == "allow", [r.message for r in result.reasons]
    assert result.looked_at["registry"][0]["number"] == "国械注准20203140456"


@pytest.mark.parametrize("status,code", [("pending", "MERCHANT_NOT_APPROVED"), ("rejected", "MERCHANT_NOT_APPROVED"),
                                         ("suspended", "MERCHANT_SUSPENDED")])
def test_only_approved_merchants_may_list(status, code):
    result = evaluate(status=status)
    assert code in codes(result) and result.outcome == "block"


@pytest.mark.parametrize("number,detail", [("国械注准2020314045", "11"),
                                           ("粤械注准20203140456", "class"),  # a province cannot register Class III
                                           ("苏食药监械(准)字2012第2270411号", "legacy"),
                                           ("粤深药监械经营许20230001号", "许可证")])
def test_regno_invalid(number, detail):
    result = evaluate(listing=listing(registration_number=number))
    [reason] = [r for r in result.reasons if r.code == "REGNO_INVALID"]
    assert result.outcome == "block"
    assert detail in reason.message or detail in reason.message_en or detail in str(reason.evidence)


def test_regno_not_found():
    result = evaluate(listing=listing(registration_number="国械注准20203149999"))
    assert "REGNO_NOT_FOUND" in codes(result) and result.outcome == "block"


def test_regno_expired():
    registry = MemoryRegistry(devices=[device(approved_on="2015-01-01", valid_until="2020-01-01")])
    assert "REGNO_EXPIRED" in codes(evaluate(registry=registry))


@pytest.mark.parametrize("status,word", [("cancelled", "注销"), ("revoked", "吊销")])
def test_regno_cancelled(status, word):
    [reason] = [r for r in evaluate(registry=MemoryRegistry(devices=[device(status=status)])).reasons
                if r.code == "REGNO_CANCELLED"]
    assert word in reason.message


def test_product_mismatch_a_mask_under_a_syringe_certificate():
    result = evaluate(listing=listing(title="医用外科口罩 50只", product_name="医用外科口罩"))
    [mismatch] = [r for r in result.reasons if r.code == "PRODUCT_MISMATCH"]
    assert mismatch.severity == "block" and mismatch.field == "product_name"
    # The title alone gives the game away too.
    result = evaluate(listing=listing(title="医用外科口罩 50只", product_name=None))
    assert [r.field for r in result.reasons if r.code == "PRODUCT_MISMATCH"] == ["title"]


def test_product_names_with_pack_sizes_and_brackets_match():
    result = evaluate(listing=listing(product_name="一次性使用无菌注射器（带针）", title="【正品】一次性使用无菌注射器 5ml×100支"))
    assert "PRODUCT_MISMATCH" not in codes(result)


def test_model_mismatch_goes_to_review():
    result = evaluate(listing=listing(model="20ml"))
    assert "MODEL_MISMATCH" in codes(result) and result.outcome == "review"


def test_class_mismatch():
    assert "CLASS_MISMATCH" in codes(evaluate(listing=listing(device_class=2)))


def test_registrant_mismatch_goes_to_review():
    # A contract manufacturer's name on the label is lawful since 2021: a person decides.
    result = evaluate(listing=listing(manufacturer="某某贸易有限公司"))
    assert "REGISTRANT_MISMATCH" in codes(result) and result.outcome == "review"


def test_class3_requires_licence():
    result = evaluate(holdings=[FILING])
    assert "CLASS3_REQUIRES_LICENCE" in codes(result)


def test_class2_requires_filing():
    # A surgical mask is Class II and on no exemption list: a Class III licence alone does not
    # cover it (BIZ22 Arts 21, 23), nor does nothing at all.
    mask = listing(title="医用外科口罩", product_name="医用外科口罩", registration_number="粤械注准20212140124",
                   manufacturer="示例医疗器械制造有限公司", model="平面耳挂式")
    assert "CLASS2_REQUIRES_FILING" in codes(evaluate(listing=mask, holdings=[]))
    assert "CLASS2_REQUIRES_FILING" in codes(evaluate(listing=mask, holdings=[LICENCE]))
    assert "CLASS2_REQUIRES_FILING" not in codes(evaluate(listing=mask, holdings=[
        Holding("class2_business_filing", "粤深药监械经营备20230002号", ((2, "14"),), None, "s")]))


def test_licence_scope_excludes_a_category_not_licensed():
    mask = listing(title="医用外科口罩", product_name="医用外科口罩", registration_number="粤械注准20212140124",
                   manufacturer="示例医疗器械制造有限公司", model="平面耳挂式")
    [reason] = [r for r in evaluate(listing=mask, holdings=[FILING]).reasons if r.code == "LICENCE_SCOPE_EXCLUDES"]
    assert "14" in reason.message and "注输、护理和防护器械" in reason.message


def test_class1_needs_no_licence():
    plaster = listing(title="医用冷敷贴", product_name="医用冷敷贴", registration_number="粤深械备20190035号", model="10贴/盒")
    result = evaluate(listing=plaster, holdings=[])
    assert {"CLASS3_REQUIRES_LICENCE", "CLASS2_REQUIRES_FILING", "LICENCE_SCOPE_EXCLUDES"}.isdisjoint(codes(result))


def test_registrant_sells_its_own_product_without_a_licence():
    result = evaluate_listing(SYRINGE, merchant_status="approved", merchant_uscc=REGISTRANT_USCC, holdings=[],
                              registry=REGISTRY, policy=POLICY)
    assert "SELF_REGISTRANT" in codes(result) and result.outcome == "allow"


def test_banned_claims_are_each_reported_and_explained():
    text = "专家推荐，治愈率高达98%！绝对安全无副作用，无效退款。热销中。" + NOTICE
    result = evaluate(listing=listing(description=text))
    hits = {r.evidence["phrase"]: r for r in result.reasons if r.code == "BANNED_CLAIM"}
    assert {"专家推荐", "治愈率", "绝对安全", "无效退款", "热销"} <= set(hits)
    assert hits["治愈率"].severity == "block" and "广告法" in hits["治愈率"].evidence["basis"]
    assert hits["热销"].severity == "review"
    assert result.outcome == "block"


def test_focus_category_contact_lenses_and_their_warning():
    lens = listing(title="软性亲水接触镜 日抛 30片", product_name="软性亲水接触镜", registration_number="国械注准20153160393",
                   model="日抛", description=NOTICE)
    result = evaluate(listing=lens, holdings=[Holding("device_business_licence", "x", ((3, "16"),), None, "s")])
    assert "FOCUS_CATEGORY" in codes(result)
    [missing] = [r for r in result.reasons if r.code == "NOTICE_MISSING"]
    assert missing.evidence["notice"] == "contact_lens" and missing.severity == "info"
    assert result.outcome == "allow"  # info by default


def test_notice_missing_severity_is_the_platforms_choice():
    strict = Policy(today=POLICY.today, notice_severity="block")
    result = evaluate(listing=listing(description="优质注射器"), policy=strict)
    assert any(r.code == "NOTICE_MISSING" and r.severity == "block" for r in result.reasons)
    assert evaluate(listing=listing(description="优质注射器")).outcome == "allow"


def test_hearing_aid_warning_present_is_accepted():
    text = NOTICE + "验配助听器前应经过专业的检查及听力测试，并在助听器验配师调试并试听试戴和验配师指导下使用。"
    aid = listing(title="助听器", product_name="助听器", registration_number="国械注准20183190001", model="H-1",
                  description=text)
    result = evaluate(listing=aid, holdings=[Holding("device_business_licence", "x", ((3, "19"),), None, "s")])
    assert "NOTICE_MISSING" not in codes(result)


def test_certificate_mismatch_when_the_uploaded_certificate_shows_another_number():
    cert = DocumentFacts(id="doc_c", status="processed", type="registration_certificate",
                         fields={"number": field("国械注准20203140457")})
    result = evaluate(documents=[cert])
    assert "CERTIFICATE_MISMATCH" in codes(result) and result.outcome == "block"
    same = DocumentFacts(id="doc_d", status="processed", type="registration_certificate",
                         fields={"number": field("国械注准 2020 3140456")})
    assert "CERTIFICATE_MISMATCH" not in codes(evaluate(documents=[same]))
