"""The staff console (合规人员控制台): server-rendered pages under /console for compliance staff.

Reviewers work the cases the machine could not decide (the review queue), see what each
decision rested on, and decide with a written reason; administrators manage users and
the platform's webhook. Pages are Jinja templates served by one Flask blueprint, with a
little vanilla JavaScript that the pages do not need to be read.
"""
from __future__ import annotations

#: Modules whose views make up the console; another area's pages are added here.
PAGES = ("gateway.console.views", "gateway.console.admin_views", "gateway.console.violations_views",
         "gateway.console.reports_views", "gateway.console.leads_views")


def init_app(app) -> None:
    """Register the console: its blueprint, server-side sessions and CSRF protection for its
    forms (only its forms: the API authenticates by key, not by cookie)."""
    import importlib

    from gateway.console.sessions import DatabaseSessionInterface
    from gateway.console.web import bp, csrf

    for module in PAGES:
        importlib.import_module(module)
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked in the console's before_request
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # as long as the session, which expires itself
    # Served over HTTPS (PUBLIC_BASE_URL says so): the session cookie never travels in clear.
    base_url = app.extensions["qingwang"].settings.public_base_url or ""
    if base_url.startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
    app.session_interface = DatabaseSessionInterface()
    csrf.init_app(app)
    app.register_blueprint(bp)
