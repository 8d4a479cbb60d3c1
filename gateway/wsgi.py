"""WSGI entry point for gunicorn (``qingwang serve``) and other WSGI servers."""
from gateway.app import create_app

app = create_app()
_runtime = app.extensions["qingwang"]
if not _runtime.settings.redis_url:
    # Embedded mode: this process runs jobs itself and sweeps up work left from before.
    _runtime.dispatcher.start()
