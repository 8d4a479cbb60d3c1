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
