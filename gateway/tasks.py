"""Every task handler of the gateway, registered by importing its area's ``tasks`` module.

Processes that run tasks load this by name (gateway.jobs.handlers.load), so the job
machinery needs no import of the areas above it.
"""
import gateway.documents.tasks  # noqa: F401
import gateway.leads.tasks  # noqa: F401
import gateway.listings.tasks  # noqa: F401
import gateway.merchants.tasks  # noqa: F401
import gateway.monitoring.tasks  # noqa: F401
import gateway.webhooks.tasks  # noqa: F401
import gateway.violations.tasks  # noqa: F401
import gateway.reports.tasks  # noqa: F401
