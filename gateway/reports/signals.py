"""What the reports area asks of the areas above it, without knowing them."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent while a periodic report is built, with ``sender`` the platform id and keyword arguments
#: ``session`` and ``period`` (a :class:`verifiers.reports.periods.Period`). Receivers return the
#: platform's leads (线索) received in the period as :class:`verifiers.reports.model.LeadFacts`;
#: they fill 附件2 (网络监测处置情况表). With no receiver, 附件2 counts no leads.
collect_leads = _signals.signal("reports.collect-leads")
