"""The one error type every identifier parser raises (编号校验错误).

``reason`` is a stable lower_snake ASCII code that callers branch on and store; ``message``
is for people: Chinese first, then `` / `` and English.
"""
from __future__ import annotations

#: Every reason a parser in this package can give, most useful first. The dispatcher uses this
#: order to choose which failure to report when several parsers rejected the same text.
REASONS = (
    "legacy_format",             # recognised, but the 2004-2014 format is no longer valid
    "class_authority_mismatch",  # the class does not fit the approving authority (REGM Art 115)
    "device_class",              # a class digit that number kind cannot carry
    "national_not_issued",       # 国 where NMPA issues no such number (e.g. 国械生产许: a fake)
    "unknown_province",          # no mainland province abbreviation where one is required
    "year",                      # the year is not 19xx/20xx
    "checksum",                  # USCC check character
    "division",                  # USCC positions 3-8 not digits
    "charset",                   # USCC characters outside GB 32100's alphabet
    "length",                    # right keyword, wrong number of digits
    "format",                    # nothing recognisable
    "empty",
)


class IdentifierError(ValueError):
    """A string that is not a valid identifier of the expected kind."""

    def __init__(self, reason: str, message: str, kind: str | None = None):
        super().__init__(message)
        self.reason = reason
        self.message = message
        #: The identifier kind the text was recognised as, when it was (e.g. ``registration``).
        self.kind = kind

    def __repr__(self) -> str:
        return f"IdentifierError({self.reason!r}, {self.message!r}, kind={self.kind!r})"


def reason_rank(reason: str) -> int:
    """Smaller is more useful to report; unknown reasons rank last."""
    return REASONS.index(reason) if reason in REASONS else len(REASONS)
