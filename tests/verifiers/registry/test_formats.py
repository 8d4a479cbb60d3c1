"""UDI rows without a 2017 分类编码 must not store a false 2017 category (issue 11)."""
from verifiers.registry.formats import read_udi

XML = """<?xml version="1.0" encoding="UTF-8"?>
<udid version="1.0"><header><numberRkeyecordXML>4</numberRkeyecordXML></header><devices>
<device><cpmctymc>一次性使用无菌注射器</cpmctymc><ggxh>1ml</ggxh><yflbm>6815</yflbm><flbm></flbm>
<qxlb>第三类</qxlb><zczbhhzbapzbh>国械注准20153150123</zczbhhzbapzbh></device>
<device><cpmctymc>新型冠状病毒抗原检测试剂盒</cpmctymc><ggxh>1人份</ggxh><yflbm>6840</yflbm>
<zczbhhzbapzbh>国械注准20223400001</zczbhhzbapzbh></device>
<device><cpmctymc>软性亲水接触镜</cpmctymc><ggxh>日抛</ggxh><zczbhhzbapzbh>国械注准20193160393</zczbhhzbapzbh></device>
<device><cpmctymc>医用防护口罩</cpmctymc><ggxh>折叠式</ggxh><yflbm>6864</yflbm>
<zczbhhzbapzbh>粤械注准20182140095</zczbhhzbapzbh></device>
</devices></udid>"""


def categories(tmp_path):
    path = tmp_path / "PART1.xml"
    path.write_text(XML, encoding="utf-8")
    return {row.record.number: row.record.category_code for row in read_udi(path)}


def test_a_2015_number_stores_its_2002_code_not_2017_category_15(tmp_path):
    # 国械注准2015 3 15 0123: 15 is 6815 注射穿刺器械; stored as "15" it matched 患者承载器械.
    assert categories(tmp_path)["国械注准20153150123"] == "6815"


def test_ivd_reagents_keep_40(tmp_path):
    assert categories(tmp_path)["国械注准20223400001"] == "40"


def test_a_2019_number_is_a_2017_sub_catalogue(tmp_path):
    assert categories(tmp_path)["国械注准20193160393"] == "16"


def test_an_uncertain_2018_number_falls_back_to_the_rows_old_code(tmp_path):
    # 2018 straddles the catalogue change: segment 14 could be either, so the row's yflbm decides.
    assert categories(tmp_path)["粤械注准20182140095"] == "6864"
