"""Every table, imported in one place so Alembic and tests see the whole schema."""
from gateway.db import Base  # noqa: F401
from gateway.documents.models import Document  # noqa: F401
from gateway.idempotency import IdempotencyRecord  # noqa: F401
from gateway.jobs.models import Task  # noqa: F401
from gateway.registry.models import RegistryDevice, RegistryEnterprise, RegistrySnapshot  # noqa: F401
from gateway.tenancy.models import ApiKey, Platform, StaffUser  # noqa: F401
