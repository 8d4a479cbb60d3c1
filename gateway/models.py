"""Every table, imported in one place so Alembic and tests see the whole schema."""
from gateway.db import Base  # noqa: F401
from gateway.audit.models import AuditChainHead, AuditEntry  # noqa: F401
from gateway.claims.models import ClaimEntry, ClaimListVersion  # noqa: F401
from gateway.console.models import CaseClaim, ConsoleSession, LoginThrottle, PendingOverturn  # noqa: F401
from gateway.decisions.models import Decision  # noqa: F401
from gateway.documents.models import Document  # noqa: F401
from gateway.idempotency import IdempotencyRecord  # noqa: F401
from gateway.jobs.models import Task  # noqa: F401
from gateway.leads.models import Lead, LeadDocument, LeadEvent, LeadMatch  # noqa: F401
from gateway.listings.models import Listing, ListingDocument  # noqa: F401
from gateway.merchants.models import Merchant, MerchantDocument  # noqa: F401
from gateway.monitoring.models import ExpiryWarning, MonitorRun, ScreeningRun  # noqa: F401
from gateway.registry.models import RegistryDevice, RegistryEnterprise, RegistrySnapshot  # noqa: F401
from gateway.tenancy.models import ApiKey, Platform, StaffUser  # noqa: F401
from gateway.webhooks.models import WebhookDelivery, WebhookEndpoint  # noqa: F401
from gateway.reports.models import Report, ReportChannel, ReportDelivery, ReportSchedule  # noqa: F401
from gateway.violations.models import Evidence, Violation, ViolationCode  # noqa: F401
