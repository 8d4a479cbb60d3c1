"""Every identifier is normalised before it is parsed: half-width, no whitespace, ASCII brackets."""
from hypothesis import given
from hypothesis import strategies as st

from verifiers.identifiers.normalise import ascii_upper, normalise_identifier


def test_full_width_spaces_and_brackets():
    assert normalise_identifier("国械注准２０２０３１４０４５６") == "国械注准20203140456"
    assert normalise_identifier(" 粤 深 食药监械经营许 2015 0001 号 ") == "粤深食药监械经营许20150001号"
    assert normalise_identifier("（浙）网械平台备字〔2019〕第00099号") == "(浙)网械平台备字(2019)第00099号"
    for left, right in ("【】", "［］", "｛｝", "〖〗", "﹝﹞", "[]", "{}"):
        assert normalise_identifier(f"{left}京{right}") == "(京)"
    assert normalise_identifier("\u3000京\t械\n备") == "京械备"


def test_roman_numeral_class_markers_become_ascii():
    assert normalise_identifier("第Ⅲ类") == "第III类"
    assert normalise_identifier("Ⅱ") == "II"


def test_nothing_is_empty():
    assert normalise_identifier("") == "" and normalise_identifier(None) == ""


def test_a_space_between_a_letter_and_a_combining_mark_is_normalised_in_full():
    # dropping the space lets NFKC compose the two: a second pass is needed
    assert normalise_identifier("a \u0301") == "\u00e1"


@given(st.text(max_size=30))
def test_idempotent(text):
    once = normalise_identifier(text)
    assert normalise_identifier(once) == once


def test_ascii_upper_leaves_other_scripts_alone():
    assert ascii_upper("abc粤xyzä") == "ABC粤XYZä"
