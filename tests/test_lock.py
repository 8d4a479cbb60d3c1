"""uv.lock and pyproject.toml agree, so `uv sync --frozen` (scripts/demo, scripts/test, the
Dockerfile) installs what pyproject.toml asks for. After editing dependencies: `scripts/lock`."""
from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
FIX = "pyproject.toml and uv.lock disagree: run scripts/lock and commit uv.lock"


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _lock() -> dict:
    return tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))


def _locked_project(lock: dict) -> dict:
    name = canonicalize_name(_pyproject()["project"]["name"])
    [package] = [p for p in lock["package"] if p["name"] == name]
    return package


def _key(name: str, extras, specifier: str, extra: str | None) -> tuple:
    return canonicalize_name(name), tuple(sorted(extras)), str(SpecifierSet(specifier)), extra


def _declared() -> set[tuple]:
    project = _pyproject()["project"]
    groups = [(None, project["dependencies"])] + list(project.get("optional-dependencies", {}).items())
    return {_key(r.name, r.extras, str(r.specifier), extra)
            for extra, raws in groups for r in map(Requirement, raws)}


def _recorded(lock: dict) -> set[tuple]:
    # uv records each requirement with the extra it belongs to folded into its marker. Other
    # marker clauses are left to `uv lock --check` below, which compares everything.
    keys = set()
    for dep in _locked_project(lock)["metadata"]["requires-dist"]:
        extra = re.search(r"extra == '([^']+)'", dep.get("marker", ""))
        keys.add(_key(dep["name"], dep.get("extras", ()), dep.get("specifier", ""), extra and extra.group(1)))
    return keys


def test_the_lock_records_every_requirement_of_pyproject():
    declared, recorded = _declared(), _recorded(_lock())
    assert declared - recorded == set(), f"{FIX}; only in pyproject.toml: {sorted(declared - recorded)}"
    assert recorded - declared == set(), f"{FIX}; only in uv.lock: {sorted(recorded - declared)}"


def test_the_lock_covers_every_extra_and_the_python_range():
    project, lock = _pyproject()["project"], _lock()
    assert sorted(_locked_project(lock)["metadata"]["provides-extras"]) == \
        sorted(project.get("optional-dependencies", {})), FIX
    assert SpecifierSet(lock["requires-python"]) == SpecifierSet(project["requires-python"]), FIX


def test_every_locked_version_satisfies_pyproject():
    # A hand-edited lock could name a version outside the range pyproject.toml allows.
    lock = _lock()
    versions: dict[str, list[Version]] = {}
    for package in lock["package"]:
        versions.setdefault(package["name"], []).append(Version(package["version"]))
    for name, _extras, specifier, _extra in _declared():
        assert any(SpecifierSet(specifier).contains(v, prereleases=True) for v in versions.get(name, [])), \
            f"{FIX}; {name}{specifier} is locked at {versions.get(name)}"


def _uv() -> str | None:
    # Prefer the pinned uv scripts/demo and scripts/test install: the one that wrote the lock.
    pinned = ROOT / ".venv-tools" / "bin" / "uv"
    return str(pinned) if pinned.exists() else shutil.which("uv")


@pytest.mark.skipif(_uv() is None, reason="uv is not installed here (scripts/test installs it into .venv-tools)")
def test_uv_finds_the_lock_up_to_date():
    # --offline: when pyproject.toml is unchanged uv proves the lock current from the lock alone
    # (milliseconds, no network); when it changed, uv fails either way.
    result = subprocess.run([_uv(), "lock", "--check", "--offline", "--project", str(ROOT)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{FIX}\n{result.stderr}"
