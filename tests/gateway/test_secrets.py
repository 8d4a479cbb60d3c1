"""Secrets: SECRET_KEY checked before serving beyond loopback, a private data directory,
API key rotation with a grace period, and keys' last use recorded cheaply."""
import json
import stat
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from gateway.cli import _loopback
from gateway.config import Settings
from gateway.db import utcnow
from gateway.runtime import Runtime
from gateway.tenancy.models import ApiKey
from tests.gateway.test_errors_and_auth import assert_problem

STRONG = "k" * 12 + "Vq3xZ9pL2mN8rT5wY7bC1dF4gH6j"


@pytest.mark.parametrize("key,why", [(None, "not set"), ("change-me-in-production", "published example"),
                                     ("s3cr3t-but-short", "too short")])
def test_serve_refuses_a_weak_secret_key_beyond_loopback(runner, monkeypatch, tmp_path, key, why):
    """compose.yaml shipped SECRET_KEY=change-me-in-production and served on 0.0.0.0."""
    monkeypatch.setenv("QINGWANG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/serve.sqlite3")
    if key is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", key)
    result = runner.invoke(["serve", "--host", "0.0.0.0", "--port", "1"])
    assert result.exit_code == 2, result.output
    assert why in result.output and "SECRET_KEY" in result.output


def test_secret_key_checks():
    assert Settings(secret_key=STRONG).secret_key_problem() is None
    assert Settings(secret_key="CHANGE-ME-IN-PRODUCTION").secret_key_problem() is not None
    assert _loopback("127.0.0.1") and _loopback("localhost") and _loopback("::1") and _loopback("[::1]")
    assert not _loopback("0.0.0.0") and not _loopback("10.0.0.5") and not _loopback("api.example.com")


def test_compose_file_ships_no_secret_key():
    text = (Path(__file__).resolve().parents[2] / "compose.yaml").read_text(encoding="utf-8")
    assert "change-me-in-production" not in text and "${SECRET_KEY:?" in text


def test_the_data_directory_is_private(tmp_path):
    generated = Settings(data_dir=tmp_path / "embedded")  # no SECRET_KEY: one is generated there
    assert stat.S_IMODE((tmp_path / "embedded").stat().st_mode) == 0o700
    assert stat.S_IMODE((generated.data_dir / "secret_key").stat().st_mode) == 0o600
    runtime = Runtime(Settings(data_dir=tmp_path / "with-key", secret_key=STRONG))
    try:
        runtime.storage.put("documents/ab/x", b"x")
        assert stat.S_IMODE((tmp_path / "with-key").stat().st_mode) == 0o700
    finally:
        runtime.close()


def test_rotate_key_stops_the_old_key_at_once_by_default(client, runner, platform):
    platform_id, old = platform
    assert client.get("/v1/documents", headers={"Authorization": f"Bearer {old}"}).status_code == 200
    result = runner.invoke(["platforms", "rotate-key", platform_id, "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output.strip().splitlines()[-1])
    assert printed["id"] == platform_id and printed["api_key"].startswith("qw_") and printed["api_key"] != old
    assert_problem(client.get("/v1/documents", headers={"Authorization": f"Bearer {old}"}), 401)
    assert client.get("/v1/documents", headers={"Authorization": f"Bearer {printed['api_key']}"}).status_code == 200


def test_rotate_key_with_grace_keeps_the_old_key_until_then(client, runner, platform):
    """The expiry is cached with the key: the old key stops at its moment, not when the
    cache next looks (30 s, once)."""
    platform_id, old = platform
    result = runner.invoke(["platforms", "rotate-key", platform_id, "--grace", "2", "--json"])
    new = json.loads(result.output.strip().splitlines()[-1])["api_key"]
    assert client.get("/v1/documents", headers={"Authorization": f"Bearer {old}"}).status_code == 200
    assert client.get("/v1/documents", headers={"Authorization": f"Bearer {new}"}).status_code == 200
    time.sleep(2.2)
    assert_problem(client.get("/v1/documents", headers={"Authorization": f"Bearer {old}"}), 401)


def test_rotate_key_of_an_unknown_platform_is_a_usage_error(runner):
    result = runner.invoke(["platforms", "rotate-key", "plt_nope"])
    assert result.exit_code == 2 and "plt_nope" in result.output


def test_a_key_revoked_elsewhere_stops_within_seconds(app, client, platform, runtime):
    """Another process rotated the key: this one's cache forgets answers after 5 s (was 30)."""
    from gateway.tenancy.services import KeyCache

    cache = app.extensions["qingwang.keys"]
    assert isinstance(cache, KeyCache) and cache._entries.ttl <= 5
    auth = {"Authorization": f"Bearer {platform[1]}"}
    assert client.get("/v1/documents", headers=auth).status_code == 200
    with runtime.db.session() as s:
        s.execute(update(ApiKey).values(revoked_at=utcnow()))
    cache._entries.expire(time.monotonic() + cache._entries.ttl + 1)  # as if its ttl passed
    assert_problem(client.get("/v1/documents", headers=auth), 401)


def test_a_keys_last_use_is_recorded_at_most_once_a_minute(client, auth, runtime):
    def last_used():
        with runtime.db.session() as s:
            return s.scalar(select(ApiKey.last_used_at))

    assert last_used() is None
    client.get("/v1/documents", headers=auth)
    first = last_used()
    assert first is not None and utcnow() - first < timedelta(minutes=1)
    marker = utcnow() - timedelta(hours=1)
    with runtime.db.session() as s:
        s.execute(update(ApiKey).values(last_used_at=marker))
    for _ in range(5):
        client.get("/v1/documents", headers=auth)
    assert last_used() == marker  # no write per request

