from __future__ import annotations

from datetime import timezone

from sqlalchemy.orm import Session

from gateway.audit.services import append, content_hash, hashed_rows_check, register_subject_check
from gateway.db import utcnow
from gateway.decisions.models import Decision
from gateway.decisions.signals import decision_recorded
from gateway.ids import new_id


def record_decision(session: Session, *, platform_id: str, subject_type: str, subject_id: str, outcome: str,
                    reasons: list, registry_version: str | None, looked_at: dict, trigger: str,
                    decided_by: str = "rules", flush: bool = True) -> Decision:
    """Record a decision, enter it (its content's SHA-256) in the audit chain, and tell the
    areas above (:data:`~gateway.decisions.signals.decision_recorded`: a block or suspension
    becomes a violation)."""
    decision = Decision(id=new_id("dec"), platform_id=platform_id, subject_type=subject_type, subject_id=subject_id, outcome=outcome,
                        reasons=[r.as_dict() if hasattr(r, "as_dict") else r for r in reasons],
                        registry_version=registry_version, looked_at=looked_at, trigger=trigger,
                        decided_by=decided_by, decided_at=utcnow())
    session.add(decision)
    if flush:
        session.flush()
    append(session, platform_id=platform_id, kind="decision.recorded", subject_type=subject_type,
           subject_id=subject_id, actor=decided_by,
           data={"decision_id": decision.id, "outcome": outcome, "trigger": trigger,
                 "reason_codes": [r.get("code") for r in decision.reasons], "sha256": decision_hash(decision)})
    decision_recorded.send(decision, session=session)
    return decision


def decision_hash(decision: Decision) -> str:
    """SHA-256 of what a decision says and rests on, as the audit chain records it."""
    return content_hash({"id": decision.id, "platform_id": decision.platform_id, "subject_type": decision.subject_type,
                         "subject_id": decision.subject_id, "outcome": decision.outcome, "reasons": decision.reasons,
                         "registry_version": decision.registry_version, "looked_at": decision.looked_at,
                         "trigger": decision.trigger, "decided_by": decision.decided_by,
                         "decided_at": decision.decided_at.astimezone(timezone.utc).isoformat(timespec="microseconds")})


register_subject_check("decision.recorded", hashed_rows_check(Decision, "decision_id", decision_hash, "决定", "decision"))
