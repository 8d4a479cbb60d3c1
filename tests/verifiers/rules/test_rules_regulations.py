"""Rules as the regulations have them (issue 11), each with the real-world case that motivated it.

The articles are quoted in docs/rules.md.
"""
from datetime import date

from verifiers.rules.codes import CODES, LegalTier
from verifiers.rules.facts import DocumentFacts, Holding, ListingClaim, MerchantClaim, Policy
from verifiers.rules.listing import evaluate_listing
from verifiers.rules.merchant import evaluate_merchant

from tests.verifiers.rules.support import (NAME, POLICY, USCC, MemoryRegistry, business_licence_doc, device,
                                           device_licence_doc, licence, online_filing)

NOTICE = "购买和使用前请仔细阅读产品说明书或者在医务人员的指导下购买和使用。"


def codes(result):
    return {r.code for r in result.reasons}


def listing_result(claim, devices=(), holdings=(), policy=POLICY, status="approved"):
    return evaluate_listing(claim, merchant_status=status, merchant_uscc=USCC, holdings=list(holdings),
                            registry=MemoryRegistry(devices=list(devices)), policy=policy)


def merchant_result(claim, enterprises=(), devices=(), documents=None):
    documents = documents if documents is not None else [business_licence_doc()]
    return evaluate_merchant(claim, documents, MemoryRegistry(devices=list(devices), enterprises=list(enterprises)),
                             POLICY)


def holding(kind, *scope, excluded=()):
    number = "粤深药监械经营许20230001号" if kind == "device_business_licence" else "粤深药监械经营备20230002号"
    return Holding(kind, number, tuple(scope), None, "snap_test", tuple(excluded))


# --- every code has a tier -----------------------------------------------------------------------------


def test_every_code_has_a_legal_tier_and_a_default_no_laxer_than_it():
    for code in CODES.values():
        assert isinstance(code.tier, LegalTier), code.code
        assert ["info", "review", "block"].index(code.severity) >= ["info", "review", "block"].index(code.tier.floor)
    # GSP-NET Art 42 ¶2 names these serious violations: stop the service and report.
    for name in ("LICENCE_NOT_FOUND", "CLASS3_REQUIRES_LICENCE", "CLASS2_REQUIRES_FILING", "REGNO_NOT_FOUND",
                 "LICENCE_SCOPE_EXCLUDES", "UNDECLARED_DEVICE", "REGNO_CANCELLED"):
        assert CODES[name].tier is LegalTier.STOP_AND_REPORT
    # Art 42 ¶1: displays missing or not as required: correct, then report.
    for name in ("NOTICE_MISSING", "ONLINE_SALES_NOT_FILED", "REGISTRANT_MISMATCH", "BANNED_CLAIM"):
        assert CODES[name].tier is LegalTier.CORRECT_THEN_REPORT


# --- licence scope across the two catalogues --------------------------------------------------------------

IVD = device(number="国械注准20223400001", product_name="新型冠状病毒（2019-nCoV）抗原检测试剂盒（胶体金法）",
             models=["1人份/盒"], category_code="40")
DRESSING_2016 = device(number="国械注准20163640123", product_name="医用胶原蛋白敷料", models=["贴片型"], category_code=None)


def antigen(**changes):
    base = dict(title="新型冠状病毒抗原检测试剂盒 1人份", description=NOTICE, registration_number=IVD["number"],
                product_name=IVD["product_name"], manufacturer=IVD["registrant"], model="1人份/盒")
    return ListingClaim(**{**base, **changes})


def test_licence_scope_6840_covers_ivd_reagents():
    # A licence printed "2002年分类目录：Ⅲ类：6840体外诊断试剂" covers a COVID antigen test, whose
    # registration keeps 40 (国械注准2022 3 40 ….): it used to block.
    assert "LICENCE_SCOPE_EXCLUDES" not in codes(listing_result(
        antigen(), [IVD], [holding("device_business_licence", (3, "6840"))]))


def test_licence_scope_22_does_not_cover_ivd_reagents():
    # 22 临床检验器械 is the analysers; the reagents are their own category.
    result = listing_result(antigen(), [IVD], [holding("device_business_licence", (3, "22"))])
    assert "LICENCE_SCOPE_EXCLUDES" in codes(result) and result.outcome == "block"


def test_licence_scope_6864_covers_a_pre_2018_dressing_numbered_64():
    # 国械注准2016 3 64 0123: 64 is 6864 医用卫生材料及敷料, not a 2017 sub-catalogue; a 6864 licence
    # covers it (it used to block), and nothing in the registry says 2017 category "64".
    claim = ListingClaim(title="医用胶原蛋白敷料 贴片型", description=NOTICE, registration_number=DRESSING_2016["number"],
                         product_name="医用胶原蛋白敷料", manufacturer=DRESSING_2016["registrant"], model="贴片型")
    assert "LICENCE_SCOPE_EXCLUDES" not in codes(listing_result(
        claim, [DRESSING_2016], [holding("device_business_licence", (3, "6864"))]))
    # Against a 2017-only scope, 6864 may be 14 or 02: a person decides.
    undecided = listing_result(claim, [DRESSING_2016], [holding("device_business_licence", (3, "14"))])
    assert "SCOPE_UNDETERMINED" in codes(undecided) and undecided.outcome == "review"


def test_scope_undetermined_when_the_category_is_unknown():
    # A registry row without a category and a number whose segment cannot be placed (2018, 15):
    # it used to pass on class alone.
    unknown = device(number="国械注准20183150001", category_code=None)
    claim = ListingClaim(title="一次性使用无菌注射器", description=NOTICE, registration_number=unknown["number"],
                         product_name=unknown["product_name"], manufacturer=unknown["registrant"], model="1ml")
    result = listing_result(claim, [unknown], [holding("device_business_licence", (3, "14"))])
    assert "SCOPE_UNDETERMINED" in codes(result) and result.outcome == "review"


def test_licence_scope_excludes_what_the_scope_says_it_does_not_contain():
    # "Ⅲ类：14，16（不含16-06 角膜接触镜）" style exclusions are honoured.
    lens = device(number="国械注准20193160393", product_name="软性亲水接触镜", models=["日抛"], category_code="16")
    claim = ListingClaim(title="软性亲水接触镜 日抛", description=NOTICE, registration_number=lens["number"],
                         product_name="软性亲水接触镜", manufacturer=lens["registrant"], model="日抛")
    result = listing_result(claim, [lens], [holding("device_business_licence", (3, "14"), excluded=[(3, "16")])])
    [reason] = [r for r in result.reasons if r.code == "LICENCE_SCOPE_EXCLUDES"]
    assert reason.evidence["excluded"]


# --- who may sell what ---------------------------------------------------------------------------------------


def test_self_registrant_by_credit_code_not_by_production_licence():
    # The merchant is the registrant of record (registrant_uscc = its credit code) but holds no
    # licence: it sells its own registered syringe (REG21 Art 43).
    own = device(registrant=NAME, registrant_uscc=USCC)
    claim = ListingClaim(title="一次性使用无菌注射器 5ml", description=NOTICE, registration_number=own["number"],
                         product_name=own["product_name"], manufacturer=NAME, model="5ml")
    result = listing_result(claim, [own], holdings=[])
    assert "SELF_REGISTRANT" in codes(result) and result.outcome == "allow"


def test_class2_filing_exempt_product_needs_no_filing_but_an_unconfirmed_entry_is_reviewed():
    # Condoms are sold by shops holding no Class II filing under NMPA's exempt list; the shipped
    # entries are not yet checked against the announcement, so the decision waits for a person.
    condom = device(number="苏械注准20202180101", **{"class": 2}, product_name="天然胶乳橡胶避孕套", models=["52mm"],
                    category_code="18", issuer="江苏省药品监督管理局")
    claim = ListingClaim(title="避孕套 52mm 10只", description=NOTICE, registration_number=condom["number"],
                         product_name="天然胶乳橡胶避孕套", manufacturer=condom["registrant"], model="52mm")
    result = listing_result(claim, [condom], holdings=[])
    [reason] = [r for r in result.reasons if r.code == "CLASS2_FILING_EXEMPT"]
    assert reason.severity == "review" and reason.evidence["instead_of"] == ["CLASS2_REQUIRES_FILING"]
    assert "CLASS2_REQUIRES_FILING" not in codes(result)


def test_undeclared_device_a_cold_compress_listed_as_skin_care():
    # "医用冷敷贴 祛痘修复" sold in the beauty category with no registration number.
    claim = ListingClaim(title="医用冷敷贴 术后修复 补水面膜 5片", description="敏感肌可用")
    result = listing_result(claim)
    [reason] = [r for r in result.reasons if r.code == "UNDECLARED_DEVICE"]
    assert reason.evidence["marker"] == "冷敷贴" and result.outcome == "block"
    assert "REGNO_INVALID" not in codes(result)


def test_undeclared_device_coloured_lenses_sold_as_accessories():
    result = listing_result(ListingClaim(title="美瞳 日抛 大直径 10片装", description="自然混血"))
    assert "UNDECLARED_DEVICE" in codes(result)


def test_an_ordinary_product_without_a_number_is_not_a_device_listing():
    # A face wash and a KN95 dust mask are not devices: no number is needed, claims are still screened.
    assert listing_result(ListingClaim(title="氨基酸洗面奶 120g", description="温和清洁")).outcome == "allow"
    assert listing_result(ListingClaim(title="KN95 防尘口罩 工业用", description="")).outcome == "allow"


def test_regno_expired_is_a_review_asking_for_the_production_date():
    # REGM Art 112: a device made while its certificate was valid is a registered device.
    old = device(approved_on="2015-01-01", valid_until="2020-01-01")
    claim = ListingClaim(title="一次性使用无菌注射器", description=NOTICE, registration_number=old["number"],
                         product_name=old["product_name"], manufacturer=old["registrant"], model="1ml")
    result = listing_result(claim, [old], [holding("device_business_licence", (3, "14"))])
    [reason] = [r for r in result.reasons if r.code == "REGNO_EXPIRED"]
    assert reason.severity == "review" and reason.evidence["ask"] == "production_date"
    assert "生产日期" in reason.message and result.outcome == "review"


# --- merchants ----------------------------------------------------------------------------------------------


def test_licence_cancelled_voluntarily_does_not_reject_when_another_filing_covers():
    # A pharmacy chain gave up (注销) its old Class II filing when it moved and filed again.
    old = licence(number="粤深药监械经营备20180001号", kind="class2_business_filing", status="cancelled",
                  valid_until=None, scope=[{"class": 2, "category": "07"}])
    new = licence(number="粤深药监械经营备20230002号", kind="class2_business_filing", valid_until=None,
                  scope=[{"class": 2, "category": "07"}])
    claim = MerchantClaim(name=NAME, uscc=USCC, online_sales_filing_number="粤深械网备202301100001",
                          device_classes=(2,))
    result = merchant_result(claim, [old, new, online_filing()])
    assert "LICENCE_CANCELLED" in codes(result) and "LICENCE_REVOKED" not in codes(result)
    assert result.outcome == "approved"


def test_licence_revoked_always_rejects_even_beside_another_licence():
    # GSP-NET Art 46: a licence the bureau revoked stops the service at once.
    revoked = licence(number="粤深药监械经营许20180001号", status="revoked")
    result = merchant_result(MerchantClaim(name=NAME, uscc=USCC, online_sales_filing_number="粤深械网备202301100001",
                                           device_classes=(3,)), [revoked, licence(), online_filing()])
    assert "LICENCE_REVOKED" in codes(result) and result.outcome == "rejected"


def test_licence_cancelled_alone_still_rejects():
    cancelled = licence(status="cancelled")
    result = merchant_result(MerchantClaim(name=NAME, uscc=USCC, online_sales_filing_number="粤深械网备202301100001",
                                           device_classes=(3,)), [cancelled, online_filing()],
                             documents=[business_licence_doc(), device_licence_doc()])
    assert result.outcome == "rejected" and "CLASS3_REQUIRES_LICENCE" in codes(result)


def test_class2_requires_filing_beside_a_class3_licence():
    # BIZ22 Art 23: a Class III licence holder still files for Class II (with fewer papers).
    claim = MerchantClaim(name=NAME, uscc=USCC, online_sales_filing_number="粤深械网备202301100001",
                          device_classes=(2, 3))
    result = merchant_result(claim, [licence(), online_filing()])
    assert "CLASS2_REQUIRES_FILING" in codes(result) and "CLASS3_REQUIRES_LICENCE" not in codes(result)


def test_online_sales_filing_in_the_zhejiang_bracket_format_is_recognised():
    zj = online_filing(number="（浙杭）网械企备字[2019]第00119号")
    claim = MerchantClaim(name=NAME, uscc=USCC, online_sales_filing_number="(浙杭)网械企备字（2019）第00119号",
                          device_classes=(3,))
    result = merchant_result(claim, [licence(), zj], documents=[business_licence_doc(), device_licence_doc()])
    assert "ONLINE_SALES_NOT_FILED" not in codes(result) and result.outcome == "approved"


def test_online_sales_filing_in_an_unknown_format_is_a_review_not_a_block():
    claim = MerchantClaim(name=NAME, uscc=USCC, online_sales_filing_number="湘械网销告知2023-0456",
                          device_classes=(3,))
    result = merchant_result(claim, [licence()], documents=[business_licence_doc(), device_licence_doc()])
    [reason] = [r for r in result.reasons if r.code == "ONLINE_SALES_NOT_FILED"]
    assert reason.severity == "review" and reason.evidence["format"] == "unknown"
    assert result.outcome == "needs_review"


def test_online_sales_filing_withdrawn_by_the_bureau_rejects():
    claim = MerchantClaim(name=NAME, uscc=USCC, online_sales_filing_number="粤深械网备202301100001",
                          device_classes=(3,))
    result = merchant_result(claim, [licence(), online_filing(status="revoked")],
                             documents=[business_licence_doc(), device_licence_doc()])
    assert "LICENCE_REVOKED" in codes(result) and result.outcome == "rejected"


def test_doc_pending_a_licence_still_being_read():
    pending = DocumentFacts(id="doc_p", status="processing")
    result = merchant_result(MerchantClaim(name=NAME, uscc=USCC), documents=[business_licence_doc(), pending])
    assert "DOC_PENDING" in codes(result) and result.outcome == "needs_review"


# --- platform policy -----------------------------------------------------------------------------------------


def test_policy_severity_makes_a_rule_stricter():
    strict = Policy(today=date(2026, 11, 23), severity={"REGISTRANT_MISMATCH": "block"})
    own = device()
    claim = ListingClaim(title="一次性使用无菌注射器", description=NOTICE, registration_number=own["number"],
                         product_name=own["product_name"], manufacturer="另一家医疗器械有限公司", model="1ml")
    result = listing_result(claim, [own], [holding("device_business_licence", (3, "14"))], policy=strict)
    assert result.outcome == "block"


def test_focus_category_dental_posts_resins_and_youth_myopia():
    # The seeds' focus products: dental materials for clinics sold to anyone online, and
    # products marketed for adolescents' myopia (flagged for a person: cure claims abound).
    post = device(number="国械注准20213170001", product_name="纤维桩", models=["1.2mm"], category_code="17")
    claim = ListingClaim(title="牙科根管钉 纤维桩 1.2mm", description=NOTICE, registration_number=post["number"],
                         product_name="纤维桩", manufacturer=post["registrant"], model="1.2mm")
    result = listing_result(claim, [post], [holding("device_business_licence", (3, "17"))])
    assert any(r.code == "FOCUS_CATEGORY" and r.evidence["focus"] == "dental_post" for r in result.reasons)
    resin = ListingClaim(title="牙科树脂 光固化复合树脂 补牙")
    assert any(r.evidence.get("focus") == "dental_resin" for r in listing_result(resin).reasons)
    lens = device(number="国械注准20233160001", product_name="近视防控用离焦软性亲水接触镜", models=["日抛"],
                  category_code="16")
    myopia = ListingClaim(title="儿童近视防控 离焦隐形眼镜 日抛", description=NOTICE, registration_number=lens["number"],
                          product_name=lens["product_name"], manufacturer=lens["registrant"], model="日抛")
    flagged = listing_result(myopia, [lens], [holding("device_business_licence", (3, "16"))])
    assert any(r.evidence.get("focus") == "myopia_youth" and r.severity == "review" for r in flagged.reasons)
