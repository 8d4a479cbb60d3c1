"""Shared fixtures: real databases (SQLite and PostgreSQL), real Redis, an S3 endpoint.

Each test module that touches the database runs once per backend (``--backends``,
default both). One database per session per backend, migrated once; after each test
every table is emptied, which, unlike rolled-back savepoints, also works when a job
thread or an rq worker process wrote through its own connection.
"""
from __future__ import annotations

import os
import socket
import uuid
import warnings
from pathlib import Path

import numpy  # noqa: F401 - imported up front: a job thread importing it while hypothesis
import pytest  #   probes sys.modules["numpy"] sees a half-initialised module
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from gateway.config import Settings
from gateway.runtime import Runtime

PG_ADMIN_URL = os.environ.get("QW_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@localhost:5432/postgres")
REDIS_TEST_URL = os.environ.get("QW_TEST_REDIS_URL", "redis://localhost:6379/15")


def pytest_addoption(parser):
    parser.addoption("--backends", default=os.environ.get("QW_TEST_BACKENDS", "sqlite,postgresql"),
                     help="database backends to run database tests on (comma separated)")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", metafunc.config.getoption("backends").split(","), scope="session")


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory):
    from gateway import migrations

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite3'}"
        migrations.upgrade(url)
        yield url
        return
    name = f"qingwang_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    migrations.upgrade(url)
    yield url
    try:
        with admin.connect() as conn:
            # DROP DATABASE waits for every backend on the cluster to acknowledge it; one stuck
            # elsewhere (another client's unfinished COPY) must not hang this suite's teardown.
            conn.execute(text("SET statement_timeout = '30s'"))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    except OperationalError as exc:
        warnings.warn(f"test database {name} left behind: {exc}")
    admin.dispose()


def make_settings(database_url: str, tmp: Path, **overrides) -> Settings:
    values = {"database_url": database_url, "storage_url": (tmp / "files").as_uri(), "secret_key": "test-secret",
              "data_dir": tmp, "log_format": "text", "log_level": "WARNING", "redis_url": None}
    values.update(overrides)
    return Settings.from_mapping(values)


def empty_all_tables(runtime: Runtime) -> None:
    from gateway.models import Base

    with runtime.db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # The audit chain and evidence are append-only by trigger (migration 0008); emptying
            # the test database is the one delete allowed, as the superuser tests connect as.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def settings(database_url, tmp_path):
    return make_settings(database_url, tmp_path)


@pytest.fixture
def runtime(settings):
    rt = Runtime(settings)
    yield rt
    if "dispatcher" in rt.__dict__ and hasattr(rt.dispatcher, "wait_idle"):
        rt.dispatcher.wait_idle(timeout=60)
    rt.close()
    empty_all_tables(rt)
    rt.db.dispose()


@pytest.fixture
def app(runtime):
    from gateway.app import create_app

    app = create_app(runtime=runtime)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


class _Runner:
    """Invokes the `qingwang` command group inside the test app."""

    def __init__(self, app):
        self._runner = app.test_cli_runner()

    def invoke(self, args, **kwargs):
        from gateway.cli import cli

        return self._runner.invoke(cli=cli, args=args, **kwargs)


@pytest.fixture
def runner(app):
    return _Runner(app)


def _new_platform(runtime, name="测试平台", region="440000"):
    from gateway.tenancy.services import create_platform

    with runtime.db.session() as session:
        platform, key = create_platform(session, name, region)
    return platform.id, key


@pytest.fixture
def platform(runtime):
    """(platform_id, api_key) of a platform in Guangdong."""
    return _new_platform(runtime)


@pytest.fixture
def auth(platform):
    return {"Authorization": f"Bearer {platform[1]}"}


@pytest.fixture
def other_auth(runtime):
    return {"Authorization": f"Bearer {_new_platform(runtime, '另一平台', '310000')[1]}"}


@pytest.fixture
def redis_url():
    from redis import Redis

    conn = Redis.from_url(REDIS_TEST_URL)
    conn.flushdb()
    yield REDIS_TEST_URL
    conn.flushdb()
    conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3 API over HTTP: moto's server mode (no AWS account here)."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    yield f"http://127.0.0.1:{port}"
    server.stop()


SAMPLES = Path(__file__).resolve().parent.parent / "samples"
