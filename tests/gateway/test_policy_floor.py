"""Platform policy may make a rule stricter, never laxer than its legal tier (GSP-NET Art 42)."""
from gateway.policy import _policy


def test_a_platform_cannot_let_a_stop_and_report_violation_go_live():
    # A platform asking that unlicensed sellers only be noted (info) gets review at least:
    # GSP-NET Art 42 ¶2 says stop the service.
    policy = _policy({"severity": {"LICENCE_NOT_FOUND": "info", "UNDECLARED_DEVICE": "info"}}, None)
    assert policy.severity == {"LICENCE_NOT_FOUND": "review", "UNDECLARED_DEVICE": "review"}


def test_a_platform_may_make_any_rule_stricter():
    policy = _policy({"severity": {"REGISTRANT_MISMATCH": "block", "FOCUS_CATEGORY": "review"},
                      "notice_severity": "block"}, None)
    assert policy.severity == {"REGISTRANT_MISMATCH": "block", "FOCUS_CATEGORY": "review"}
    assert policy.notice_severity == "block"


def test_correct_then_report_rules_may_stay_informational():
    # Art 42 ¶1 asks for a correction, not a stop: a missing notice may stay info.
    assert _policy({"notice_severity": "info", "severity": {"REGISTRANT_MISMATCH": "info"}}, None).severity == {
        "REGISTRANT_MISMATCH": "info"}


def test_unknown_codes_and_severities_are_ignored():
    policy = _policy({"severity": {"NOT_A_CODE": "block", "REGNO_NOT_FOUND": "severe"}}, None)
    assert policy.severity == {"REGNO_NOT_FOUND": "block"}
