"""Is the listed product the certificate's product? Additions to the registered name pass; another
kind of product under a borrowed certificate never does."""
import pytest

from verifiers.rules.names import DIFFERENT, SAME, SIMILAR
from verifiers.rules.products import compare_products, model_listed, product_kind


def test_a_names_kind_is_the_rightmost_kind_word():
    assert product_kind("一次性使用无菌注射器 带针") == "注射器"
    assert product_kind("医用外科口罩") == "口罩"
    # "血糖" names the meter and the strips: the longer, rightmost word decides
    assert product_kind("血糖仪用血糖试纸") == "血糖试纸"
    assert product_kind("医用冷敷贴") == "冷敷贴"
    assert product_kind("保温杯") is None


@pytest.mark.parametrize(("listed", "registered", "verdict"), [
    # model suffixes, pack sizes and brackets added to the registered name
    ("一次性使用无菌注射器 带针 5ml（50支/盒）", "一次性使用无菌注射器", SAME),
    ("医用外科口罩（独立包装）", "医用外科口罩", SAME),
    ("注射器", "一次性使用无菌注射器", SAME),
    # a mask sold on a syringe's certificate
    ("医用外科口罩", "一次性使用无菌注射器", DIFFERENT),
    # the same kind, worded differently: a person judges
    ("电子体温计 家用", "红外体温计", SIMILAR),
    ("", "一次性使用无菌注射器", DIFFERENT),
    (None, "一次性使用无菌注射器", DIFFERENT),
])
def test_compare_products(listed, registered, verdict):
    assert compare_products(listed, registered) == verdict


def test_models_listed_against_the_certificates():
    registered = ("1ml、2ml、5ml", "GM-100")
    assert model_listed("5ml", registered)
    assert model_listed("gm-100", registered)  # case and width do not count
    assert model_listed("ＧＭ－１００", registered)
    assert not model_listed("GM-200", registered)
    # nothing to check: no model given, or a certificate without models
    assert model_listed(None, registered) and model_listed("GM-200", ())
