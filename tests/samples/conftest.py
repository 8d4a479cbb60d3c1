"""Fixtures for the sample-data tests: small generated sets in temporary directories."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def world():
    from samples.world import build_world

    return build_world()
