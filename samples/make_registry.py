"""Write the sample regulator data set (design §6) from the sample world.

    python -m samples.make_registry --out DIR [--devices N] [--enterprises N]
                                    [--formats jsonl,csv,udi-xml] [--seed S]

Writes, under DIR:

- ``devices.jsonl`` and ``enterprises.jsonl``: the canonical form, exactly design §6's keys;
- ``devices.csv`` and ``enterprises.csv``: the same rows, lists and objects as JSON text in
  their cell (samples/registry/README.md);
- ``udi/UDID_FULL_RELEASE_<date>.zip``: the devices as an NMPA UDI database full download,
  a ZIP of ``PARTn.xml`` files with the official lower-case tags, one ``<device>`` per model
  (UDI-DI), so several rows share one registration number.

Rows are streamed: the world (anchors plus ``--enterprises`` enterprises) is built in memory,
then devices beyond the world's own are generated one at a time, so ``--devices 1000000``
runs in bounded memory. Output is identical for identical arguments.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import multiprocessing
import random
import re
import sys
import time
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from samples import numbers
from samples.products import PRODUCTS_BY_KEY, Product
from samples.world import (
    DEFAULT_DEVICES,
    DEFAULT_ENTERPRISES,
    DEFAULT_SEED,
    DEVICE_KEYS,
    ENTERPRISE_KEYS,
    SNAPSHOT_DATE,
    Device,
    Enterprise,
    World,
    add_years,
    build_world,
)

FORMATS = ("jsonl", "csv", "udi-xml")
UDI_ROWS_PER_PART = 20000
#: From this many devices the UDI ZIP is compressed in a second process.
PARALLEL_FROM = 50000
#: ZIP entries carry a fixed timestamp so that the archive is byte-for-byte reproducible.
ZIP_TIME = (SNAPSHOT_DATE.year, SNAPSHOT_DATE.month, SNAPSHOT_DATE.day, 0, 0, 0)


# --- device rows, the world's and then generated ones ---------------------------------------------------------------


class _Dates:
    """ISO strings and five-year ends per day ordinal, computed once: the hot loop is all lookups."""

    def __init__(self):
        self.iso: dict[int, str] = {}
        self.end: dict[int, str] = {}

    def get(self, ordinal: int) -> tuple[str, str]:
        iso = self.iso.get(ordinal)
        if iso is None:
            day = date.fromordinal(ordinal)
            iso = self.iso[ordinal] = day.isoformat()
            self.end[ordinal] = (add_years(day, 5) - timedelta(days=1)).isoformat()
        return iso, self.end[ordinal]


class _Template:
    """One (registrant, product, route) a generated device is drawn from, with its strings ready."""

    __slots__ = (
        "authority",
        "cls",
        "earliest",
        "form",
        "heads",
        "issuer_new",
        "issuer_old",
        "kind",
        "model_sets",
        "prefix",
        "product",
        "registrant",
        "route",
        "segment_new",
        "segment_old",
    )

    def __init__(self, registrant: Enterprise, product: Product, route: str):
        self.registrant, self.product, self.route = registrant, product, route
        self.cls = product.device_class
        self.kind = "filing" if route in ("备", "国备") else "registration"
        place = registrant.place
        if self.kind == "filing":
            self.prefix = "国" if route == "国备" else place.prefix
            self.issuer_new = "国家药品监督管理局" if route == "国备" else place.market_regulator(2019)
            self.issuer_old = "国家食品药品监督管理总局" if route == "国备" else place.market_regulator(2018)
            self.authority = self.form = ""
        else:
            self.authority = place.province.abbr if route == "省准" else "国"
            self.form = route[1]
            self.prefix = ""
            if route == "省准":
                self.issuer_new, self.issuer_old = place.province.drug_regulator(2019), place.province.drug_regulator(2018)
            else:
                self.issuer_new, self.issuer_old = "国家药品监督管理局", "国家食品药品监督管理总局"
        self.segment_new = product.category
        self.segment_old = "40" if product.category == "40" else product.old_code[-2:]
        pool = product.models
        self.model_sets = [list(pool[i:i + n]) for n in (1, 2, 3) for i in range(len(pool) - n + 1)]
        self.earliest = date(max(2014, product.first_year), 1, 1).toordinal()
        self.heads: dict[tuple[str, bool], tuple[tuple, str, str]] = {}


def _templates(world: World) -> list[_Template]:
    out = []
    anchors = {"ruihe", "antai", "mingshi"}
    for ent in world.enterprises:
        if ent.key in anchors or not ent.product_line:
            continue
        for key in ent.product_line:
            product = PRODUCTS_BY_KEY[key]
            if ent.role == "manufacturer":
                route = {3: "国准", 2: "省准", 1: "备"}[product.device_class]
            elif ent.role == "foreign":
                route = "国备" if product.device_class == 1 else "国进"
            elif product.device_class > 1:
                route = "国许"
            else:
                continue
            out.append(_Template(ent, product, route))
    return out


def device_rows(world: World, count: int, seed: int) -> Iterator[tuple[dict, Device | None, _Template | None]]:
    """``count`` device rows: the world's devices first, then generated ones.

    Yields (row, the world's Device or None, the template a generated row came from or None).
    """
    for device in world.devices[:count]:
        yield device.row(), device, None
    remaining = count - min(count, len(world.devices))
    if remaining <= 0:
        return
    rng = random.Random(f"qingwang-registry:{seed}")
    templates = _templates(world)
    if not templates:
        raise SystemExit("no manufacturer in the world to register generated devices to; raise --enterprises")
    taken = {d.number for d in world.devices}
    counters: dict[tuple, int] = {}
    dates = _Dates()
    snapshot = SNAPSHOT_DATE.toordinal()
    five_years = snapshot - add_years(SNAPSHOT_DATE, -5).toordinal()
    cutover = numbers.CATALOGUE_2017_FROM.toordinal()
    reform = date(2018, 4, 10).toordinal()
    n_templates = len(templates)
    random_ = rng.random
    randrange = rng.randrange
    for _ in range(remaining):
        t = templates[randrange(n_templates)]
        roll = random_()
        status = "active" if roll < 0.89 else ("cancelled" if roll < 0.97 else "revoked")
        if t.kind == "filing":
            first = t.earliest + randrange(snapshot - 20 - t.earliest)
            approved = first
            if status == "revoked":
                status = "cancelled"
        else:
            if roll < 0.80:  # in force at the snapshot
                low = max(t.earliest, snapshot - five_years + 5)
                approved = low + randrange(max(1, snapshot - 10 - low))
            else:  # expired (status stays active: NMPA lists the date), cancelled or revoked
                approved = t.earliest + randrange(max(1, snapshot - 30 - t.earliest))
            first = approved
            if random_() < 0.4 and approved - 1826 >= t.earliest:
                first = approved - 1826 + randrange(150)
        # Fast path: the next serial of this (authority, form, year, class, category); the slow
        # path handles a used-up year and the world's own numbers.
        first_iso = dates.get(first)[0]
        head_key = (first_iso[:4], first >= cutover)
        head = t.heads.get(head_key)
        if head is None:
            head = t.heads[head_key] = _head(t, int(first_iso[:4]), first >= cutover)
        serial = counters.get(head[0], 0) + 1
        number = f"{head[1]}{serial:04d}{head[2]}" if serial <= 9999 else None
        if number is None or number in taken:
            number, first, approved = _allocate(t, first, approved, counters, taken, cutover)
        else:
            counters[head[0]] = serial
        approved_iso, end_iso = dates.get(approved)
        models = t.model_sets[randrange(len(t.model_sets))]
        row = {"number": number, "kind": t.kind, "class": t.cls, "product_name": t.product.name,
               "registrant": t.registrant.name, "registrant_uscc": t.registrant.uscc, "models": models,
               "category_code": t.product.category, "approved_on": approved_iso,
               "valid_until": None if t.kind == "filing" else end_iso, "status": status,
               "issuer": t.issuer_new if approved >= reform else t.issuer_old}
        yield row, None, t


def _head(t: _Template, year: int, catalogue_2017: bool) -> tuple[tuple, str, str]:
    """(counter key, number up to the serial, what follows the serial) for a first-registration year."""
    if t.kind == "filing":
        return (t.prefix, year), f"{t.prefix}械备{year}", "号"
    segment = t.segment_new if catalogue_2017 else t.segment_old
    return (t.authority, t.form, year, t.cls, segment), f"{t.authority}械注{t.form}{year}{t.cls}{segment}", ""


def _allocate(t: _Template, first: int, approved: int, counters: dict, taken: set, cutover: int) -> tuple[str, int, int]:
    """The next free number for a device first registered (or filed) on day ``first``.

    Each (authority, form, year, class, category) or (prefix, year) has 9999 serials. When a
    year is used up the device is taken to have been first registered in an earlier year (a
    longer renewal history); a filing moves with its number, since its date is the filing's.
    Returns (number, first, approved) as day ordinals.
    """
    day = date.fromordinal(first)
    earliest_year = date.fromordinal(t.earliest).year
    for year in range(day.year, earliest_year - 1, -1):
        try:
            first_day = day.replace(year=year)
        except ValueError:
            first_day = day.replace(year=year, day=28)
        key, head, suffix = _head(t, year, first_day.toordinal() >= cutover)
        serial = counters.get(key, 0)
        while serial < 9999:
            serial += 1
            number = f"{head}{serial:04d}{suffix}"
            if number not in taken:
                counters[key] = serial
                if t.kind == "filing":
                    return number, first_day.toordinal(), first_day.toordinal()
                return number, min(first_day.toordinal(), first), approved
        counters[key] = serial
    raise SystemExit(f"serial numbers for {t.product.name} ({t.route}) are used up; generate fewer devices")


def enterprise_rows(world: World) -> Iterator[dict]:
    for licence in world.registry_licences():
        yield licence.row()


# --- writers -----------------------------------------------------------------------------------------------------------


class JsonlWriter:
    """Design §6's canonical form: one JSON object per line, keys in the design's order.

    Generated rows take a fast path: the JSON of everything that comes from their template
    (names, issuer, models) is encoded once; ``test_registry`` checks that it is exactly
    what ``json.dumps`` writes.
    """

    def __init__(self, path: Path):
        self.fh = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - closed by close()
        self.encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
        self.pieces: dict[int, tuple[str, str, str, str]] = {}
        self.models: dict[int, str] = {}
        self.count = 0

    def write(self, row: dict, template: _Template | None = None) -> None:
        self.count += 1
        if template is None:
            self.fh.write(self.encode(row) + "\n")
            return
        pieces = self.pieces.get(id(template))
        if pieces is None:
            enc = self.encode
            head = (f'", "kind": "{template.kind}", "class": {template.cls}, "product_name": {enc(template.product.name)}, '
                    f'"registrant": {enc(template.registrant.name)}, "registrant_uscc": {enc(template.registrant.uscc)}, '
                    f'"models": ')
            tail = f', "category_code": "{template.product.category}", "approved_on": "'
            pieces = self.pieces[id(template)] = (head, tail, f", \"issuer\": {enc(template.issuer_new)}}}\n",
                                                  f", \"issuer\": {enc(template.issuer_old)}}}\n")
        models = row["models"]
        models_json = self.models.get(id(models))
        if models_json is None:
            models_json = self.models[id(models)] = self.encode(models)
        valid_until = row["valid_until"]
        self.fh.write(f'{{"number": "{row["number"]}{pieces[0]}{models_json}{pieces[1]}{row["approved_on"]}", '
                      f'"valid_until": {"null" if valid_until is None else chr(34) + valid_until + chr(34)}, '
                      f'"status": "{row["status"]}"'
                      + (pieces[2] if row["issuer"] == template.issuer_new else pieces[3]))

    def close(self) -> int:
        self.fh.close()
        return self.count


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


class CsvWriter:
    """The same rows as CSV (UTF-8 with BOM, CRLF): lists and objects as JSON text, null as empty.

    Generated rows take a fast path like :class:`JsonlWriter`'s: the quoted cells of their
    template are made once by the csv module and reused.
    """

    def __init__(self, path: Path, keys: tuple[str, ...]):
        self.fh = open(path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed by close()
        self.writer = csv.writer(self.fh, lineterminator="\r\n")
        self.writer.writerow(keys)
        self.keys = keys
        self.pieces: dict[int, tuple[str, str, str, str]] = {}
        self.models: dict[int, str] = {}
        self.count = 0

    @staticmethod
    def _line(cells: list[str]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(cells)
        return buffer.getvalue()

    def write(self, row: dict, template: _Template | None = None) -> None:
        self.count += 1
        if template is None or self.keys != DEVICE_KEYS:
            self.writer.writerow([_cell(row[k]) for k in self.keys])
            return
        pieces = self.pieces.get(id(template))
        if pieces is None:
            registrant = template.registrant
            middle = self._line([template.kind, str(template.cls), template.product.name, registrant.name,
                                 registrant.uscc or ""])
            pieces = self.pieces[id(template)] = (f",{middle},", f",{template.product.category},",
                                                  "," + self._line([template.issuer_new]) + "\r\n",
                                                  "," + self._line([template.issuer_old]) + "\r\n")
        models = row["models"]
        models_cell = self.models.get(id(models))
        if models_cell is None:
            models_cell = self.models[id(models)] = self._line([_cell(models)])
        self.fh.write(f'{row["number"]}{pieces[0]}{models_cell}{pieces[1]}{row["approved_on"]},'
                      f'{row["valid_until"] or ""},{row["status"]}'
                      + (pieces[2] if row["issuer"] == template.issuer_new else pieces[3]))

    def close(self) -> int:
        self.fh.close()
        return self.count


def write_rows(writer, rows: Iterable[dict]) -> int:
    for row in rows:
        writer.write(row)
    return writer.close()


_UDI_DEVICE = (
    "<device>"
    "<zxxsdycpbs>{di}</zxxsdycpbs><cpbsbmtxmc>GS1</cpbsbmtxmc><cpbsfbrq>{published}</cpbsfbrq>"
    "<zxxsdyzsydydsl>1</zxxsdyzsydydsl><sydycpbs></sydycpbs><bszt>一维码</bszt><sfyzcbayz>是</sfyzcbayz>"
    "<zcbacpbs></zcbacpbs><sfybtzjbs>否</sfybtzjbs><btcpbsyzxxsdycpbssfyz></btcpbsyzxxsdycpbssfyz><btcpbs></btcpbs>"
    "<cpmctymc>{product}</cpmctymc><spmc>{trade}</spmc><ggxh>{model}</ggxh><sfwblztlcp>否</sfwblztlcp>"
    "<cpms>{description}</cpms><cphhhbh>{article}</cphhhbh><yflbm>{old_code}</yflbm><qxlb>{qxlb}</qxlb>"
    "<flbm>{flbm}</flbm><ylqxzcrbarmc>{registrant}</ylqxzcrbarmc><ylqxzcrbarywmc>{english}</ylqxzcrbarywmc>"
    "<tyshxydm>{uscc}</tyshxydm><zczbhhzbapzbh>{number}</zczbhhzbapzbh><ybbm></ybbm><cplb>{cplb}</cplb>"
    "<cgzmraqxgxx>说明书或标签上面不包括MR安全相关信息</cgzmraqxgxx><sfbjwycxsy>{single_use}</sfbjwycxsy>"
    "<zdcfsycs></zdcfsycs><sfwwjbz>{sterile}</sfwwjbz><syqsfxyjxmj>否</syqsfxyjxmj><mjfs>{sterilisation}</mjfs>"
    "<qtxxdwzlj></qtxxdwzlj><tsrq>{withdrawn}</tsrq><scbssfbhph>是</scbssfbhph><scbssfbhxlh>{serialised}</scbssfbhxlh>"
    "<scbssfbhscrq>是</scbssfbhscrq><scbssfbhsxrq>{expiry}</scbssfbhsxrq><tscchcztj></tscchcztj><tsccsm></tsccsm>"
    "<deviceRecordKey>{record_key}</deviceRecordKey><versionNumber>{version}</versionNumber>"
    "<versionTime>{version_time}</versionTime><versionStauts>{version_status}</versionStauts>"
    "<correctionNumber>0</correctionNumber><correctionRemark></correctionRemark><correctionTime></correctionTime>"
    "<packingList><packing><bzcpbs>{pack_di}</bzcpbs><cpbzjb>箱</cpbzjb><bznhxyjcpbssl>{pack_count}</bznhxyjcpbssl>"
    "<bznhxyjbzcpbs>{di}</bznhxyjbzcpbs></packing></packingList>"
    "<storageList><storage><cchcztj>{storage}</cchcztj><zdz>{low}</zdz><zgz>{high}</zgz><jldw>{unit}</jldw></storage>"
    "</storageList><clinicalList></clinicalList>"
    "<contactList><contact><qylxrcz></qylxrcz><qylxryx>{email}</qylxryx><qylxrdh>{phone}</qylxrdh></contact></contactList>"
    "</device>"
)


class _UdiProduct:
    """A UDI row for one (product, registrant) with every fixed value filled in, escaped once.

    What varies per row is left as ``%(name)s`` slots (see ``_DYNAMIC``), so a row is one
    %-format: that keeps a million-device download fast.
    """

    __slots__ = ("pack_count", "prefix", "template")

    def __init__(self, product: Product, registrant: Enterprise):
        sterile = product.sterile
        if product.ivd:
            storage = ("储存温度", "2", "30", "℃")
        elif product.cplb == "设备":
            storage = ("储存温度", "-20", "55", "℃")
        else:
            storage = ("储存温度", "-10", "40", "℃")
        fixed = {
            "product": escape(product.name), "description": escape(product.structure.split("。")[0] + "。"),
            "old_code": product.old_code, "qxlb": "体外诊断试剂" if product.ivd else "器械", "flbm": product.flbm,
            "registrant": escape(registrant.name), "english": escape(registrant.english_name),
            "uscc": registrant.uscc or "", "cplb": product.cplb, "single_use": "是" if product.single_use else "否",
            "sterile": "是" if sterile else "否", "sterilisation": "环氧乙烷灭菌" if sterile else "",
            "serialised": "是" if product.cplb == "设备" else "否",
            "expiry": "否" if product.cplb == "设备" else "是",
            "storage": storage[0], "low": storage[1], "high": storage[2], "unit": storage[3],
            "email": f"service@{hash_text(registrant.name) % 100000:05d}.com.cn",
            "phone": f"400-{hash_text(registrant.name) % 900 + 100}-{hash_text(product.key) % 9000 + 1000}",
        }
        slots = {name: "%s" for name in _DYNAMIC}
        fixed = {name: value.replace("%", "%%") for name, value in fixed.items()}
        # bytes %-formatting is several times faster than str formatting of CJK text.
        self.template = _UDI_DEVICE.replace("%", "%%").format(**fixed, **slots).encode("utf-8")
        self.prefix = registrant.gs1_prefix
        self.pack_count = b"10" if product.cplb == "耗材" else b"1"


#: The per-row values of a UDI ``<device>``, in the order their slots appear in the template
#: (``di`` twice: the packing level names the unit it contains).
_DYNAMIC = ("di", "published", "trade", "model", "article", "number", "withdrawn", "record_key", "version",
            "version_time", "version_status", "pack_di", "pack_count")
_SLOT_ORDER = ("di", "published", "trade", "model", "article", "number", "withdrawn", "record_key", "version",
               "version_time", "version_status", "pack_di", "pack_count", "di")
assert tuple(n for n in re.findall(r"{(\w+)}", _UDI_DEVICE) if n in _DYNAMIC) == _SLOT_ORDER


def hash_text(text: str) -> int:
    """A stable small hash (Python's own is salted per process)."""
    value = 0
    for ch in text:
        value = (value * 131 + ord(ch)) & 0xFFFFFFFF
    return value


def _gtin(indicator: str, prefix: str, item: int) -> str:
    body = f"{indicator}{prefix}{item:03d}"
    total = 0
    for i, d in enumerate(reversed(body)):
        total += (ord(d) - 48) * (3 if i % 2 == 0 else 1)
    return body + str((10 - total % 10) % 10)


class UdiFormatter:
    """Turns device rows into UDI ``<device>`` elements (UTF-8), one per model, that is per UDI-DI."""

    def __init__(self):
        self.products: dict[tuple[str, str], _UdiProduct] = {}
        self.gtins: dict[tuple[str, int], tuple[bytes, bytes]] = {}
        self.items: dict[str, int] = {}
        self.encoded: dict[str, bytes] = {}
        self.sequence = 0

    def _enc(self, text: str, xml: bool = False) -> bytes:
        value = self.encoded.get(text)
        if value is None:
            value = self.encoded[text] = (escape(text) if xml else text).encode("utf-8")
        return value

    def elements(self, row: dict, device: Device | None, template: _Template | None) -> list[bytes]:
        if device is not None:
            product, registrant = device.product, device.registrant
        else:
            product, registrant = template.product, template.registrant
        key = (product.key, registrant.key)
        udi = self.products.get(key)
        if udi is None:
            udi = self.products[key] = _UdiProduct(product, registrant)
        enc = self._enc
        number = row["number"]
        published = enc(row["approved_on"])
        active = row["status"] == "active"
        trade = enc(product.trade_names[len(number) % len(product.trade_names)] if product.trade_names else "")
        version = b"1" if row["kind"] == "filing" or number[4:8] == row["approved_on"][:4] else b"2"
        tmpl, prefix, pack_count = udi.template, udi.prefix, udi.pack_count
        article = enc(product.key.upper() + "-")
        withdrawn = b"" if active else published
        status_word = _NEW if active else _CHANGED
        number_b = number.encode("utf-8")
        item = self.items.get(registrant.key, 0)
        out = []
        for index, model in enumerate(row["models"]):
            # A registrant's GS1 company prefix holds 1000 item references, reused cyclically: a
            # sample data set can afford that, a real one cannot.
            code_key = (prefix, item % 1000)
            pair = self.gtins.get(code_key)
            if pair is None:
                pair = self.gtins[code_key] = (_gtin("0", prefix, item % 1000).encode(),
                                               _gtin("1", prefix, item % 1000).encode())
            item += 1
            self.sequence += 1
            di, pack_di = pair
            out.append(tmpl % (di, published, trade, enc(model, True), b"%s%02d" % (article, index + 1), number_b,
                               withdrawn, b"%012X" % self.sequence, version, published, status_word, pack_di,
                               pack_count, di))
        self.items[registrant.key] = item
        return out


_NEW, _CHANGED = "新增".encode(), "变更".encode()


def _zip_entry(name: str) -> zipfile.ZipInfo:
    """A deflated entry with a fixed timestamp, compressed fast (level 1) like zip's default -1 would not."""
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    # A ZipInfo passed to ZipFile.open() does not inherit the archive's compresslevel; the
    # attribute is _compresslevel up to Python 3.12 and compress_level from 3.13.
    for attribute in ("compress_level", "_compresslevel"):
        try:
            setattr(info, attribute, 1)
            break
        except AttributeError:
            continue
    return info


class UdiZipWriter:
    """A ZIP of ``PARTn.xml`` files like the NMPA full download, one ``<device>`` per model.

    Elements are formatted here, a part at a time (the header states the part's row count).
    With ``parallel`` the ZIP is compressed in a child process fed through a pipe, so that
    formatting and compression use two cores; a thread would not do, since zlib takes the
    GIL back after every output block and then waits behind the formatting loop.
    """

    def __init__(self, path: Path, per_part: int = UDI_ROWS_PER_PART, parallel: bool = False):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.per_part = path, per_part
        self.formatter = UdiFormatter()
        self.buffer: list[tuple] = []
        self.pending = 0
        self.parts = 0
        self.count = 0
        if parallel:
            context = multiprocessing.get_context("spawn")
            child, self.conn = context.Pipe(duplex=False)
            self.process = context.Process(target=_zip_worker, args=(str(path), child), name="udi-zip")
            self.process.start()
            child.close()
            self.sink = _PipeSink(self.conn)
        else:
            self.process = None
            self.sink = _ZipSink(path)

    def write(self, row: dict, device: Device | None, template: _Template | None) -> None:
        # Rows, not elements, wait for their part: the header states the part's element count
        # before the elements, and rows are far smaller than the XML they become.
        self.buffer.append((row, device, template))
        self.pending += len(row["models"])
        if self.pending >= self.per_part:
            self._flush()

    def _flush(self) -> None:
        self.parts += 1
        self.count += self.pending
        self.sink.part(f"{self.path.stem}_PART{self.parts}.xml", self.pending, self._chunks(self.buffer))
        self.buffer, self.pending = [], 0

    def _chunks(self, rows: list) -> Iterator[bytes]:
        elements = self.formatter.elements
        chunk: list[bytes] = []
        for row, device, template in rows:
            chunk.extend(elements(row, device, template))
            if len(chunk) >= 2000:
                chunk.append(b"")
                yield b"\n".join(chunk)
                chunk = []
        if chunk:
            chunk.append(b"")
            yield b"\n".join(chunk)

    def close(self) -> int:
        try:
            if self.buffer or self.parts == 0:
                self._flush()
        finally:
            self.sink.close()
            if self.process is not None:
                self.process.join()
        if self.process is not None and self.process.exitcode != 0:
            raise RuntimeError(f"the UDI ZIP writer process failed (exit code {self.process.exitcode})")
        return self.count


def _part_chunks(count: int, body: Iterable[bytes]) -> Iterator[bytes]:
    yield (b'<?xml version="1.0" encoding="UTF-8"?>\n<udid version="1.0"><header>'
           b"<numberRkeyecordXML>%d</numberRkeyecordXML></header><devices>\n" % count)
    yield from body
    yield b"</devices></udid>\n"


class _ZipSink:
    def __init__(self, path: Path | str):
        self.archive = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)

    def part(self, name: str, count: int, body: Iterable[bytes]) -> None:
        self.begin(name)
        for chunk in _part_chunks(count, body):
            self.chunk(chunk)
        self.end()

    def begin(self, name: str) -> None:
        self.entry = self.archive.open(_zip_entry(name), "w", force_zip64=True)

    def chunk(self, data: bytes) -> None:
        self.entry.write(data)

    def end(self) -> None:
        self.entry.close()

    def close(self) -> None:
        self.archive.close()


class _PipeSink:
    def __init__(self, conn):
        self.conn = conn

    def part(self, name: str, count: int, body: Iterable[bytes]) -> None:
        self.conn.send(name)
        for chunk in _part_chunks(count, body):
            self.conn.send_bytes(chunk)
        self.conn.send_bytes(b"")

    def close(self) -> None:
        self.conn.send(None)
        self.conn.close()


def _zip_worker(path: str, conn) -> None:
    """The child process of a parallel :class:`UdiZipWriter`: names and chunks in, a ZIP out."""
    sink = _ZipSink(path)
    while (name := conn.recv()) is not None:
        sink.begin(name)
        while chunk := conn.recv_bytes():
            sink.chunk(chunk)
        sink.end()
    sink.close()


# --- the command -----------------------------------------------------------------------------------------------------


def udi_zip_name() -> str:
    return f"UDID_FULL_RELEASE_{SNAPSHOT_DATE:%Y%m%d}.zip"


def generate(out: Path, devices: int = DEFAULT_DEVICES, enterprises: int = DEFAULT_ENTERPRISES,
             formats: Iterable[str] = FORMATS, seed: int = DEFAULT_SEED, world: World | None = None) -> dict:
    """Write the data set in one pass over the devices; returns the rows written per file."""
    formats = tuple(formats)
    unknown = set(formats) - set(FORMATS)
    if unknown or not formats:
        raise ValueError(f"unknown format(s) {', '.join(sorted(unknown)) or '(none)'}; choose from {', '.join(FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    world = world or build_world(seed=seed, enterprises=enterprises, devices=min(devices, DEFAULT_DEVICES * 4))
    written: dict[str, int] = {}
    row_writers: list[tuple[str, object]] = []
    udi: UdiZipWriter | None = None
    if "jsonl" in formats:
        row_writers.append(("devices.jsonl", JsonlWriter(out / "devices.jsonl")))
        written["enterprises.jsonl"] = write_rows(JsonlWriter(out / "enterprises.jsonl"), enterprise_rows(world))
    if "csv" in formats:
        row_writers.append(("devices.csv", CsvWriter(out / "devices.csv", DEVICE_KEYS)))
        written["enterprises.csv"] = write_rows(CsvWriter(out / "enterprises.csv", ENTERPRISE_KEYS),
                                                enterprise_rows(world))
    udi_name = f"udi/{udi_zip_name()}"
    if "udi-xml" in formats:
        udi = UdiZipWriter(out / udi_name, parallel=devices >= PARALLEL_FROM)
    writes = [w.write for _, w in row_writers]
    try:
        for row, device, template in device_rows(world, devices, seed):
            for write in writes:
                write(row, template)
            if udi is not None:
                udi.write(row, device, template)
    finally:
        for name, writer in row_writers:
            written[name] = writer.close()
        if udi is not None:
            written[udi_name] = udi.close()
    return {name: written[name] for name in sorted(written)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m samples.make_registry", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="directory to write into")
    parser.add_argument("--devices", type=int, default=DEFAULT_DEVICES, help="device records (default %(default)s)")
    parser.add_argument("--enterprises", type=int, default=DEFAULT_ENTERPRISES,
                        help="enterprises in the world (default %(default)s); each holds one or more licences")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated: jsonl,csv,udi-xml")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    started = time.perf_counter()
    try:
        written = generate(args.out, args.devices, args.enterprises, formats, args.seed)
    except ValueError as exc:
        parser.error(str(exc))
    for name, count in written.items():
        print(f"{args.out / name}: {count} rows")
    print(f"done in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
