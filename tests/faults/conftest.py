"""Fixtures the fault tests share."""
import pytest

from gateway.runtime import Runtime
from tests.conftest import empty_all_tables, make_settings


@pytest.fixture
def fault_runtime(database_url, tmp_path):
    """A runtime of its own (the tests start servers and workers on its database), emptied after."""
    runtime = Runtime(make_settings(database_url, tmp_path))
    yield runtime
    runtime.close()
    empty_all_tables(runtime)
