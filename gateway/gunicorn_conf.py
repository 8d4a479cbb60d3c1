"""gunicorn settings for ``qingwang serve``; values come from the environment the CLI sets."""
import os

bind = os.environ.get("QINGWANG_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Request logs come from the app as JSON with the request id; gunicorn's own access log
# would duplicate them.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
wsgi_app = "gateway.wsgi:app"
# Bound upload bodies are checked by the app; these guard the header parser.
limit_request_line = 8190


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
