"""Unified social credit code (GB 32100-2015), domain.md §3."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifiers.identifiers import IdentifierError
from verifiers.identifiers.uscc import (USCC_ALPHABET, USCCError, is_valid_uscc, organisation_check_character,
                                        parse_uscc, uscc_check_character)

REAL = ["91340111MA8P9K0G9N", "9144030071526726XG", "91110108551385082Q", "91330100799655058B"]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_validate(code):
    parsed = parse_uscc(code)
    assert parsed.code == code
    assert parsed.organisation_check_ok  # the soft GB 11714 check holds for all four (domain.md §3)
    assert is_valid_uscc(code)


def test_worked_example_fields_and_arithmetic():
    parsed = parse_uscc("91340111MA8P9K0G9N")
    assert (parsed.authority, parsed.entity_type, parsed.division) == ("9", "1", "340111")
    assert parsed.organisation_code == "MA8P9K0G9"
    assert parsed.province_code == "340000"
    assert uscc_check_character("91340111MA8P9K0G9") == "N"  # sum 2675, 2675 mod 31 = 9, 31-9 = 22 -> N
    assert organisation_check_character("MA8P9K0G") == "9"


def test_documented_negative_example_names_the_expected_check_character():
    with pytest.raises(USCCError) as err:
        parse_uscc("91320000608950179D")
    assert err.value.reason == "checksum"
    assert "C" in err.value.message and " / " in err.value.message


@pytest.mark.parametrize("text, reason", [
    ("", "empty"),
    ("9134011MA8P9K0G9N", "length"),
    ("91340111MA8P9K0G9NN", "length"),
    ("9134011IMA8P9K0G9N", "charset"),  # I is not in the GB 32100 alphabet
    ("91340111MA8P9K0G9O", "charset"),
    ("913A0111MA8P9K0G9N", "division"),
    ("91340111MA8P9K0G9M", "checksum"),
])
def test_rejections_have_stable_reasons(text, reason):
    with pytest.raises(USCCError) as err:
        parse_uscc(text)
    assert err.value.reason == reason
    assert not is_valid_uscc(text)


def test_uscc_error_is_an_identifier_error():
    with pytest.raises(IdentifierError) as err:
        parse_uscc("91320000608950179D")
    assert isinstance(err.value, ValueError) and err.value.kind == "uscc"


@pytest.mark.parametrize("variant", ["９１３４０１１１ＭＡ８Ｐ９Ｋ０Ｇ９Ｎ", "9134 0111 MA8P 9K0G 9N",
                                     "91340111ma8p9k0g9n", "\u300091340111MA8P9K0G9N\n"])
def test_full_width_spaced_and_lower_case_forms_parse_to_the_canonical_code(variant):
    assert parse_uscc(variant).code == "91340111MA8P9K0G9N"


_CHAR = st.sampled_from(USCC_ALPHABET)
_BODY = st.tuples(st.text(_CHAR, min_size=2, max_size=2), st.text(st.sampled_from("0123456789"), min_size=6,
                                                                      max_size=6),
                  st.text(_CHAR, min_size=9, max_size=9)).map("".join)


@given(_BODY)
def test_any_17_characters_with_their_check_character_parse(body):
    code = body + uscc_check_character(body)
    assert parse_uscc(code).code == code


@given(_BODY, st.integers(0, 17), _CHAR)
def test_any_single_character_substitution_is_rejected(body, position, replacement):
    code = body + uscc_check_character(body)
    if code[position] == replacement:
        replacement = USCC_ALPHABET[(USCC_ALPHABET.index(replacement) + 1) % len(USCC_ALPHABET)]
    corrupted = code[:position] + replacement + code[position + 1:]
    with pytest.raises(USCCError) as err:
        parse_uscc(corrupted)
    # Weights 3^i mod 31 are never 0 mod the prime 31, so a changed value always moves the sum.
    assert err.value.reason in ("checksum", "division")
