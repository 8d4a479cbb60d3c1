"""A real ``qingwang serve`` for the tests of how gunicorn serves the gateway
(test_serve_balance, test_serve_inline): embedded defaults, a free port, its own process group."""
from __future__ import annotations

import contextlib
import http.client
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port


@contextlib.contextmanager
def qingwang_serve(tmp_path: Path, *, workers: int, threads: int, **env: str) -> Iterator[tuple[int, int]]:
    """``qingwang serve`` with ``workers`` and ``threads``, settings ``env`` on top of this
    process's (less any database, storage or Redis it names): yields (port, arbiter pid) once a
    worker answers ``/healthz``; stops the whole process group after."""
    port = free_port()
    full_env = dict(os.environ, QINGWANG_DATA_DIR=str(tmp_path / "data"), SECRET_KEY="serve-test", **env)
    for key in ("DATABASE_URL", "STORAGE_URL", "REDIS_URL"):
        if key not in env:
            full_env.pop(key, None)
    # The server's log goes to a file: a pipe nobody reads fills after a few hundred request
    # lines and then blocks the worker that writes the next one.
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gateway", "serve", "--port", str(port), "--workers",
                                 str(workers), "--threads", str(threads)], cwd=tmp_path, env=full_env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180  # the app's import is slow on a loaded machine
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited with {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                try:
                    conn.request("GET", "/healthz")
                    if conn.getresponse().status == 200:
                        break
                finally:
                    conn.close()
            except OSError:
                pass
            assert time.monotonic() < deadline, "server did not become ready"
            time.sleep(0.2)
        yield port, proc.pid
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
