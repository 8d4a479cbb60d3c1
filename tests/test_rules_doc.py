"""docs/rules.md names, for every reason code, its articles, raising function, tests, severity and tier."""
import ast
import importlib
import re
from pathlib import Path

from verifiers.rules.codes import CODES

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| `(?P<code>[A-Z0-9_]+)` \|(?P<articles>[^|]*)\|(?P<functions>[^|]*)\|(?P<tests>[^|]*)\|"
                 r"(?P<severity>[^|]*)\|(?P<tier>[^|]*)\|$")


def rows() -> dict[str, dict]:
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    found = {}
    for line in text.splitlines():
        match = ROW.match(line.strip())
        if match:
            assert match["code"] not in found, f"{match['code']} has two rows"
            found[match["code"]] = {k: v.strip() for k, v in match.groupdict().items()}
    return found


def _names(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def test_every_code_has_a_complete_row():
    table = rows()
    assert set(CODES) - set(table) == set(), "codes missing from docs/rules.md"
    assert set(table) - set(CODES) == set(), "docs/rules.md names codes that do not exist"
    for code, row in table.items():
        assert row["articles"], code
        assert _names(row["functions"]), f"{code}: no raising function"
        assert _names(row["tests"]), f"{code}: no test"
        assert row["severity"] == CODES[code].severity, f"{code}: severity"
        assert row["tier"] == CODES[code].tier.value, f"{code}: tier"


def test_every_named_function_exists():
    for code, row in rows().items():
        for dotted in _names(row["functions"]):
            module, _, name = dotted.rpartition(".")
            assert callable(getattr(importlib.import_module(module), name, None)), f"{code}: {dotted}"


def test_every_named_test_exists():
    cache: dict[Path, set[str]] = {}
    for code, row in rows().items():
        for ref in _names(row["tests"]):
            path, _, name = ref.partition("::")
            file = ROOT / path
            assert file.is_file(), f"{code}: {path}"
            functions = cache.setdefault(file, _test_functions(file))
            assert name in functions, f"{code}: {ref}"
