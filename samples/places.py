"""Provinces, cities and districts of the sample world, with the prefixes regulators print.

Division codes are GB/T 2260 codes of capital cities and districts whose codes are well
known; where a city was not certain the province's own ``xx0000`` code is used instead.
Prefix abbreviations marked ``confirmed`` are seen in real numbers (domain.md §2, §9);
the few marked ``confirmed=False`` are plausible but unconfirmed, and every other place
prints the province abbreviation alone, which the number formats allow.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Province:
    code: str  # GB/T 2260 two-digit code
    name: str  # 广东省 / 北京市 / 内蒙古自治区
    short: str  # 广东 / 北京 / 内蒙古
    abbr: str  # 简称 printed first in numbers
    mainland: bool = True
    municipality: bool = False  # 直辖市: districts take the place of cities

    @property
    def division(self) -> str:
        return self.code + "0000"

    def drug_regulator(self, on_year: int) -> str:
        """The provincial drug regulator; before the 2018 reform it was the 食品药品监督管理局."""
        return f"{self.name}{'食品' if on_year <= 2018 else ''}药品监督管理局"


PROVINCES: dict[str, Province] = {p.code: p for p in (
    Province("11", "北京市", "北京", "京", municipality=True),
    Province("12", "天津市", "天津", "津", municipality=True),
    Province("13", "河北省", "河北", "冀"),
    Province("14", "山西省", "山西", "晋"),
    Province("15", "内蒙古自治区", "内蒙古", "蒙"),
    Province("21", "辽宁省", "辽宁", "辽"),
    Province("22", "吉林省", "吉林", "吉"),
    Province("23", "黑龙江省", "黑龙江", "黑"),
    Province("31", "上海市", "上海", "沪", municipality=True),
    Province("32", "江苏省", "江苏", "苏"),
    Province("33", "浙江省", "浙江", "浙"),
    Province("34", "安徽省", "安徽", "皖"),
    Province("35", "福建省", "福建", "闽"),
    Province("36", "江西省", "江西", "赣"),
    Province("37", "山东省", "山东", "鲁"),
    Province("41", "河南省", "河南", "豫"),
    Province("42", "湖北省", "湖北", "鄂"),
    Province("43", "湖南省", "湖南", "湘"),
    Province("44", "广东省", "广东", "粤"),
    Province("45", "广西壮族自治区", "广西", "桂"),
    Province("46", "海南省", "海南", "琼"),
    Province("50", "重庆市", "重庆", "渝", municipality=True),
    Province("51", "四川省", "四川", "川"),
    Province("52", "贵州省", "贵州", "贵"),
    Province("53", "云南省", "云南", "云"),
    Province("54", "西藏自治区", "西藏", "藏"),
    Province("61", "陕西省", "陕西", "陕"),
    Province("62", "甘肃省", "甘肃", "甘"),
    Province("63", "青海省", "青海", "青"),
    Province("64", "宁夏回族自治区", "宁夏", "宁"),
    Province("65", "新疆维吾尔自治区", "新疆", "新"),
    Province("71", "台湾地区", "台湾", "台", mainland=False),
    Province("81", "香港特别行政区", "香港", "港", mainland=False),
    Province("82", "澳门特别行政区", "澳门", "澳", mainland=False),
)}


@dataclass(frozen=True)
class Place:
    province: Province
    city: str  # 深圳市; for municipalities the district's municipality (北京市)
    district: str  # 南山区 ("" where the city has none, e.g. 中山市)
    division: str  # 6-digit GB/T 2260 code of the district (or city, or province)
    local_abbr: str = ""  # city/district abbreviation after the province one: 深 in 粤深
    confirmed: bool = True  # whether local_abbr is seen in real numbers
    roads: tuple[str, ...] = ()

    @property
    def prefix(self) -> str:
        """The prefix a municipal regulator prints: 粤深, 京丰, or the province alone."""
        return self.province.abbr + self.local_abbr

    @property
    def city_short(self) -> str:
        return self.city.removesuffix("市")

    @property
    def locality(self) -> str:
        """Province + city + district as written at the start of an address."""
        p = self.province
        if not p.mainland:
            return p.short + (self.city if self.city != p.short else "") + self.district
        if p.municipality:
            return p.name + self.district
        return p.name + self.city + self.district

    def market_regulator(self, on_year: int) -> str:
        """The municipal (or, in municipalities, district) regulator that licenses distributors."""
        if self.province.municipality:
            return f"{self.province.name}{self.district}市场监督管理局"
        if on_year <= 2018:
            return f"{self.city}食品药品监督管理局"
        return f"{self.city}市场监督管理局"

    def business_registrar(self) -> str:
        """The registration authority printed on the business licence (登记机关)."""
        if self.province.municipality or self.district.endswith("区"):
            if self.city == "深圳市":  # Shenzhen registers city-wide
                return "深圳市市场监督管理局"
            base = self.province.name if self.province.municipality else self.city
            return f"{base}{self.district}市场监督管理局"
        return f"{self.city}市场监督管理局"


def _p(code: str, city: str, district: str, division: str, abbr: str = "", confirmed: bool = True,
       roads: tuple[str, ...] = ()) -> Place:
    return Place(PROVINCES[code], city, district, division, abbr, confirmed, roads)


_GENERIC_ROADS = ("人民路", "建设路", "解放路", "中山路", "长江路", "黄河路", "新华路", "光明路", "科技路", "创业路",
                  "高新大道", "滨江大道", "工业大道", "金融街", "文化路", "迎宾大道", "幸福路", "和平路")

#: Places per province. Every mainland province has at least one; the big device provinces have several.
PLACES: tuple[Place, ...] = (
    _p("11", "北京市", "朝阳区", "110105", "朝", False, ("建国路", "酒仙桥路", "望京街", "东三环中路")),
    _p("11", "北京市", "丰台区", "110106", "丰", True, ("南四环西路", "丰台北路", "科学城海鹰路")),
    _p("11", "北京市", "海淀区", "110108", "海", False, ("中关村大街", "上地信息路", "学院路")),
    _p("12", "天津市", "滨海新区", "120116", roads=("第二大街", "泰达大街", "黄海路")),
    _p("12", "天津市", "南开区", "120104", roads=("鞍山西道", "白堤路")),
    _p("13", "石家庄市", "长安区", "130102", roads=("中山东路", "建设北大街")),
    _p("14", "太原市", "小店区", "140105", roads=("长治路", "学府街")),
    _p("15", "呼和浩特市", "新城区", "150102", roads=("新华大街", "成吉思汗大街")),
    _p("21", "沈阳市", "和平区", "210102", roads=("南京北街", "三好街")),
    _p("21", "大连市", "中山区", "210202", roads=("人民路", "港湾街")),
    _p("22", "长春市", "南关区", "220102", roads=("人民大街", "亚泰大街")),
    _p("23", "哈尔滨市", "南岗区", "230103", roads=("红军街", "学府路")),
    _p("31", "上海市", "浦东新区", "310115", "浦", False, ("张江路", "蔡伦路", "世纪大道", "川沙路")),
    _p("31", "上海市", "嘉定区", "310114", "嘉", True, ("嘉松北路", "叶城路", "城北路")),
    _p("31", "上海市", "徐汇区", "310104", roads=("漕溪北路", "宜山路", "田林路")),
    _p("32", "南京市", "鼓楼区", "320106", roads=("中山北路", "汉中路")),
    _p("32", "苏州市", "虎丘区", "320505", "苏", False, ("长江路", "金山路", "珠江路")),
    _p("32", "无锡市", "新吴区", "320214", roads=("长江路", "新华路")),
    _p("33", "杭州市", "西湖区", "330106", "杭", True, ("文三路", "天目山路", "西溪路", "古墩路")),
    _p("33", "杭州市", "滨江区", "330108", "杭", True, ("江南大道", "滨安路", "长河路")),
    _p("33", "温州市", "鹿城区", "330302", "温", True, ("车站大道", "人民西路")),
    _p("33", "嘉兴市", "南湖区", "330402", "嘉", True, ("中环南路", "亚太路")),
    _p("34", "合肥市", "包河区", "340111", roads=("马鞍山路", "徽州大道")),
    _p("34", "合肥市", "蜀山区", "340104", roads=("长江西路", "黄山路")),
    _p("34", "马鞍山市", "花山区", "340503", "马", True, ("湖北路", "雨山路")),
    _p("34", "阜阳市", "颍州区", "341202", "阜", True, ("颍州中路", "清河路")),
    _p("35", "福州市", "鼓楼区", "350102", roads=("五四路", "湖东路")),
    _p("35", "厦门市", "思明区", "350203", roads=("湖滨南路", "厦禾路")),
    _p("36", "南昌市", "东湖区", "360102", roads=("八一大道", "阳明路")),
    _p("37", "济南市", "历下区", "370102", roads=("经十路", "解放路")),
    _p("37", "青岛市", "崂山区", "370212", "青", True, ("香港东路", "株洲路", "海尔路")),
    _p("41", "郑州市", "金水区", "410105", roads=("花园路", "农业路")),
    _p("42", "武汉市", "洪山区", "420111", "汉", True, ("珞喻路", "光谷大道", "关山大道")),
    _p("42", "武汉市", "武昌区", "420106", "汉", True, ("中南路", "武珞路")),
    _p("43", "长沙市", "岳麓区", "430104", roads=("麓谷大道", "桐梓坡路")),
    _p("44", "深圳市", "南山区", "440305", "深", True, ("科苑路", "高新南一道", "深南大道", "南海大道")),
    _p("44", "深圳市", "福田区", "440304", "深", True, ("深南中路", "福华路", "车公庙泰然九路")),
    _p("44", "深圳市", "宝安区", "440306", "深", True, ("宝安大道", "新安六路", "福永街道凤凰第一工业区")),
    _p("44", "深圳市", "龙岗区", "440307", "深", True, ("龙岗大道", "坂田街道五和大道")),
    _p("44", "广州市", "天河区", "440106", "穗", True, ("天河路", "体育西路", "中山大道西")),
    _p("44", "广州市", "黄埔区", "440112", "穗", True, ("科学大道", "开创大道", "揽月路")),
    _p("44", "中山市", "", "442000", "中", True, ("火炬开发区康乐大道", "东区中山四路")),
    _p("44", "潮州市", "湘桥区", "445102", "潮", True, ("潮州大道", "新洋路")),
    _p("45", "南宁市", "青秀区", "450103", "南", True, ("民族大道", "金湖路")),
    _p("45", "柳州市", "城中区", "450202", "柳", True, ("文昌路", "三中路")),
    _p("46", "海口市", "龙华区", "460106", roads=("国贸路", "滨海大道")),
    _p("50", "重庆市", "渝中区", "500103", roads=("解放碑民权路", "中山三路")),
    _p("50", "重庆市", "江北区", "500105", roads=("建新北路", "北城天街")),
    _p("51", "成都市", "武侯区", "510107", roads=("天府大道北段", "人民南路四段")),
    _p("52", "贵阳市", "南明区", "520102", roads=("中华南路", "花果园大街")),
    _p("53", "昆明市", "五华区", "530102", roads=("人民中路", "三市街")),
    _p("54", "拉萨市", "城关区", "540102", roads=("北京中路", "江苏路")),
    _p("61", "西安市", "雁塔区", "610113", roads=("高新路", "科技路", "锦业路")),
    _p("62", "兰州市", "城关区", "620102", roads=("东岗西路", "庆阳路")),
    _p("63", "西宁市", "城东区", "630102", roads=("八一路", "东关大街")),
    _p("64", "银川市", "兴庆区", "640104", roads=("解放西街", "北京东路")),
    _p("65", "乌鲁木齐市", "天山区", "650102", roads=("中山路", "解放南路")),
    _p("65", "乌鲁木齐市", "新市区", "650104", roads=("北京南路", "长春中路")),
    # Hong Kong, Macao and Taiwan registrants hold no mainland licences; only the
    # province-level codes are used for them.
    _p("71", "台北市", "内湖区", "710000", roads=("瑞光路", "内湖路一段")),
    _p("81", "香港", "九龙观塘", "810000", roads=("观塘道", "开源道")),
    _p("82", "澳门", "氹仔", "820000", roads=("布拉干萨街", "飞机场大马路")),
)

PLACES_BY_PROVINCE: dict[str, tuple[Place, ...]] = {}
for _place in PLACES:
    PLACES_BY_PROVINCE.setdefault(_place.province.code, ())
    PLACES_BY_PROVINCE[_place.province.code] += (_place,)

PLACE_BY_DIVISION = {p.division: p for p in PLACES}


def generic_roads() -> tuple[str, ...]:
    return _GENERIC_ROADS
