"""The `qingwang` command line, run as a real process on the embedded defaults."""
import json
import os
import subprocess
import sys

import pytest


def qingwang(tmp_path, *args, input=None, env=None):
    full_env = dict(os.environ, QINGWANG_DATA_DIR=str(tmp_path / "data"), SECRET_KEY="cli-test", LOG_FORMAT="text")
    for key in ("DATABASE_URL", "STORAGE_URL", "REDIS_URL"):
        full_env.pop(key, None)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "gateway", *args], cwd=tmp_path, env=full_env, input=input,
                          capture_output=True, text=True, timeout=120)


def test_db_upgrade_then_platform_with_json_key(tmp_path):
    assert qingwang(tmp_path, "db", "upgrade").returncode == 0
    result = qingwang(tmp_path, "platforms", "create", "示例商城", "--region", "330100",
                      "--filing-number", "（浙）网械平台备字[2018]第00002号", "--json")
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(created) == {"id", "api_key"}
    assert created["id"].startswith("plt_") and created["api_key"].startswith("qw_")
    assert (tmp_path / "data" / "qingwang.sqlite3").exists()


def test_platform_region_is_validated(tmp_path):
    qingwang(tmp_path, "db", "upgrade")
    result = qingwang(tmp_path, "platforms", "create", "坏地区", "--region", "44")
    assert result.returncode == 2
    assert "6" in result.stderr


def test_users_create_reads_password_from_stdin(tmp_path):
    qingwang(tmp_path, "db", "upgrade")
    result = qingwang(tmp_path, "users", "create", "Reviewer@Example.com", "--role", "reviewer", "--password-stdin",
                      "--json", input="correct horse battery\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["email"] == "reviewer@example.com"
    again = qingwang(tmp_path, "users", "create", "reviewer@example.com", "--role", "admin")
    assert again.returncode == 2 and "已存在" in again.stderr


def test_short_password_is_refused(tmp_path):
    qingwang(tmp_path, "db", "upgrade")
    result = qingwang(tmp_path, "users", "create", "a@b.cn", "--role", "admin", "--password-stdin", input="short\n")
    assert result.returncode == 2


def test_help_needs_no_database(tmp_path):
    result = qingwang(tmp_path, "--help")
    assert result.returncode == 0 and "serve" in result.stdout and "worker" in result.stdout
    assert not (tmp_path / "data").exists()


@pytest.mark.slow
def test_serve_runs_gunicorn_with_health_and_metrics(tmp_path):
    import time
    import urllib.request

    from tests.conftest import free_port

    port = free_port()
    scratch = tmp_path / "tmp"  # where serve makes its metrics directory
    scratch.mkdir()
    env = dict(os.environ, QINGWANG_DATA_DIR=str(tmp_path / "data"), SECRET_KEY="serve-test", TMPDIR=str(scratch))
    for key in ("DATABASE_URL", "STORAGE_URL", "REDIS_URL", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(key, None)
    proc = subprocess.Popen([sys.executable, "-m", "gateway", "serve", "--port", str(port), "--workers", "2"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        # Poll until ready: the app's import alone takes ~6 s, much longer on a loaded machine,
        # so the bound is generous and only there to end a server that never comes up; a
        # server that exits fails at once, with what it said.
        deadline, ready = time.monotonic() + 180, None
        while ready is None:
            if proc.poll() is not None:
                pytest.fail(f"server exited with {proc.returncode}: {proc.communicate()[0][-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail("server did not become ready")
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=5) as r:
                    ready = json.loads(r.read())
            except OSError:  # not listening yet, or 503 while it starts
                time.sleep(0.2)
        assert ready["status"] == "ready"
        for _ in range(4):
            urllib.request.urlopen(base + "/healthz").read()
        with urllib.request.urlopen(base + "/metrics") as r:
            metrics = r.read().decode()
        # Aggregated across gunicorn's worker processes.
        assert 'qingwang_http_requests_total{endpoint="/healthz",method="GET",status="200"}' in metrics
        assert [p.name[:17] for p in scratch.iterdir()] == ["qingwang-metrics-"]
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert "gunicorn" in output.lower()
    assert "Booting worker" in output
    assert list(scratch.iterdir()) == []  # the metrics directory it made went with it
