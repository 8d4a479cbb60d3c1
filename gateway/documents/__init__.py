"""Uploaded documents: intake, storage, and their OCR/extraction results."""

#: The seven document types of design §4.
DOCUMENT_TYPES = (
    "business_licence",  # 营业执照
    "device_business_licence",  # 医疗器械经营许可证
    "class2_business_filing",  # 第二类医疗器械经营备案凭证
    "registration_certificate",  # 医疗器械注册证
    "class1_filing",  # 第一类医疗器械备案凭证
    "production_licence",  # 医疗器械生产许可证
    "online_sales_filing",  # 医疗器械网络销售备案凭证/信息
)
