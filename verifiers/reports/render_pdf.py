"""The reports as PDF (fpdf2), with a subset CJK font embedded.

What the PDF holds, and what it leaves to the XLSX. A bureau reads the PDF: the cover facts, 附件1
and 附件2 as the forms lay them out, a count of cases by violation type and tier, and the case
list. It works with the XLSX: filtering, sorting and importing 100,000 rows. So the PDF lists the
cases in a compact one-line-per-case table (the columns a reader scans: id, time, seller, credit
code, product and number, type, tier, actions), all of them up to ``case_limit`` (default 1,000,
about 30 pages). Past that it lists the first ``case_limit`` in the order a bureau would want
(stop-and-report first, then by detection time) and says how many more there are; every format
prints the case list's SHA-256, so the PDF names exactly which complete list (XLSX or JSON) it
summarises. Writing all 100,000 rows would take fpdf2 about 40 s and 2,500 pages no one reads.

Chinese first: ``lang="zh"`` is the bureau's form; ``lang="bilingual"`` adds English under each
label. The font: :mod:`verifiers.reports.fonts` (``font`` is the QINGWANG_REPORT_FONT setting,
``font_cache`` where converted fonts are kept).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import groupby
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import WrapMode, XPos, YPos

from verifiers.reports.fonts import base_charset, report_fonts
from verifiers.reports.forms import (
    CASE_INDEX,
    ENUM_LABELS,
    REPORTED_TIERS,
    Form,
    ImmediateReport,
    PeriodicReport,
    ReportSection,
)
from verifiers.reports.model import TIER_LABELS, VIOLATION_TYPES
from verifiers.reports.periods import CHINA_TZ, date_zh

LANGS = ("zh", "bilingual")
DEFAULT_CASE_LIMIT = 1000
_HEADING = FontFace(fill_color=(235, 235, 235))
_PRODUCER = "Qingwang (清网) report renderer"
#: The PDF case list's columns: heading zh, heading en, width in mm on landscape A4 (277 mm in all).
_PDF_CASE_COLUMNS = (
    ("序号", "No.", 8),
    ("案件编号", "Case", 48),  # a whole gateway id (vio_ + 26 characters): a bureau quotes it back
    ("发现时间", "Detected", 23),
    ("企业名称", "Seller", 34),
    ("统一社会信用代码", "Credit code", 28),
    ("产品名称（注册证/备案编号）", "Product (number)", 48),
    ("违法违规类型", "Type", 36),
    ("处置分级", "Tier", 21),
    ("已采取措施", "Actions", 31),
)


def _t(zh: str, en: str, lang: str, sep: str = "\n") -> str:
    return zh if lang == "zh" else f"{zh}{sep}{en}"


class _ReportPDF(FPDF):
    """A4 with a footer: what the document is, and 第 n 页／共 N 页."""

    def __init__(self, orientation: str, footer: str):
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self._footer = footer
        self.rare: frozenset[str] = frozenset()  # characters only the fallback font has
        self.set_auto_page_break(True, margin=14)
        self.set_margins(10, 10, 10)

    def footer(self):
        self.set_y(-10)
        self.set_font("cjk", size=7)
        self.cell(0, 5, f"{self._footer}    第{self.page_no()}页／共{{nb}}页", align="C")


def _document(orientation: str, footer: str, title: str, author: str, created: datetime, texts: Iterable[str],
              font: str | None, font_cache: Path | str | None) -> _ReportPDF:
    """A document whose fonts cover the fixed labels and ``texts`` (the data it will print)."""
    chars = set(footer)
    for text in texts:
        chars.update(text)
    fonts = report_fonts(chars, setting=font, cache_dir=font_cache)
    pdf = _ReportPDF(orientation, footer)
    _add_font(pdf, "cjk", fonts.base)
    if fonts.extra is not None:
        _add_font(pdf, "cjk-extra", fonts.extra)
        pdf.set_fallback_fonts(["cjk-extra"])  # cell(), multi_cell() and tables switch by themselves
        pdf.rare = frozenset(c for c in chars if c not in base_charset())
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator(_PRODUCER)
    pdf.set_producer(_PRODUCER)
    pdf.set_creation_date(created)  # the report's time, not the rendering's: the same report renders the same
    pdf.set_font("cjk", size=9)
    return pdf


def _add_font(pdf: FPDF, family: str, path: Path) -> None:
    """``pdf.add_font(family, fname=path)``, except that the subset ``output()`` embeds keeps the
    whole font's summary bounds (``head``, ``hhea``, ``maxp``) rather than recalculating them.

    Recalculating decodes and re-encodes every glyph the document uses only to get the same glyph
    bytes back: 30-45% of an immediate report's CPU (measured on a busy machine). The bounds kept
    are the whole font's (a box holding every glyph, maxima no glyph exceeds), which is what the
    PDF's FontBBox says anyway.
    test_render_pdf pins it against plain ``add_font``: the same text, the same glyphs byte for
    byte, only those bounds different.

    (Parsing the font once per process instead of once per PDF was measured too: it saves next to
    nothing, because ``output()`` reads most of the same tables again to subset them.)
    """
    pdf.add_font(family, fname=str(path))
    pdf.fonts[family].ttfont.recalcBBoxes = False  # fontTools reads it when output() saves the subset


# --- the periodic report --------------------------------------------------------------------

def render_periodic_report(report: PeriodicReport, *, lang: str = "zh", case_limit: int | None = DEFAULT_CASE_LIMIT,
                           font: str | None = None, font_cache: Path | str | None = None) -> bytes:
    """The periodic report as PDF bytes: cover, 附件1, 附件2, the case summary and the case list.
    ``case_limit=None`` lists every case (slow past a few thousand)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    listed = _cases_for_pdf(report, case_limit)
    p = report.platform
    # What may hold characters outside the base font: the data. (The fixed labels are all within
    # GB 2312; test_fixed_labels_need_no_fallback_font keeps them so.)
    texts = [p.name, p.filing_number, p.contact_person, p.contact_phone or "", report.region_name,
             report.bureau.name_zh, *(v for f in (report.form1, report.form2) for r in f.rows for v in r.values
                                      if isinstance(v, str)),
             *(cell for row in listed for cell in row)]
    pdf = _document("L", f"{report.platform.name} · {report.region_name} · {report.period.label_zh}",
                    report.title_zh, report.platform.name, report.generated_at, texts, font, font_cache)
    pdf.add_page()
    _cover(pdf, report, lang)
    for form in (report.form1, report.form2):
        pdf.add_page()
        _form(pdf, form, report, lang)
    pdf.add_page()
    _summary(pdf, report, lang)
    _case_list(pdf, report, listed, lang)
    return bytes(pdf.output())


def _cases_for_pdf(report: PeriodicReport, limit: int | None) -> list[tuple[str, ...]]:
    """The rows the PDF lists, as the PDF's compact cells."""
    rows = report.cases
    if limit is not None and len(rows) > limit:
        tier = CASE_INDEX["tier"]
        urgent = [r for r in rows if r[tier] == "stop_and_report"]
        rows = (urgent + [r for r in rows if r[tier] != "stop_and_report"])[:limit]
    types = {k: names[0] for k, names in ENUM_LABELS["violation_type"].items()}
    tiers = {k: names[0] for k, names in ENUM_LABELS["tier"].items()}
    i = CASE_INDEX
    out = []
    for row in rows:
        product = row[i["product_name"]]
        if row[i["registration_number"]]:
            product += f"（{row[i['registration_number']]}）"
        actions = row[i["actions"]].split("；") if row[i["actions"]] else []
        # The kinds only: times and deadlines are in the XLSX.
        action_text = "、".join(a.split(" ", 2)[-1].split("（", 1)[0] for a in actions)
        out.append((str(row[0]), row[i["violation_id"]], row[i["detected_at"]][:16], row[i["merchant_name"]],
                    row[i["uscc"]], product, types.get(row[i["violation_type"]], row[i["violation_type"]]),
                    tiers.get(row[i["tier"]], row[i["tier"]]), action_text))
    return out


def _line(pdf: FPDF, label: str, value: str) -> None:
    pdf.multi_cell(0, 6, f"{label}：{value}", new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.CHAR)


def _cover(pdf: FPDF, report: PeriodicReport, lang: str) -> None:
    pdf.set_font("cjk", size=18)
    pdf.multi_cell(0, 10, _t(report.title_zh, report.title_en, lang), align="C", new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT, wrapmode=WrapMode.CHAR)
    pdf.set_font("cjk", size=12)
    pdf.multi_cell(0, 8, report.subtitle_zh, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.CHAR)
    pdf.ln(4)
    pdf.set_font("cjk", size=11)
    b, p = report.bureau, report.platform
    bureau = b.name_zh + ("（未能确定设区的市级部门，报省级部门）" if b.fallback else "")
    if not b.confirmed:
        bureau += "（名称依命名规则生成，待核实）"
    rows = (
        (("报送机关", "Reported to"), bureau),
        (("报告单位", "Platform"), p.name),
        (("统一社会信用代码", "Credit code"), p.uscc),
        (("平台备案编号", "Platform filing number"), p.filing_number),
        (("统计期间", "Period"), f"{report.period.label_zh}（{report.period.range_zh}）"),
        (("地区", "Region"), f"{report.region_name}（{report.region}）"),
        (("联系人", "Contact"), p.contact_person + (f"  {p.contact_phone}" if p.contact_phone else "")),
        (("生成时间", "Generated"), report.generated_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")),
        (("案件数", "Cases"), str(len(report.cases))),
        (("案件清单SHA-256", "Case list SHA-256"), report.case_digest),
    )
    for (zh, en), value in rows:
        _line(pdf, _t(zh, en, lang, " "), value)
    pdf.ln(4)
    pdf.set_font("cjk", size=10)
    _line(pdf, _t("附件目录", "Contents", lang, " "), "；".join(
        [f"{f.attachment_zh} {f.title_zh}" for f in (report.form1, report.form2)] + ["案件分类统计", "案件清单"]))


def _form(pdf: FPDF, form: Form, report: PeriodicReport, lang: str) -> None:
    """One form as the bureaus lay it out: 附件n, title, header line, two-level header, rows, notes."""
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 7, _t(form.attachment_zh, form.attachment_en, lang, " "), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", size=16)
    pdf.multi_cell(0, 9, _t(form.title_zh, form.title_en, lang), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    # The period and region are not on the bureau's form, so they go under the title, not into its
    # header line, which keeps the form's own two entries: the unit on the left, the date on the right.
    pdf.set_font("cjk", size=9)
    pdf.cell(0, 6, f"{_t('统计期间', 'Period', lang, ' ')}：{report.period.label_zh}（{report.period.range_zh}）  "
                   f"{_t('地区', 'Region', lang, ' ')}：{report.region_name}", align="C", new_x=XPos.LMARGIN,
             new_y=YPos.NEXT)
    pdf.set_font("cjk", size=10)
    date_width = 70
    pdf.cell(pdf.epw - date_width, 7, f"{_t(form.unit_label_zh, form.unit_label_en, lang, ' ')}：{form.unit_name}")
    pdf.cell(date_width, 7, f"{_t(form.date_label_zh, form.date_label_en, lang, ' ')}：{date_zh(form.date)}",
             align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.set_font("cjk", size=8 if lang == "zh" else 6.5)
    widths = (30, *(c.width for c in form.columns))
    # Chinese has no spaces to break at, so Chinese-only headers wrap by character; bilingual ones wrap
    # the English by word (fpdf2 still splits a Chinese run that is too long for its cell).
    wrap = WrapMode.CHAR if lang == "zh" else WrapMode.WORD
    with pdf.table(col_widths=widths, text_align="CENTER", num_heading_rows=2, wrapmode=wrap,
                   headings_style=_HEADING, line_height=4.2 if lang == "zh" else 3.4, padding=1) as table:
        top = table.row()
        top.cell(_t(form.corner_zh, form.corner_en, lang) if form.corner_zh else "", rowspan=2)
        for group, first, last in form.header_spans():
            if group is None:
                column = form.columns[first]
                top.cell(_t(column.zh, column.en, lang), rowspan=2)
            else:
                top.cell(_t(group.zh, group.en, lang), colspan=last - first + 1)
        bottom = table.row()
        for group, first, last in form.header_spans():
            if group is not None:
                for column in form.columns[first:last + 1]:
                    bottom.cell(_t(column.zh, column.en, lang))
        for row in form.rows:
            cells = table.row()
            cells.cell(_t(row.zh, row.en, lang), align="LEFT")
            for value in row.values:
                cells.cell("" if value is None else str(value))  # blank, never 0, where not ours to say
    pdf.ln(3)
    pdf.set_font("cjk", size=8)
    for index, (zh, en) in enumerate(form.notes):
        pdf.multi_cell(0, 4.5, ("注：" if index == 0 else "　　") + (zh if lang == "zh" else f"{zh} {en}"),
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.CHAR)


def _summary(pdf: FPDF, report: PeriodicReport, lang: str) -> None:
    pdf.set_font("cjk", size=14)
    pdf.cell(0, 9, _t("案件分类统计", "Cases by type and tier", lang, " "), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", size=9)
    with pdf.table(col_widths=(60, 25, 25, 20), width=130, align="LEFT", text_align=("LEFT", "CENTER", "CENTER",
                   "CENTER"), headings_style=_HEADING, line_height=5, wrapmode=WrapMode.CHAR, padding=1) as table:
        table.row([_t("违法违规类型", "Violation type", lang), *(_t(*TIER_LABELS[t], lang) for t in REPORTED_TIERS),
                   _t("合计", "Total", lang)])
        totals = [0] * len(REPORTED_TIERS)
        for key, vtype in VIOLATION_TYPES.items():
            counts = report.type_counts.get(key)
            if not counts:
                continue
            values = [counts.get(t, 0) for t in REPORTED_TIERS]
            totals = [a + b for a, b in zip(totals, values)]
            table.row([_t(vtype.zh, vtype.en, lang), *map(str, values), str(sum(values))])
        table.row([_t("合计", "Total", lang), *map(str, totals), str(sum(totals))])
    pdf.ln(4)


def _case_list(pdf: FPDF, report: PeriodicReport, listed: list[tuple[str, ...]], lang: str) -> None:
    """One line per case, each cell cut to its width.

    Drawn with ``text()`` and ruled lines rather than ``cell()``: fpdf2's cell does styling and
    wrapping work per call (~45 us) that one-line cells of a known font do not need (~7 us).
    """
    pdf.set_font("cjk", size=14)
    pdf.cell(0, 9, _t("案件清单", "Case list", lang, " "), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", size=9)
    total = len(report.cases)
    if len(listed) < total:
        note = (f"共{total}件，本PDF列出其中{len(listed)}件（立即停止并报告类优先，按发现时间排序），其余{total - len(listed)}件"
                f"及全部证据信息见同一报告的XLSX和JSON文件（案件清单SHA-256：{report.case_digest}）。")
    else:
        note = f"共{total}件。证据信息（链接、文件SHA-256、快照、决定编号、存证哈希）见同一报告的XLSX和JSON文件。"
    pdf.multi_cell(0, 5, note, new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.CHAR)
    pdf.ln(2)
    height, pad, size = 5.2, 1.0, 7
    pdf.set_font("cjk", size=size)
    pdf.set_fill_color(235, 235, 235)
    pdf.set_line_width(0.2)
    widths = [width for _, _, width in _PDF_CASE_COLUMNS]
    lefts = [pdf.l_margin + sum(widths[:i]) for i in range(len(widths))]
    right = pdf.l_margin + sum(widths)
    baseline = (height + size * 0.3528 * 0.72) / 2  # centre the glyphs' cap height in the row
    measure = _Measure(pdf)

    def heading() -> float:
        for zh, en, width in _PDF_CASE_COLUMNS:
            pdf.cell(width, height, zh if lang == "zh" else f"{zh} {en}", border=1, align="C", fill=True)
        pdf.ln(height)
        return pdf.get_y()

    def rule_columns(top: float, bottom_y: float) -> None:
        for x in (*lefts, right):
            pdf.line(x, top, x, bottom_y)

    top = y = heading()
    bottom = pdf.h - pdf.b_margin
    for row in listed:
        if y + height > bottom:
            rule_columns(top, y)
            pdf.add_page()
            top = y = heading()
        for x, text, width in zip(lefts, row, widths):
            if text:
                measure.draw(x + pad, y + baseline, measure.fit(text, width - 2 * pad))
        y += height
        pdf.line(pdf.l_margin, y, right, y)
    rule_columns(top, y)
    pdf.set_y(y)


class _Measure:
    """One-line text at the current font size: widths from cached per-character widths (no shaping,
    so no kerning to lose), and drawing that switches to the fallback font for rare characters,
    which ``text()``, unlike ``cell()``, does not do by itself."""

    def __init__(self, pdf: _ReportPDF):
        self._pdf = pdf
        self._widths: dict[str, float] = {}

    def width(self, text: str) -> float:
        widths = self._widths
        total = 0.0
        for ch in text:
            w = widths.get(ch)
            if w is None:
                w = widths[ch] = self._char_width(ch)
            total += w
        return total

    def _char_width(self, ch: str) -> float:
        pdf = self._pdf
        if ch not in pdf.rare:
            return pdf.get_string_width(ch)
        size = pdf.font_size_pt
        pdf.set_font("cjk-extra", size=size)
        width = pdf.get_string_width(ch)
        pdf.set_font("cjk", size=size)
        return width

    def draw(self, x: float, y: float, text: str) -> None:
        pdf = self._pdf
        if pdf.rare.isdisjoint(text):
            pdf.text(x, y, text)
            return
        size = pdf.font_size_pt
        for rare, chars in groupby(text, key=pdf.rare.__contains__):
            run = "".join(chars)
            advance = self.width(run)  # measured before the font changes: width() expects the base font
            pdf.set_font("cjk-extra" if rare else "cjk", size=size)
            pdf.text(x, y, run)
            x += advance
        pdf.set_font("cjk", size=size)

    def fit(self, text: str, width: float) -> str:
        """``text``, cut with … to fit ``width``."""
        if self.width(text) <= width:
            return text
        room = width - self.width("…")
        out = 0.0
        for index, ch in enumerate(text):
            out += self.width(ch)
            if out > room:
                return text[:index] + "…"
        return text


# --- the immediate report -------------------------------------------------------------------

def render_immediate_report(report: ImmediateReport, *, lang: str = "zh", font: str | None = None,
                            font_cache: Path | str | None = None) -> bytes:
    """The immediate per-case report as PDF bytes (portrait A4, one table per section)."""
    return render_sections(title_zh=report.title_zh, title_en=report.title_en,
                           footer=f"{report.platform.name} · {report.violation_id}", author=report.platform.name,
                           moment=report.reported_at, moment_label="报告时间", sections=report.sections, lang=lang,
                           font=font, font_cache=font_cache)


def render_sections(*, title_zh: str, title_en: str, footer: str, author: str, moment: datetime, moment_label: str,
                    sections: Sequence[ReportSection], lang: str = "zh", font: str | None = None,
                    font_cache: Path | str | None = None) -> bytes:
    """A document of titled sections of label-value rows (an immediate report, a lead's answer),
    as PDF bytes: portrait A4, one two-column table per section."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    texts = [f.value for section in sections for f in section.fields if f.value]
    pdf = _document("P", footer, title_zh, author, moment, texts, font, font_cache)
    pdf.add_page()
    pdf.set_font("cjk", size=16)
    pdf.multi_cell(0, 9, _t(title_zh, title_en, lang), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", size=10)
    pdf.cell(0, 7, f"{moment_label}：{moment.astimezone(CHINA_TZ).strftime('%Y-%m-%d %H:%M')}", align="R",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for section in sections:
        pdf.ln(2)
        pdf.set_font("cjk", size=12)
        pdf.cell(0, 8, _t(section.zh, section.en, lang, " "), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("cjk", size=9)
        with pdf.table(col_widths=(45, 145), first_row_as_headings=False, text_align=("LEFT", "LEFT"),
                       wrapmode=WrapMode.CHAR, line_height=5, padding=1.2) as table:
            for field in section.fields:
                row = table.row()
                row.cell(_t(field.zh, field.en, lang), style=_HEADING)
                row.cell(field.value or "")
    return bytes(pdf.output())
