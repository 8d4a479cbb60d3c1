"""The identifier error: a stable reason code to branch on, a message for people, the kind when known."""
import re

from verifiers.identifiers.errors import REASONS, IdentifierError, reason_rank


def test_an_error_carries_its_reason_message_and_kind():
    error = IdentifierError("checksum", "校验位错误 / bad check character", kind="uscc")
    assert isinstance(error, ValueError)
    assert (error.reason, error.message, error.kind) == ("checksum", "校验位错误 / bad check character", "uscc")
    assert str(error) == "校验位错误 / bad check character"
    assert repr(error) == "IdentifierError('checksum', '校验位错误 / bad check character', kind='uscc')"
    assert IdentifierError("empty", "未填写 / empty").kind is None


def test_reasons_are_ranked_most_useful_first_and_unknown_ones_last():
    assert len(set(REASONS)) == len(REASONS)
    assert all(re.fullmatch(r"[a-z]+(?:_[a-z]+)*", r) for r in REASONS)
    assert [reason_rank(r) for r in REASONS] == list(range(len(REASONS)))
    assert reason_rank("legacy_format") < reason_rank("checksum") < reason_rank("format")
    assert reason_rank("no_such_reason") == len(REASONS)
    assert min(["format", "year", "length"], key=reason_rank) == "year"
