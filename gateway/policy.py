"""A platform's rule settings (``platforms.settings``) turned into the rules' Policy."""
from __future__ import annotations

import threading
from datetime import date

from cachetools import TTLCache

from gateway.tenancy.models import Platform
from verifiers.rules.facts import Policy

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
    """Platforms' settings, re-read at most every ``ttl`` seconds: every listing decision
    needs a policy, and settings change rarely."""

    def __init__(self, ttl: float = 10.0, max_platforms: int = 10_000):
        self._settings: TTLCache[str, dict] = TTLCache(maxsize=max_platforms, ttl=ttl)
        self._lock = threading.Lock()  # cachetools caches are not thread-safe

    def get(self, session, platform_id: str, today: date | None = None) -> Policy:
        with self._lock:
            settings = self._settings.get(platform_id)
        if settings is None:
            settings = dict(session.get(Platform, platform_id).settings or {})
            with self._lock:
                self._settings[platform_id] = settings
        return _policy(settings, today)


def _policy(settings: dict, today: date | None) -> Policy:
    return Policy(today=today or date.today(), notice_severity=settings.get("notice_severity", "info"),
                  focus_severity=dict(settings.get("focus_severity", {})),
                  min_confidence=float(settings.get("min_confidence", 0.85)), retail=bool(settings.get("retail", True)))
