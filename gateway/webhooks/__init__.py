"""Signed webhooks to platforms (Standard Webhooks), delivered at least once with backoff."""

EVENTS = ("merchant.approved", "merchant.rejected", "merchant.needs_review", "merchant.suspended",
          "listing.blocked", "listing.allowed", "listing.needs_review", "licence.expiring",
          "registration.expiring", "violation.reported", "report.delivered",
          "lead.received", "lead.overdue", "webhook.test",
          # a reviewer in the staff console asks for corrected documents, every deficiency listed at once
          "merchant.resubmission_requested", "listing.resubmission_requested")
