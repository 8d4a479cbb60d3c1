"""Does a licence's scope cover a device's category? (经营范围是否覆盖产品分类)

Scopes name categories from two catalogues (domain.md §10) and devices carry one code of
either: a 2017 sub-catalogue (``"14"``), a 2002 code (``"6864"``, from a registration first
issued before 2018-08-01 or a UDI record's 原分类编码), or ``"40"`` for in-vitro diagnostic
reagents, which are their own category under both (their registration numbers keep 40 from
6840). The catalogues do not map one to one, so the answer is one of four, and only a
certain one decides: ``covered``, ``not_covered``, ``excluded`` (the scope's own 不含 clause),
or ``undetermined`` with why (for a person to judge; never a pass on class alone).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from verifiers.scope import CATALOGUE_2017, IVD_CODE_2002, map_2002_to_2017

COVERED, NOT_COVERED, EXCLUDED, UNDETERMINED = "covered", "not_covered", "excluded", "undetermined"
IVD = "40"


@dataclass(frozen=True)
class Coverage:
    verdict: str
    #: Why, in Chinese and English (for undetermined and excluded verdicts).
    detail: tuple[str, str] = ("", "")


def device_category(code: str | None) -> str | None:
    """A device's category in this module's terms: ``"14"`` (2017), ``"6864"`` (2002) or ``"40"``
    (IVD reagents); None when it names nothing known.

    A two-digit code outside 01-22 can only be the tail of a 2002 code (``"64"`` from an old
    registration number), so it is read as one; a tail inside 01-22 is ambiguous and must not
    reach here (importers store the full 68xx code instead, see verifiers.registry.formats)."""
    code = (code or "").strip()
    if not code.isdigit():
        return None
    if code in (IVD, IVD_CODE_2002):
        return IVD
    if len(code) <= 2:
        code = code.zfill(2)
        if code in CATALOGUE_2017:
            return code
        code = "68" + code
    candidates, _ = map_2002_to_2017(code)
    return code if candidates else None


def _scope_keys(items: Iterable[tuple[int, str]], device_class: int) -> set[str]:
    out = set()
    for cls, category in items:
        if cls == device_class:
            out.add(IVD_CODE_2002 if category in (IVD, IVD_CODE_2002) else category)
    return out


def coverage(scope: Iterable[tuple[int, str]], excluded: Iterable[tuple[int, str]], device_class: int,
             category: str | None) -> Coverage:
    """Whether ``scope`` (minus ``excluded``) lets its holder sell a class ``device_class``
    device of ``category`` (a device's ``category_code``)."""
    allowed, barred = _scope_keys(scope, device_class), _scope_keys(excluded, device_class)
    device = device_category(category)
    if device is None:
        return Coverage(UNDETERMINED, ("产品分类编码未知，无法按经营范围核对", "the device's category is unknown"))
    if not allowed:
        return Coverage(UNDETERMINED, (f"经营范围中没有第{device_class}类条目", f"the scope lists nothing in class {device_class}"))
    if device == IVD:
        # IVD reagents are covered by 6840 only; 22 (clinical laboratory devices) is instruments.
        if IVD_CODE_2002 in barred:
            return Coverage(EXCLUDED, ("经营范围不含体外诊断试剂", "the scope excludes IVD reagents"))
        return Coverage(COVERED if IVD_CODE_2002 in allowed else NOT_COVERED)
    if device in barred:
        return Coverage(EXCLUDED, (f"经营范围明确不含 {device}", f"the scope excludes {device}"))
    if device in allowed:
        return Coverage(COVERED)
    if len(device) == 4:
        return _old_device(device, allowed, barred)
    return _new_device(device, allowed, barred)


def _old_device(code: str, allowed: set[str], barred: set[str]) -> Coverage:
    """A device known only by its 2002 code, against a scope's 2017 items."""
    candidates, ambiguous = map_2002_to_2017(code)
    candidates = [c for c in candidates if c != IVD]
    if any(c in barred for c in candidates):
        return Coverage(UNDETERMINED, (f"{code} 对应的新分类中有经营范围排除的类别", f"{code} maps to an excluded category"))
    held = [c for c in candidates if c in allowed]
    if held and (not ambiguous or len(held) == len(candidates)):
        return Coverage(COVERED)
    if held:
        return Coverage(UNDETERMINED, (f"{code} 可能对应 {'、'.join(candidates)}，经营范围只含 {'、'.join(held)}",
                                       f"{code} may map to {', '.join(candidates)}; the scope has {', '.join(held)}"))
    return Coverage(NOT_COVERED)


def _new_device(code: str, allowed: set[str], barred: set[str]) -> Coverage:
    """A 2017-coded device, against a scope's 2002 items (the 2017 code itself is not listed)."""
    maybe = []
    for old in allowed | barred:
        if len(old) != 4:
            continue
        candidates, ambiguous = map_2002_to_2017(old)
        if code not in candidates:
            continue
        if old in barred:
            return Coverage(UNDETERMINED, (f"经营范围排除的 {old} 可能包含 {code}", f"the excluded {old} may include {code}"))
        if not ambiguous:
            return Coverage(COVERED)
        maybe.append(old)
    if maybe:
        return Coverage(UNDETERMINED, (f"{'、'.join(sorted(maybe))} 只有部分产品属于新分类 {code}",
                                       f"only part of {', '.join(sorted(maybe))} fell into {code}"))
    return Coverage(NOT_COVERED)
