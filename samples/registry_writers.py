"""The registry files in design §6's canonical form: JSON Lines, and the same rows as CSV.

The keys and their order are the record declarations' (verifiers/registry/records.py).
Rows generated from a template (``registry_rows.Template``) take a fast path: the text of
the values the template fixes is made once, as a %-format with a slot for each value drawn
per row, so a million rows are written in seconds. ``test_registry`` checks that the text is
exactly what ``json.dumps`` and the csv module write.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from json.encoder import encode_basestring  # what a JSONEncoder with ensure_ascii=False writes for a str
from pathlib import Path


class _Layouts:
    """Per template: a row's text with the template's values in place and a ``%s`` slot for
    each other value, and the keys of those slots in order."""

    def __init__(self, key_text, value_text, start: str, join: str, end: str):
        self.key_text, self.value_text = key_text, value_text
        self.start, self.join, self.end = start, join, end
        self.by_template: dict[int, tuple[str, tuple[str, ...]]] = {}

    def get(self, keys: Iterable[str], row: dict, template) -> tuple[str, tuple[str, ...]]:
        layout = self.by_template.get(id(template))
        if layout is None:
            parts, slots = [], []
            for key in keys:
                if key in template.fixed:
                    parts.append(self.key_text(key) + self.value_text(row[key]).replace("%", "%%"))
                else:
                    parts.append(self.key_text(key) + "%s")
                    slots.append(key)
            text = self.start + self.join.join(parts) + self.end
            layout = self.by_template[id(template)] = (text, tuple(slots))
        return layout


class JsonlWriter:
    """Design §6's canonical form: one JSON object per line, keys in the design's order."""

    def __init__(self, path: Path):
        self.fh = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - closed by close()
        self.encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
        self.layouts = _Layouts(lambda key: self.encode(key) + ": ", self.encode, "{", ", ", "}\n")
        self.lists: dict[int, str] = {}
        self.count = 0

    def write(self, row: dict, template=None) -> None:
        self.count += 1
        if template is None:
            self.fh.write(self.encode(row) + "\n")
            return
        text, slots = self.layouts.get(row, row, template)
        # Text is the common case and encode_basestring a C function: no Python call for it.
        self.fh.write(text % tuple([encode_basestring(v) if type(v) is str else self._value(v)
                                    for v in map(row.__getitem__, slots)]))

    def _value(self, value) -> str:
        if type(value) is list:
            # A template's rows share its model lists: each is encoded once.
            text = self.lists.get(id(value))
            if text is None:
                text = self.lists[id(value)] = self.encode(value)
            return text
        return self.encode(value)

    def close(self) -> int:
        self.fh.close()
        return self.count


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


#: What makes the csv module quote a cell (QUOTE_MINIMAL, comma, double quote, CRLF).
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def _quoted(cell: str) -> str:
    """The cell as the csv module writes it in a row of several cells."""
    if not _NEEDS_QUOTES.search(cell):
        return cell
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([cell])
    return buffer.getvalue()[:-2]


class CsvWriter:
    """The same rows as CSV (UTF-8 with BOM, CRLF): lists and objects as JSON text, null as empty."""

    def __init__(self, path: Path, keys: tuple[str, ...]):
        self.fh = open(path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed by close()
        self.writer = csv.writer(self.fh, lineterminator="\r\n")
        self.writer.writerow(keys)
        self.keys = keys
        self.layouts = _Layouts(lambda key: "", lambda value: _quoted(_cell(value)), "", ",", "\r\n")
        self.lists: dict[int, str] = {}
        self.count = 0

    def write(self, row: dict, template=None) -> None:
        self.count += 1
        if template is None:
            self.writer.writerow([_cell(row[k]) for k in self.keys])
            return
        text, slots = self.layouts.get(self.keys, row, template)
        search = _NEEDS_QUOTES.search
        # Plain text is the common case: written as it is, with no Python call.
        self.fh.write(text % tuple([v if type(v) is str and not search(v) else self._cell(v)
                                    for v in map(row.__getitem__, slots)]))

    def _cell(self, value) -> str:
        if type(value) is list:
            # A template's rows share its model lists: each is made into a cell once.
            text = self.lists.get(id(value))
            if text is None:
                text = self.lists[id(value)] = _quoted(_cell(value))
            return text
        return _quoted(_cell(value))

    def close(self) -> int:
        self.fh.close()
        return self.count


def write_rows(writer, rows: Iterable[dict]) -> int:
    for row in rows:
        writer.write(row)
    return writer.close()
