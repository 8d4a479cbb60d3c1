"""A platform's rule settings (``platforms.settings``) turned into the rules' Policy."""
from __future__ import annotations

from datetime import date

from gateway.documents.models import Document
from gateway.tenancy.models import Platform
from verifiers.rules.facts import DocumentFacts, Policy

#: Settings a platform may change, with what each means.
SETTINGS = {
    "notice_severity": "severity of NOTICE_MISSING: info (default), review or block",
    "focus_severity": "per focus category id, a severity replacing the default",
    "min_confidence": "OCR confidence below which a field goes to review (default 0.85)",
    "retail": "listings are retail (the retail notice applies); default true",
    "report_routing": "seller_municipal (default), platform_provincial, or both",
}


def policy_for(platform: Platform, today: date | None = None) -> Policy:
    return _policy(platform.settings or {}, today)


class PolicyCache:
    """Platforms' policies, re-read at most every ``ttl`` seconds: every listing decision
    needs one, and settings change rarely."""

    def __init__(self, ttl: float = 10.0):
        import threading

        self.ttl = ttl
        self._entries: dict[str, tuple[float, dict]] = {}
        self._lock = threading.Lock()

    def get(self, session, platform_id: str, today: date | None = None) -> Policy:
        import time

        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(platform_id)
        if hit is None or hit[0] < now:
            platform = session.get(Platform, platform_id)
            hit = (now + self.ttl, dict(platform.settings or {}))
            with self._lock:
                self._entries[platform_id] = hit
        return _policy(hit[1], today)


def _policy(settings: dict, today: date | None) -> Policy:
    return Policy(today=today or date.today(), notice_severity=settings.get("notice_severity", "info"),
                  focus_severity=dict(settings.get("focus_severity", {})),
                  min_confidence=float(settings.get("min_confidence", 0.85)), retail=bool(settings.get("retail", True)))


def document_facts(document: Document) -> DocumentFacts:
    return DocumentFacts(id=document.id, status=document.status, type=document.type, fields=document.fields or {},
                         error=document.error, sha256=document.sha256)
