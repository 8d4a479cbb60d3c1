"""Which document a page is: titles weigh most, labels break ties when a seal hides the title."""
from __future__ import annotations

from tests.verifiers.documents.helpers import line, page
from verifiers.documents.classify import SIGNATURES, classify


def test_every_type_is_found_from_its_title():
    titles = {"online_sales_filing": "医疗器械网络销售备案信息表", "class2_business_filing": "第二类医疗器械经营备案凭证",
              "device_business_licence": "医疗器械经营许可证", "production_licence": "医疗器械生产许可证",
              "class1_filing": "第一类医疗器械备案信息表", "registration_certificate": "中华人民共和国医疗器械注册证",
              "business_licence": "营业执照"}
    assert set(titles) == {doc_type for doc_type, _, _ in SIGNATURES}
    for doc_type, title in titles.items():
        found, confidence = classify([page(line(title, 300, 0))])
        assert found == doc_type, (title, found)
        assert 0.5 <= confidence <= 1.0


def test_the_class2_filing_wins_over_the_licence_whose_words_it_contains():
    # 第二类医疗器械经营备案凭证 also carries 经营许可-like labels; the more specific title wins.
    pages = [page(line("第二类医疗器械经营备案凭证", 300, 0), line("备案编号：粤穗食药监械经营备20190123号", 100, 1),
                  line("经营方式：批零兼营", 100, 2), line("备案部门：广州市市场监督管理局", 100, 3))]
    assert classify(pages)[0] == "class2_business_filing"


def test_labels_alone_identify_a_licence_whose_title_is_under_a_seal():
    pages = [page(line("统一社会信用代码 91440101MA5CXXXX0X", 100, 0), line("注册资本 壹佰万元", 100, 1),
                  line("成立日期 2019年01月02日", 100, 2), line("营业期限 长期", 100, 3), line("登记机关", 100, 4))]
    found, confidence = classify(pages)
    assert found == "business_licence"
    assert 0.5 <= confidence < 1.0


def test_a_titled_page_is_surer_than_one_known_by_labels_only():
    titled = classify([page(line("营业执照", 300, 0), line("统一社会信用代码", 100, 1), line("成立日期", 100, 2))])
    untitled = classify([page(line("统一社会信用代码", 100, 1), line("成立日期", 100, 2), line("注册资本", 100, 3),
                              line("营业期限", 100, 4))])
    assert titled[0] == untitled[0] == "business_licence"
    assert titled[1] > untitled[1]


def test_nothing_recognisable_is_unknown_unless_the_uploader_said_what_it_is():
    blank = [page(line("山清水秀", 100, 0), line("欢迎光临", 100, 1))]
    assert classify(blank) == (None, 0.0)
    assert classify(blank, hint="business_licence") == ("business_licence", 0.3)


def test_an_uploaders_hint_settles_a_near_tie_but_not_a_clear_answer():
    # Licence labels only, weakly: the uploader's word that it is a licence holds.
    near = [page(line("许可证编号", 100, 0), line("经营方式", 100, 1), line("生产范围", 100, 2), line("生产地址", 100, 3))]
    assert classify(near, hint="production_licence")[0] == "production_licence"
    # A titled business licence stays one whatever the hint says.
    clear = [page(line("营业执照", 300, 0), line("统一社会信用代码", 100, 1), line("注册资本", 100, 2))]
    assert classify(clear, hint="registration_certificate")[0] == "business_licence"
