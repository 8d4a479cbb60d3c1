"""The console's blueprint and what every page shares: the signed-in user, the language,
CSRF on every form, the navigation, and errors as HTML pages.

Another area adds pages by adding a module of views here (registered in
``gateway.console.init_app``) that decorates its functions with ``@bp.get``/``@bp.post``
and ``@staff_required``, renders templates extending ``console/base.html``, and names its
navigation entry in ``NAV`` (entries whose view does not exist yet are not shown).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import Select, func, select

from gateway import web
from gateway.console import accounts
from gateway.console.text import translate
from gateway.errors import ServiceError

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates", static_folder="static",
               static_url_path="/static")
csrf = CSRFProtect()
LANG_COOKIE = "qw_lang"
LANGS = ("zh", "en")


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    text: str
    admin_only: bool = False


#: The navigation, in order. Violations, reports and leads pages belong to their areas' helpers:
#: their entries appear once a view with that endpoint is registered.
NAV = [NavItem("console.queue", "queue"), NavItem("console.violations", "violations"),
       NavItem("console.reports", "reports"), NavItem("console.leads", "leads"),
       NavItem("console.users", "users", admin_only=True), NavItem("console.platforms", "platforms", admin_only=True)]


def lang() -> str:
    return g.get("console_lang", "zh")


def t(key: str, **values) -> str:
    return translate(key, lang(), **values)


def pick(zh: str | None, en: str | None) -> str:
    """A stored message in the page's language (reasons carry ``message`` and ``message_en``)."""
    return (en or zh or "") if lang() == "en" else (zh or en or "")


def runtime():
    return web.runtime()


def staff() -> accounts.Staff:
    return g.staff


def staff_required(view):
    """Signed-in users only; others go to the sign-in page and come back."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        user = accounts.current(runtime().db, session.get("user_id"))
        if user is None:
            return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
        g.staff = user
        return view(*args, **kwargs)
    return wrapped


def admin_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        accounts.require_admin(g.staff)
        return view(*args, **kwargs)
    return staff_required(wrapped)


def safe_next(target: str | None) -> str:
    """Only a path inside the console (never another site) after signing in."""
    if target and target.startswith("/console") and not urlsplit(target).netloc and "\\" not in target:
        return target
    return url_for("console.queue")


def render(template: str, status: int = 200, **context):
    return render_template(template, **context), status


def page_of(reader, query: Select, size: int = 25) -> dict:
    """The page of ``query`` (ordered) the request asks for (``?page=``, kept in range), as the
    keyword arguments of a paged list's template: rows, total, page, pages (which its pager,
    console/_pager.html, reads)."""
    page = request.args.get("page", type=int)
    total = reader.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // size))
    page = min(max(1, page or 1), pages)
    return {"rows": list(reader.scalars(query.offset((page - 1) * size).limit(size))), "total": total,
            "page": page, "pages": pages}


def back_to(endpoint: str, message: str | None = None, category: str = "info", **values):
    if message:
        flash(message, category)
    return redirect(url_for(endpoint, **values), code=303)


def _nav() -> list[tuple[str, str, bool]]:
    user = g.get("staff")
    items = []
    for item in NAV:
        if item.endpoint not in current_app.view_functions or (item.admin_only and not (user and user.is_admin)):
            continue
        items.append((url_for(item.endpoint), t(item.text), request.endpoint == item.endpoint))
    return items


@bp.before_request
def _before():
    chosen = request.args.get("lang")
    g.console_lang = chosen if chosen in LANGS else request.cookies.get(LANG_COOKIE) if \
        request.cookies.get(LANG_COOKIE) in LANGS else "zh"
    g.console_lang_chosen = chosen in LANGS
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


@bp.after_request
def _after(response):
    if g.get("console_lang_chosen"):
        response.set_cookie(LANG_COOKIE, lang(), path="/console", samesite="Lax", max_age=365 * 24 * 3600)
    # Pages show personal data and documents: never cached by shared caches, never framed.
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                                   "script-src 'self'; frame-ancestors 'none'; form-action 'self'")
    return response


@bp.app_context_processor
def _context():
    if request.blueprint != "console":
        return {}
    return {"t": t, "pick": pick, "lang": lang(), "nav": _nav, "current_staff": g.get("staff")}


@bp.errorhandler(CSRFError)
def _csrf_error(exc):
    return render("console/error.html", 400, message=pick("表单已过期或缺少安全令牌，请返回刷新后重试",
                                                          "The form has expired or lacks its security token; "
                                                          "go back, reload and try again"))


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    response = current_app.make_response(render("console/error.html", exc.status, message=exc.message(lang())))
    for key, value in exc.headers.items():
        response.headers[key] = value
    return response


@bp.errorhandler(404)
def _not_found(_exc):
    return render("console/error.html", 404, message=pick("页面不存在", "No such page"))
