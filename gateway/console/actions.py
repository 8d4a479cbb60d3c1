"""What a reviewer does to a case, each with a written reason.

Every action becomes a decision (``decided_by`` ``staff:<email>``, trigger
``staff_action``, the reason and the decision it replaces in ``looked_at["staff"]``),
sends the platform its webhook and, being a decision, enters the audit record. A
reviewer's overturn of a machine block (approving what the rules rejected, blocked or
suspended) waits for a second, different reviewer when the platform's setting
``overturn_requires_second_reviewer`` is on.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from gateway.audit.services import append as audit
from gateway.console.accounts import Staff
from gateway.console.cases import (
    ACTIONS,
    ensure_free_for,
    get_subject,
    pending_overturn,
    release_claim,
    state_of,
)
from gateway.console.models import PendingOverturn
from gateway.db import utcnow
from gateway.decisions.models import Decision
from gateway.decisions.services import record_decision
from gateway.errors import Conflict, field_error
from gateway.jobs import outbox
from gateway.jobs.names import TaskName
from gateway.merchants.models import Merchant
from gateway.tenancy.models import Platform
from gateway.webhooks.services import emit

SECOND_REVIEWER_SETTING = "overturn_requires_second_reviewer"
MIN_REASON = 4
MAX_REASON = 2000
TRIGGER = "staff_action"
MACHINE = "rules"
#: Events for the state a person's decision leads to; a resubmission request has its own.
EVENTS = {"merchant": {"approved": "merchant.approved", "rejected": "merchant.rejected",
                       "suspended": "merchant.suspended"},
          "listing": {"allow": "listing.allowed", "block": "listing.blocked"}}
RESUBMISSION_EVENTS = {"merchant": "merchant.resubmission_requested", "listing": "listing.resubmission_requested"}
BLOCKED = {"rejected", "suspended", "block"}
CLEARED = {"approved", "allow"}


@dataclass
class ActionResult:
    #: decided: the decision is recorded; proposed: an overturn awaits a second reviewer.
    outcome: str
    decision: Decision | None
    tasks: list


def _reason(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) < MIN_REASON:
        raise field_error("form", "reason", f"请填写理由（至少 {MIN_REASON} 个字）",
                          f"Write the reason (at least {MIN_REASON} characters)")
    return text[:MAX_REASON]


def is_machine_block(kind: str, subject, decision: Decision | None) -> bool:
    """The case stands blocked by the rules (not by a person)."""
    if state_of(subject) not in BLOCKED:
        return False
    if kind == "merchant" and subject.status == "suspended":
        return (subject.suspended_by or MACHINE) == MACHINE
    return decision is None or decision.decided_by == MACHINE


def second_reviewer_required(platform: Platform) -> bool:
    return bool((platform.settings or {}).get(SECOND_REVIEWER_SETTING))


def act(session: Session, staff: Staff, kind: str, subject_id: str, action: str, reason: str,
        deficiencies: list[int] | None = None, extra_deficiencies: list[str] | None = None) -> ActionResult:
    """Carry out ``action`` on the case in the caller's transaction; returns the tasks to
    dispatch after commit. ``deficiencies``: indexes of the current decision's reasons to
    send back (request_resubmission); ``extra_deficiencies``: more, written by the reviewer."""
    reason = _reason(reason)
    if action not in ACTIONS:
        raise field_error("form", "action", "未知的操作", "Unknown action")
    subject = get_subject(session, staff, kind, subject_id, lock=True)
    ensure_free_for(session, staff, kind, subject_id)
    applies_to, target = ACTIONS[action][kind]
    state = state_of(subject)
    if state not in applies_to:
        raise Conflict(f"当前状态 {state} 下不能执行此操作", f"This action does not apply to a case in state {state}",
                       code="action-not-applicable")
    current = session.get(Decision, subject.decision_id) if subject.decision_id else None
    platform = session.get(Platform, subject.platform_id)
    staff_record = {"action": action, "reason": reason, "by": staff.email,
                    "replaces_decision_id": current.id if current else None}
    if target in CLEARED and is_machine_block(kind, subject, current) and second_reviewer_required(platform):
        proposal = pending_overturn(session, kind, subject_id)
        if proposal is not None and proposal.decision_id != subject.decision_id:
            proposal.status = "stale"  # the machine decided again since: propose afresh
            proposal = None
        if proposal is None:
            session.add(PendingOverturn(platform_id=subject.platform_id, subject_type=kind, subject_id=subject_id,
                                        action=action, reason=reason, decision_id=subject.decision_id,
                                        proposed_by=staff.email, proposed_at=utcnow(), status="pending"))
            session.flush()
            audit(session, platform_id=subject.platform_id, kind="console.overturn_proposed", subject_type=kind,
                  subject_id=subject_id, actor=staff.actor,
                  data={"action": action, "reason": reason, "decision_id": subject.decision_id})
            return ActionResult("proposed", None, [])
        if proposal.proposed_by == staff.email:
            raise Conflict("推翻系统拦截需要另一位审核人员确认", "Overturning a machine block needs a second reviewer",
                           code="second-reviewer-required")
        proposal.status, proposal.decided_by, proposal.decided_at = "confirmed", staff.email, utcnow()
        staff_record["proposed_by"] = proposal.proposed_by
        staff_record["proposal_reason"] = proposal.reason
    previous_reasons = list(current.reasons or []) if current else []
    chosen: list[dict] = []
    extra = [line.strip()[:500] for line in (extra_deficiencies or []) if line.strip()]
    if action == "request_resubmission":
        chosen = [previous_reasons[i] for i in sorted(set(deficiencies or [])) if 0 <= i < len(previous_reasons)]
        if not chosen and not extra:
            raise field_error("form", "deficiencies", "请至少列出一项需补正的问题",
                              "List at least one deficiency to correct")
        staff_record["deficiencies"] = [*chosen, *({"message": x, "message_en": x} for x in extra)]
        reasons = chosen
    elif target in CLEARED:
        reasons = []
    else:
        reasons = previous_reasons
    decision = record_decision(session, platform_id=subject.platform_id, subject_type=kind, subject_id=subject_id,
                               outcome=target, reasons=reasons,
                               registry_version=current.registry_version if current else None,
                               looked_at={**((current.looked_at or {}) if current else {}), "staff": staff_record},
                               trigger=TRIGGER, decided_by=staff.actor[:120])
    tasks = _apply(session, kind, subject, target, decision, action, staff)
    release_claim(session, staff, kind, subject_id)
    return ActionResult("decided", decision, tasks)


def _apply(session: Session, kind: str, subject, target: str, decision: Decision, action: str, staff: Staff) -> list:
    previous = state_of(subject)
    codes = sorted({r.get("code") for r in decision.reasons or [] if r.get("code")})
    if kind == "merchant":
        subject.status, subject.decision_id, subject.reverifying = target, decision.id, False
        subject.verified_at = utcnow()
        subject.suspended_by = staff.actor[:120] if target == "suspended" else None
        data = {"merchant_id": subject.id, "external_id": subject.external_id, "status": target}
    else:
        subject.outcome, subject.decision_id = target, decision.id
        data = {"listing_id": subject.id, "external_id": subject.external_id, "merchant_id": subject.merchant_id,
                "outcome": target, "previous_outcome": previous}
    data.update({"decision_id": decision.id, "reason_codes": codes, "decided_by": "staff", "action": action})
    if action == "request_resubmission":
        event = RESUBMISSION_EVENTS[kind]
        data["deficiencies"] = [{"code": d.get("code"), "field": d.get("field"), "message": d.get("message"),
                                 "message_en": d.get("message_en")} for d in decision.looked_at["staff"]["deficiencies"]]
    else:
        event = EVENTS[kind][target]
    tasks = emit(session, subject.platform_id, event, data)
    if isinstance(subject, Merchant) and target != previous:
        # The merchant's standing changed: its listings are decided again (MERCHANT_SUSPENDED …).
        tasks.append(outbox.enqueue(session, TaskName.MERCHANT_LISTINGS_RECHECK,
                                    {"merchant_id": subject.id, "trigger": "merchant_status"}))
    return tasks


def withdraw_overturn(session: Session, staff: Staff, kind: str, subject_id: str) -> None:
    """The proposer (or an administrator) takes a pending overturn back."""
    get_subject(session, staff, kind, subject_id)
    proposal = pending_overturn(session, kind, subject_id)
    if proposal is None:
        return
    if proposal.proposed_by != staff.email and not staff.is_admin:
        raise Conflict("只有提议人或管理员可以撤回", "Only the proposer or an administrator can withdraw it")
    proposal.status, proposal.decided_by, proposal.decided_at = "withdrawn", staff.email, utcnow()
    audit(session, platform_id=proposal.platform_id, kind="console.overturn_withdrawn", subject_type=kind,
          subject_id=subject_id, actor=staff.actor, data={"proposal_id": proposal.id})
