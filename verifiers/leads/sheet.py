"""Reading a bureau's spreadsheet of leads (线索移交表), XLSX or CSV, with Chinese headers.

Bureaus send leads as a table, one lead a row, under headers of their own wording: 线索编号,
线索来源, 店铺名称, 统一社会信用代码, 商品链接, 注册证编号, 问题描述, 移送日期, 办理期限 and the
like. The header row is found among the first rows (a title line such as “XX省药品监督管理局网络
监测线索移交表” often sits above it), each header is mapped to a lead field by its wording, and
every row becomes either a lead's fields or an error naming its row number, so a person can fix
that row and import again. Nothing here knows where the leads go.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from verifiers.leads.matching import SUBJECT_FIELDS
from verifiers.leads.states import SOURCES
from verifiers.reports.model import LEAD_SOURCES
from verifiers.reports.periods import CHINA_TZ
from verifiers.reports.routing import default_directory

#: Lead field -> the header wordings bureaus use for it (compared without spaces and brackets).
HEADERS: dict[str, tuple[str, ...]] = {
    "reference": ("线索编号", "编号", "线索号", "reference"),
    "source": ("线索来源", "来源", "线索类型", "source"),
    "region": ("地区代码", "行政区划代码", "所在地区代码", "区划代码", "地区", "所在地区", "region"),
    "received_at": ("接收时间", "接收日期", "移送日期", "移送时间", "交办日期", "交办时间", "转办日期", "received_at"),
    "due_at": ("办理期限", "反馈期限", "处置期限", "截止日期", "办结时限", "反馈时限", "due_at"),
    "shop_name": ("店铺名称", "网店名称", "涉事店铺", "店铺", "shop_name"),
    "shop_url": ("店铺链接", "店铺网址", "网店链接", "shop_url"),
    "uscc": ("统一社会信用代码", "社会信用代码", "信用代码", "uscc"),
    "enterprise_name": ("企业名称", "涉事企业", "经营者名称", "企业", "enterprise_name"),
    "listing_external_id": ("商品编号", "商品id", "商品ID", "平台商品编号", "商品编码", "listing_external_id"),
    "listing_url": ("商品链接", "商品网址", "链接", "网址", "listing_url"),
    "product_name": ("产品名称", "商品名称", "器械名称", "product_name"),
    "registration_number": ("注册证编号", "注册证号", "备案编号", "注册证备案编号", "注册证/备案编号", "注册证或备案编号",
                            "registration_number"),
    "description": ("线索内容", "问题描述", "线索描述", "违法违规情形", "主要问题", "存在问题", "description"),
    "key_case": ("重点案件", "是否重点案件", "key_case"),
}
#: Source wordings in bureaus' sheets -> source key (the keys themselves are accepted too).
SOURCE_WORDS: dict[str, str] = {
    "国家药监局移送": "nmpa_transfer", "国家局移送": "nmpa_transfer", "国家药监局": "nmpa_transfer",
    "国家局": "nmpa_transfer", "省局网络监测": "provincial_monitoring", "省局监测": "provincial_monitoring",
    "网络监测": "provincial_monitoring", "省局": "provincial_monitoring", "外省移送": "other_province",
    "外省": "other_province", "平台自行监测": "platform_monitoring", "平台监测": "platform_monitoring",
    "投诉举报": "complaint", "投诉": "complaint", "举报": "complaint",
    **{zh: key for key, (zh, _en) in LEAD_SOURCES.items()},
}
HEADER_SEARCH_ROWS = 10
_TRUE = {"是", "y", "yes", "true", "1", "重点"}


def _fold(text) -> str:
    return re.sub(r"[\s（）()【】\[\]:：*＊]", "", unicodedata.normalize("NFKC", str(text or ""))).lower()


_HEADER_INDEX = {_fold(word): name for name, words in HEADERS.items() for word in words}


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet's own row number (1 = the first line of the file)
    zh: str
    en: str

    def __str__(self) -> str:
        return f"第{self.row}行：{self.zh} / row {self.row}: {self.en}"


@dataclass
class ParsedSheet:
    columns: dict[str, str] = field(default_factory=dict)  # field -> the header as written
    leads: list[tuple[int, dict]] = field(default_factory=list)  # (row number, POST /v1/leads body)
    errors: list[RowError] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)


class SheetError(ValueError):
    """The file as a whole cannot be read (not a spreadsheet, no header row)."""

    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en
        super().__init__(en)


def read_rows(path: Path) -> list[tuple[int, list]]:
    """The file's non-empty rows with their row numbers (XLSX: the first sheet; CSV: UTF-8, or
    GB18030 as spreadsheets saved on Chinese Windows write it)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook  # imported here: CSV imports never need it

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
            raise SheetError(f"无法读取 Excel 文件：{exc}", f"cannot read the XLSX file: {exc}") from None
        try:
            sheet = workbook.worksheets[0]
            return [(number, list(values)) for number, values in enumerate(sheet.iter_rows(values_only=True), 1)
                    if any(v not in (None, "") for v in values)]
        finally:
            workbook.close()
    if suffix in (".csv", ".txt"):
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise SheetError("CSV 文件编码无法识别（应为 UTF-8 或 GBK）", "the CSV is neither UTF-8 nor GBK")
        return [(number, row) for number, row in enumerate(csv.reader(io.StringIO(text)), 1)
                if any(cell.strip() for cell in row)]
    raise SheetError(f"不支持的文件类型 {suffix or '（无扩展名）'}，请使用 .xlsx 或 .csv",
                     f"unsupported file type {suffix or '(none)'}; use .xlsx or .csv")


def _find_header(rows: list[tuple[int, list]]) -> tuple[int, dict[int, str], list[str]]:
    for index, (_number, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        mapping, ignored = {}, []
        for column, value in enumerate(values):
            name = _HEADER_INDEX.get(_fold(value))
            if name and name not in mapping.values():
                mapping[column] = name
            elif value not in (None, ""):
                ignored.append(str(value))
        if len(mapping) >= 3 and "description" in mapping.values():
            return index, mapping, ignored
    raise SheetError("未找到表头：前10行中应有“线索内容”（或“问题描述”）等列名",
                     "no header row: one of the first 10 rows must name the columns, including 线索内容 or 问题描述")


def parse_moment(value) -> datetime | None:
    """A cell as a Beijing-time moment: a date (the start of that day), a datetime, an Excel serial
    number, or text such as 2026-11-30, 2026/11/30 09:00, 2026年11月30日, 20261130. None when blank;
    ValueError when unreadable."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.utcoffset() is not None else value.replace(tzinfo=CHINA_TZ)
    if isinstance(value, date):
        return datetime.combine(value, time(), CHINA_TZ)
    if isinstance(value, (int, float)) and 20000 < value < 80000:  # an Excel serial day number
        return datetime(1899, 12, 30, tzinfo=CHINA_TZ) + timedelta(days=float(value))
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = re.sub(r"(\d{4})年(\d{1,2})月(\d{1,2})日?", r"\1-\2-\3", text).replace("/", "-").replace(".", "-")
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?", text)
    if match:
        y, mo, d, h, mi, s = (int(g) if g else 0 for g in match.groups())
        return datetime(y, mo, d, h, mi, s, tzinfo=CHINA_TZ)
    moment = datetime.fromisoformat(text)  # raises ValueError for anything else
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=CHINA_TZ)


def parse_source(value) -> str | None:
    text = _fold(value)
    if not text:
        return None
    if text in SOURCES:
        return text
    for words, key in sorted(SOURCE_WORDS.items(), key=lambda item: -len(item[0])):  # longest wording first
        if _fold(words) in text:
            return key
    raise ValueError(value)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed into a cell: 440305.0 is the code 440305
    return unicodedata.normalize("NFKC", str(value)).strip() if not isinstance(value, str) else value.strip()


def parse_sheet(rows: list[tuple[int, list]], *, default_source: str | None = None,
                default_region: str | None = None) -> ParsedSheet:
    """Each row below the header as a lead body, or the reasons it cannot be one."""
    header_index, mapping, ignored = _find_header(rows)
    header_values = rows[header_index][1]
    result = ParsedSheet(columns={name: str(header_values[col]) for col, name in mapping.items()},
                         ignored_headers=ignored)
    for number, values in rows[header_index + 1:]:
        cells = {name: values[col] if col < len(values) else None for col, name in mapping.items()}
        problems: list[tuple[str, str]] = []
        body: dict = {"subject": {}}
        try:
            body["source"] = parse_source(cells.get("source")) or default_source
        except ValueError:
            problems.append((f"线索来源“{cells.get('source')}”无法识别", f"unknown source {cells.get('source')!r}"))
        else:
            if not body["source"]:
                problems.append(("缺少线索来源", "no source (add a 线索来源 column or pass --source)"))
        region = _cell_text(cells.get("region")) or default_region or ""
        if region and not re.fullmatch(r"\d{6}", region):
            region = default_directory().code_for_name(region) or region  # 深圳市 -> 440300
        if not re.fullmatch(r"\d{6}", region):
            problems.append((f"地区“{region}”应为6位行政区划代码或省、市名称",
                             f"region {region!r} is neither a 6-digit division code nor a province or city name"))
        body["region"] = region
        for name in ("received_at", "due_at"):
            try:
                body[name] = parse_moment(cells.get(name))
            except (ValueError, OverflowError):
                problems.append((f"{result.columns.get(name, name)}“{cells.get(name)}”不是日期",
                                 f"{name} {cells.get(name)!r} is not a date"))
        if "received_at" in body and body["received_at"] is None:
            problems.append(("缺少接收（移送）日期", "no received date"))
        if body.get("due_at") and body.get("received_at") and body["due_at"] <= body["received_at"]:
            problems.append(("办理期限早于接收日期", "the deadline is before the received date"))
        body["description"] = _cell_text(cells.get("description"))
        if not body["description"]:
            problems.append(("缺少线索内容", "no description"))
        for name in SUBJECT_FIELDS:
            text = _cell_text(cells.get(name))
            if text:
                body["subject"][name] = text[:500]
        if not body["subject"]:
            problems.append(("未写明线索对象（店铺、企业、信用代码、商品或注册证编号）",
                             "no subject: name a shop, enterprise, credit code, listing or registration number"))
        reference = _cell_text(cells.get("reference"))
        if len(reference) > 64:
            problems.append(("线索编号超过64个字符", "the reference is longer than 64 characters"))
        body["reference"] = reference or None
        body["key_case"] = _fold(cells.get("key_case")) in _TRUE
        if problems:
            result.errors.append(RowError(number, "；".join(p[0] for p in problems), "; ".join(p[1] for p in problems)))
        else:
            result.leads.append((number, body))
    return result
