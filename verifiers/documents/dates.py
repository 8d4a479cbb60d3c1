"""Dates as printed on Chinese certificates, to ISO 8601."""
from __future__ import annotations

import re
from datetime import date

_DATE = re.compile(r"((?:19|20)\d{2})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?")
LONG_TERM = re.compile(r"长期|永久|无固定期限")


def parse_date(text: str) -> date | None:
    """The first date in ``text`` (``2023年01月10日``, ``2023-1-10``, ``2023.01.10``)."""
    match = _DATE.search(text or "")
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def all_dates(text: str) -> list[date]:
    out = []
    for match in _DATE.finditer(text or ""):
        try:
            out.append(date(int(match.group(1)), int(match.group(2)), int(match.group(3))))
        except ValueError:
            continue
    return out
