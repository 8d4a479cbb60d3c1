"""What the decisions area tells the areas above it (violations, reports), without knowing them."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent by :mod:`gateway.decisions.services` inside the transaction that records the decision,
#: with ``sender`` the :class:`~gateway.decisions.models.Decision`, ``session`` that transaction
#: and ``new_subject`` true when the subject was created in that transaction (nothing can be
#: open against it yet). Receivers may write rows there (a violation and its evidence) and
#: return the tasks they enqueued (a list, possibly empty); the tasks are enqueued for the
#: sweeper, since ``record_decision``'s callers dispatch only their own.
decision_recorded = _signals.signal("decision-recorded")
