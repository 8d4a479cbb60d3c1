"""Page layouts modelled on the real certificates, two or more per document type.

- ``table``: the regulator's form style (portrait A4, a ruled table of label and value,
  issuing authority, date and seal under it) used for 注册证, 备案信息表 and the newer licences;
- ``certificate``: the framed landscape certificate (副本) style, label：value lines, the
  authority and date at the bottom right under the seal;
- ``licence_landscape`` / ``licence_portrait``: the 营业执照 副本 (landscape, credit code at
  the top left, QR code, two columns) and an older portrait 营业执照 form.
"""
from __future__ import annotations

import random

from samples.documents.content import Content
from samples.documents.page import PT, Box, Page, Rule, Seal, text_width, wrap

FRAME = (140, 52, 40)
GOLD = (166, 124, 60)

ALT_TITLES = {
    "class1_filing": "第一类医疗器械备案凭证",
    "online_sales_filing": "医疗器械网络销售备案凭证",
}


def _spaced(label: str) -> str:
    """Two- and three-character labels spread to four characters' width, as certificates print them."""
    if len(label) == 2:
        return label[0] + "\u3000\u3000" + label[1]
    if len(label) == 3:
        return label[0] + "\u2002" + label[1] + "\u2002" + label[2]
    return label


def _seal(page: Page, content: Content, cx: float, cy: float, rng: random.Random, diameter: float = 40) -> None:
    page.add(Seal(cx + rng.uniform(-4, 4), cy + rng.uniform(-3, 3), diameter, content.issuer, content.seal_bottom,
                  angle=rng.uniform(-18, 18), seed=rng.randrange(1 << 30)))


def _number_on_top(content: Content) -> bool:
    return bool(content.number) and not any(r.field == "number" for r in content.rows)


def _issuer_block(page: Page, content: Content, right: float, y: float, size: float, rng: random.Random,
                  diameter: float = 40) -> None:
    """``发证部门：…`` and ``发证日期：…`` right-aligned at ``right``, a seal stamped across them."""
    widths = [text_width(f"{content.issuer_label}：{content.issuer}", size),
              text_width(f"{content.date_label}：{content.date_text}", size)]
    x = right - max(widths)
    label = page.text(x, y, f"{content.issuer_label}：", size)
    page.text(x + label.width, y, content.issuer, size, field="issuer")
    if content.date_label:
        label = page.text(x, y + size * PT * 2.2, f"{content.date_label}：", size)
        page.text(x + label.width, y + size * PT * 2.2, content.date_text, size, field="issued_on")
    _seal(page, content, x + max(widths) * 0.55, y - size * PT * 0.2, rng, diameter)


def _rows_height(rows, size: float, value_width: float, line: float, pad: float) -> float:
    return sum(len(wrap(r.value, value_width, size)) * line + 2 * pad for r in rows)


# --- table (form) style --------------------------------------------------------------------------------------------


def table(content: Content, rng: random.Random) -> Page:
    page = Page(210, 297)
    page.text(105, 30, content.title, 19, "serif-bold", align="center")
    top = 40
    if content.subtitle:
        page.text(105, 39, content.subtitle, 11, align="center")
        top = 46
    if _number_on_top(content):
        label = f"{content.number_label}："
        x = 190 - text_width(label + content.number, 11)
        first = page.text(x, top + 2, label, 11)
        page.text(x + first.width, top + 2, content.number, 11, field="number")
        top += 8
    left, right = 18.0, 192.0
    rows = content.rows
    size, line, pad = 10.5, 6.0, 2.2

    def columns(s):
        label_w = max(38.0, max(text_width(r.label, s) for r in rows) + 6)
        return label_w, left + label_w + 3, right - (left + label_w + 3) - 3

    label_w, value_x, value_w = columns(size)
    while size > 7.5 and top + _rows_height(rows, size, value_w, line, pad) > 228:
        size -= 0.5
        line = size * 0.57
        label_w, value_x, value_w = columns(size)
    y = top
    for row in rows:
        lines = wrap(row.value, value_w, size)
        height = len(lines) * line + 2 * pad
        baseline = y + pad + line * 0.78
        page.text(left + 3, baseline, row.label, size, "serif")
        for i, text in enumerate(lines):
            page.text(value_x, baseline + i * line, text, size, "serif", field=row.field)
        y += height
        page.add(Rule(left, y, right, y, 0.25))
    page.add(Box(left, top, right - left, y - top, 0.5))
    page.add(Rule(left + label_w, top, left + label_w, y, 0.25))
    _issuer_block(page, content, right - 6, max(y + 22, 246), 11, rng)
    if content.footer:
        page.text(105, 288, content.footer, 8, align="center", color=(90, 90, 90))
    return page


# --- framed certificate style -------------------------------------------------------------------------------------


def _frame(page: Page, inset: float, color=FRAME) -> None:
    w, h = page.width, page.height
    page.add(Box(inset, inset, w - 2 * inset, h - 2 * inset, 1.1, color))
    inner = inset + 3.2
    page.add(Box(inner, inner, w - 2 * inner, h - 2 * inner, 0.3, color))
    step = 4.0
    x = inset + step
    while x < w - inset - 1:  # a band of short hatching between the two frames
        page.add(Rule(x, inset + 0.8, x + 1.6, inner - 0.6, 0.2, color))
        page.add(Rule(x, h - inset - 0.8, x + 1.6, h - inner + 0.6, 0.2, color))
        x += step
    y = inset + step
    while y < h - inset - 1:
        page.add(Rule(inset + 0.8, y, inner - 0.6, y + 1.6, 0.2, color))
        page.add(Rule(w - inset - 0.8, y, w - inner + 0.6, y + 1.6, 0.2, color))
        y += step
    for cx, cy in ((inner, inner), (w - inner, inner), (inner, h - inner), (w - inner, h - inner)):
        page.add(Box(cx - 2.2, cy - 2.2, 4.4, 4.4, 0.3, color, fill=color))


def certificate(content: Content, rng: random.Random) -> Page:
    page = Page(297, 210, background=(252, 250, 244))
    _frame(page, 9)
    title = ALT_TITLES.get(content.doc_type, content.title)
    page.text(148.5, 35, title, 24, "serif-bold", align="center")
    top = 44
    if content.subtitle:
        page.text(148.5, 45, content.subtitle, 12, align="center")
        top = 50
    if _number_on_top(content):
        label = f"{content.number_label}："
        first = page.text(190, top + 3, label, 11.5)
        page.text(190 + first.width, top + 3, content.number, 11.5, field="number")
        top += 7
    left = 30.0
    rows = content.rows
    size, line = 11.5, 7.0
    label_w = max(text_width(_spaced(r.label) + "：", size) for r in rows) + 2
    value_w = 297 - left - label_w - 30

    def height(s, ln):
        return sum(len(wrap(r.value, value_w * s / size, s)) * ln + 1.2 for r in rows)

    while size > 8 and top + 8 + height(size, line) > 170:
        size -= 0.5
        line = size * 0.61
    label_w = max(text_width(_spaced(r.label) + "：", size) for r in rows) + 2
    value_w = 297 - left - label_w - 30
    y = top + 8
    for row in rows:
        page.text(left, y, _spaced(row.label) + "：", size)
        for i, text in enumerate(wrap(row.value, value_w, size)):
            page.text(left + label_w, y + i * line, text, size, field=row.field)
            last = i
        y += (last + 1) * line + 1.2
    _issuer_block(page, content, 262, max(y + 10, 181), 11.5, rng, diameter=42)
    if content.footer:
        page.text(148.5, 196, content.footer, 8.5, align="center", color=(110, 80, 70))
    return page


# --- 营业执照 --------------------------------------------------------------------------------------------------------


#: What the sample licences' QR codes say: the credit information system's address with the
#: enterprise's credit code (an invented but plausible form; real codes point to the same
#: system). The holder's true code, even where the printed one was altered.
QR_URL = "http://www.gsxt.gov.cn/corp-query-entprise-info.html?uniscid={uscc}"


def qr_payload(content: Content) -> str | None:
    uscc = content.source.get("uscc")
    return QR_URL.format(uscc=uscc) if content.doc_type == "business_licence" and uscc else None


def _qr(page: Page, x: float, y: float, size: float, payload: str | None) -> None:
    """A real QR code (OpenCV's encoder) of ``payload``, ``size`` mm square with a white margin."""
    import cv2

    matrix = cv2.QRCodeEncoder.create().encode(payload or "http://www.gsxt.gov.cn")
    dark = matrix < 128
    rows = [r for r in range(dark.shape[0]) if dark[r].any()]
    cols = [c for c in range(dark.shape[1]) if dark[:, c].any()]
    dark = dark[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    modules = dark.shape[0]
    cell = size / modules
    page.add(Box(x - 2 * cell, y - 2 * cell, size + 4 * cell, size + 4 * cell, 0, fill=(255, 255, 255)))
    for r in range(modules):
        c = 0
        while c < modules:  # runs of dark modules as one box
            if not dark[r, c]:
                c += 1
                continue
            start = c
            while c < modules and dark[r, c]:
                c += 1
            page.add(Box(x + start * cell, y + r * cell, (c - start) * cell, cell, 0, fill=(20, 20, 20)))


def _licence_frame(page: Page) -> None:
    _frame(page, 7, GOLD)
    page.add(Box(16, 16, page.width - 32, page.height - 32, 0.25, GOLD))


def _licence_field(page: Page, content: Content, label: str, x: float, value_x: float, y: float, width: float,
                   size: float, line: float) -> float:
    row = content.row(label)
    page.text(x, y, _spaced(label), size, "serif-bold")
    lines = wrap(row.value, width, size)
    for i, text in enumerate(lines):
        page.text(value_x, y + i * line, text, size, field=row.field)
    return y + len(lines) * line + 3.5


def licence_landscape(content: Content, rng: random.Random) -> Page:
    page = Page(297, 210, background=(253, 251, 245))
    _licence_frame(page)
    uscc = content.row("统一社会信用代码")
    page.text(24, 30, "统一社会信用代码", 10, "serif-bold")
    page.text(24, 37, uscc.value, 12, "sans", field="uscc")
    page.text(272, 30, f"证照编号：{rng.randrange(10 ** 19, 10 ** 20)}", 8.5, align="right")
    for i, ch in enumerate("营业执照"):
        page.text(112 + i * 25, 58, ch, 38, "serif-bold", align="center")
    page.text(148.5, 70, content.subtitle or "（副　本）", 13, align="center")
    _qr(page, 27, 84, 26, qr_payload(content))
    for i, text in enumerate(("扫描二维码登录“国家企业", "信用信息公示系统”了解更多", "登记、备案、许可、监管信息")):
        page.text(40, 118 + i * 4.2, text, 6.5, align="center")
    size, line = 11.5, 6.6
    y = 88
    for label in ("名称", "类型", "法定代表人", "经营范围"):
        y = _licence_field(page, content, label, 62, 88, y, 70, size, line)
    y = 88
    for label in ("注册资本", "成立日期", "营业期限", "住所"):
        y = _licence_field(page, content, label, 166, 192, y, 76, size, line)
    # 登记机关 is printed as a word; the registering authority itself is only in the seal.
    page.text(206, 176, "登记机关", 13, "serif-bold")
    _seal(page, content, 214, 176, rng, diameter=40)
    page.text(256, 190, content.date_text, 12, align="right")
    page.text(24, 200, content.footer.split("　")[0], 7.5, color=(90, 70, 50))
    page.text(272, 200, content.footer.split("　")[-1], 7.5, align="right", color=(90, 70, 50))
    return page


def licence_portrait(content: Content, rng: random.Random) -> Page:
    page = Page(210, 297, background=(253, 251, 245))
    _licence_frame(page)
    page.text(105, 52, "营　业　执　照", 34, "serif-bold", align="center")
    page.text(105, 64, content.subtitle or "（副　本）", 13, align="center")
    uscc = content.row("统一社会信用代码")
    label = page.text(34, 80, "统一社会信用代码：", 12, "serif-bold")
    page.text(34 + label.width, 80, uscc.value, 12, "sans", field="uscc")
    y = 96
    for lab in ("名称", "类型", "住所", "法定代表人", "注册资本", "成立日期", "营业期限", "经营范围"):
        y = _licence_field(page, content, lab, 34, 66, y, 112, 12, 7.2) + 1.5
    label = page.text(110, 246, "登记机关：", 12, "serif-bold")
    page.text(110 + label.width, 246, content.issuer, 12, field="issuer")
    page.text(182, 258, content.date_text, 12, align="right")
    _seal(page, content, 150, 248, rng, diameter=40)
    _qr(page, 30, 228, 24, qr_payload(content))
    page.text(105, 282, content.footer.split("　")[-1], 8, align="center", color=(90, 70, 50))
    return page


LAYOUTS = {
    "business_licence": ("licence_landscape", "licence_portrait"),
    "device_business_licence": ("certificate", "table"),
    "class2_business_filing": ("table", "certificate"),
    "production_licence": ("certificate", "table"),
    "registration_certificate": ("table", "certificate"),
    "class1_filing": ("table", "certificate"),
    "online_sales_filing": ("table", "certificate"),
}
FUNCTIONS = {"table": table, "certificate": certificate, "licence_landscape": licence_landscape,
             "licence_portrait": licence_portrait}


def lay_out(content: Content, layout: str, rng: random.Random) -> Page:
    return FUNCTIONS[layout](content, rng)
