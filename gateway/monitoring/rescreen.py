"""Re-screening a whole catalogue: every listing decided again against the rules in force.

A rule change (a new banned-claim list, a platform's stricter policy) can change the
decision of any listing, so all of them are screened again. A million listings must go
through in minutes with flat memory, so:

- listings are read in id order, a chunk at a time (keyset, never OFFSET), as columns,
  with their merchants, documents, current reasons and registry records in a few
  statements per chunk; the read ends before the rules (pure Python) evaluate them;
- only a listing whose result differs from its current decision (outcome, or the codes
  and severities of its reasons) is written: it is locked and decided again through the
  ordinary path (a new decision, its webhook, its violation), the rest cost no write;
- the id space is split into parts that run as separate tasks, so workers screen in
  parallel; each task does a bounded slice and enqueues its continuation in the same
  transaction as its progress, so a crash or a killed worker resumes where it stopped;
- the run is recorded (:class:`ScreeningRun`): when, why, against which registry snapshot
  and claims version, how many listings were seen and how many changed. That record is
  what shows every listing was looked at, without a decision row per unchanged listing.

The same comparison serves the re-decisions after a registry snapshot
(:func:`recheck_changed`, for the listings naming a device the snapshot changed) and the
daily sweep's expiries (:func:`differing`): one definition of a changed decision.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gateway.db import utcnow
from gateway.decisions.models import Decision
from gateway.documents.services import document_facts
from gateway.jobs import outbox
from gateway.jobs.names import TaskName
from gateway.jobs.outbox import dispatch_after_commit
from gateway.listings.models import Listing
from gateway.listings.services import listings_documents, merchant_holdings, recheck
from gateway.listings.tasks import recheck_in_batches
from gateway.merchants.models import Merchant
from gateway.merchants.services import signature
from gateway.monitoring.models import ScreeningRun
from gateway.runtime import Runtime
from verifiers.claims import ClaimList
from verifiers.rules.facts import DocumentFacts, Holding, ListingClaim, Policy
from verifiers.rules.listing import evaluate_listing

log = logging.getLogger(__name__)

#: Listings read and evaluated per round trip.
CHUNK = 1000
#: Chunks one task handles before it hands over to its continuation (a few seconds of work).
CHUNKS_PER_TASK = 20


@dataclass(frozen=True)
class Part:
    """A slice of the id space: ids greater than ``after`` up to and including ``until``."""

    after: str
    until: str | None


def start(runtime: Runtime, trigger: str, platform_id: str | None = None, parts: int = 2) -> ScreeningRun:
    """Record a run and enqueue its parts; returns the run (its tasks are dispatched)."""
    with runtime.db.session() as session:
        bounds = _split(session, platform_id, max(1, parts))
        run = ScreeningRun(platform_id=platform_id, trigger=trigger, status="running", parts=len(bounds),
                           registry_version=runtime.registry.version(), claims_version=runtime.claims.get().version,
                           started_at=utcnow())
        session.add(run)
        session.flush()
        tasks = [_enqueue(session, run.id, platform_id, part) for part in bounds]
        if not bounds:
            run.status, run.finished_at = "done", utcnow()
    dispatch_after_commit(runtime.dispatcher, tasks)
    log.info("catalogue re-screen started", extra={"run_id": run.id, "trigger": trigger, "parts": len(bounds)})
    return run


def _mine(platform_id: str | None):
    return Listing.platform_id == platform_id if platform_id else True


def _split(session: Session, platform_id: str | None, parts: int) -> list[Part]:
    """Split the platform's listings into about equal id ranges (ids are time-ordered)."""
    total = session.scalar(select(func.count()).select_from(Listing).where(_mine(platform_id))) or 0
    if total == 0:
        return []
    parts = min(parts, total)
    cuts = [session.scalar(select(Listing.id).where(_mine(platform_id)).order_by(Listing.id)
                           .offset(total * i // parts - 1).limit(1)) for i in range(1, parts)]
    starts = [""] + cuts
    return [Part(after, until) for after, until in zip(starts, cuts + [None])]


def _enqueue(session: Session, run_id: str, platform_id: str | None, part: Part):
    return outbox.enqueue(session, TaskName.CATALOGUE_RESCREEN, {
        "run_id": run_id, "platform_id": platform_id, "after": part.after, "until": part.until})


def screen_part(runtime: Runtime, payload: dict) -> None:
    """One task's share: up to CHUNKS_PER_TASK chunks, then the continuation or the end."""
    platform_id, after, until = payload["platform_id"], payload["after"], payload["until"]
    seen = changed = 0
    finished = False
    for _ in range(CHUNKS_PER_TASK):
        ids, different = _screen_chunk(runtime, platform_id, after, until)
        if ids:
            seen += len(ids)
            after = ids[-1]
        if different:
            with runtime.db.session() as session:
                tasks = recheck(runtime, session, different, "rescreen")
            dispatch_after_commit(runtime.dispatcher, tasks)
            changed += len(different)
        if len(ids) < CHUNK:
            finished = True
            break
    with runtime.db.session() as session:
        values = {"listings_seen": ScreeningRun.listings_seen + seen,
                  "listings_changed": ScreeningRun.listings_changed + changed}
        if finished:
            values["parts_done"] = ScreeningRun.parts_done + 1
        session.execute(update(ScreeningRun).where(ScreeningRun.id == payload["run_id"]).values(**values))
        tasks = [] if finished else [_enqueue(session, payload["run_id"], platform_id, Part(after, until))]
        if finished:
            session.execute(update(ScreeningRun).where(ScreeningRun.id == payload["run_id"],
                                                       ScreeningRun.parts_done >= ScreeningRun.parts)
                            .values(status="done", finished_at=utcnow()))
    dispatch_after_commit(runtime.dispatcher, tasks)


#: The columns a re-screen reads of each listing: what the rules look at and the current
#: decision, never the whole row (no ORM identity map to build and throw away per chunk).
COLUMNS = (Listing.id, Listing.platform_id, Listing.merchant_id, Listing.title, Listing.description,
           Listing.registration_number, Listing.product_name, Listing.manufacturer, Listing.model,
           Listing.device_class, Listing.outcome, Listing.decision_id)


def _screen_chunk(runtime: Runtime, platform_id: str | None, after: str,
                  until: str | None) -> tuple[list[str], list[str]]:
    """Evaluate one chunk of the id range; (the ids read, those whose decision would change)."""
    query = select(*COLUMNS).where(_mine(platform_id), Listing.id > after).order_by(Listing.id).limit(CHUNK)
    if until is not None:
        query = query.where(Listing.id <= until)
    return _screen(runtime, query)


def _screen(runtime: Runtime, query, today: date | None = None) -> tuple[list[str], list[str]]:
    """Read the listings ``query`` selects (rows of :data:`COLUMNS`, at most a chunk) and
    evaluate them; (the ids read, those whose decision would change). The read transaction
    ends before the rules run: nothing is held open while they work."""
    with runtime.db.read_sessionmaker() as reader:
        listings = reader.execute(query).all()
        if not listings:
            return [], []
        facts = _chunk_facts(runtime, reader, listings, today)
    return [li.id for li in listings], _differing(runtime, listings, facts)


def recheck_changed(runtime: Runtime, listing_ids: list[str], trigger: str, today: date | None = None) -> int:
    """Re-check, of these listings, only those whose decision the rules in force would change
    (:func:`differing`), as a re-screen does: each chunk is read and evaluated with no
    transaction open, and only the changed listings are locked and decided again through
    the ordinary re-check (a new decision, its webhook, its violation). An unchanged listing
    costs a read and a rule run, and leaves nothing. Returns how many were decided again.
    ``listing_ids``: in id order (the re-checks lock in that order)."""
    changed = 0
    for start in range(0, len(listing_ids), CHUNK):
        query = select(*COLUMNS).where(Listing.id.in_(listing_ids[start:start + CHUNK])).order_by(Listing.id)
        different = _screen(runtime, query, today)[1]
        recheck_in_batches(runtime, different, trigger, today)
        changed += len(different)
    return changed


@dataclass
class _ChunkFacts:
    """What the rules need besides the listings themselves, read once per chunk."""

    merchants: dict[str, tuple[str, str]]  # id -> (status, uscc)
    holdings: dict[str, list[Holding]]
    policies: dict[str, Policy]
    documents: dict[str, list[DocumentFacts]]
    current: dict[str, list[dict]]
    claims: ClaimList


def _chunk_facts(runtime: Runtime, reader: Session, listings, today: date | None) -> _ChunkFacts:
    merchants = list(reader.scalars(select(Merchant).where(Merchant.id.in_({li.merchant_id for li in listings}))))
    current = dict(reader.execute(select(Decision.id, Decision.reasons).where(
        Decision.id.in_([li.decision_id for li in listings if li.decision_id]))).all())
    documents = {listing_id: [document_facts(d) for d in docs]
                 for listing_id, docs in listings_documents(reader, [li.id for li in listings]).items()}
    # A policy per platform and the holdings per merchant, not per listing; the registry
    # records the chunk names are fetched in one query rather than one lookup each.
    policies = {pid: runtime.policies.get(reader, pid, today) for pid in {li.platform_id for li in listings}}
    holdings = {m.id: merchant_holdings(runtime, reader, m, today) for m in merchants}
    runtime.registry.prefetch_devices(li.registration_number for li in listings)
    # Plain values, not the merchants' ORM objects: the rules run after the session is gone.
    return _ChunkFacts({m.id: (m.status, m.uscc) for m in merchants}, holdings, policies, documents, current,
                       runtime.claims.get())


def _signature(outcome: str, reasons) -> tuple:
    """gateway.merchants.services.signature, for Reason objects (no dict built per reason)."""
    return outcome, tuple(sorted((r.code, r.severity) for r in reasons))


def _differing(runtime: Runtime, listings, facts: _ChunkFacts) -> list[str]:
    """Pure rule work over what :func:`_chunk_facts` read: the ids whose decision would change."""
    different = []
    for listing in listings:
        status, uscc = facts.merchants[listing.merchant_id]
        evaluation = evaluate_listing(
            ListingClaim(title=listing.title, description=listing.description or "",
                         registration_number=listing.registration_number, product_name=listing.product_name,
                         manufacturer=listing.manufacturer, model=listing.model, device_class=listing.device_class),
            merchant_status=status, merchant_uscc=uscc, holdings=facts.holdings[listing.merchant_id],
            registry=runtime.registry, policy=facts.policies[listing.platform_id],
            documents=facts.documents.get(listing.id, []), claims=facts.claims)
        before = signature(listing.outcome or "", facts.current.get(listing.decision_id, []))
        if before != _signature(evaluation.outcome, evaluation.reasons):
            different.append(listing.id)
    return different


def differing(runtime: Runtime, reader: Session, listings, today: date | None = None) -> list[str]:
    """The ids of the listings whose decision the rules in force (on ``today``) would change:
    a different outcome, or different reason codes or severities. Nothing is written.
    ``listings``: Listing rows, or rows of :data:`COLUMNS`."""
    if not listings:
        return []
    return _differing(runtime, listings, _chunk_facts(runtime, reader, listings, today))
