"""Key fields read from label/value pairs, normalised, and kept (marked) when they do not validate."""
from __future__ import annotations

from tests.verifiers.documents.helpers import line, page
from verifiers.documents.extract import TYPE_FIELDS, extract_fields
from verifiers.identifiers.uscc import uscc_check_character

BODY = "91440101MA5C2RK4"
USCC = BODY + "0" + uscc_check_character(BODY + "0")  # 17 characters, then the check character


def licence_page(uscc: str = USCC):
    return page(line("营业执照", 400, 0), line("统一社会信用代码", 100, 1), line(uscc, 500, 1),
                line("名称", 100, 2), line("广州某某医疗器械有限公司", 500, 2), line("法定代表人", 100, 3),
                line("张三", 500, 3), line("住所", 100, 4), line("广州市天河区珠江新城", 500, 4),
                line("花城大道18号", 500, 5), line("成立日期", 100, 6), line("2019年01月02日", 500, 6),
                line("营业期限", 100, 7), line("长期", 500, 7))


def test_a_business_licence_reads_every_field_normalised_with_its_box():
    fields = extract_fields("business_licence", [licence_page()])
    assert fields["uscc"].value == USCC and fields["uscc"].valid
    assert fields["name"].value == "广州某某医疗器械有限公司"
    assert fields["legal_representative"].value == "张三"
    assert fields["issued_on"].value == "2019-01-02" and fields["issued_on"].raw == "2019年01月02日"
    # the address wraps onto a second line in the same column and is joined
    assert fields["address"].value == "广州市天河区珠江新城花城大道18号"
    assert fields["name"].page == 1 and fields["name"].box[0] == 500


def test_a_value_that_fails_its_check_is_kept_and_marked_not_dropped():
    wrong = USCC[:-1] + ("0" if USCC[-1] != "0" else "1")
    field = extract_fields("business_licence", [licence_page(wrong)])["uscc"]
    assert field.value == wrong and field.valid is False
    assert field.problem["code"] == "uscc_invalid"
    assert field.as_dict()["problem"]["message"]  # the reason travels with the field


def test_an_unknown_type_has_no_fields_and_every_known_type_names_its_fields():
    assert extract_fields("no_such_type", [licence_page()]) == {}
    for doc_type, specs in TYPE_FIELDS.items():
        names = [spec.name for spec in specs]
        assert len(names) == len(set(names)), doc_type
        assert all(spec.labels for spec in specs), doc_type


def test_a_registration_certificate_reads_number_registrant_and_product():
    p = page(line("中华人民共和国医疗器械注册证", 300, 0), line("注册证编号：国械注准20203140456", 100, 1),
             line("注册人名称", 100, 2), line("某某医疗科技股份有限公司", 500, 2), line("产品名称", 100, 3),
             line("一次性使用无菌注射器", 500, 3))
    fields = extract_fields("registration_certificate", [p])
    assert fields["number"].value == "国械注准20203140456"
    assert fields["registrant"].value == "某某医疗科技股份有限公司"
    assert fields["product_name"].value == "一次性使用无菌注射器"


def test_fields_are_found_on_whichever_page_carries_them():
    first = page(line("营业执照", 400, 0), line("名称", 100, 1), line("广州某某医疗器械有限公司", 500, 1))
    second = page(line("统一社会信用代码", 100, 0), line(USCC, 500, 0))
    second.number = 2
    fields = extract_fields("business_licence", [first, second])
    assert fields["name"].page == 1 and fields["uscc"].page == 2
