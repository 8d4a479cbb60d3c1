"""Printed values to normalised fields, with the OCR corrections each rule makes."""
from verifiers.documents.model import Field
from verifiers.documents.values import issuer, models, number, scope, scope_for, uscc, valid_until


def test_credit_code_letters_outside_the_alphabet_are_corrected():
    parsed = uscc("9144030O71526726XG")  # O for 0
    assert parsed.value == "9144030071526726XG" and parsed.problem is None
    assert "I/O/Z/S/V" in parsed.corrections[0]["reason"]


def test_credit_code_single_confusion_is_fixed_only_when_unique():
    parsed = uscc("9144030071526726XC")  # G read as C: not a known confusion -> invalid
    assert parsed.problem is not None and parsed.problem["code"] == "uscc_invalid"
    parsed = uscc("91340111MA8P9K0G9H")  # N read as H: the check character confirms the fix
    assert parsed.value == "91340111MA8P9K0G9N" and parsed.corrections[0]["guessed"] is True


def test_class_numerals_stutter_and_loss():
    assert scope("Ⅲ类：14；Ⅱ类：07").value == [{"class": 3, "category": "14"}, {"class": 2, "category": "07"}]
    assert scope("ⅢⅢ类：14").value == [{"class": 3, "category": "14"}]
    licence_scope = scope_for("device_business_licence")("2017年分类目录：类：14，16")
    assert licence_scope.value == [{"class": 3, "category": "14"}, {"class": 3, "category": "16"}]
    assert licence_scope.corrections
    assert scope_for("class2_business_filing")("I类：07").value == [{"class": 2, "category": "07"}]


def test_numbers_in_traditional_forms_are_simplified():
    parsed = number("粵穗械备20210088号")
    assert parsed.value == "粤穗械备20210088" and parsed.corrections


def test_long_term_validity_is_null():
    assert valid_until("2015年03月18日至长期").value is None
    assert valid_until("2023年01月10日至2028年01月09日").value == "2028-01-09"


def test_issuer_cleaning():
    assert issuer("门：无锡市食品药品监督管理局").value == "无锡市食品药品监督管理局"
    fixed = issuer("深圳市市场监督管理店")
    assert fixed.value == "深圳市市场监督管理局" and fixed.corrections


def test_models_keep_pack_sizes():
    assert models("7.5cm 单头 100支/包、10cm 双头 50支/包").value == ["7.5cm 单头 100支/包", "10cm 双头 50支/包"]


def test_production_licence_lost_numeral_is_the_class_not_named():
    """Production licences cover Class II and III only; PP-OCRv6 small drops a Ⅲ touching the crop's edge."""
    parse = scope_for("production_licence")
    fixed = parse("类：14-注输、护理和防护器械；Ⅱ类：14-注输、护理和防护器械")
    assert fixed.value == [{"class": 3, "category": "14"}, {"class": 2, "category": "14"}]
    assert "生产许可证" in fixed.corrections[0]["reason"]
    assert parse("Ⅲ类：14；类：07").value == [{"class": 3, "category": "14"}, {"class": 2, "category": "07"}]
    # nothing to deduce from: left unread rather than guessed
    assert parse("类：14；类：07").value == []
    assert parse("Ⅲ类：14；Ⅱ类：07").corrections == []


def test_letter_spaced_label_with_a_stray_mark_is_still_a_label():
    from verifiers.documents.layout import find_segments
    from verifiers.documents.model import Page
    from verifiers.documents.ocr import make_line

    lines = [make_line("住☑所:", 0.87, [[100, 100], [220, 100], [220, 130], [100, 130]], 1754, 1240),
             make_line("广东省深圳市南山区深南大道465号", 1.0, [[300, 100], [900, 100], [900, 130], [300, 130]], 1754, 1240)]
    segments = find_segments(Page(number=1, width=1754, height=1240, lines=lines), ["住所", "经营场所"])
    assert [(s.label, s.value) for s in segments] == [("住所", "广东省深圳市南山区深南大道465号")]


def test_issuer_cut_short_under_the_seal_is_completed_only_when_certain():
    completed = issuer("深圳市市场监督")
    assert completed.value == "深圳市市场监督管理局"
    assert "印章" in completed.corrections[-1]["reason"]
    assert issuer("广东省食品药品监督").value == "广东省食品药品监督管理局"
    # too little of the ending to know which bureau it is
    assert issuer("深圳市市场").value == "深圳市市场"
    assert issuer("无锡市").value == "无锡市"
    assert issuer("深圳市市场监督管理局").corrections == []


def test_issuer_beginning_lost_under_the_seal_comes_back_from_the_number():
    from verifiers.documents.extract import _complete_issuer_head

    def fields(issuer_value, number=None, uscc_value=None):
        out = {"issuer": Field(value=issuer_value, confidence=0.9, page=1, box=None)}
        if number:
            out["number"] = Field(value=number, confidence=1.0, page=1, box=None)
        if uscc_value:
            out["uscc"] = Field(value=uscc_value, confidence=1.0, page=1, box=None)
        return out

    cases = [
        (fields("东省药品监督管理局", "粤械注准20202140456"), "广东省药品监督管理局"),  # 广东 or 山东: the number says
        (fields("省药品监督管理局", "粤械注准20202140456"), "广东省药品监督管理局"),
        (fields("京市朝阳区市场监督管理局", "京朝药监械经营许20240001号"), "北京市朝阳区市场监督管理局"),
        (fields("家药品监督管理局", "国械注准20203140456"), "国家药品监督管理局"),
        (fields("东省市场监督管理局", uscc_value="91440305840092550F"), "广东省市场监督管理局"),
        # left alone: already whole, a city's bureau, or only 市 left
        (fields("深圳市市场监督管理局", "粤深药监械经营备20210153号"), "深圳市市场监督管理局"),
        (fields("南京市市场监督管理局", "苏宁药监械经营许20200001号"), "南京市市场监督管理局"),
        (fields("市市场监督管理局", "京朝药监械经营许20240001号"), "市市场监督管理局"),
        (fields("东省药品监督管理局"), "东省药品监督管理局"),
    ]
    for found, expected in cases:
        before = found["issuer"].value
        _complete_issuer_head(found)
        assert found["issuer"].value == expected
        assert len(found["issuer"].corrections) == (0 if expected == before else 1)
