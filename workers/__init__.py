"""Background jobs (rq on Redis, or in-process): OCR and verification, webhooks, reports."""
