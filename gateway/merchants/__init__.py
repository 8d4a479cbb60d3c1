"""Merchants (入驻企业): onboarding verification and standing."""

STATUSES = ("pending", "approved", "rejected", "needs_review", "suspended")
