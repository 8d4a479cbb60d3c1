"""Focus product categories: flagged for information, or for review where online sale is a known
enforcement target."""
from verifiers.rules.focus import FOCUS, focus_categories


def _ids(text):
    return [f.id for f in focus_categories(text)]


def test_products_are_flagged_by_their_words():
    assert _ids("新冠病毒抗原检测试剂盒 家用") == ["covid_antigen"]
    assert _ids("角膜塑形镜 OK镜") == ["orthokeratology"]
    assert _ids("射频美容仪 紧致提拉") == ["rf_beauty"]
    assert _ids("玻尿酸注射填充") == ["ha_filler"]
    assert _ids("儿童近视防控 离焦镜片") == ["myopia_youth"]


def test_a_product_can_be_in_several_categories():
    assert set(_ids("彩色隐形眼镜 美瞳 青少年近视矫正")) == {"contact_lens", "myopia_youth"}


def test_ordinary_goods_are_not_flagged():
    assert _ids("不锈钢保温杯") == []
    assert _ids("") == [] and _ids(None) == []


def test_severities_are_info_or_review():
    assert {f.severity for f in FOCUS} == {"info", "review"}
    assert len({f.id for f in FOCUS}) == len(FOCUS)
    assert {f.id for f in FOCUS if f.severity == "review"} >= {"orthokeratology", "rf_beauty", "ha_filler"}
