"""Every reason code, its default severity, and its message in Chinese and English.

Codes are the public contract (design §5): add new ones, never rename. Messages are
templates filled from the rule's evidence.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    severity: str  # default: block | review | info
    zh: str
    en: str


CODES: dict[str, Code] = {c.code: c for c in (
    Code("DOC_UNREADABLE", "review", "文件无法识别：{detail}", "Document unreadable: {detail}"),
    Code("DOC_TYPE_UNKNOWN", "review", "无法判断文件类型（不是所需证照之一）", "The document type could not be recognised"),
    Code("DOC_EXPIRED", "block", "{doc_name}已于{valid_until}过期", "{doc_name} expired on {valid_until}"),
    Code("DOC_FIELD_MISSING", "review", "{doc_name}上未能读到{field_name}", "{field_name} could not be read on the {doc_name}"),
    Code("DOC_MISSING", "review", "缺少{doc_name}", "The {doc_name} is missing"),
    Code("DOC_PENDING", "review", "文件仍在识别中", "A document is still being read"),
    Code("LOW_CONFIDENCE", "review", "{doc_name}上{field_name}识别置信度低（{confidence}），需人工核对",
         "{field_name} on the {doc_name} was read with low confidence ({confidence}); check it by hand"),
    Code("NAME_MISMATCH", "block", "名称不一致：{printed} 与 {expected}", "Names differ: {printed} vs {expected}"),
    Code("USCC_INVALID", "block", "统一社会信用代码无效：{value}（{detail}）", "Invalid unified social credit code {value} ({detail})"),
    Code("USCC_MISMATCH", "block", "统一社会信用代码不一致：{printed} 与 {expected}",
         "Credit codes differ: {printed} vs {expected}"),
    Code("LICENCE_NOT_FOUND", "block", "监管数据中查无{doc_name} {number}", "No {doc_name} {number} in the regulator data"),
    Code("LICENCE_EXPIRED", "block", "{doc_name} {number} 已过期（有效期至{valid_until}）",
         "{doc_name} {number} has expired (valid until {valid_until})"),
    Code("LICENCE_REVOKED", "block", "{doc_name} {number} 已被{status_zh}", "{doc_name} {number} has been {status}"),
    Code("LICENCE_SCOPE_EXCLUDES", "block", "经营范围不含第{device_class}类 {category}（{category_name}）",
         "The licensed scope does not cover class {device_class} category {category} ({category_name})"),
    Code("CLASS3_REQUIRES_LICENCE", "block", "销售第三类医疗器械须持有医疗器械经营许可证",
         "Selling Class III devices requires a device business licence"),
    Code("CLASS2_REQUIRES_FILING", "block", "销售第二类医疗器械须办理第二类医疗器械经营备案",
         "Selling Class II devices requires a Class II business filing"),
    Code("ONLINE_SALES_NOT_FILED", "block", "未查到有效的医疗器械网络销售备案：{detail}",
         "No valid online-sales filing: {detail}"),
    Code("REGNO_INVALID", "block", "注册证/备案编号格式无效：{number}（{detail}）",
         "Invalid registration or filing number {number} ({detail})"),
    Code("REGNO_NOT_FOUND", "block", "监管数据中查无注册证/备案编号 {number}", "No registration or filing {number} in the regulator data"),
    Code("REGNO_EXPIRED", "block", "注册证 {number} 已过期（有效期至{valid_until}）",
         "Registration {number} expired (valid until {valid_until})"),
    Code("REGNO_CANCELLED", "block", "注册证/备案 {number} 已{status_zh}", "Registration or filing {number} has been {status}"),
    Code("PRODUCT_MISMATCH", "block", "产品与注册证不符：{printed} 与 {expected}",
         "The product does not match the certificate: {printed} vs {expected}"),
    Code("MODEL_MISMATCH", "review", "型号 {printed} 不在注册证载明的型号规格中（{expected}）",
         "Model {printed} is not among the certificate's models ({expected})"),
    Code("CLASS_MISMATCH", "block", "商品标注的管理类别（第{printed}类）与注册证（第{expected}类）不符",
         "The listed class ({printed}) differs from the certificate's ({expected})"),
    Code("REGISTRANT_MISMATCH", "review", "生产企业/注册人不符：{printed} 与 {expected}",
         "Manufacturer or registrant differs: {printed} vs {expected}"),
    Code("CERTIFICATE_MISMATCH", "block", "上传的证书编号 {printed} 与填写的 {expected} 不一致",
         "The uploaded certificate's number {printed} differs from the one given, {expected}"),
    Code("BANNED_CLAIM", "block", "含违规宣传用语“{phrase}”：{explanation}", "Banned claim \"{phrase}\": {explanation}"),
    Code("FOCUS_CATEGORY", "info", "重点监管品种：{category_name}", "Focus product category: {category_name}"),
    Code("NOTICE_MISSING", "info", "缺少法定提示语：“{notice}”", "Mandatory notice missing: \"{notice}\""),
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
}
STATUS_NAMES = {"revoked": "吊销", "cancelled": "注销", "expired": "过期", "active": "有效"}
