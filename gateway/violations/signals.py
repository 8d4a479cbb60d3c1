"""What the violations area tells the areas above it (reports), without knowing them."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent when a violation becomes ``reported`` (a stop-and-report one at once, when it is
#: recorded; a correct-then-report one when its deadline passes uncorrected), inside that
#: transaction, with ``sender`` the :class:`~gateway.violations.models.Violation` and
#: ``session`` the transaction. Receivers may write rows there and return the tasks they
#: enqueued (a list): the reports area queues the immediate report to the bureau.
violation_reported = _signals.signal("violation-reported")
