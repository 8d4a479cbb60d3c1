"""Violations written straight to the database, for tests of reading them (filters, paging)."""
from __future__ import annotations

from datetime import datetime

from gateway.ids import new_id
from gateway.violations.models import Violation, ViolationCode
from gateway.violations.services import region_levels


def seed_violation(session, platform_id: str, *, detected_at: datetime, merchant_id: str = "mer_1",
                   listing_id: str | None = "lst_1", region: str | None = "440305", status: str = "open",
                   tier: str = "stop_and_report", codes=("REGNO_NOT_FOUND",)) -> Violation:
    province, prefecture = region_levels(region)
    violation = Violation(id=new_id("vio"), platform_id=platform_id, merchant_id=merchant_id, listing_id=listing_id,
                          subject_type="listing" if listing_id else "merchant", region=region, province=province,
                          prefecture=prefecture, bureau_code=prefecture, bureaus=[], codes=list(codes),
                          reasons=[{"code": c, "severity": "block", "tier": tier} for c in codes], tier=tier,
                          violation_type="unregistered_product", action="blocked", actions=[], status=status,
                          decision_ids=[new_id("dec")], detected_at=detected_at, updated_at=detected_at)
    session.add(violation)
    session.flush()
    for code in codes:
        session.add(ViolationCode(violation_id=violation.id, code=code, platform_id=platform_id,
                                  detected_at=detected_at))
    return violation
