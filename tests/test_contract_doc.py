"""docs/api.md, the public contract the README links to, is what scripts/contract_doc.py makes
from the code and openapi/openapi.json today."""
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("contract_doc", ROOT / "scripts" / "contract_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_contract_is_the_generated_one():
    committed = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert committed == _generator().render(), \
        "docs/api.md is stale: run .venv/bin/python scripts/contract_doc.py and commit docs/api.md"


def test_the_contract_names_every_code_event_path_and_command():
    from gateway.cli import cli
    from gateway.webhooks import EVENTS
    from verifiers.rules.codes import CODES

    page = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    for name in [f"`{code}`" for code in CODES] + [f"`{event}`" for event in EVENTS] + \
            [f"`qingwang {command}" for command in cli.commands]:
        assert name in page
    document = json.loads((ROOT / "openapi" / "openapi.json").read_text(encoding="utf-8"))
    for path, item in document["paths"].items():
        for method in set(item) - {"parameters"}:
            assert f"### {method.upper()} {path}\n" in page
    for schema in document["components"]["schemas"]:
        assert f"### {schema}\n" in page
    assert "`DATABASE_URL`" in page
