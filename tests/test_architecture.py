"""The import contracts in pyproject.toml ([tool.importlinter]) hold: imports run one way."""
import os
from pathlib import Path

from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_imports_run_one_way(capsys):
    cwd = os.getcwd()
    os.chdir(ROOT)  # import-linter reads pyproject.toml from the working directory
    try:
        status = lint_imports(no_cache=True)
    finally:
        os.chdir(cwd)
    report = capsys.readouterr().out
    assert status == EXIT_STATUS_SUCCESS, report[-4000:]
    assert "BROKEN" not in report


# verifiers modules that are pure data or constants (tables, enums, dataclasses without
# behaviour), exercised through the modules that use them: nothing in them to test alone.
# Empty today: every module holds some logic. Code with logic never goes here; it gets
# tests/verifiers/<same folders>/test_<module>.py.
DATA_MODULES: frozenset[str] = frozenset()


def _verifiers_modules() -> list[str]:
    return sorted(path.relative_to(ROOT).with_suffix("").as_posix()
                  for path in (ROOT / "verifiers").rglob("*.py")
                  if path.name != "__init__.py" and "data" not in path.relative_to(ROOT).parts[1:-1])


def test_every_verifiers_module_has_a_test_module_named_after_it():
    """verifiers/a/b.py is tested in tests/verifiers/a/test_b.py: the tests mirror the source tree."""
    modules = _verifiers_modules()
    assert "verifiers/identifiers/uscc" in modules  # the walk found the package
    missing = [module for module in modules if module not in DATA_MODULES
               and not (ROOT / "tests" / Path(module).parent / f"test_{Path(module).name}.py").is_file()]
    assert missing == [], "verifiers modules without a test module named after them: " + ", ".join(
        f"{module}.py (tests/{Path(module).parent}/test_{Path(module).name}.py)" for module in missing)
    assert DATA_MODULES <= set(modules), "DATA_MODULES names modules that no longer exist"
