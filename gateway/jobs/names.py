"""Every kind of background task, by name, and the rq queue it runs on.

A task row names its kind; the handler for it is registered beside the services of its
area (``gateway/<area>/tasks.py``) and found by that name. Naming every kind here, once,
lets any area enqueue another area's work without importing it.
"""
from __future__ import annotations

from enum import StrEnum


class TaskName(StrEnum):
    DOCUMENT_PROCESS = "document.process"
    MERCHANT_VERIFY = "merchant.verify"
    LISTINGS_RECHECK = "listing.recheck"
    MERCHANT_LISTINGS_RECHECK = "merchant.listings_recheck"
    REGISTRY_REEVALUATE = "registry.reevaluate"
    WEBHOOK_DELIVER = "webhook.deliver"
    CATALOGUE_RESCREEN = "catalogue.rescreen"
    LEAD_MATCH = "lead.match"
    LEADS_OVERDUE = "lead.overdue_sweep"
    LEAD_ANSWER = "lead.answer"
    REPORT_GENERATE = "report.generate"
    REPORT_DELIVER = "report.deliver"
    REPORTS_SCHEDULED = "report.scheduled"
    MONITOR_SWEEP = "monitor.sweep"
    VIOLATIONS_ESCALATE = "violations.escalate"

    @property
    def queue(self) -> str:
        return queue_for(self)


#: OCR is slow and gets its own queue, so quick decisions and webhooks never wait behind
#: a pile of scans; webhooks (and report deliveries, also calls to someone else's server) get
#: theirs so one slow receiver cannot hold up decisions. Generating reports comes last: a burst
#: of violations brings one immediate report each (~0.1 s of CPU apiece), and in the soak
#: (benchmarks/soak.py) tens of thousands of them on the default queue left merchants' licences
#: unread behind them; a backlog of reports now waits for onboarding, not the other way round.
_QUEUES = {TaskName.DOCUMENT_PROCESS: "ocr", TaskName.WEBHOOK_DELIVER: "webhooks",
           TaskName.REPORT_DELIVER: "webhooks", TaskName.REPORT_GENERATE: "reports"}
#: In the order a worker takes them (``qingwang worker --queues``).
QUEUES = ("default", "webhooks", "ocr", "reports")


def queue_for(kind: str) -> str:
    """The queue a task kind runs on; kinds named elsewhere (plug-ins, tests) run on default."""
    return _QUEUES.get(kind, "default")
