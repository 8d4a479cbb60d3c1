"""Mandatory notices on product pages (GSP-NET Art 12): every retail listing carries one; contact
lenses and hearing aids carry their own as well."""
from verifiers.rules.notices import NOTICES, missing_notices, required_notices

RETAIL = "购买和使用前请仔细阅读产品说明书或者在医务人员的指导下购买和使用"
LENS = "配戴本产品，应由眼视光专业人士进行验配"


def _ids(notices):
    return [n.id for n in notices]


def test_which_notices_a_product_needs():
    assert _ids(required_notices("一次性使用无菌注射器")) == ["retail"]
    assert _ids(required_notices("软性亲水接触镜")) == ["retail", "contact_lens"]
    assert _ids(required_notices("耳背式 助听器")) == ["retail", "hearing_aid"]
    assert _ids(required_notices("")) == ["retail"]


def test_a_listing_with_every_notice_misses_none():
    listing = f"彩色隐形眼镜 月抛。{RETAIL}。{LENS}。"
    assert missing_notices(listing, "软性亲水接触镜") == []


def test_small_wording_and_punctuation_differences_are_tolerated():
    listing = "购买和使用前，请仔细阅读说明书，或者在医务人员指导下购买使用！"
    assert missing_notices(listing, "医用外科口罩") == []


def test_missing_notices_are_named():
    assert _ids(missing_notices("软性亲水接触镜 月抛", "软性亲水接触镜")) == ["retail", "contact_lens"]
    assert _ids(missing_notices(RETAIL, "软性亲水接触镜")) == ["contact_lens"]
    # every notice has the wording to show, in both languages, and is found by its own pattern
    for notice in NOTICES:
        assert notice.text and notice.text_en
        assert notice not in missing_notices(notice.text, "软性亲水接触镜 助听器")
