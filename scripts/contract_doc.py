"""Write docs/api.md, the public contract, from the code and the committed OpenAPI document.

    .venv/bin/python scripts/contract_doc.py            # rewrite docs/api.md
    .venv/bin/python scripts/contract_doc.py --check    # exit 1 when docs/api.md is stale

Everything comes from public names, so the page cannot drift from what the gateway serves:
the endpoints and their fields from openapi/openapi.json (itself checked against the served
document by tests/gateway/test_schema_and_spec.py), reason codes from verifiers.rules.codes,
statuses from the modules that declare them, webhook events from gateway.webhooks, the
command line from the click group gateway.cli.cli, settings from gateway.config.Settings.
tests/test_contract_doc.py fails when the committed page differs from a fresh one.
"""
from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import os
import re
import sys
from pathlib import Path

import click

from gateway.cli import cli
import gateway.config
from gateway.config import Settings
from gateway.demo import SEVERITY_ZH
from gateway.leads import DISPOSAL_ACTIONS as LEAD_ACTIONS
from gateway.leads import SOURCES as LEAD_SOURCES
from gateway.leads import STATES as LEAD_STATES
from gateway.listings import OUTCOMES
from gateway.merchants import STATUSES as MERCHANT_STATUSES
from gateway.violations import ACTIONS as VIOLATION_ACTIONS
from gateway.violations import STATUSES as VIOLATION_STATUSES
from gateway.violations import TIERS as VIOLATION_TIERS
from gateway.webhooks import EVENTS
from verifiers.registry.records import DEVICE_KINDS, DEVICE_STATUSES, ENTERPRISE_KINDS, ENTERPRISE_STATUSES
from verifiers.rules.codes import CODES, DOC_NAMES
from verifiers.rules.model import SEVERITIES

ROOT = Path(__file__).resolve().parent.parent
OPENAPI = ROOT / "openapi" / "openapi.json"
TARGET = ROOT / "docs" / "api.md"
METHODS = ("get", "put", "post", "patch", "delete")


def cell(text) -> str:
    """Text fit for one Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def table(header: tuple[str, ...], rows) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines + [""]


# --- the OpenAPI document ------------------------------------------------------------------------


def schema_type(schema: dict) -> str:
    """A field's type in words, linking named schemas to their section below."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return f"[{name}](#{name.lower()})"
    for combinator in ("allOf", "anyOf", "oneOf"):
        if combinator in schema:
            # flask-smorest writes a nullable nested schema as anyOf [nullable object, $ref].
            parts = [schema_type(s) for s in schema[combinator] if s != {"type": "object", "nullable": True}]
            nullable = len(parts) < len(schema[combinator]) or schema.get("nullable")
            return " or ".join(parts) + (" or null" if nullable else "")
    kind = schema.get("type", "any")
    if kind == "array":
        kind = f"list of {schema_type(schema.get('items', {}))}"
    elif kind == "object" and schema.get("additionalProperties") not in (None, {}, True):
        kind = f"object of {schema_type(schema['additionalProperties'])}"
    if schema.get("format"):
        kind += f" ({schema['format']})"
    if schema.get("enum"):
        kind += ": " + ", ".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"])
    return kind + (" or null" if schema.get("nullable") and "null" not in kind else "")


def resolve(document: dict, item: dict) -> dict:
    while "$ref" in item and item["$ref"].startswith("#/components/") and "/schemas/" not in item["$ref"]:
        section, name = item["$ref"].split("/")[2:4]
        item = document["components"][section][name]
    return item


def body_of(document: dict, holder: dict) -> str:
    content = resolve(document, holder).get("content", {})
    return "; ".join(f"`{media}` {schema_type(c.get('schema', {}))}" for media, c in content.items())


def operation_section(document: dict, path: str, method: str, op: dict, shared_params: list) -> list[str]:
    lines = [f"### {method.upper()} {path}", "", cell(op.get("summary", "")), ""]
    if op.get("description"):
        lines += [inspect.cleandoc(op["description"]), ""]
    params = shared_params + op.get("parameters", [])
    if params:
        lines += table(("parameter", "in", "type", "required", "what"), [
            (f"`{p['name']}`", p["in"], schema_type(p.get("schema", {})), "yes" if p.get("required") else "no",
             p.get("description", "")) for p in params])
    if "requestBody" in op:
        lines += [f"Request: {body_of(document, op['requestBody'])}", ""]
    responses = []
    for status, response in sorted(op["responses"].items()):
        response = resolve(document, response)
        responses.append((status, response.get("description", ""), body_of(document, response) or "no body"))
    return lines + table(("status", "meaning", "body"), responses)


def schema_section(name: str, schema: dict) -> list[str]:
    required = set(schema.get("required", ()))
    rows = [(f"`{field}`", schema_type(spec), "yes" if field in required else "",
             spec.get("description", "")) for field, spec in schema.get("properties", {}).items()]
    return [f"### {name}", ""] + table(("field", "type", "required", "what"), rows)


def api_sections(document: dict) -> list[str]:
    info = document["info"]
    lines = ["## API " + info["version"], "", info.get("description", ""), ""]
    summary = []
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                summary.append((f"`{method.upper()} {path}`", item[method].get("summary", "")))
    lines += table(("operation", "what"), summary)
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                lines += operation_section(document, path, method, item[method], item.get("parameters", []))
    lines += ["## Schemas", "", "The bodies named above, field by field.", ""]
    for name, schema in document["components"]["schemas"].items():
        lines += schema_section(name, schema)
    return lines


# --- the code ------------------------------------------------------------------------------------


def values(declared) -> str:
    # Tuples today; enum classes read the same way (their members' values).
    return ", ".join(f"`{getattr(v, 'value', v)}`" for v in declared)


def status_sections() -> list[str]:
    rows = [("merchant `status`", values(MERCHANT_STATUSES), "gateway.merchants.STATUSES"),
            ("listing decision `outcome`", values(OUTCOMES), "gateway.listings.OUTCOMES"),
            ("reason `severity`", values(SEVERITIES), "verifiers.rules.model.SEVERITIES"),
            ("violation `status`", values(VIOLATION_STATUSES), "gateway.violations.STATUSES"),
            ("violation `tier`", values(VIOLATION_TIERS), "gateway.violations.TIERS"),
            ("violation `action`", values(VIOLATION_ACTIONS), "gateway.violations.ACTIONS"),
            ("registry device `kind`", values(DEVICE_KINDS), "verifiers.registry.records.DEVICE_KINDS"),
            ("registry device `status`", values(DEVICE_STATUSES), "verifiers.registry.records.DEVICE_STATUSES"),
            ("registry enterprise `kind`", values(ENTERPRISE_KINDS), "verifiers.registry.records.ENTERPRISE_KINDS"),
            ("registry enterprise `status`", values(ENTERPRISE_STATUSES),
             "verifiers.registry.records.ENTERPRISE_STATUSES"),
            ("lead `state`", values(LEAD_STATES), "gateway.leads.STATES"),
            ("lead `source`", values(LEAD_SOURCES), "gateway.leads.SOURCES"),
            ("lead disposal action `kind`", values(LEAD_ACTIONS), "gateway.leads.DISPOSAL_ACTIONS")]
    lines = ["## Status values", ""] + table(("what", "values", "declared in"), rows)
    lines += ["Document types (`type`), with the names used in messages:", ""]
    return lines + table(("type", "中文", "English"), [(f"`{t}`", zh, en) for t, (zh, en) in DOC_NAMES.items()])


def reason_code_section() -> list[str]:
    rows = [(f"`{c.code}`", f"{c.severity} {SEVERITY_ZH.get(c.severity, '')}", c.zh, c.en) for c in CODES.values()]
    return ["## Reason codes", "",
            "Every reason in a decision carries one of these codes (add new ones, never rename). The severity is",
            "the default; platform policy may change it. Messages are templates filled from the evidence.", ""] + \
        table(("code", "severity", "消息", "message"), rows)


def webhook_section() -> list[str]:
    return ["## Webhook events", "",
            "Event types a platform's callback may receive; signing and retries are described under",
            "`PUT /v1/webhook` above.", ""] + [f"- `{event}`" for event in EVENTS] + [""]


def _commands(group: click.Group, ctx: click.Context):
    for name in sorted(group.list_commands(ctx)):
        command = group.get_command(ctx, name)
        sub = click.Context(command, info_name=name, parent=ctx)
        if isinstance(command, click.Group):
            yield from _commands(command, sub)
        else:
            yield sub


def cli_section() -> list[str]:
    root = click.Context(cli, info_name="qingwang")
    lines = ["## Command line", "", cell(inspect.cleandoc(cli.help or "")), ""]
    for ctx in _commands(cli, root):
        command = ctx.command
        usage = " ".join([ctx.command_path] + command.collect_usage_pieces(ctx))
        lines += [f"### `{usage}`", "", inspect.cleandoc(command.help or ""), ""]
        records = [p.get_help_record(ctx) for p in command.get_params(ctx)]
        rows = [(f"`{opts.strip()}`", help_text) for opts, help_text in filter(None, records) if opts != "--help"]
        if rows:
            lines += table(("argument or option", "what"), rows)
    return lines


class _RecordingEnviron(dict):
    """An empty stand-in for os.environ that notes every name looked up in it."""

    def __init__(self):
        super().__init__()
        self.names: list[str] = []

    def get(self, key, default=None):
        self.names.append(key)
        return default

    def __getitem__(self, key):
        self.names.append(key)
        raise KeyError(key)

    def __contains__(self, key):
        self.names.append(key)
        return False


def _field_comments() -> dict[str, str]:
    # The `#:` comment above a field documents it (the Sphinx convention Settings follows).
    comments, pending = {}, []
    for line in inspect.getsource(Settings).splitlines():
        stripped = line.strip()
        if stripped.startswith("#:"):
            pending.append(stripped[2:].strip())
        elif match := re.match(r"(\w+)\s*:", stripped):
            if pending:
                comments[match.group(1)] = " ".join(pending)
            pending = []
    return comments


def _shown_default(value) -> str:
    if value is None:  # unset, or derived from the data directory (the module docstring says which)
        return "—"
    if isinstance(value, Path):
        try:  # relative paths resolve against the working directory; say so rather than print ours
            return "./" + str(value.relative_to(Path.cwd()))
        except ValueError:
            return str(value)
    return f"`{value}`"


def settings_section() -> list[str]:
    comments, rows = _field_comments(), []
    saved = os.environ
    try:
        for field in dataclasses.fields(Settings):
            if field.default_factory is dataclasses.MISSING:
                continue
            os.environ = recorder = _RecordingEnviron()
            default = field.default_factory()
            os.environ = saved
            names = ", ".join(f"`{n}`" for n in dict.fromkeys(recorder.names)) or "(not from the environment)"
            rows.append((names, str(field.type).replace(" | None", ""), _shown_default(default),
                         comments.get(field.name, "")))
    finally:
        os.environ = saved
    intro = inspect.cleandoc(gateway.config.__doc__ or "")
    return ["## Settings", "", intro, ""] + table(("environment variable", "type", "default", "what"), rows)


# --- the page -------------------------------------------------------------------------------------


def render() -> str:
    document = json.loads(OPENAPI.read_text(encoding="utf-8"))
    lines = ["# Qingwang public contract / 清网对外契约", "",
             "<!-- Generated by scripts/contract_doc.py from the code and openapi/openapi.json; do not edit.",
             "     Regenerate: .venv/bin/python scripts/contract_doc.py -->", "",
             "What platforms, operators and regulators may rely on: the API (paths, fields, status values),",
             "reason codes, webhook events, the command line and the settings. Names and codes here are",
             "stable: they are extended, never renamed. The interactive document is served at `/docs` and",
             "the machine-readable one at `/openapi.json` (committed as `openapi/openapi.json`).", ""]
    lines += api_sections(document)
    lines += status_sections() + reason_code_section() + webhook_section() + cli_section() + settings_section()
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed page is stale")
    args = parser.parse_args(argv)
    page = render()
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != page:
            print(f"{TARGET.relative_to(ROOT)} is stale: run scripts/contract_doc.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(page, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
