"""Public identifiers: a short type prefix and a time-ordered random part.

The prefix makes an id self-describing in logs and support tickets (``doc_``, ``mer_``);
the time-ordered part (48-bit milliseconds + 80 random bits, Crockford base32, like ULID)
keeps B-tree inserts local. Written here because it is a few lines and a dependency
for it would be heavier than the code.
"""
from __future__ import annotations

import os
import time

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
#: Every pair of digits, indexed by the 10 bits they encode.
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]
_SHIFTS = range(120, -1, -10)


def new_id(prefix: str) -> str:
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    return f"{prefix}_{crockford26(value)}"


def crockford26(value: int) -> str:
    """``value`` (< 2**128) as 26 Crockford base32 digits, most significant first.

    Three ids per listing decision: a loop of 26 divmods was a few per cent of the
    request path's Python calls; 13 lookups of digit pairs do the same."""
    return "".join([_PAIRS[(value >> shift) & 1023] for shift in _SHIFTS])
