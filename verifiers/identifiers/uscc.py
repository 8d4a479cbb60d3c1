"""Unified social credit code (统一社会信用代码, GB 32100-2015).

18 characters: registration authority (1), entity type (1), administrative division of the
registering authority (6, GB/T 2260), the 9-character organisation code (GB 11714, whose last
character is its own check), and a check character over the first 17.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from verifiers.identifiers.errors import IdentifierError
from verifiers.identifiers.normalise import ascii_upper, normalise_identifier

#: The 31 characters GB 32100 allows; I, O, Z, S and V are excluded to avoid misreadings.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
#: Position weights are 3^(i-1) mod 31.
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
#: GB 11714 organisation-code weights over positions 9-16.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


class USCCError(IdentifierError):
    """A string that is not a valid unified social credit code; ``reason`` is a stable code."""

    def __init__(self, reason: str, message: str):
        super().__init__(reason, message, kind="uscc")


@dataclass(frozen=True)
class USCC:
    code: str
    authority: str  # 登记管理部门代码, e.g. "9" market regulation
    entity_type: str  # 机构类别代码, e.g. "1" enterprise when authority is "9"
    division: str  # 6-digit GB/T 2260 code of the registering authority
    organisation_code: str  # positions 9-17
    organisation_check_ok: bool  # the GB 11714 check; soft, see domain.md §3

    @property
    def province_code(self) -> str:
        return self.division[:2] + "0000"


def uscc_check_character(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a code."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, _WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def organisation_check_character(first8: str) -> str:
    """The GB 11714 check character for the 8 body characters of an organisation code."""
    total = sum(int(ch, 36) * w for ch, w in zip(first8, _ORG_WEIGHTS))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def parse_uscc(text: str) -> USCC:
    """Parse and validate a credit code, raising :class:`USCCError` with a precise reason."""
    code = ascii_upper(normalise_identifier(text))
    if not code:
        raise USCCError("empty", "未填写统一社会信用代码 / no credit code given")
    if len(code) != 18:
        raise USCCError("length", f"统一社会信用代码应为18位，实为{len(code)}位 / "
                                  f"must be 18 characters, got {len(code)}")
    bad = sorted({ch for ch in code if ch not in _VALUE})
    if bad:
        raise USCCError("charset", f"含有不允许的字符 {''.join(bad)} / "
                                   f"characters not allowed: {''.join(bad)}")
    if not _SHAPE.match(code):
        raise USCCError("division", "第3-8位行政区划代码应为数字 / positions 3-8 must be digits")
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise USCCError("checksum", f"校验码应为{expected}，实为{code[17]} / "
                                    f"check character should be {expected}, not {code[17]}")
    org = code[8:17]
    org_ok = (all(ch.isdigit() or "A" <= ch <= "Z" for ch in org[:8])
              and organisation_check_character(org[:8]) == org[8])
    return USCC(code=code, authority=code[0], entity_type=code[1], division=code[2:8],
                organisation_code=org, organisation_check_ok=org_ok)


def is_valid_uscc(text: str) -> bool:
    try:
        parse_uscc(text)
    except USCCError:
        return False
    return True
