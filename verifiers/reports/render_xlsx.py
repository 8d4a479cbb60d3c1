"""The periodic report as an XLSX workbook: sheets 附件1, 附件2 and 案件清单.

The forms are drawn with openpyxl as the bureaus lay them out: the attachment number, the title,
the 单位名称（公章）/填报单位 and 日期 header line, a two-level column header (行政处罚情况 spans its
six sub-columns, every other header spans both header rows), one row per form row, and the notes.
A blank cell is a cell with no value, never 0.

The case list is the exception, for speed. openpyxl (write-only mode included, with or without
lxml) and XlsxWriter both write about 200,000 cells a second here, so 100,000 cases x 26 columns
take 13 s. openpyxl still writes the case sheet's title and header (styles, widths, freeze pane,
filter); the data rows are then spliced into that sheet's XML as inline-string rows, formatted a
few thousand rows at a time with byte-level escaping: about 2 s for the whole workbook (see
docs/benchmarks.md), half of it deflate. Cells carry no
``r`` reference: ECMA-376 makes it optional (the next column is implied), and an empty value is
written as ``<c/>`` so the columns stay in place.
"""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from xml.etree import ElementTree

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from verifiers.reports.forms import CASE_COLUMNS, CASE_INDEX, ENUM_LABELS, Form, ImmediateReport, PeriodicReport
from verifiers.reports.periods import date_zh

LANGS = ("zh", "bilingual")
CASE_SHEET = "案件清单"
CASE_FIRST_ROW = 3  # row 1: title, row 2: column headers
#: Excel's limit on the characters in one cell.
CELL_LIMIT = 32767

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
# 宋体, the usual face of Chinese official forms; where it is missing the viewer substitutes a CJK font.
_FONT = Font(name="宋体", size=11)
_BOLD = Font(name="宋体", size=11, bold=True)
_TITLE = Font(name="宋体", size=16, bold=True)


def _text(zh: str, en: str, lang: str) -> str:
    return zh if lang == "zh" else f"{zh}\n{en}"


def render_periodic_report(report: PeriodicReport, *, lang: str = "zh") -> bytes:
    """The workbook as bytes. ``lang="zh"`` reproduces the bureaus' forms; ``"bilingual"`` adds the
    English label under each Chinese header (the data stay as they are)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    workbook = Workbook()
    first = workbook.active
    first.title = report.form1.attachment_zh
    _write_form(first, report.form1, report, lang)
    _write_form(workbook.create_sheet(report.form2.attachment_zh), report.form2, report, lang)
    _write_case_header(workbook.create_sheet(CASE_SHEET), report, lang)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return splice_rows(buffer.getvalue(), CASE_SHEET, _display_rows(report.cases), CASE_FIRST_ROW)


IMMEDIATE_SHEET = "违法行为报告"


def render_immediate_report(report: ImmediateReport, *, lang: str = "zh") -> bytes:
    """The immediate report as one sheet of (section, item, content) rows, the same fields as its PDF
    and JSON, for a bureau that files spreadsheets. A field the platform has nothing for stays an
    empty cell."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    workbook = Workbook()
    ws = workbook.active
    ws.title = IMMEDIATE_SHEET
    ws.merge_cells("A1:C1")
    title = ws.cell(1, 1, _text(report.title_zh, report.title_en, lang))
    title.font, title.alignment = _TITLE, _CENTER
    ws.row_dimensions[1].height = 30 if lang == "zh" else 48
    for index, (zh, en) in enumerate((("栏目", "Section"), ("项目", "Item"), ("内容", "Content")), 1):
        cell = ws.cell(2, index, _text(zh, en, lang))
        cell.font, cell.alignment, cell.border = _BOLD, _CENTER, _BORDER
    row = 3
    for section in report.sections:
        for item in section.fields:
            values = (_text(section.zh, section.en, lang), _text(item.zh, item.en, lang),
                      _clean(item.value) if item.value is not None else None)
            for column, value in enumerate(values, 1):
                cell = ws.cell(row, column, value)
                cell.font, cell.border = _FONT, _BORDER
                cell.alignment = _LEFT if column == 3 else _CENTER
            row += 1
    for letter, width in zip("ABC", (26, 26, 90)):
        ws.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_form(ws: Worksheet, form: Form, report: PeriodicReport, lang: str) -> None:
    width = 1 + len(form.columns)
    last = get_column_letter(width)
    ws["A1"] = _text(form.attachment_zh, form.attachment_en, lang)
    ws["A1"].font = _BOLD
    ws.merge_cells(f"A2:{last}2")
    ws["A2"] = _text(form.title_zh, form.title_en, lang)
    ws["A2"].font = _TITLE
    ws["A2"].alignment = _CENTER
    ws.row_dimensions[2].height = 30 if lang == "zh" else 44
    # The header line: unit on the left, the period and region in the middle, the date on the right.
    third = max(2, width // 3)
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=third)
    ws.cell(3, 1, f"{_text(form.unit_label_zh, form.unit_label_en, lang)}：{form.unit_name}")
    ws.merge_cells(start_row=3, start_column=third + 1, end_row=3, end_column=width - 3)
    ws.cell(3, third + 1, f"统计期间：{report.period.label_zh}（{report.period.range_zh}）  地区：{report.region_name}"
            if lang == "zh" else
            f"统计期间 Period：{report.period.label_zh} / {report.period.label_en}  地区 Region：{report.region_name}")
    ws.merge_cells(start_row=3, start_column=width - 2, end_row=3, end_column=width)
    ws.cell(3, width - 2, f"{_text(form.date_label_zh, form.date_label_en, lang)}：{date_zh(form.date)}")
    for column in (1, third + 1, width - 2):
        ws.cell(3, column).font = _FONT
        ws.cell(3, column).alignment = Alignment(horizontal="left", vertical="center")
    ws.row_dimensions[3].height = 22 if lang == "zh" else 34

    # Two header rows: 4 and 5.
    ws.merge_cells("A4:A5")
    ws["A4"] = _text(form.corner_zh, form.corner_en, lang) if form.corner_zh else None
    for group, first, last_index in form.header_spans():
        start, end = first + 2, last_index + 2
        if group is None:
            ws.merge_cells(start_row=4, start_column=start, end_row=5, end_column=start)
            column = form.columns[first]
            ws.cell(4, start, _text(column.zh, column.en, lang))
        else:
            ws.merge_cells(start_row=4, start_column=start, end_row=4, end_column=end)
            ws.cell(4, start, _text(group.zh, group.en, lang))
            for offset, column in enumerate(form.columns[first:last_index + 1]):
                ws.cell(5, start + offset, _text(column.zh, column.en, lang))
    for row in (4, 5):
        ws.row_dimensions[row].height = 48 if lang == "zh" else 84
    for index, row in enumerate(form.rows, 6):
        ws.cell(index, 1, _text(row.zh, row.en, lang)).alignment = _LEFT
        for offset, value in enumerate(row.values, 2):
            if value is not None:  # blank means "not ours to say": no value, not 0
                ws.cell(index, offset, value)
        ws.row_dimensions[index].height = 30 if lang == "zh" else 44
    last_row = 5 + len(form.rows)
    for row_cells in ws.iter_rows(min_row=4, max_row=last_row, max_col=width):
        for cell in row_cells:
            cell.border = _BORDER
            cell.font = _BOLD if cell.row < 6 else _FONT
            if cell.row < 6 or cell.column > 1:
                cell.alignment = _CENTER
    for offset, (zh, en) in enumerate(form.notes, last_row + 2):
        ws.merge_cells(start_row=offset, start_column=1, end_row=offset, end_column=width)
        ws.cell(offset, 1, ("注：" if offset == last_row + 2 else "") + (zh if lang == "zh" else f"{zh} {en}"))
        ws.cell(offset, 1).font = Font(name="宋体", size=10)
        ws.cell(offset, 1).alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
        ws.row_dimensions[offset].height = 20 if lang == "zh" else 32
    ws.column_dimensions["A"].width = 30
    for offset, column in enumerate(form.columns, 2):
        ws.column_dimensions[get_column_letter(offset)].width = column.width + (4 if lang == "bilingual" else 0)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _write_case_header(ws: Worksheet, report: PeriodicReport, lang: str) -> None:
    last = get_column_letter(len(CASE_COLUMNS))
    ws.merge_cells(f"A1:{last}1")
    title = (f"案件清单（{report.region_name}，{report.period.label_zh}）共{len(report.cases)}件  "
             f"清单SHA-256：{report.case_digest}")
    if lang == "bilingual":
        title += f"\nCase list ({report.region}, {report.period.label_en}): {len(report.cases)} cases"
    ws["A1"] = title
    ws["A1"].font = _BOLD
    ws["A1"].alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = 24 if lang == "zh" else 40
    for index, column in enumerate(CASE_COLUMNS, 1):
        cell = ws.cell(2, index, _text(column.zh, column.en, lang))
        cell.font, cell.alignment, cell.border = _BOLD, _CENTER, _BORDER
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.row_dimensions[2].height = 36 if lang == "zh" else 60
    ws.freeze_panes = "C3"
    ws.auto_filter.ref = f"A2:{last}{max(2, CASE_FIRST_ROW + len(report.cases) - 1)}"


def _display_rows(rows: Sequence[tuple]) -> list[tuple]:
    """Case rows with the enumerated cells turned into their Chinese labels (column by column:
    transposing is C-speed, and a list comprehension per column beats a loop per row 5 to 1)."""
    if not rows:
        return []
    columns = list(zip(*rows))
    for column, table in ENUM_LABELS.items():
        index, names = CASE_INDEX[column], {key: labels[0] for key, labels in table.items()}
        columns[index] = [names.get(value, value) for value in columns[index]]
    return list(zip(*columns))


# --- the fast path: rows spliced into a sheet's XML --------------------------------------------

# Row and cell separators for the fast path: printable (so one isprintable() scan can clear a
# whole chunk) and never expected in data. If a value holds one anyway, the separator counts
# disagree and that chunk is written cell by cell instead.
_SEP, _ROW = "\u2400", "\u2401"  # ␀ ␁ (Control Pictures)
_SEP_BYTES, _ROW_BYTES = _SEP.encode(), _ROW.encode()
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_CELL = b'</t></is></c><c t="inlineStr"><is><t>'
_EMPTY = b'<c t="inlineStr"><is><t></t></is></c>'
_CHUNK = 4000  # rows formatted at a time: big enough for C-speed replaces, small enough for memory


def _escape(data: bytes) -> bytes:
    return data.replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b">", b"&gt;")


def _clean(value: str) -> str:
    """A value XML can hold and Excel can show (illegal characters dropped, Excel's cell limit kept)."""
    value = _ILLEGAL.sub("", value)
    return value if len(value) <= CELL_LIMIT else value[:CELL_LIMIT - 1] + "…"


def _row_xml(number: int, row: Sequence) -> bytes:
    """One row, cell by cell: the slow path, right for any content."""
    cleaned = (_clean(v) for v in row[1:])
    cells = b"".join(b'<c t="inlineStr"><is><t>%b</t></is></c>' % _escape(v.encode("utf-8")) if v else b"<c/>"
                     for v in cleaned)
    return b'<row r="%d"><c><v>%d</v></c>%b</row>' % (number, row[0], cells)


def _chunk_xml(rows: Sequence[Sequence], first_row: int) -> bytes:
    """``<row>`` elements for ``rows``; the first value of each row is a number (序号), the rest text.

    The fast path joins the chunk's text into one string and does the escaping with a handful of
    C-level replaces, instead of a few million small ones.
    """
    texts = [_SEP.join(row[1:]) for row in rows]
    joined = _ROW.join(texts)
    intact = (joined.count(_SEP) == sum(len(row) - 2 for row in rows) and joined.count(_ROW) == len(rows) - 1
              and (joined.isprintable() or not _ILLEGAL.search(joined))
              and max(map(len, texts), default=0) <= CELL_LIMIT)
    if not intact:  # rare: a control character, a separator or an oversized value somewhere in the chunk
        return b"".join(_row_xml(first_row + offset, row) for offset, row in enumerate(rows))
    data = _escape(joined.encode("utf-8")).replace(_SEP_BYTES, _CELL)
    parts = [b'<row r="%d"><c><v>%d</v></c><c t="inlineStr"><is><t>%b</t></is></c></row>'
             % (first_row + offset, row[0], cells) for offset, (row, cells) in enumerate(zip(rows, data.split(_ROW_BYTES)))]
    return b"".join(parts).replace(_EMPTY, b"<c/>")


def _sheet_path(archive: zipfile.ZipFile, sheet_name: str) -> str:
    """The zip member holding the worksheet called ``sheet_name``."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    sheet = next(s for s in workbook.find("m:sheets", ns) if s.get("name") == sheet_name)
    rel_id = sheet.get(f"{{{ns['r']}}}id")
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target") for r in rels.findall("p:Relationship", ns) if r.get("Id") == rel_id)
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def splice_rows(xlsx: bytes, sheet_name: str, rows: Sequence[Sequence], first_row: int) -> bytes:
    """``xlsx`` with ``rows`` appended to the sheet ``sheet_name`` from ``first_row`` on.

    Each row is ``(number, text, text, ...)`` with "" for an empty cell. The sheet must end its
    own rows before ``first_row``; its ``dimension`` is widened to cover the new rows.
    """
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    target_path = _sheet_path(source, sheet_name)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != target_path:
                target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                continue
            xml = data.decode("utf-8")
            if rows:
                last_column = get_column_letter(max(len(r) for r in rows))
                xml = re.sub(r'<dimension ref="[^"]*"\s*/>',
                             f'<dimension ref="A1:{last_column}{first_row + len(rows) - 1}"/>', xml, count=1)
            # An empty sheet is written <sheetData/>: open it up so the rows have somewhere to go.
            head, tail = xml.replace("<sheetData/>", "<sheetData></sheetData>", 1).split("</sheetData>", 1)
            # Opened by name, so the entry takes the archive's deflate level 1 (fast; ~10 % larger than 6).
            with target.open(info.filename, "w") as stream:
                stream.write(head.encode("utf-8"))
                for start in range(0, len(rows), _CHUNK):
                    stream.write(_chunk_xml(rows[start:start + _CHUNK], first_row + start))
                stream.write(b"</sheetData>" + tail.encode("utf-8"))
    return out.getvalue()
