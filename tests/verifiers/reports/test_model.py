"""Report facts: the reason code -> violation type mapping, tiers, and what the facts refuse."""
from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from verifiers.reports.model import (CODE_VIOLATION_TYPES, TIERS, VIOLATION_TYPES, ActionFacts, LeadFacts,
                                     ReasonFacts, ViolationFacts, tier_for_code, violation_type_for,
                                     violation_type_of, worst_tier)
from verifiers.rules.codes import CODES

from .support import SHENZHEN, V1, V2, bj


def test_every_rule_code_has_a_type():
    """A new code in verifiers/rules/codes.py should be placed here on purpose, not fall to 'other'."""
    assert set(CODES) - set(CODE_VIOLATION_TYPES) == set()
    assert set(CODE_VIOLATION_TYPES.values()) <= set(VIOLATION_TYPES)


def test_the_art_41_42_list_is_covered():
    """domain.md §8: the eight Art 41/42 types, plus false claims and other."""
    assert set(VIOLATION_TYPES) == {"no_qualification_display", "no_product_certificate_display",
                                    "product_info_mismatch", "unlicensed_seller", "unregistered_product",
                                    "beyond_scope", "banned_product", "quality_hazard", "false_claims", "other"}
    # Art 42 ¶2 (and Art 45): the serious ones stop and report; the display duties correct first.
    serious = {k for k, t in VIOLATION_TYPES.items() if t.default_tier == "stop_and_report"}
    assert serious == {"unlicensed_seller", "unregistered_product", "beyond_scope", "banned_product", "quality_hazard"}


@pytest.mark.parametrize("code, type_key, tier", [
    ("LICENCE_EXPIRED", "unlicensed_seller", "stop_and_report"),
    ("ONLINE_SALES_NOT_FILED", "unlicensed_seller", "stop_and_report"),
    ("CLASS3_REQUIRES_LICENCE", "unlicensed_seller", "stop_and_report"),
    ("LICENCE_SCOPE_EXCLUDES", "beyond_scope", "stop_and_report"),
    ("REGNO_NOT_FOUND", "unregistered_product", "stop_and_report"),
    ("REGNO_CANCELLED", "unregistered_product", "stop_and_report"),
    ("PRODUCT_MISMATCH", "product_info_mismatch", "correct_then_report"),
    ("DOC_MISSING", "no_qualification_display", "correct_then_report"),
    ("BANNED_CLAIM", "false_claims", "correct_then_report"),
    ("FOCUS_CATEGORY", "other", "none"),
    ("SOME_CODE_ADDED_NEXT_YEAR", "other", "none"),  # unknown codes: a sensible "other"
])
def test_code_mapping(code, type_key, tier):
    assert violation_type_for(code).key == type_key
    assert tier_for_code(code) == tier


def test_several_codes_report_the_most_serious_type():
    assert violation_type_of(["PRODUCT_MISMATCH", "REGNO_NOT_FOUND"]).key == "unregistered_product"
    assert violation_type_of(["BANNED_CLAIM", "LICENCE_SCOPE_EXCLUDES", "LICENCE_REVOKED"]).key == "unlicensed_seller"
    assert violation_type_of([]).key == "other"


def test_worst_tier():
    assert worst_tier(["none", "correct_then_report", "stop_and_report"]) == "stop_and_report"
    assert worst_tier(["none", "correct_then_report"]) == "correct_then_report"
    assert worst_tier([]) == "none"
    assert TIERS == ("stop_and_report", "correct_then_report", "none")


def test_violation_tier_and_type():
    assert (V1.tier, V1.type.key) == ("stop_and_report", "unregistered_product")
    # An explicit type overrides the one derived from the codes (CERTIFICATE_MISMATCH alone: info mismatch).
    assert (V2.tier, V2.type.key) == ("correct_then_report", "no_product_certificate_display")
    assert V1.has_action("listing_removed") and not V1.has_action("service_stopped")


def test_facts_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        V1.status = "closed"


def test_naive_datetimes_and_unknown_keys_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        ViolationFacts(id="x", detected_at=datetime(2026, 11, 3), merchant=SHENZHEN, reasons=())
    with pytest.raises(ValueError, match="time zone"):
        ActionFacts("listing_removed", datetime(2026, 11, 3))
    with pytest.raises(ValueError, match="unknown tier"):
        ReasonFacts("REGNO_NOT_FOUND", "block", "urgent")
    with pytest.raises(ValueError, match="unknown violation type"):
        ViolationFacts(id="x", detected_at=bj(3), merchant=SHENZHEN, reasons=(), violation_type="fraud")
    with pytest.raises(ValueError, match="unknown lead source"):
        LeadFacts("L", "newspaper", bj(3), "received", False)
