"""A small, fully known world for the report tests: every count in it is worked out by hand."""
from __future__ import annotations

from datetime import UTC, datetime

from verifiers.reports.model import (ActionFacts, EvidenceRefs, LeadFacts, LicenceRef, MerchantFacts,
                                     PlatformFacts, ProductFacts, ReasonFacts, ViolationFacts)
from verifiers.reports.periods import CHINA_TZ

PLATFORM = PlatformFacts(name="示例健康商城（杭州）网络科技有限公司", uscc="91330106MA2H000001",
                         filing_number="（浙）网械平台备字[2019]第00099号", region="330106",
                         contact_person="王质安", contact_phone="0571-88880000")
GENERATED_AT = datetime(2026, 12, 1, 9, 30, tzinfo=CHINA_TZ)


def bj(day: int, hour: int = 10, minute: int = 0, month: int = 11) -> datetime:
    """A Beijing-time moment in 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=CHINA_TZ)


SHENZHEN = MerchantFacts(
    id="m-sz", name="深圳康宁医疗器械有限公司", uscc="91440300MA5F000001", external_id="shop-1001",
    region="440305", address="深圳市南山区科技园路1号", shop_name="康宁医疗旗舰店",
    shop_url="https://shop.example.com/1001",
    licences=(LicenceRef("device_business_licence", "粤深食药监械经营许20190001号"),
              LicenceRef("online_sales_filing", "粤深网械备20190001号")))
GUANGZHOU = MerchantFacts(
    id="m-gz", name="广州仁和医疗用品有限公司", uscc="91440101MA5G000002", external_id="shop-1002",
    region="440106", shop_name="仁和医疗用品店", shop_url="https://shop.example.com/1002")
XIANTAO = MerchantFacts(
    id="m-xt", name="仙桃市百康医疗器械经营部", uscc="92429004MA4B000003", external_id="shop-1003",
    region="429004", shop_name="百康医疗", shop_url="https://shop.example.com/1003")
BEIJING = MerchantFacts(
    id="m-bj", name="北京安康医疗科技有限公司", uscc="91110105MA01000004", external_id="shop-1004",
    region="110105", shop_name="安康医疗", shop_url=None)

MASK = ProductFacts(name="医用外科口罩", model="YK-01", registration_number="粤械注准20192140001",
                    registry_match=False, snapshot_id="snap-202611")
LENS = ProductFacts(name="软性亲水接触镜", model="月抛", registration_number="国械注准20163160001",
                    registry_match=None)


def reason(code: str, tier: str, severity: str = "block", message: str | None = None) -> ReasonFacts:
    return ReasonFacts(code, severity, tier, message)


V1 = ViolationFacts(  # Shenzhen, serious: unregistered product, taken down, reported, referred to police
    id="V-0001", detected_at=bj(3), merchant=SHENZHEN, product=MASK,
    reasons=(reason("REGNO_NOT_FOUND", "stop_and_report", message="监管数据中查无注册证/备案编号 粤械注准20192140001"),
             reason("PRODUCT_MISMATCH", "correct_then_report")),
    evidence=EvidenceRefs(listing_url="https://item.example.com/5001?a=1&b=<2>", document_sha256s=("a" * 64, "b" * 64),
                          snapshot_id="snap-202611", decision_ids=("D-11", "D-12"), chain_hashes=("c" * 64,)),
    actions=(ActionFacts("listing_removed", bj(3, 10, 5)), ActionFacts("reported", bj(3, 11)),
             ActionFacts("referred_police", bj(10))),
    rectification_status="not_required", status="reported")
V2 = ViolationFacts(  # Shenzhen again, minor: certificate not displayed, ordered to rectify, interviewed
    id="V-0002", detected_at=bj(5), merchant=SHENZHEN, product=LENS,
    reasons=(reason("CERTIFICATE_MISMATCH", "correct_then_report"),),
    actions=(ActionFacts("rectification_ordered", bj(5, 12), deadline=bj(8, 12)),
             ActionFacts("interviewed", bj(6))),
    violation_type="no_product_certificate_display", rectification_status="overdue", status="open")
V3 = ViolationFacts(  # Guangzhou, serious: unlicensed; service stopped, referred to cyberspace, exposed
    id="V-0003", detected_at=bj(30, 23, 30), merchant=GUANGZHOU, product=None,  # 15:30 UTC: still November
    reasons=(reason("LICENCE_EXPIRED", "stop_and_report"),),
    actions=(ActionFacts("service_stopped", bj(1, 8, month=12)), ActionFacts("referred_cyberspace", bj(1, 9, month=12)),
             ActionFacts("exposed", bj(1, 9, month=12)), ActionFacts("rectification_ordered", bj(1, 9, month=12))),
    status="reported")
V4 = ViolationFacts(  # Xiantao: false claims, ordered to rectify, rectified
    id="V-0004", detected_at=bj(12), merchant=XIANTAO, product=MASK,
    reasons=(reason("BANNED_CLAIM", "correct_then_report"),),
    actions=(ActionFacts("rectification_ordered", bj(12, 11), deadline=bj(15)),),
    rectification_status="rectified", status="rectified")
V5 = ViolationFacts(  # Beijing: beyond scope
    id="V-0005", detected_at=bj(20), merchant=BEIJING, product=LENS,
    reasons=(reason("LICENCE_SCOPE_EXCLUDES", "stop_and_report"),),
    actions=(ActionFacts("listing_blocked", bj(20, 10, 1)),), status="reported")
# Outside the report: October (23:59 Beijing on 31 October), December, and a tier-none record.
V_OCT = ViolationFacts(id="V-0900", detected_at=bj(31, 23, 59, month=10), merchant=SHENZHEN, product=MASK,
                       reasons=(reason("REGNO_EXPIRED", "stop_and_report"),))
V_DEC = ViolationFacts(id="V-0901", detected_at=datetime(2026, 11, 30, 16, 0, tzinfo=UTC),  # 00:00 on 1 Dec
                       merchant=SHENZHEN, product=MASK, reasons=(reason("REGNO_EXPIRED", "stop_and_report"),))
V_NONE = ViolationFacts(id="V-0902", detected_at=bj(9), merchant=SHENZHEN, product=MASK,
                        reasons=(reason("FOCUS_CATEGORY", "none", "info"),))
VIOLATIONS = (V1, V2, V3, V4, V5, V_OCT, V_DEC, V_NONE)

LEADS = (
    LeadFacts("L-1", "nmpa_transfer", bj(2), "answered", True, region="440305", merchant_id="m-sz",
              violation_ids=("V-0001",), key_case=True),
    LeadFacts("L-2", "nmpa_transfer", bj(4), "verifying", False, region="440106", merchant_id="m-gz",
              violation_ids=("V-0003",)),
    LeadFacts("L-3", "provincial_monitoring", bj(6), "closed", True, region="440305", merchant_id="m-sz",
              violation_ids=("V-0002",)),
    LeadFacts("L-4", "provincial_monitoring", bj(7), "answered", True, region="440305",
              actions=(ActionFacts("referred_police", bj(8)),)),
    LeadFacts("L-5", "other_province", bj(9), "received", False, region="429004"),
    LeadFacts("L-6", "platform_monitoring", bj(10), "disposed", False, region="440305"),
    LeadFacts("L-7", "complaint", bj(11), "closed", True, region="440106"),
    LeadFacts("L-8", "nmpa_transfer", bj(12), "received", False, region=None),  # region unknown
    LeadFacts("L-9", "nmpa_transfer", bj(1, month=12), "received", False, region="440305"),  # December
)
