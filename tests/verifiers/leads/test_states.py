"""The lead's state machine: one step at a time, and which disposals may be combined."""
import pytest

from verifiers.leads.states import STATES, TransitionNotAllowed, check_disposal, check_transition


def test_the_loop_moves_one_step_at_a_time():
    path = ["received", "assigned", "verifying", "disposed", "answered", "closed"]
    assert list(STATES) == path
    for current, target in zip(path, path[1:]):
        check_transition(current, target)
    check_transition("verifying", "assigned")  # handed to another reviewer
    for current, target in (("received", "verifying"), ("disposed", "verifying"), ("closed", "received"),
                            ("answered", "disposed"), ("received", "closed")):
        with pytest.raises(TransitionNotAllowed) as info:
            check_transition(current, target)
        assert info.value.current == current
    assert check_disposal(["no_violation"]) is None
    assert check_disposal(["rectification_ordered", "listing_removed"]) is None
    assert "combined" in check_disposal(["no_violation", "listing_removed"])
    assert "at least one" in check_disposal([])
    assert "unknown" in check_disposal(["fined"])
