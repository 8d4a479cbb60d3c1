"""Listing decisions: synchronous on submission, renewed when anything they rest on changes."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import ContextManager

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.audit.models import AuditPending
from gateway.audit.services import PENDING_COLUMNS, bind_pending, pending_row, running_sealer, seal_entries
from gateway.db import SHARED_UNIT, DirectRead, DirectWrite, built, utcnow
from gateway.decisions.models import Decision
from gateway.decisions.services import (
    DECISION_COLUMNS,
    WRITES_NOTHING_FOR_NEW,
    announce_without_session,
    bind_decision_rows,
    decision_row,
    insert_decisions,
    new_decision,
    record_decision,
    recorded_entry,
    standing_staff_decision,
)
from gateway.documents.models import Document
from gateway.documents.services import document_facts, platform_documents
from gateway.documents.signals import document_read
from gateway.errors import NotFound, ServiceError, field_error
from gateway.ids import new_id
from gateway.jobs import outbox
from gateway.jobs.names import TaskName
from gateway.listings.models import Listing, ListingDocument
from gateway.merchants.models import Merchant
from gateway.runtime import Runtime
from gateway.webhooks.services import emit
from verifiers.identifiers import lookup_key
from verifiers.rules.facts import Holding, ListingClaim
from verifiers.rules.listing import evaluate_listing
from verifiers.rules.merchant import holdings_of
from verifiers.rules.model import ListingOutcome

log = logging.getLogger(__name__)
EVENT_FOR_OUTCOME = {ListingOutcome.BLOCK: "listing.blocked", ListingOutcome.ALLOW: "listing.allowed",
                     ListingOutcome.REVIEW: "listing.needs_review"}
FIELDS = ("title", "description", "registration_number", "product_name", "manufacturer", "model", "device_class",
          "url")


def _claim(fields) -> ListingClaim:
    get = fields.get if isinstance(fields, dict) else lambda name: getattr(fields, name)
    return ListingClaim(title=get("title"), description=get("description") or "",
                        registration_number=get("registration_number"), product_name=get("product_name"),
                        manufacturer=get("manufacturer"), model=get("model"), device_class=get("device_class"))


def evaluate_stored(runtime: Runtime, session: Session, listing: Listing, merchant: Merchant,
                    documents: list[Document], holdings: list[Holding] | None = None, today: date | None = None):
    """What the rules in force say of a stored listing now (nothing is written). ``holdings``:
    the merchant's, when the caller already looked them up (a catalogue re-screen); ``today``:
    the date validity is judged on (default today; the monitoring sweep passes its date)."""
    return _evaluate(runtime, session, listing.platform_id, _claim(listing), merchant, documents, holdings, today)


def merchant_holdings(runtime: Runtime, session: Session, merchant: Merchant, today: date | None = None
                      ) -> list[Holding]:
    """The licences and filings in force that the merchant's credit code holds today."""
    return holdings_of(merchant.uscc, runtime.registry, runtime.policies.get(session, merchant.platform_id, today))[0]


def _evaluate(runtime: Runtime, session: Session, platform_id: str, claim: ListingClaim, merchant: Merchant,
              documents: list[Document], holdings: list[Holding] | None = None, today: date | None = None):
    policy = runtime.policies.get(session, platform_id, today)
    if holdings is None:
        holdings, _, _ = holdings_of(merchant.uscc, runtime.registry, policy)
    return evaluate_listing(claim, merchant_status=merchant.status, merchant_uscc=merchant.uscc, holdings=holdings,
                            registry=runtime.registry, policy=policy,
                            documents=[document_facts(d) for d in documents], claims=runtime.claims.get())


@dataclass
class Prepared:
    """One submission read and decided, ready to write."""

    body: dict
    merchant: object  # a row of _MERCHANT_STANDING
    existing_id: str | None
    attached: list[Document]
    documents: list[Document]
    evaluation: object


@dataclass
class Submitted:
    listing: Listing
    decision: Decision
    document_ids: list[str]


#: Submissions written per transaction: one batch is at most this long a lock on SQLite's writer.
WRITE_CHUNK = 200


#: Where writes go: the service's own short transaction (None, the default), or the request's,
#: when an Idempotency-Key's record must commit with them (gateway.web.shared_unit_of_work).
UnitOfWork = Callable[[], ContextManager[Session]]


def submit_listing(runtime: Runtime, platform_id: str, body: dict, unit_of_work: UnitOfWork | None = None
                   ) -> Submitted:
    """Create or update (by external_id) a listing and decide it now.

    This is the API's hot path (hundreds per second). Everything is read and decided
    outside any write transaction; the write is one short transaction for the listing
    and its decision, so concurrent submissions wait on each other only for that
    (SQLite has a single writer).
    """
    result = submit_listings(runtime, platform_id, [body], unit_of_work)[0]
    if isinstance(result, ServiceError):
        raise result
    return result


def submit_listings(runtime: Runtime, platform_id: str, bodies: list[dict],
                    unit_of_work: UnitOfWork | None = None) -> list[Submitted | ServiceError]:
    """Decide many submissions (a catalogue screened in batches): in order, one result each,
    a submission that cannot be decided answered by its error without failing the rest.
    The same external_id twice in one call: the later one is refused (which would win is
    not for the gateway to guess)."""
    results: list[Submitted | ServiceError | None] = [None] * len(bodies)
    seen: set[str] = set()
    for index, body in enumerate(bodies):
        if body["external_id"] in seen:
            results[index] = field_error("json", "external_id", f"同一批次中 external_id 重复：{body['external_id']}",
                                         f"external_id {body['external_id']} appears twice in this batch")
        seen.add(body["external_id"])
    pending = [i for i, r in enumerate(results) if r is None]
    prepared: dict[int, Prepared] = {}
    with runtime.db.point_read_sessionmaker() as reader:
        merchants, existing = _standing_and_existing(reader, platform_id, [bodies[i] for i in pending])
        current = listings_documents(reader, list(existing.values()))
        for index in pending:
            body = bodies[index]
            try:
                prepared[index] = _prepare(runtime, reader, platform_id, body, merchants, existing, current)
            except ServiceError as exc:
                results[index] = exc
    ready = sorted(prepared)
    for start in range(0, len(ready), WRITE_CHUNK):
        chunk = [prepared[i] for i in ready[start:start + WRITE_CHUNK]]
        written = _write_new(runtime, platform_id, chunk) if unit_of_work is None else None
        if written is None:
            written = _write(runtime, platform_id, chunk, unit_of_work or runtime.db.session)
        for index, submitted in zip(ready[start:start + WRITE_CHUNK], written):
            results[index] = submitted
    return results


# The hot path's reads, built once: a statement's construction and cache key cost more than
# SQLite's answer (SQLAlchemy memoises the key on the statement object).
#: What a decision needs of the merchant (rows of these stand in for Merchant in _evaluate).
_MERCHANT_STANDING = select(Merchant.id, Merchant.platform_id, Merchant.status, Merchant.uscc).where(
    Merchant.id.in_(bindparam("ids", expanding=True)), Merchant.platform_id == bindparam("platform_id"))
_EXISTING = select(Listing.external_id, Listing.id).where(
    Listing.platform_id == bindparam("platform_id"), Listing.external_id.in_(bindparam("ids", expanding=True)))
#: One submission's merchant and existing listing in one statement (a round trip fewer on PostgreSQL),
#: read without a Session (on SQLite on the sqlite3 cursor itself: gateway.db.DirectRead).
_MERCHANT_AND_EXISTING = DirectRead(select(
    Merchant.id, Merchant.platform_id, Merchant.status, Merchant.uscc,
    select(Listing.id).where(Listing.platform_id == bindparam("platform_id"),
                             Listing.external_id == bindparam("external_id")).scalar_subquery().label("existing_id"),
).where(Merchant.id == bindparam("merchant_id"), Merchant.platform_id == bindparam("platform_id")))


def _standing_and_existing(reader: Session, platform_id: str, bodies: list[dict]) -> tuple[dict, dict[str, str]]:
    """The submissions' merchants (id -> standing row) and existing listings (external_id -> id)."""
    if len(bodies) == 1:  # the single-listing hot path
        body = bodies[0]
        # The reader's engine, not its Session: the Session then connects only if a decision
        # needs more (documents, a policy not cached), and most need nothing more.
        row = _MERCHANT_AND_EXISTING.first(reader.get_bind(), {
            "platform_id": platform_id, "merchant_id": body["merchant_id"], "external_id": body["external_id"]})
        if row is None:  # an unknown merchant: refused, whatever exists
            return {}, {}
        return {row.id: row}, ({body["external_id"]: row.existing_id} if row.existing_id else {})
    merchants = {m.id: m for m in reader.connection().execute(_MERCHANT_STANDING, {
        "ids": sorted({b["merchant_id"] for b in bodies}), "platform_id": platform_id})}
    return merchants, _existing_listings(reader, platform_id, [b["external_id"] for b in bodies])


def _existing_listings(session: Session, platform_id: str, external_ids: list[str]) -> dict[str, str]:
    """external_id -> listing id, for those that exist."""
    if not external_ids:
        return {}
    return dict(session.connection().execute(_EXISTING, {"platform_id": platform_id, "ids": external_ids}).all())


def listings_documents(session: Session, listing_ids: list[str]) -> dict[str, list[Document]]:
    """The documents attached to each listing, in a stable order."""
    out: dict[str, list[Document]] = {}
    if listing_ids:
        for listing_id, document in session.execute(
                select(ListingDocument.listing_id, Document).join(Document, ListingDocument.document_id == Document.id)
                .where(ListingDocument.listing_id.in_(listing_ids)).order_by(Document.id)):
            out.setdefault(listing_id, []).append(document)
    return out


def _prepare(runtime: Runtime, reader: Session, platform_id: str, body: dict, merchants: dict,
             existing: dict[str, str], current: dict[str, list[Document]]) -> Prepared:
    merchant = merchants.get(body["merchant_id"])
    if merchant is None:
        raise field_error("json", "merchant_id", f"商户不存在：{body['merchant_id']}",
                          f"Unknown merchant {body['merchant_id']}", ["unknown merchant"])
    attached = platform_documents(reader, platform_id, body["document_ids"]) if body.get("document_ids") else []
    existing_id = existing.get(body["external_id"])
    documents = list(current.get(existing_id, ()))
    known = {d.id for d in documents}
    attached = [d for d in attached if d.id not in known]
    documents += attached
    evaluation = _evaluate(runtime, reader, platform_id, _claim(body), merchant, documents)
    return Prepared(body, merchant, existing_id, attached, documents, evaluation)


def _write(runtime: Runtime, platform_id: str, chunk: list[Prepared], unit_of_work: UnitOfWork) -> list[Submitted]:
    """Write a chunk of decided submissions in one transaction. A concurrent creation of the
    same external_id undoes the chunk, and it is written again as updates. In a unit of work
    that holds more (an Idempotency-Key's record: ``SHARED_UNIT``) only the chunk's savepoint
    is undone; in the service's own transaction (the common case) the whole of it, with no
    savepoint to pay for on every write."""
    shared = False
    for attempt in range(3):
        try:
            with unit_of_work() as writer:
                shared = bool(writer.info.get(SHARED_UNIT))
                if shared:
                    return _write_in_savepoint(runtime, platform_id, chunk, writer)
                return _write_chunk(writer, platform_id, chunk)
        except IntegrityError:
            if attempt == 2 or shared:
                raise
            _refresh(runtime, platform_id, chunk)
    raise AssertionError("unreachable")


def _write_in_savepoint(runtime: Runtime, platform_id: str, chunk: list[Prepared], writer: Session) -> list[Submitted]:
    for attempt in range(3):
        try:
            with writer.begin_nested():
                return _write_chunk(writer, platform_id, chunk)
        except IntegrityError:
            if attempt == 2:
                raise
            _refresh(runtime, platform_id, chunk)
    raise AssertionError("unreachable")


def _refresh(runtime: Runtime, platform_id: str, chunk: list[Prepared]) -> None:
    """Find the listings a concurrent request created first, so the chunk updates them."""
    with runtime.db.read_sessionmaker() as reader:
        existing = _existing_listings(reader, platform_id, [p.body["external_id"] for p in chunk])
        current = listings_documents(reader, list(existing.values()))
    for p in chunk:
        p.existing_id = existing.get(p.body["external_id"])
        known = {d.id for d in current.get(p.existing_id, ())}
        p.attached = [d for d in p.attached if d.id not in known]


def _write_chunk(writer: Session, platform_id: str, chunk: list[Prepared]) -> list[Submitted]:
    """New listings with Core statements (one INSERT each for the listings, their documents and
    their decisions, whatever the chunk's size); updates of existing ones through the ORM.

    Everything a new listing's rows hold is built before the first statement: on SQLite that
    statement takes the database's single write lock, which every other writing process then
    waits for until this commits, so the time between the two must be the statements alone."""
    new = _NewRows.build(platform_id, chunk)
    if new.listings:
        connection = writer.connection()
        _INSERT_LISTING.execute(connection, new.listings)
        if new.links:
            _INSERT_LINK.execute(connection, new.links)
        insert_decisions(writer, new.decisions, new_subjects=True)
    results = new.results
    for index, p in enumerate(chunk):
        if p.existing_id:
            results[index] = _update_one(writer, platform_id, p)
    return results


@dataclass
class _NewRows:
    """The rows of a chunk's new listings, built before any statement (see _write_chunk)."""

    results: list[Submitted | None]
    listings: list[dict]
    links: list[dict]
    decisions: list[Decision]

    @classmethod
    def build(cls, platform_id: str, chunk: list[Prepared]) -> _NewRows:
        now = utcnow()
        new = cls([None] * len(chunk), [], [], [])
        for index, p in enumerate(chunk):
            if p.existing_id:
                continue
            listing_id = new_id("lst")
            decision = _decision(platform_id, listing_id, p.evaluation)
            row = _new_listing_row(listing_id, platform_id, p.body, p.merchant.id, now, p.evaluation.outcome,
                                   decision.id)
            listing = built(Listing, row)  # written with Core below: never in a Session
            new.listings.append(row)
            new.links += [{"listing_id": listing.id, "document_id": d.id} for d in p.attached]
            new.decisions.append(decision)
            new.results[index] = Submitted(listing, decision, [d.id for d in p.documents])
        return new


def _write_new(runtime: Runtime, platform_id: str, chunk: list[Prepared]) -> list[Submitted] | None:
    """The hot path's write without a Session, when it can be: every submission in the chunk is a
    new listing whose decision no receiver writes anything for (an allow or a review:
    ``WRITES_NOTHING_FOR_NEW``). Otherwise (or when a concurrent request created one of the
    listings first) None, and the chunk goes through :func:`_write`.

    The same rows as :func:`_write_chunk` writes, without the ORM Session's transaction
    bookkeeping. On PostgreSQL, where a sealer takes the audit entries (gateway.audit.sealing),
    one listing is written in one statement, in autocommit (a statement is atomic): the listing,
    its decision and its pending audit entry, one round trip instead of five with BEGIN and
    COMMIT. Elsewhere, one short transaction that seals the entries into the chain at commit."""
    if any(p.existing_id or p.evaluation.outcome not in WRITES_NOTHING_FOR_NEW for p in chunk):
        return None
    new = _NewRows.build(platform_id, chunk)
    entries = [recorded_entry(d) for d in new.decisions]
    sealer = running_sealer(runtime.db.engine)
    try:
        if sealer is not None and len(chunk) == 1 and not new.links and runtime.db.engine.dialect.name == "postgresql":
            params = {f"listing_{c}": v for c, v in new.listings[0].items()}
            params.update({f"decision_{c}": v for c, v in decision_row(new.decisions[0]).items()})
            params.update({f"entry_{c}": v for c, v in pending_row(entries[0]).items()})
            with runtime.db.autocommit_connection() as connection:
                _INSERT_ONE_LISTING.execute(connection, params)
        else:
            # Every value bound (JSON encoded, datetimes made text) before BEGIN: on SQLite the
            # transaction holds the one write lock, and only the statements should run in it.
            engine = runtime.db.engine
            writes = [_INSERT_LISTING.bind(engine, new.listings)]
            if new.links:
                writes.append(_INSERT_LINK.bind(engine, new.links))
            writes.append(bind_decision_rows(engine, new.decisions))
            if sealer is not None:
                writes.append(bind_pending(engine, entries))
            with engine.begin() as connection:
                for write in writes:
                    write.execute(connection)
                if sealer is None:
                    seal_entries(connection, entries)
    except IntegrityError:  # another request created one of these listings first: they are updates now
        _refresh(runtime, platform_id, chunk)
        return None
    announce_without_session(new.decisions)  # committed: receivers hear of what exists
    if sealer is not None:
        sealer.wake()
    return new.results


_LISTING_COLUMNS = tuple(c.key for c in Listing.__table__.columns)
_INSERT_LISTING = DirectWrite(insert(Listing.__table__), _LISTING_COLUMNS)
_INSERT_LINK = DirectWrite(insert(ListingDocument.__table__), ("listing_id", "document_id"))


def _insert_one_listing():
    """A new listing, its decision and its pending audit entry in one statement (PostgreSQL's
    data-modifying WITH; bind names prefixed ``listing_``, ``decision_``, ``entry_``)."""
    def values(table, prefix: str, columns) -> dict:
        return {c: bindparam(f"{prefix}_{c}", type_=table.c[c].type) for c in columns}

    listing = insert(Listing.__table__).values(values(Listing.__table__, "listing", _LISTING_COLUMNS))
    decision = insert(Decision.__table__).values(values(Decision.__table__, "decision", DECISION_COLUMNS))
    return (insert(AuditPending.__table__).values(values(AuditPending.__table__, "entry", PENDING_COLUMNS))
            .add_cte(listing.cte("new_listing")).add_cte(decision.cte("new_decision")))


_INSERT_ONE_LISTING = DirectWrite(_insert_one_listing(), tuple(
    [f"listing_{c}" for c in _LISTING_COLUMNS] + [f"decision_{c}" for c in DECISION_COLUMNS]
    + [f"entry_{c}" for c in PENDING_COLUMNS]))


def _new_listing_row(listing_id: str, platform_id: str, body: dict, merchant_id: str, now, outcome: str,
                     decision_id: str) -> dict:
    """Every column of a new listing."""
    row = _body_fields(body)
    row.update(id=listing_id, platform_id=platform_id, external_id=body["external_id"], merchant_id=merchant_id,
               created_at=now, updated_at=now, outcome=outcome, decision_id=decision_id)
    return {c: row[c] for c in _LISTING_COLUMNS}  # a column added later must be set here: KeyError until it is


def _body_fields(body: dict) -> dict:
    """The listing columns a submission's body sets (a new listing's row, an update's attributes)."""
    fields = {name: body.get(name) for name in FIELDS}
    fields["description"] = fields["description"] or ""
    fields["registration_key"] = lookup_key(fields["registration_number"]) if fields["registration_number"] else None
    return fields


def _set_fields(listing: Listing, body: dict) -> None:
    for name, value in _body_fields(body).items():
        setattr(listing, name, value)


def _decision(platform_id: str, listing_id: str, evaluation) -> Decision:
    return new_decision(platform_id=platform_id, subject_type="listing", subject_id=listing_id,
                        outcome=evaluation.outcome, reasons=evaluation.reasons,
                        registry_version=evaluation.registry_version, looked_at=evaluation.looked_at,
                        trigger="submitted")


def _update_one(writer: Session, platform_id: str, p: Prepared) -> Submitted:
    body, evaluation = p.body, p.evaluation
    listing = writer.get(Listing, p.existing_id)
    if listing is None:  # deleted since it was read: written anew
        listing = Listing(id=new_id("lst"), platform_id=platform_id, external_id=body["external_id"])
        writer.add(listing)
    listing.merchant_id = p.merchant.id
    _set_fields(listing, body)
    for doc in p.attached:
        writer.add(ListingDocument(listing_id=listing.id, document_id=doc.id))
    decision = _decision(platform_id, listing.id, evaluation)
    insert_decisions(writer, [decision], new_subjects=False)  # before the outcome moves: receivers read the old one
    listing.outcome, listing.decision_id = evaluation.outcome, decision.id
    return Submitted(listing, decision, [d.id for d in p.documents])


def get_listing(session: Session, platform_id: str, listing_id: str) -> Listing:
    """The platform's listing; another platform's answers as if it did not exist."""
    listing = session.get(Listing, listing_id)
    if listing is None or listing.platform_id != platform_id:
        raise NotFound(f"商品 {listing_id} 不存在", f"No listing {listing_id}")
    return listing


def listing_documents(session: Session, listing_id: str) -> list[Document]:
    return list(session.scalars(select(Document).join(ListingDocument, ListingDocument.document_id == Document.id)
                                .where(ListingDocument.listing_id == listing_id).order_by(Document.id)))


def decide(runtime: Runtime, session: Session, listing: Listing, trigger: str,
           notify: bool = True, today: date | None = None) -> tuple[Decision, list]:
    """Evaluate the listing against the current registry and merchant standing.

    ``notify``: send a webhook when the outcome changes. ``today``: the date validity is
    judged on (default today).
    """
    merchant = session.get(Merchant, listing.merchant_id)
    evaluation = evaluate_stored(runtime, session, listing, merchant, listing_documents(session, listing.id),
                                 today=today)
    standing = standing_staff_decision(session, listing.decision_id, listing.outcome, evaluation.outcome,
                                       evaluation.reasons)
    if standing is not None:
        return standing, []  # a reviewer already judged exactly this (the staff console)
    decision = record_decision(session, platform_id=listing.platform_id, subject_type="listing", subject_id=listing.id,
                               outcome=evaluation.outcome, reasons=evaluation.reasons,
                               registry_version=evaluation.registry_version, looked_at=evaluation.looked_at,
                               trigger=trigger, flush=False)
    previous = listing.outcome
    listing.outcome, listing.decision_id = evaluation.outcome, decision.id
    tasks = []
    if notify and previous != evaluation.outcome:
        tasks = emit(session, listing.platform_id, EVENT_FOR_OUTCOME[evaluation.outcome],
                     {"listing_id": listing.id, "external_id": listing.external_id, "merchant_id": merchant.id,
                      "outcome": evaluation.outcome, "previous_outcome": previous, "decision_id": decision.id,
                      "reason_codes": sorted({r.code for r in evaluation.reasons})})
    return decision, tasks


def recheck(runtime: Runtime, session: Session, listing_ids: list[str], trigger: str,
            today: date | None = None) -> list:
    tasks = []
    # The decisions go in one batch at commit, not a flush per listing (each re-check's
    # queries would otherwise flush the one before: a round trip per row).
    with session.no_autoflush:
        for listing_id in listing_ids:
            # Locked (ids come in order, so batches cannot deadlock): two re-checks of one
            # listing at once would both see the old outcome and both send the webhook.
            listing = session.get(Listing, listing_id, with_for_update=True)
            if listing is not None:
                tasks += decide(runtime, session, listing, trigger, today=today)[1]
    return tasks


def listings_of_merchant(session: Session, merchant_id: str) -> list[str]:
    return list(session.scalars(select(Listing.id).where(Listing.merchant_id == merchant_id).order_by(Listing.id)))


@document_read.connect
def on_document_read(document_id: str, session: Session) -> list:
    """Re-check the listings this document is attached to (the printed number is compared
    with the claimed one), in the transaction that records it as read."""
    listings = session.scalars(select(ListingDocument.listing_id)
                               .where(ListingDocument.document_id == document_id)).all()
    if not listings:
        return []
    return [outbox.enqueue(session, TaskName.LISTINGS_RECHECK,
                           {"listing_ids": list(listings), "trigger": "document_processed"})]
