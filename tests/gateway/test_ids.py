import os
import re

from gateway.ids import crockford26, new_id


def _digit_loop(value: int) -> str:
    """The encoding written out digit by digit (the definition crockford26 must keep)."""
    alphabet, chars = "0123456789abcdefghjkmnpqrstvwxyz", []
    for _ in range(26):
        value, rem = divmod(value, 32)
        chars.append(alphabet[rem])
    return "".join(reversed(chars))


def test_crockford26_matches_the_digit_by_digit_encoding():
    edges = [0, 1, 31, 32, 2**80 - 1, 2**80, 2**127, 2**128 - 1]
    randoms = [int.from_bytes(os.urandom(16), "big") for _ in range(2000)]
    for value in edges + randoms:
        assert crockford26(value) == _digit_loop(value), value


def test_new_ids_are_prefixed_time_ordered_and_distinct():
    ids = [new_id("lst") for _ in range(500)]
    assert all(re.fullmatch(r"lst_[0-7][0-9a-hjkmnp-tv-z]{25}", i) for i in ids)
    assert len(set(ids)) == 500
    # the first 10 digits are the millisecond clock: never decreasing
    stamps = [i[4:14] for i in ids]
    assert stamps == sorted(stamps)
