from __future__ import annotations

from datetime import timezone

from sqlalchemy import insert
from sqlalchemy.orm import Session

from gateway.audit.models import AuditEntry
from gateway.audit.services import (
    CoverageCheck,
    content_hash,
    enqueue,
    hashed_rows_check,
    new_entry,
    register_coverage_check,
    register_subject_check,
)
from gateway.db import BoundWrite, DirectWrite, built, utcnow
from gateway.decisions.models import Decision
from gateway.decisions.signals import decision_recorded
from gateway.ids import new_id


def new_decision(*, platform_id: str, subject_type: str, subject_id: str, outcome: str, reasons: list,
                 registry_version: str | None, looked_at: dict, trigger: str, decided_by: str = "rules") -> Decision:
    """A decision with every column set, for :func:`insert_decisions` (written with Core: the
    object never enters a session, so it is :func:`~gateway.db.built`)."""
    return built(Decision, _decision_values(platform_id, subject_type, subject_id, outcome, reasons, registry_version,
                                            looked_at, trigger, decided_by))


def _decision_values(platform_id, subject_type, subject_id, outcome, reasons, registry_version, looked_at, trigger,
                     decided_by) -> dict:
    return {"id": new_id("dec"), "platform_id": platform_id, "subject_type": subject_type, "subject_id": subject_id,
            "outcome": outcome, "reasons": [r.as_dict() if hasattr(r, "as_dict") else r for r in reasons],
            "registry_version": registry_version, "looked_at": looked_at, "trigger": trigger,
            "decided_by": decided_by, "decided_at": utcnow()}


def record_decision(session: Session, *, platform_id: str, subject_type: str, subject_id: str, outcome: str,
                    reasons: list, registry_version: str | None, looked_at: dict, trigger: str,
                    decided_by: str = "rules", flush: bool = True) -> Decision:
    """Record a decision, enter it (its content's SHA-256) in the audit chain, and tell the
    areas above (:data:`~gateway.decisions.signals.decision_recorded`: a block or suspension
    becomes a violation)."""
    decision = Decision(**_decision_values(platform_id, subject_type, subject_id, outcome, reasons, registry_version,
                                           looked_at, trigger, decided_by))
    session.add(decision)
    if flush:
        session.flush()
    _recorded(session, decision, decision_hash(decision), new_subject=False)
    return decision


def insert_decisions(session: Session, decisions: list[Decision], *, new_subjects: bool) -> None:
    """Record decisions built by :func:`new_decision` with one Core INSERT, not the ORM's unit of
    work (the listing hot path: on SQLite the write lock is held while a transaction writes, so
    its writes must cost microseconds, not the ORM's bookkeeping). The rows are written now;
    the objects stay out of the session. ``new_subjects``: every subject was created in this
    transaction, so nothing can be open against it (receivers skip their look-ups)."""
    if not decisions:
        return
    # The hashes first: canonical JSON of what each decision looked at, the costly part.
    hashes = [decision_hash(d) for d in decisions]
    write_decision_rows(session.connection(), decisions)
    for decision, sha256 in zip(decisions, hashes):
        _recorded(session, decision, sha256, new_subject=new_subjects)


def write_decision_rows(connection, decisions: list[Decision]) -> None:
    """The decisions' rows, with one Core INSERT in ``connection``'s transaction (nothing else:
    their audit entries and receivers are the caller's)."""
    bind_decision_rows(connection, decisions).execute(connection)


def bind_decision_rows(bind, decisions: list[Decision]) -> BoundWrite:
    """:func:`write_decision_rows`' INSERT with its values bound now (``bind``: an Engine or a
    Connection), to execute in a write transaction begun later."""
    return _INSERT.bind(bind, [decision_row(d) for d in decisions])


def decision_row(decision: Decision) -> dict:
    """The decision's columns, for a Core INSERT."""
    return {c: getattr(decision, c) for c in DECISION_COLUMNS}


def recorded_entry(decision: Decision, sha256: str | None = None) -> AuditEntry:
    """The decision's ``decision.recorded`` audit entry (``sha256``: its :func:`decision_hash`)."""
    return new_entry(platform_id=decision.platform_id, kind="decision.recorded", subject_type=decision.subject_type,
                     subject_id=decision.subject_id, actor=decision.decided_by,
                     data={"decision_id": decision.id, "outcome": decision.outcome, "trigger": decision.trigger,
                           "reason_codes": [r.get("code") for r in decision.reasons],
                           "sha256": sha256 or decision_hash(decision)})


#: Outcomes of a new subject's decision that no receiver of ``decision_recorded`` writes anything
#: for (gateway.violations.services.on_decision_recorded: a new listing's allow corrects nothing,
#: a review is not a violation), so they may be written without a Session (the listing hot path).
#: A receiver that writes for one of these must take it out of this set.
WRITES_NOTHING_FOR_NEW = frozenset({"allow", "review"})


def announce_without_session(decisions: list[Decision]) -> None:
    """Tell receivers of decisions written without a Session (new subjects, outcomes in
    :data:`WRITES_NOTHING_FOR_NEW`): they are sent ``session=None``."""
    for decision in decisions:
        if decision.outcome not in WRITES_NOTHING_FOR_NEW:
            raise ValueError(f"a {decision.outcome} decision needs a session for its receivers")
        decision_recorded.send(decision, session=None, new_subject=True)


def _recorded(session: Session, decision: Decision, sha256: str, *, new_subject: bool) -> None:
    # Hundreds a second: sealed in batches where a sealer runs (gateway.audit.sealing).
    enqueue(session, recorded_entry(decision, sha256), deferrable=True)
    decision_recorded.send(decision, session=session, new_subject=new_subject)


DECISION_COLUMNS = tuple(c.key for c in Decision.__table__.columns)
_INSERT = DirectWrite(insert(Decision.__table__), DECISION_COLUMNS)


def decision_hash(decision: Decision) -> str:
    """SHA-256 of what a decision says and rests on, as the audit chain records it."""
    return content_hash({"id": decision.id, "platform_id": decision.platform_id, "subject_type": decision.subject_type,
                         "subject_id": decision.subject_id, "outcome": decision.outcome, "reasons": decision.reasons,
                         "registry_version": decision.registry_version, "looked_at": decision.looked_at,
                         "trigger": decision.trigger, "decided_by": decision.decided_by,
                         "decided_at": decision.decided_at.astimezone(timezone.utc).isoformat(timespec="microseconds")})


register_subject_check("decision.recorded", hashed_rows_check(Decision, "decision_id", decision_hash, "决定", "decision"))
register_coverage_check(CoverageCheck("decision.recorded", Decision, "decision_id", Decision.decided_at, "决定",
                                      "decision"))


#: ``decided_by`` of the machine's decisions; a person's is ``staff:<email>``.
MACHINE = "rules"


def _codes(reasons) -> list[str]:
    return sorted(getattr(r, "code", None) or r.get("code") for r in reasons or ())


def standing_staff_decision(session: Session, decision_id: str | None, state: str | None, outcome: str,
                            reasons: list) -> Decision | None:
    """The person's decision that a machine re-check must leave in place, if any.

    ``decision_id`` (the subject's current decision) is a person's, taken over a machine
    decision that said exactly what the re-check says now (the same outcome and reason
    codes): the facts the person judged have not changed, so deciding again would only undo
    the judgement (and flip the platform's webhook back). New facts (another outcome or
    another code) are decided afresh, and so is a subject whose ``state`` is no longer what
    the person decided (a rejected merchant that sent new documents is pending again).
    """
    current = session.get(Decision, decision_id) if decision_id else None
    if current is None or current.decided_by == MACHINE or current.outcome != state:
        return None
    replaced_id = ((current.looked_at or {}).get("staff") or {}).get("replaces_decision_id")
    replaced = session.get(Decision, replaced_id) if replaced_id else None
    if replaced is None or replaced.decided_by != MACHINE:
        return None
    return current if replaced.outcome == outcome and _codes(replaced.reasons) == _codes(reasons) else None
