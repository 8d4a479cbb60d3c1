from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.db import utcnow
from gateway.decisions.models import Decision
from gateway.ids import new_id


def record_decision(session: Session, *, platform_id: str, subject_type: str, subject_id: str, outcome: str,
                    reasons: list, registry_version: str | None, looked_at: dict, trigger: str,
                    decided_by: str = "rules", flush: bool = True) -> Decision:
    decision = Decision(id=new_id("dec"), platform_id=platform_id, subject_type=subject_type, subject_id=subject_id, outcome=outcome,
                        reasons=[r.as_dict() if hasattr(r, "as_dict") else r for r in reasons],
                        registry_version=registry_version, looked_at=looked_at, trigger=trigger,
                        decided_by=decided_by, decided_at=utcnow())
    session.add(decision)
    if flush:
        session.flush()
    return decision
