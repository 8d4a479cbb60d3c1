"""Names compared as printed: what OCR and typing vary is ignored, what changes who is named is not."""
import pytest

from verifiers.rules.names import DIFFERENT, SAME, SIMILAR, compare_names, normalise_name, similarity


def test_width_spaces_dots_and_bracket_styles_do_not_count():
    assert normalise_name("深圳市 示例·医疗（器械）有限公司") == normalise_name("深圳市示例医疗(器械)有限公司")
    assert normalise_name("ＡＢＣ Medical") == "ABCMEDICAL"
    assert normalise_name("【南山】示例店") == "（南山）示例店"
    assert normalise_name(None) == "" and normalise_name("") == ""


@pytest.mark.parametrize(("printed", "expected", "verdict"), [
    ("深圳示例医疗器械有限公司", "深圳示例医疗器械有限公司", SAME),
    ("深圳 示例医疗器械有限公司", "深圳示例医疗器械有限公司", SAME),
    # an OCR slip of one character in a long name is for a person to look at
    ("深圳示例医疗器槭有限公司", "深圳示例医疗器械有限公司", SIMILAR),
    # another company altogether
    ("广州另一贸易有限公司", "深圳示例医疗器械有限公司", DIFFERENT),
    # nothing printed, or nothing to compare with, is never a match
    ("", "深圳示例医疗器械有限公司", DIFFERENT),
    ("深圳示例医疗器械有限公司", None, DIFFERENT),
])
def test_compare_names(printed, expected, verdict):
    assert compare_names(printed, expected) == verdict


def test_a_branch_or_another_legal_form_is_not_the_same_company():
    assert compare_names("深圳示例医疗器械有限公司南山分公司", "深圳示例医疗器械有限公司") != SAME
    assert compare_names("深圳示例医疗器械有限责任公司", "深圳示例医疗器械有限公司") != SAME


def test_the_similarity_threshold_is_the_callers():
    a, b = "深圳示例医疗器械有限公司", "深圳示例医疗用品有限公司"
    ratio = similarity(a, b)
    assert 0 < ratio < 1
    assert compare_names(a, b, similar_at=ratio) == SIMILAR
    assert compare_names(a, b, similar_at=min(1.0, ratio + 0.01)) == DIFFERENT
    assert similarity("示例", "示例") == 1.0
