"""What a platform owes the drug regulators, as data and files (监管报告).

Pure, like the rest of ``verifiers/``: the gateway reads violations, leads and platform settings
from its database, turns them into the frozen facts of :mod:`~verifiers.reports.model`, and gets
back forms and bytes. Nothing here touches Flask, a database or a queue.

- :mod:`~verifiers.reports.model`: the input facts and the reason code -> violation type mapping
- :mod:`~verifiers.reports.periods`: ``2026-11`` / ``2026-Q4`` / ``2026`` -> date range and label
- :mod:`~verifiers.reports.routing`: division code -> the bureau a report goes to
- :mod:`~verifiers.reports.forms`: 附件1, 附件2, the case list, the immediate per-case report
- ``render_xlsx``, ``render_pdf``, ``render_json``: the same content in three formats
- :mod:`~verifiers.reports.fonts`: the CJK font the PDFs embed

Decisions a reader should know about:

- Blank is not zero. A form cell the platform cannot know (penalties, the platform row of 附件1,
  an unknown 监督检查企业数) is ``None`` and renders empty in every format.
- Chinese first. The forms render in Chinese exactly as the bureaus lay them out (``lang="zh"``,
  the default), because that is what a bureau files; ``lang="bilingual"`` puts the English label
  under each Chinese one for staff who read English. The data are never translated. JSON always
  carries both labels, so it needs no ``lang``.
- One case list, three views. The XLSX and JSON carry every case with its evidence references;
  the PDF lists up to 1,000 (stop-and-report first) and prints the SHA-256 of the full list.
- Routing is data. ``verifiers/data/divisions.csv`` maps division codes to bureaus; names that
  come from a pattern say so (``Bureau.confirmed``) until the data confirm them.
"""
