"""A lead's states and the moves between them (监测—分办—核查—反馈, closed loop).

``received`` (已接收) -> ``assigned`` (已分办, a reviewer named) -> ``verifying`` (核查中) ->
``disposed`` (已处置: what was done recorded) -> ``answered`` (已反馈: the answer sent to the
bureau) -> ``closed`` (已办结). A lead may be handed to another reviewer while it is assigned
or being verified (back to ``assigned``); nothing else moves backwards, and nothing skips a
step: a bureau reads the answer as proof that each step happened.
"""
from __future__ import annotations

from verifiers.reports.model import ACTION_KINDS, LEAD_SOURCES, LEAD_STATES

STATES = tuple(LEAD_STATES)  # received, assigned, verifying, disposed, answered, closed
SOURCES = tuple(LEAD_SOURCES)
#: state -> the states it may move to
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "received": ("assigned",),
    "assigned": ("assigned", "verifying"),
    "verifying": ("assigned", "disposed"),
    "disposed": ("answered",),
    "answered": ("closed",),
    "closed": (),
}
#: States in which a lead still owes the bureau its answer: past the deadline, it is overdue.
OPEN_STATES = ("received", "assigned", "verifying", "disposed")

#: What a disposal may record (GSP-NET Arts 42, 45, 46): "no violation found", or what was done.
#: ``no_violation`` stands alone; the rest may be combined (rectification ordered and listing removed).
NO_VIOLATION = "no_violation"
DISPOSAL_ACTIONS: dict[str, tuple[str, str]] = {
    NO_VIOLATION: ("经核查未发现违法违规行为", "no violation found"),
    **{k: ACTION_KINDS[k] for k in ("rectification_ordered", "listing_removed", "merchant_suspended",
                                     "service_stopped", "listing_blocked", "interviewed", "referred_police",
                                     "referred_cyberspace", "exposed")},
}


class TransitionNotAllowed(ValueError):
    """A move the state machine does not have."""

    def __init__(self, current: str, target: str):
        self.current, self.target = current, target
        self.allowed = TRANSITIONS.get(current, ())
        super().__init__(f"lead cannot move from {current} to {target}")


def check_transition(current: str, target: str) -> None:
    """Raise :class:`TransitionNotAllowed` unless ``current`` may move to ``target``."""
    if target not in TRANSITIONS.get(current, ()):
        raise TransitionNotAllowed(current, target)


def check_disposal(actions: list[str]) -> str | None:
    """Why a disposal's action kinds are not acceptable (English), or None."""
    if not actions:
        return "a disposal records at least one action"
    unknown = sorted(set(actions) - DISPOSAL_ACTIONS.keys())
    if unknown:
        return f"unknown action {', '.join(unknown)}"
    if NO_VIOLATION in actions and len(set(actions)) > 1:
        return "no_violation cannot be combined with an action taken"
    return None
