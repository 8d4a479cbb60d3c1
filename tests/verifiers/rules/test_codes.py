"""Reason codes: the public contract's names, default severities that respect their legal tier,
and message templates in both languages."""
import re
import string

import pytest

from verifiers.rules.codes import CODES, DOC_NAMES, FIELD_NAMES, SEVERITY_RANK, LegalTier, at_least


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_codes_are_stable_upper_snake_case_keyed_by_themselves():
    for key, code in CODES.items():
        assert key == code.code
        assert re.fullmatch(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*", key), key
        assert code.severity in SEVERITY_RANK, key
        assert isinstance(code.tier, LegalTier), key


@pytest.mark.parametrize(("severity", "floor", "result"), [
    ("info", "review", "review"),
    ("review", "review", "review"),
    ("block", "review", "block"),
    ("info", "info", "info"),
    ("block", "info", "block"),
])
def test_at_least_only_ever_raises(severity, floor, result):
    assert at_least(severity, floor) == result


def test_the_floor_of_each_tier():
    # stop and report: info would let the listing go live
    assert LegalTier.STOP_AND_REPORT.floor == "review"
    assert LegalTier.CORRECT_THEN_REPORT.floor == "info"
    assert LegalTier.NONE.floor == "info"


def test_every_default_severity_meets_its_tier():
    for code in CODES.values():
        assert at_least(code.severity, code.tier.floor) == code.severity, code.code


def test_both_messages_are_filled_from_the_same_evidence():
    # Where a value differs by language the Chinese template names its own (status_zh, note for note_en).
    language_pairs = {"status_zh": "status", "note": "note_en"}
    for code in CODES.values():
        assert code.zh and code.en, code.code
        assert re.search(r"[\u4e00-\u9fff]", code.zh), f"{code.code}: Chinese message has no Chinese"
        zh = {language_pairs.get(name, name) for name in _placeholders(code.zh)}
        en = _placeholders(code.en)
        assert zh == en, code.code


def test_document_and_field_names_are_bilingual():
    for names in (DOC_NAMES, FIELD_NAMES):
        for key, (zh, en) in names.items():
            assert re.search(r"[\u4e00-\u9fff]", zh) and en.isascii(), key
