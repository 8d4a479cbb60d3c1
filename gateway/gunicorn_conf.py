"""gunicorn settings for ``qingwang serve``, from the gateway's Settings; the CLI passes the
address to bind and any --workers/--threads given on its command line."""
import os
import shutil

from gateway.config import Settings

_settings = Settings()

bind = os.environ.get("QINGWANG_BIND", "127.0.0.1:8000")
workers = _settings.web_workers
threads = _settings.web_threads
# gthread, with connections spread evenly over the workers (see gateway.gunicorn_worker).
worker_class = "gateway.gunicorn_worker.BalancedThreadWorker"
timeout = _settings.web_timeout
graceful_timeout = 30
keepalive = 5
# Request logs come from the app as JSON with the request id; gunicorn's own access log
# would duplicate them.
accesslog = None
errorlog = "-"
loglevel = _settings.log_level.lower()
wsgi_app = "gateway.wsgi:app"
# Bound upload bodies are checked by the app; these guard the header parser.
limit_request_line = 8190


def on_exit(server):
    # The metrics directory `qingwang serve` made for this server: every start made a new one,
    # and they piled up in /tmp. (A killed arbiter leaves its directory; a named one stays.)
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path and os.environ.get("QINGWANG_OWNS_METRICS_DIR") == "1":
        shutil.rmtree(path, ignore_errors=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)



def post_worker_init(worker):
    # Everything loaded so far (the app, its modules, the registry's and rules' tables) lives as
    # long as the worker: keep it out of the cyclic collector's full passes.
    import gc

    gc.freeze()
