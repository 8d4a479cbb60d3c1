"""The devices as an NMPA UDI database full download: a ZIP of ``PARTn.xml`` files with the
official lower-case tags, one ``<device>`` per model (UDI-DI), so several rows share one
registration number.
"""
from __future__ import annotations

import multiprocessing
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from xml.sax.saxutils import escape

from samples.products import Product
from samples.registry_rows import Template
from samples.world import SNAPSHOT_DATE, Device, Enterprise

UDI_ROWS_PER_PART = 20000
#: ZIP entries carry a fixed timestamp so that the archive is byte-for-byte reproducible.
ZIP_TIME = (SNAPSHOT_DATE.year, SNAPSHOT_DATE.month, SNAPSHOT_DATE.day, 0, 0, 0)


def udi_zip_name() -> str:
    return f"UDID_FULL_RELEASE_{SNAPSHOT_DATE:%Y%m%d}.zip"


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

    def elements(self, row: dict, device: Device | None, template: Template | None) -> list[bytes]:
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

    def write(self, row: dict, device: Device | None, template: Template | None) -> None:
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
