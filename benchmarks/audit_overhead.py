"""What the audit chain and violations add to writing a listing decision: CPU per decision.

    python benchmarks/audit_overhead.py [--decisions 2000] [--database sqlite|postgresql]

Writes --decisions new listings with an ``allow`` decision each, 200 per transaction (the
batch endpoint's chunk), through ``record_decision`` as the listing service does, and reports
this process's CPU time per decision, best of three: with the audit entry, its sealing at
commit and the violations receiver, and again with both switched off. CPU time, not wall time,
because the machines this runs on are shared. The rule evaluation itself is not included.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import PG_ADMIN_URL, scratch_database

LOOKED_AT = {"registry": [{"snapshot_id": "snap_1", "number": "国械注准20203140456", "kind": "registration", "class": 3,
                           "product_name": "一次性使用无菌注射器", "registrant": "示例医疗器械制造有限公司",
                           "models": ["5ml", "10ml"], "category_code": "14", "valid_until": "2030-01-01",
                           "status": "active"}],
             "holdings": ["粤食药监械经营许20150001号"], "claims_version": 1}
REASONS = [{"code": "FOCUS_CATEGORY", "severity": "info", "message": "重点监管品种：注射器",
            "message_en": "Focus product category: syringes", "evidence": {"category": "14"}}]


def write(db, platform_id: str, merchant_id: str, count: int) -> float:
    """CPU milliseconds per decision for ``count`` new listings decided ``allow``."""
    from gateway.decisions import services as decisions
    from gateway.ids import new_id
    from gateway.listings.models import Listing

    started = time.process_time()
    for _ in range(count // 200):
        with db.session() as session:
            for _ in range(200):
                listing = Listing(id=new_id("lst"), platform_id=platform_id, merchant_id=merchant_id,
                                  external_id=new_id("ext"), title="一次性使用无菌注射器 5ml")
                session.add(listing)
                decision = decisions.record_decision(
                    session, platform_id=platform_id, subject_type="listing", subject_id=listing.id,
                    outcome="allow", reasons=REASONS, registry_version="snap_1", looked_at=LOOKED_AT,
                    trigger="submitted", flush=False)
                listing.outcome, listing.decision_id = "allow", decision.id
    return (time.process_time() - started) / count * 1000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decisions", type=int, default=2000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    args = parser.parse_args(argv)

    import gateway.violations.services  # noqa: F401 - connects the violations receiver, as every process does
    from gateway import migrations
    from gateway.db import Database
    from gateway.decisions import services as decisions
    from gateway.decisions.signals import decision_recorded
    from gateway.merchants.models import Merchant
    from gateway.tenancy.services import create_platform

    with scratch_database(args.database, Path(tempfile.mkdtemp(prefix="qw-bench-audit-")), args.pg_admin_url) as url:
        migrations.upgrade(url)
        db = Database(url)
        with db.session() as session:
            platform, _ = create_platform(session, "基准平台", "440000")
            merchant = Merchant(platform_id=platform.id, external_id="m", name="示例", uscc="9144030071526726XG",
                                status="approved")
            session.add(merchant)
        write(db, platform.id, merchant.id, 200)  # warm-up
        with_chain = min(write(db, platform.id, merchant.id, args.decisions) for _ in range(3))
        append, receivers = decisions.append, dict(decision_recorded.receivers)
        decisions.append = lambda *a, **k: None
        decision_recorded.receivers.clear()
        try:
            without = min(write(db, platform.id, merchant.id, args.decisions) for _ in range(3))
        finally:
            decisions.append = append
            decision_recorded.receivers.update(receivers)
        print(f"{args.database}: CPU per listing decision written: {with_chain:.3f} ms with the audit chain and "
              f"violations, {without:.3f} ms without")
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
