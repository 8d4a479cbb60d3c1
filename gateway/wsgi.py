"""WSGI entry point for gunicorn (``qingwang serve``) and other WSGI servers."""
from gateway.app import create_app

app = create_app()
# Embedded mode: this process runs jobs itself and sweeps up work left from before
# (with Redis, the workers do; starting is then a no-op).
app.extensions["qingwang"].dispatcher.start()
