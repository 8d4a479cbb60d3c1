"""A platform's rule settings (``platforms.settings``) turned into the rules' Policy."""
from __future__ import annotations

import logging
import threading
from datetime import date

from cachetools import TTLCache

from gateway.tenancy.models import Platform
from verifiers.rules.codes import CODES, SEVERITY_RANK, at_least
from verifiers.rules.facts import Policy

log = logging.getLogger(__name__)

#: Settings a platform may change, with what each means.
SETTINGS = {
    "notice_severity": "severity of NOTICE_MISSING: info (default), review or block",
    "focus_severity": "per focus category id, a severity replacing the default",
    "min_confidence": "OCR confidence below which a field goes to review (default 0.85)",
    "retail": "listings are retail (the retail notice applies); default true",
    "report_routing": "seller_municipal (default), platform_provincial, or both",
    "rectification_hours": "hours a merchant has to correct a correct-then-report violation before it is reported "
                           "to the bureau (GSP-NET Art 42 ¶1; default 24)",
    "lead_due_days": "days to answer a lead that came without the bureau's deadline (default 15; gateway/leads)",
    "severity": "per reason code, a severity replacing the default: stricter freely, laxer never below "
                "the code's legal tier (GSP-NET Art 42; see docs/rules.md)",
    "overturn_requires_second_reviewer": "true: a reviewer's overturn of a machine block (approving what the rules "
                                         "rejected, blocked or suspended) waits for a second reviewer in the console",
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


def _floored(code: str, severity, setting: str) -> str:
    """``severity`` for ``code``, never laxer than the code's legal tier allows: a platform may
    make a rule stricter, not let a stop-and-report violation go live (GSP-NET Art 42 ¶2)."""
    spec = CODES.get(code)
    if spec is None or severity not in SEVERITY_RANK:
        log.warning("platform setting %s ignores %r for %s: not a reason code and severity", setting, severity, code)
        return spec.severity if spec else "info"
    floored = at_least(severity, spec.tier.floor)
    if floored != severity:
        log.warning("platform setting %s asks %s for %s, laxer than its legal tier %s allows; using %s",
                    setting, severity, code, spec.tier.value, floored)
    return floored


def _policy(settings: dict, today: date | None) -> Policy:
    severity = {code: _floored(code, value, "severity") for code, value in dict(settings.get("severity", {})).items()
                if code in CODES}
    focus_floor = CODES["FOCUS_CATEGORY"].tier.floor
    return Policy(today=today or date.today(),
                  notice_severity=_floored("NOTICE_MISSING", settings.get("notice_severity", "info"), "notice_severity"),
                  focus_severity={k: at_least(v, focus_floor) for k, v in dict(settings.get("focus_severity", {})).items()
                                  if v in SEVERITY_RANK},
                  min_confidence=float(settings.get("min_confidence", 0.85)), retail=bool(settings.get("retail", True)),
                  severity=severity)

