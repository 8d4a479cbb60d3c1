"""The Flask application factory (flaskr's shape: defaults, overrides, init_app calls)."""
from __future__ import annotations

from flask import Flask, redirect

from gateway import api, auth, console, fast_path, idempotency, input_guard, observability, problems, web
from gateway.config import Settings
from gateway.documents.views import uploads
from gateway.jobs import handlers
from gateway.runtime import Runtime


def create_app(test_config: dict | None = None, runtime: Runtime | None = None) -> Flask:
    app = Flask(__name__)
    settings = runtime.settings if runtime else Settings.from_mapping(test_config)
    runtime = runtime or Runtime(settings)
    observability.configure_logging(settings.log_level, settings.log_format)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        # Multipart overhead on top of the file itself; the exact file limit is checked
        # again on the bytes so both paths give the same 413.
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 256 * 1024,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    if test_config:
        app.config.update({k: v for k, v in test_config.items() if k.isupper()})
    app.extensions["qingwang"] = runtime

    observability.init_app(app)
    problems.init_app(app)
    web.init_app(app)
    auth.init_app(app)
    input_guard.init_app(app)
    idempotency.init_app(app)
    api.init_app(app)
    console.init_app(app)
    app.register_blueprint(uploads)
    # Jobs this app dispatches may run in-process (the embedded default).
    handlers.load(settings.task_modules)

    @app.get("/")
    def _index():
        return redirect("/docs")

    # Last: it reads what the hooks above registered (the key cache, the request record).
    fast_path.install(app)

    return app
