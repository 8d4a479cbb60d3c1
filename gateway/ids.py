"""Public identifiers: a short type prefix and a time-ordered random part.

The prefix makes an id self-describing in logs and support tickets (``doc_``, ``mer_``);
the time-ordered part (48-bit milliseconds + 80 random bits, Crockford base32, like ULID)
keeps B-tree inserts local. Written here because it is twelve lines and a dependency
for it would be heavier than the code.
"""
from __future__ import annotations

import os
import time

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def new_id(prefix: str) -> str:
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        value, rem = divmod(value, 32)
        chars.append(_CROCKFORD[rem])
    return f"{prefix}_{''.join(reversed(chars))}"
