"""Reading regulator data files: canonical JSON Lines and CSV, and NMPA UDI XML.

Readers stream: they yield one :class:`Row` at a time, each a record or an error with
its file and line, so a million-row file costs little memory and a bad row never
stops the good ones.
"""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from xml.parsers import expat

import orjson

from verifiers.registry.records import (DeviceRecord, EnterpriseRecord, RecordError, device_from_mapping,
                                        enterprise_from_mapping)

FORMATS = ("jsonl", "csv", "udi-xml")


@dataclass
class Row:
    source: str
    line: int
    kind: str  # "device" or "enterprise"
    record: DeviceRecord | EnterpriseRecord | None = None
    error: str | None = None


_BUILDERS = {"device": device_from_mapping, "enterprise": enterprise_from_mapping}


def _build(source: str, line: int, kind: str, mapping) -> Row:
    try:
        return Row(source, line, kind, record=_BUILDERS[kind](mapping))
    except RecordError as exc:
        return Row(source, line, kind, error=str(exc))


def jsonl_chunks(path: Path, lines_per_chunk: int = 20_000) -> Iterator[tuple[int, list[bytes]]]:
    """The file's lines in chunks, each with the number of its first line."""
    with open(path, "rb") as fh:
        chunk: list[bytes] = []
        first = 1
        for line_no, line in enumerate(fh, 1):
            if line_no == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            chunk.append(line)
            if len(chunk) >= lines_per_chunk:
                yield first, chunk
                first, chunk = line_no + 1, []
        if chunk:
            yield first, chunk


def parse_jsonl_lines(source: str, kind: str, first_line: int, lines: list[bytes]) -> Iterator[Row]:
    # orjson: a million-line import spends much of its time parsing JSON.
    for offset, line in enumerate(lines):
        if not line.strip():
            continue
        line_no = first_line + offset
        try:
            mapping = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield Row(source, line_no, kind, error=f"不是有效的 JSON：{exc} / not valid JSON: {exc}")
            continue
        yield _build(source, line_no, kind, mapping)


def read_jsonl(path: Path, kind: str) -> Iterator[Row]:
    for first, lines in jsonl_chunks(path):
        yield from parse_jsonl_lines(path.name, kind, first, lines)


#: CSV cells holding lists or objects carry them as JSON text (see samples/registry/README.md).
_JSON_COLUMNS = {"models", "scope"}


def read_csv(path: Path, kind: str) -> Iterator[Row]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        for mapping in reader:
            line_no = reader.line_num
            row = {k: (v if v != "" else None) for k, v in mapping.items() if k is not None}
            try:
                for column in _JSON_COLUMNS & set(row):
                    if row[column] is not None:
                        row[column] = _json_cell(row[column])
            except ValueError as exc:
                yield Row(path.name, line_no, kind, error=str(exc))
                continue
            yield _build(path.name, line_no, kind, row)


def _json_cell(cell: str):
    text = cell.strip()
    if text.startswith("[") or text.startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"单元格不是有效的 JSON：{exc.msg} / cell is not valid JSON") from None
    # A plain list typed by hand: "1ml;5ml" or "1ml、5ml".
    return [part.strip() for part in re.split(r"[;；、|]", text) if part.strip()]


# --- NMPA UDI database XML -------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BARE_AMP = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)")
_CLASS_WORDS = {"三": 3, "二": 2, "一": 1, "Ⅲ": 3, "Ⅱ": 2, "Ⅰ": 1, "III": 3, "II": 2, "I": 1, "3": 3, "2": 2, "1": 1}
_NUMBER_SPLIT = re.compile(r"[;；,，、\s]+")


def _clean_xml_lines(raw: io.BufferedReader) -> Iterator[bytes]:
    """The official files contain control characters and bare '&'; clean them line by line."""
    for line in raw:
        text = line.decode("utf-8", errors="replace")
        yield _BARE_AMP.sub("&amp;", _CONTROL.sub("", text)).encode("utf-8")


def _udi_class(text: str | None, number: str) -> int | None:
    if text:
        compact = text.strip().replace("第", "").replace("类", "").upper()
        if compact in _CLASS_WORDS:
            return _CLASS_WORDS[compact]
    if "械备" in number:
        return 1
    match = re.search(r"械注[准进许]\d{4}([23])", number)
    return int(match.group(1)) if match else None


class _UdiParser:
    """Collects <device> elements with expat, remembering the line each one starts on."""

    def __init__(self):
        self.parser = expat.ParserCreate("utf-8")
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._chars
        self.depth_in_device = 0
        self.current: dict | None = None
        self.field: str | None = None
        self.text: list[str] = []
        self.done: list[tuple[int, dict]] = []

    def _start(self, name, _attrs):
        if name == "device":
            self.current, self.depth_in_device = {"_line": self.parser.CurrentLineNumber}, 1
        elif self.current is not None:
            self.depth_in_device += 1
            if self.depth_in_device == 2:
                self.field, self.text = name, []

    def _chars(self, data):
        if self.field is not None:
            self.text.append(data)

    def _end(self, name):
        if self.current is None:
            return
        if name == "device" and self.depth_in_device == 1:
            self.done.append((self.current.pop("_line"), self.current))
            self.current, self.field = None, None
            return
        if self.depth_in_device == 2 and name == self.field:
            self.current[name.lower()] = "".join(self.text).strip()
            self.field = None
        self.depth_in_device -= 1

    def feed(self, chunk: bytes, final: bool = False) -> list[tuple[int, dict]]:
        self.parser.Parse(chunk, final)
        out, self.done = self.done, []
        return out


def _udi_files(path: Path) -> Iterator[tuple[str, io.BufferedReader]]:
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.suffix.lower() in (".xml", ".zip"):
                yield from _udi_files(child)
    elif path.suffix.lower() == ".zip":
        yield from _zip_members(zipfile.ZipFile(path), path.name)
    else:
        with open(path, "rb") as fh:
            yield path.name, fh


def _zip_members(archive: zipfile.ZipFile, label: str) -> Iterator[tuple[str, io.BufferedReader]]:
    # The official download nests ZIPs of PARTn.xml files.
    for info in sorted(archive.infolist(), key=lambda i: i.filename):
        name = info.filename
        if name.lower().endswith(".zip"):
            with archive.open(info) as inner:
                yield from _zip_members(zipfile.ZipFile(io.BytesIO(inner.read())), f"{label}/{name}")
        elif name.lower().endswith(".xml"):
            with archive.open(info) as fh:
                yield f"{label}/{name}", fh


def read_udi(path: Path) -> Iterator[Row]:
    """Devices from an NMPA UDI download (XML, ZIP of XML, or a directory of either).

    The UDI database lists one row per product identifier (DI); rows that share a
    registration number are merged into one device record whose models are the union
    of their 规格型号. The UDI data has no approval or expiry dates; those fields stay
    empty, and the importer keeps what an earlier snapshot said about them.
    """
    merged: dict[str, dict] = {}
    first_seen: dict[str, tuple[str, int]] = {}
    for source, fh in _udi_files(path):
        parser = _UdiParser()
        try:
            for chunk in _clean_xml_lines(fh):
                for line_no, device in parser.feed(chunk):
                    yield from _merge_udi_device(source, line_no, device, merged, first_seen)
            for line_no, device in parser.feed(b"", final=True):
                yield from _merge_udi_device(source, line_no, device, merged, first_seen)
        except expat.ExpatError as exc:
            yield Row(source, exc.lineno, "device", error=f"XML 格式错误：{exc} / malformed XML: {exc}")
    for number, mapping in merged.items():
        source, line_no = first_seen[number]
        yield _build(source, line_no, "device", mapping)


def _udi_category(device: dict, number: str) -> str | None:
    """The device's category when the UDI row has no 2017 分类编码 (flbm), never a false one.

    A registration number's ××5 segment is a 2017 sub-catalogue only for numbers first issued
    under that catalogue; before it, the segment is the tail of the 2002 code ("15" of 6815,
    which read as a 2017 code would be 患者承载器械). So the segment is taken only where its
    catalogue is certain, a 2002 tail is stored as its full 68xx code, IVD reagents keep 40, and
    an uncertain segment falls back to the row's 原分类编码 (yflbm) or to nothing."""
    from verifiers.identifiers import IdentifierError, identify
    from verifiers.scope import map_2002_to_2017

    try:
        parsed = identify(number)
    except IdentifierError:
        parsed = None
    code = parsed.catalogue_code if parsed is not None else None
    if code == "6840" or (parsed is not None and parsed.category == "40"):
        return "40"
    if code:
        return code
    old = (device.get("yflbm") or "").strip()[:4]
    return old if old.isdigit() and map_2002_to_2017(old)[0] else None


def _merge_udi_device(source, line_no, device, merged, first_seen) -> Iterator[Row]:
    numbers = [n for n in _NUMBER_SPLIT.split(device.get("zczbhhzbapzbh", "")) if n]
    if not numbers:
        yield Row(source, line_no, "device", error="缺少注册证编号或者备案凭证编号（zczbhhzbapzbh） / "
                                                    "missing registration or filing number")
        return
    for number in numbers:
        model = device.get("ggxh") or ""
        if number in merged:
            if model and model not in merged[number]["models"]:
                merged[number]["models"].append(model)
            continue
        flbm = device.get("flbm") or ""
        category = flbm.split("-")[0] if re.match(r"^\d{2}-", flbm) else _udi_category(device, number)
        merged[number] = {
            "number": number, "kind": "filing" if "械备" in number else "registration",
            "class": _udi_class(device.get("qxlb"), number), "product_name": device.get("cpmctymc"),
            "registrant": device.get("ylqxzcrbarmc"), "registrant_uscc": device.get("tyshxydm"),
            "models": [model] if model else [],
            "category_code": category,
            "approved_on": None, "valid_until": None, "status": "active", "issuer": None,
        }
        first_seen[number] = (source, line_no)


# --- discovery ----------------------------------------------------------------------------------------------


def _format_of(path: Path) -> str | None:
    suffix = "".join(path.suffixes[-1:]).lower()
    return {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".xml": "udi-xml", ".zip": "udi-xml"}.get(suffix)


def _kind_of(path: Path) -> str | None:
    stem = path.name.lower()
    if stem.startswith("device"):
        return "device"
    if stem.startswith("enterprise"):
        return "enterprise"
    return None


def discover(path: Path, fmt: str | None = None) -> list[tuple[Path, str, str]]:
    """The files to import under ``path`` as (file, kind, format).

    A directory holds ``devices.*`` and ``enterprises.*`` (design §6), or UDI XML/ZIP
    files; a single file is taken by its name and extension.
    """
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"未知格式 {fmt}，可用 {', '.join(FORMATS)} / unknown format {fmt}")
    if not path.exists():
        raise FileNotFoundError(path)
    candidates = sorted(path.iterdir()) if path.is_dir() else [path]
    found = []
    for candidate in candidates:
        if candidate.is_dir() and fmt == "udi-xml":
            found.append((candidate, "device", "udi-xml"))
            continue
        guessed = _format_of(candidate)
        if guessed is None or (fmt is not None and guessed != fmt):
            continue
        if guessed == "udi-xml":
            found.append((candidate, "device", guessed))
        elif (kind := _kind_of(candidate)) is not None:
            found.append((candidate, kind, guessed))
    if path.is_dir() and fmt == "udi-xml" and not found:
        found.append((path, "device", "udi-xml"))
    if fmt is None:
        # A directory may hold the same data in several forms (devices.jsonl and
        # devices.csv): read one per kind, the canonical JSON Lines first.
        preference = {"jsonl": 0, "csv": 1, "udi-xml": 2}
        best: dict[str, tuple[Path, str, str]] = {}
        for entry in found:
            kind = entry[1]
            if kind not in best or preference[entry[2]] < preference[best[kind][2]]:
                best[kind] = entry
        found = [e for e in found if best.get(e[1]) is e]
    return found


def read(path: Path, kind: str, fmt: str) -> Iterator[Row]:
    if fmt == "jsonl":
        return read_jsonl(path, kind)
    if fmt == "csv":
        return read_csv(path, kind)
    return read_udi(path)
