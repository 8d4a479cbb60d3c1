"""Every reason code, its default severity, its legal tier, and its message in Chinese and English.

Codes are the public contract (design §5): add new ones, never rename. Messages are
templates filled from the rule's evidence. docs/rules.md names, for each code, the
articles it rests on, the function that raises it and its tests (a test keeps the two
in step).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

SEVERITY_RANK = {"info": 0, "review": 1, "block": 2}


class LegalTier(StrEnum):
    """What GSP-NET Art 42 makes the platform do about a violation of this kind.

    - ``stop_and_report`` (Art 42 ¶2; REG21 Art 46 ¶2): selling without a licence or
      filing, unregistered or unfiled devices, beyond the licensed scope, or devices the
      regulator banned: stop the service and the display at once, and report.
    - ``correct_then_report`` (Art 42 ¶1): displays missing or not as required: demand
      an immediate correction and record it; report only if it is not corrected.
    - ``none``: not a violation in itself (a document could not be read, a note).
    """

    STOP_AND_REPORT = "stop_and_report"
    CORRECT_THEN_REPORT = "correct_then_report"
    NONE = "none"

    @property
    def floor(self) -> str:
        """The least severity a platform's policy may give a code of this tier.

        Stop-and-report: never ``info``, since an info reason lets the listing go live and
        the law says stop. ``review`` holds it for a person, which stops it too (a rule
        also uses review when its evidence does not yet establish the violation, e.g. a
        low OCR confidence or an expired registration whose stock may predate expiry).
        Correct-then-report lets the listing stay up while the merchant corrects, so any
        severity that keeps the reason on the decision meets it.
        """
        return "review" if self is LegalTier.STOP_AND_REPORT else "info"


STOP, CORRECT, NONE = LegalTier.STOP_AND_REPORT, LegalTier.CORRECT_THEN_REPORT, LegalTier.NONE


@dataclass(frozen=True)
class Code:
    code: str
    severity: str  # default: block | review | info
    zh: str
    en: str
    tier: LegalTier = NONE


def at_least(severity: str, floor: str) -> str:
    """``severity``, raised to ``floor`` when it is laxer."""
    return severity if SEVERITY_RANK[severity] >= SEVERITY_RANK[floor] else floor


CODES: dict[str, Code] = {c.code: c for c in (
    Code("DOC_UNREADABLE", "review", "文件无法识别：{detail}", "Document unreadable: {detail}"),
    Code("DOC_TYPE_UNKNOWN", "review", "无法判断文件类型（不是所需证照之一）", "The document type could not be recognised"),
    Code("DOC_EXPIRED", "block", "{doc_name}已于{valid_until}过期", "{doc_name} expired on {valid_until}", CORRECT),
    Code("DOC_FIELD_MISSING", "review", "{doc_name}上未能读到{field_name}", "{field_name} could not be read on the {doc_name}"),
    Code("DOC_MISSING", "review", "缺少{doc_name}", "The {doc_name} is missing"),
    Code("DOC_PENDING", "review", "文件仍在识别中", "A document is still being read"),
    Code("DOC_TAMPERED", "review", "{doc_name}二维码中的统一社会信用代码（{encoded}）与印刷的（{printed}）不一致，疑似被涂改",
         "The credit code in the {doc_name}'s QR code ({encoded}) differs from the printed one ({printed}); "
         "the copy may have been altered"),
    Code("LOW_CONFIDENCE", "review", "{doc_name}上{field_name}识别置信度低（{confidence}），需人工核对",
         "{field_name} on the {doc_name} was read with low confidence ({confidence}); check it by hand"),
    Code("NAME_MISMATCH", "block", "名称不一致：{printed} 与 {expected}", "Names differ: {printed} vs {expected}", STOP),
    Code("USCC_INVALID", "block", "统一社会信用代码无效：{value}（{detail}）", "Invalid unified social credit code {value} ({detail})"),
    Code("USCC_MISMATCH", "block", "统一社会信用代码不一致：{printed} 与 {expected}",
         "Credit codes differ: {printed} vs {expected}", STOP),
    Code("LICENCE_NOT_FOUND", "block", "监管数据中查无{doc_name} {number}", "No {doc_name} {number} in the regulator data",
         STOP),
    Code("LICENCE_EXPIRED", "block", "{doc_name} {number} 已过期（有效期至{valid_until}）",
         "{doc_name} {number} has expired (valid until {valid_until})", STOP),
    Code("LICENCE_REVOKED", "block", "{doc_name} {number} 已被{status_zh}", "{doc_name} {number} has been {status}", STOP),
    Code("LICENCE_CANCELLED", "info", "{doc_name} {number} 已注销；所售类别由其他有效许可或备案覆盖",
         "{doc_name} {number} has been cancelled; other valid authorisation covers what is sold"),
    Code("LICENCE_SCOPE_EXCLUDES", "block", "经营范围不含第{device_class}类 {category}（{category_name}）",
         "The licensed scope does not cover class {device_class} category {category} ({category_name})", STOP),
    Code("SCOPE_UNDETERMINED", "review", "无法确定第{device_class}类 {category}（{category_name}）是否在经营范围内：{detail}",
         "Whether class {device_class} category {category} ({category_name}) is within the scope is unclear: {detail}",
         STOP),
    Code("CLASS3_REQUIRES_LICENCE", "block", "销售第三类医疗器械须持有医疗器械经营许可证",
         "Selling Class III devices requires a device business licence", STOP),
    Code("CLASS2_REQUIRES_FILING", "block", "销售第二类医疗器械须办理第二类医疗器械经营备案",
         "Selling Class II devices requires a Class II business filing", STOP),
    Code("CLASS2_FILING_EXEMPT", "info", "{product_name}属于免于经营备案的第二类医疗器械（{entry}）{note}",
         "{product_name} is a Class II device exempt from business filing ({entry}){note_en}"),
    Code("ONLINE_SALES_NOT_FILED", "review", "未查到有效的医疗器械网络销售备案：{detail}",
         "No valid online-sales filing: {detail}", CORRECT),
    Code("REGNO_INVALID", "block", "注册证/备案编号格式无效：{number}（{detail}）",
         "Invalid registration or filing number {number} ({detail})", STOP),
    Code("REGNO_NOT_FOUND", "block", "监管数据中查无注册证/备案编号 {number}", "No registration or filing {number} in the regulator data",
         STOP),
    Code("REGNO_EXPIRED", "review", "注册证 {number} 已过期（有效期至{valid_until}）；有效期内生产的产品方可销售，请提供生产日期",
         "Registration {number} expired (valid until {valid_until}); only stock made while it was valid may be sold: "
         "ask for the production date", STOP),
    Code("REGNO_CANCELLED", "block", "注册证/备案 {number} 已{status_zh}", "Registration or filing {number} has been {status}",
         STOP),
    Code("PRODUCT_MISMATCH", "block", "产品与注册证不符：{printed} 与 {expected}",
         "The product does not match the certificate: {printed} vs {expected}", STOP),
    Code("MODEL_MISMATCH", "review", "型号 {printed} 不在注册证载明的型号规格中（{expected}）",
         "Model {printed} is not among the certificate's models ({expected})", CORRECT),
    Code("CLASS_MISMATCH", "block", "商品标注的管理类别（第{printed}类）与注册证（第{expected}类）不符",
         "The listed class ({printed}) differs from the certificate's ({expected})", CORRECT),
    Code("REGISTRANT_MISMATCH", "review", "生产企业/注册人不符：{printed} 与 {expected}",
         "Manufacturer or registrant differs: {printed} vs {expected}", CORRECT),
    Code("CERTIFICATE_MISMATCH", "block", "上传的证书编号 {printed} 与填写的 {expected} 不一致",
         "The uploaded certificate's number {printed} differs from the one given, {expected}", CORRECT),
    Code("UNDECLARED_DEVICE", "block", "商品描述为医疗器械（“{marker}”），但未提供注册证或备案编号",
         "The listing describes a medical device (\"{marker}\") but gives no registration or filing number", STOP),
    Code("BANNED_CLAIM", "block", "含违规宣传用语“{phrase}”：{explanation}", "Banned claim \"{phrase}\": {explanation}",
         CORRECT),
    Code("FOCUS_CATEGORY", "info", "重点监管品种：{category_name}", "Focus product category: {category_name}"),
    Code("NOTICE_MISSING", "info", "缺少法定提示语：“{notice}”", "Mandatory notice missing: \"{notice}\"", CORRECT),
    Code("MERCHANT_NOT_APPROVED", "block", "商户尚未通过资质审核（当前状态：{status}）",
         "The merchant has not been approved (status: {status})"),
    Code("MERCHANT_SUSPENDED", "block", "商户已被暂停服务", "The merchant is suspended"),
    Code("SELF_REGISTRANT", "info", "商户为注册人/备案人，销售本企业产品无需经营许可或备案",
         "The merchant is the registrant and may sell its own products without a business licence or filing"),
)}

#: Names of things in messages, Chinese and English.
DOC_NAMES = {
    "business_licence": ("营业执照", "business licence"),
    "device_business_licence": ("医疗器械经营许可证", "device business licence"),
    "class2_business_filing": ("第二类医疗器械经营备案凭证", "Class II business filing"),
    "registration_certificate": ("医疗器械注册证", "registration certificate"),
    "class1_filing": ("第一类医疗器械备案凭证", "Class I filing"),
    "production_licence": ("医疗器械生产许可证", "production licence"),
    "online_sales_filing": ("医疗器械网络销售备案凭证", "online-sales filing"),
    "platform_filing": ("医疗器械网络交易服务第三方平台备案凭证", "platform filing"),
}
FIELD_NAMES = {
    "number": ("编号", "number"), "name": ("名称", "name"), "uscc": ("统一社会信用代码", "credit code"),
    "legal_representative": ("法定代表人", "legal representative"), "manager": ("企业负责人", "manager"),
    "address": ("住所", "address"), "scope": ("经营范围", "scope"), "issuer": ("发证部门", "issuer"),
    "issued_on": ("发证日期", "date of issue"), "valid_until": ("有效期限", "validity"),
    "registrant": ("注册人", "registrant"), "product_name": ("产品名称", "product name"), "models": ("型号规格", "models"),
    "qr_uscc": ("二维码中的统一社会信用代码", "credit code in the QR code"),
}
STATUS_NAMES = {"revoked": "吊销", "cancelled": "注销", "expired": "过期", "active": "有效"}
