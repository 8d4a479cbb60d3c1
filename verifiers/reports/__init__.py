"""What a platform owes the drug regulators, as data and files (监管报告).

Pure, like the rest of ``verifiers/``: the gateway reads violations, leads and platform settings
from its database, turns them into the frozen facts of :mod:`~verifiers.reports.model`, and gets
back forms and bytes. Nothing here touches Flask, a database or a queue.

- :mod:`~verifiers.reports.model`: the input facts and the reason code -> violation type mapping
- :mod:`~verifiers.reports.periods`: ``2026-11`` / ``2026-Q4`` / ``2026`` -> date range and label
- :mod:`~verifiers.reports.routing`: division code -> the bureau a report goes to
- :mod:`~verifiers.reports.forms`: 附件1, 附件2, the case list, the immediate per-case report
- ``render_xlsx``, ``render_pdf``, ``render_json``: the same content in three formats
"""
