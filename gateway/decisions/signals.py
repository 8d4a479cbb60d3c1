"""What the decisions area tells the areas above it (violations, reports), without knowing them."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent by :func:`gateway.decisions.services.record_decision` inside the transaction that
#: records the decision, with ``sender`` the :class:`~gateway.decisions.models.Decision` and
#: ``session`` that transaction. Receivers may write rows there (a violation and its
#: evidence) and return the tasks they enqueued (a list, possibly empty); the tasks are
#: enqueued for the sweeper, since ``record_decision``'s callers dispatch only their own.
decision_recorded = _signals.signal("decision-recorded")
