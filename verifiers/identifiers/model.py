"""The parse result shared by every licence and certificate number kind (编号解析结果)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

#: Number kinds. ``registration`` and ``filing`` are product numbers (注册证编号, 第一类备案编号);
#: the rest belong to an enterprise, a platform or an advertisement.
REGISTRATION = "registration"
FILING = "filing"
BUSINESS_LICENCE = "device_business_licence"  # 医疗器械经营许可证 (Class III)
BUSINESS_FILING = "class2_business_filing"  # 第二类医疗器械经营备案凭证
PRODUCTION_LICENCE = "production_licence"  # 医疗器械生产许可证
PRODUCTION_FILING = "production_filing"  # 第一类医疗器械生产备案凭证
ONLINE_SALES_FILING = "online_sales_filing"  # 医疗器械网络销售备案
PLATFORM_FILING = "platform_filing"  # 医疗器械网络交易服务第三方平台备案凭证
ADVERTISEMENT = "advertisement"  # 医疗器械广告批准文号

KINDS = (REGISTRATION, FILING, BUSINESS_LICENCE, BUSINESS_FILING, PRODUCTION_LICENCE, PRODUCTION_FILING,
         ONLINE_SALES_FILING, PLATFORM_FILING, ADVERTISEMENT)

#: The document type (design.md §4) whose ``number`` field carries each kind, where there is one.
DOCUMENT_TYPES = {
    REGISTRATION: "registration_certificate",
    FILING: "class1_filing",
    BUSINESS_LICENCE: "device_business_licence",
    BUSINESS_FILING: "class2_business_filing",
    PRODUCTION_LICENCE: "production_licence",
    ONLINE_SALES_FILING: "online_sales_filing",
}

NATIONAL, PROVINCIAL, MUNICIPAL = "national", "provincial", "municipal"
DOMESTIC, IMPORTED, HMT = "domestic", "imported", "hmt"


@dataclass(frozen=True)
class ParsedIdentifier:
    number: str  # canonical printed form (see format_identifier); lookup_key() derives from it
    kind: str  # one of KINDS
    authority: str  # national / provincial / municipal (municipal: a city or a district)
    province: str | None  # province abbreviation as printed (黔 stays 黔); None when national
    city: str | None  # city/district abbreviation as printed, e.g. "深"; None when absent
    #: Most specific known GB/T 2260 code: the city's when the table knows it, else the
    #: province's xx0000. None for national numbers: 000000/100000 are not divisions.
    region_code: str | None
    #: Issue / first-registration / filing year; for a current advertisement number the year of
    #: its 6-digit date (believed to be the expiry: UNCONFIRMED).
    year: int
    serial: str
    origin: str | None = None  # product numbers: domestic / imported / hmt (港澳台)
    device_class: int | None = None  # product numbers only: 1, 2 or 3
    category: str | None = None  # registrations: the 2-digit ××5 segment
    #: How to read ``category``: "2017" (sub-catalogue 01-22), "2002" (tail of an old 68xx
    #: code; IVD reagents keep 40 = 6840 under both), or "uncertain". A hint only: the year is
    #: that of first registration and the 2017 catalogue came into force mid-2018.
    catalogue_hint: str | None = None
    legacy: bool = False  # a pre-2014 registration or 2009-era advertisement format: no longer valid
    with_food: bool = False  # the pre-2018 "食药监" form
    trial: bool = False  # legacy (试) trial-production registration
    media: str | None = None  # advertisements: 视 / 声 / 文
    #: The date-like digits some numbers carry: YYYYMMDD of an online-sales filing, YYMMDD of a
    #: current advertisement number (issue or expiry: UNCONFIRMED), YYYYMM of an old one.
    date_digits: str | None = None

    @property
    def province_code(self) -> str | None:
        """The province's division code ``xx0000``, or None when national."""
        return self.region_code[:2] + "0000" if self.region_code else None

    @property
    def catalogue_code(self) -> str | None:
        """``category`` in full: ``6846`` for a 2002 tail, ``16`` for a 2017 sub-catalogue."""
        if self.category is None or self.catalogue_hint == "uncertain":
            return None
        return "68" + self.category if self.catalogue_hint == "2002" else self.category

    @property
    def document_type(self) -> str | None:
        return DOCUMENT_TYPES.get(self.kind)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.update(province_code=self.province_code, catalogue_code=self.catalogue_code)
        return data


def catalogue_hint(year: int, category: str) -> str:
    """Which classification catalogue a registration number's category segment comes from."""
    n = int(category)
    if category == "40":
        return "2002"  # IVD reagents keep 40 (from 6840) under both catalogues (domain.md §10)
    if year <= 2017:
        # Numbers keep the year of first registration, so these predate the 2017 catalogue;
        # the 2002 catalogue's codes run 6801-6877.
        return "2002" if 1 <= n <= 77 else "uncertain"
    if 1 <= n <= 22:
        # 2018 straddles 2018-08-01, when the 2017 catalogue came into force.
        return "2017" if year >= 2019 else "uncertain"
    return "2002" if year == 2018 and n <= 77 else "uncertain"
