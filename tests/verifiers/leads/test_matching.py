"""Matching a lead to merchants and listings: identifiers are certain, names are weaker,
confidences combine."""
import pytest

from verifiers.leads.matching import (ListingCandidate, MerchantCandidate, combine, match_status, match_subject,
                                      normalise_name, normalise_url)


MERCHANTS = [
    MerchantCandidate("m1", "shop-1", "深圳示例医疗器械有限公司", "9144030071526726XG", "示例医疗旗舰店",
                      "https://shop.example.com/s/1001"),
    MerchantCandidate("m2", "shop-2", "广州另一器械贸易有限公司", "91440101MA59XXXX0X", "另一器械专营店"),
    MerchantCandidate("m3", "shop-3", "深圳示例医疗用品有限公司", "91440300000000000X", "示例医疗用品店"),
]

LISTINGS = [
    ListingCandidate("l1", "m1", "sku-77", "一次性使用无菌注射器 5ml", "一次性使用无菌注射器", "https://item.example.com/p/77",
                     "国械注准20203140456"),
    ListingCandidate("l2", "m2", "sku-88", "医用口罩", "医用外科口罩", None, "粤械注准20202140001"),
    ListingCandidate("l3", "m2", "sku-99", "注射器", "一次性使用无菌注射器", None, "国械注准20203140456"),
]

def test_normalisation():
    assert normalise_name("（深圳） 示例·医疗 旗舰店") == "深圳示例医疗旗舰店"
    assert normalise_name("ＡＢＣ 医疗") == "abc医疗"
    assert normalise_url("HTTPS://www.Shop.Example.com/s/1001/#top") == "shop.example.com/s/1001"
    assert normalise_url("shop.example.com/s/1001") == "shop.example.com/s/1001"
    assert combine([0.7, 0.6]) == pytest.approx(0.88)
    assert combine([]) == 0.0


def test_identifiers_make_certain_matches():
    matches = match_subject({"uscc": "9144030071526726xg"}, MERCHANTS, LISTINGS)
    assert [(m.kind, m.merchant_id, m.confidence) for m in matches] == [("merchant", "m1", 1.0)]
    assert match_status(matches) == "matched"
    matches = match_subject({"listing_url": "http://item.example.com/p/77/"}, MERCHANTS, LISTINGS)
    assert matches[0].listing_id == "l1" and matches[0].confidence == pytest.approx(0.98)
    matches = match_subject({"shop_url": "shop.example.com/s/1001"}, MERCHANTS, [])
    assert matches[0].merchant_id == "m1" and matches[0].evidence[0].field == "shop_url"


def test_a_registration_number_alone_gives_candidates_and_a_shop_name_settles_it():
    matches = match_subject({"registration_number": "国械注准20203140456"}, MERCHANTS, LISTINGS,
                            registration_key="国械注准20203140456")
    assert {m.listing_id for m in matches} == {"l1", "l3"}
    assert match_status(matches) == "candidates" and all(m.confidence < 0.9 for m in matches)
    both = match_subject({"registration_number": "国械注准20203140456", "shop_name": "示例医疗旗舰店"}, MERCHANTS, LISTINGS,
                         registration_key="国械注准20203140456")
    assert both[0].listing_id == "l1" and both[0].confidence > 0.98 and match_status(both) == "matched"
    assert {a.field for a in both[0].evidence} == {"registration_number", "shop_name"}


def test_similar_names_are_weaker_and_product_names_never_match_alone():
    matches = match_subject({"enterprise_name": "深圳示例医疗器械公司"}, MERCHANTS, [])
    assert matches[0].merchant_id == "m1" and matches[0].evidence[0].method == "fuzzy"
    assert 0.4 < matches[0].confidence < 0.9
    assert all(m.merchant_id != "m2" for m in matches)
    assert match_subject({"product_name": "一次性使用无菌注射器"}, MERCHANTS, LISTINGS) == []
    assert match_subject({"shop_name": "毫不相干"}, MERCHANTS, LISTINGS) == []
