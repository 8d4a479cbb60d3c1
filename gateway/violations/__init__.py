"""Violations (违法违规行为) and the evidence frozen when they were found (design §7,
GSP-NET Arts 39(5), 41, 42, 45, 46)."""

#: A violation's ``status``: open -> reported (owed to the bureau) or corrected (put right first);
#: reported -> closed (put right after it was reported).
STATUSES = ("open", "reported", "corrected", "closed")
#: Its legal ``tier`` (GSP-NET Art 42; verifiers/rules/codes.py LegalTier).
TIERS = ("stop_and_report", "correct_then_report", "none")
#: The ``action`` the platform took.
ACTIONS = ("blocked", "suspended", "service_stopped", "rectification_ordered")
