"""Re-decisions after a registry snapshot: the ``registry.reevaluate`` task."""
from __future__ import annotations

import logging

from gateway.jobs.handlers import task
from gateway.jobs.names import TaskName
from gateway.merchants.services import reverify
from gateway.monitoring.rescreen import recheck_changed, screen_part
from gateway.monitoring.services import touched_by_snapshot
from gateway.monitoring.sweep import sweep_step
from gateway.runtime import Runtime

log = logging.getLogger(__name__)


@task(TaskName.REGISTRY_REEVALUATE)
def reevaluate_after_snapshot(runtime: Runtime, payload: dict) -> None:
    """A snapshot changed some records: re-verify the merchants and re-check the
    listings that rest on them (design §6). Newly failing merchants are suspended and
    their listings blocked; platforms hear of every change by webhook. A listing is
    written only when its decision changes (outcome, or reason codes and severities):
    a snapshot touching a million listings mostly confirms them, at a read each."""
    snapshot_id = payload["snapshot_id"]
    runtime.registry.invalidate()
    merchant_ids, listing_ids = touched_by_snapshot(runtime, snapshot_id)
    log.info("re-evaluating after snapshot", extra={"snapshot_id": snapshot_id, "listings": len(listing_ids),
                                                    "merchants": len(merchant_ids)})
    for merchant_id in merchant_ids:
        reverify(runtime, merchant_id, "registry_snapshot")
    changed = recheck_changed(runtime, listing_ids, "registry_snapshot")
    log.info("re-evaluated after snapshot", extra={"snapshot_id": snapshot_id, "listings": len(listing_ids),
                                                   "listings_changed": changed})


@task(TaskName.CATALOGUE_RESCREEN)
def rescreen_catalogue_part(runtime: Runtime, payload: dict) -> None:
    screen_part(runtime, payload)


@task(TaskName.MONITOR_SWEEP)
def monitoring_sweep(runtime: Runtime, payload: dict) -> None:
    """One slice of the daily sweep (gateway.monitoring.sweep)."""
    sweep_step(runtime, payload)
