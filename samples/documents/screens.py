"""Pages that are not a certificate on paper: phone screenshots and two documents on one sheet.

* ``screenshot``: the electronic licence as a phone app shows it (电子营业执照 and the
  regulators' e-certificate apps): status bar (time, signal, battery), the app's title
  bar and buttons, the certificate scaled to the screen's width.
* ``query-screenshot``: a regulator's query page on a phone browser (the NMPA and market
  regulators' data queries): status bar, address bar, the site's header, then the record
  as a list of label and value, at the phone's font scale (1.0-1.3).
* ``two-up``: two certificates of one enterprise photocopied onto one A4 sheet (a
  business licence with a licence or filing), each scaled down.

Screens are laid out in millimetres like every page (``page.py``) and rasterised at the
screen's density: :data:`SCREEN_DPI` makes a 72 mm wide screen 1080 px wide.
"""
from __future__ import annotations

import random

from samples.documents.content import Content
from samples.documents.page import PT, Box, Page, Rule, Seal, Text, text_width, wrap

SCREEN_W, SCREEN_H = 72.0, 156.0  # mm: a 1080 x 2340 px phone screen at SCREEN_DPI
SCREEN_DPI = 1080 / (SCREEN_W / 25.4)
PX = SCREEN_W / 1080  # one screen pixel in mm
GREY = (110, 110, 110)
BLUE = (30, 100, 200)
#: Field prefix of the second document on a two-up sheet (ground truth splits on it).
SECOND = "second:"


def px_pt(px: float) -> float:
    """A font size given in screen pixels, in points."""
    return px * PX / PT


def embed(src: Page, dst: Page, x: float, y: float, scale: float, prefix: str = "") -> None:
    """Draw ``src`` into ``dst`` at (x, y) mm, scaled; fields renamed with ``prefix``."""
    dst.add(Box(x, y, src.width * scale, src.height * scale, 0, fill=src.background))
    for item in src.items:
        if isinstance(item, Text):
            dst.add(Text(x + item.x * scale, y + item.y * scale, item.text, item.size * scale, item.face, item.color,
                         prefix + item.field if item.field else None))
        elif isinstance(item, Rule):
            dst.add(Rule(x + item.x0 * scale, y + item.y0 * scale, x + item.x1 * scale, y + item.y1 * scale,
                         item.width * scale, item.color))
        elif isinstance(item, Box):
            dst.add(Box(x + item.x * scale, y + item.y * scale, item.w * scale, item.h * scale, item.width * scale,
                        item.color, item.fill))
        elif isinstance(item, Seal):
            dst.add(Seal(x + item.cx * scale, y + item.cy * scale, item.diameter * scale, item.ring_text,
                         item.bottom_text, item.angle, item.seed))


def _status_bar(page: Page, rng: random.Random, dark: bool = False) -> None:
    ink = (255, 255, 255) if dark else (20, 20, 20)
    clock = f"{rng.randrange(7, 23):02d}:{rng.randrange(60):02d}"
    page.text(60 * PX, 80 * PX, clock, px_pt(42), "sans-bold", color=ink)
    battery = f"{rng.randrange(12, 100)}%"
    right = SCREEN_W - 50 * PX
    page.text(right, 80 * PX, battery, px_pt(34), "sans", align="right", color=ink)
    net = rng.choice(("5G", "4G", "5G"))
    page.text(right - 160 * PX, 80 * PX, net, px_pt(34), "sans-bold", align="right", color=ink)
    for k in range(4):  # signal bars
        h = (10 + 8 * k) * PX
        page.add(Box(right - (330 - 18 * k) * PX, 78 * PX - h, 11 * PX, h, 0, fill=ink))


def _nav_bar(page: Page, title: str, rng: random.Random, colour=(255, 255, 255), ink=(20, 20, 20)) -> float:
    """The app's title bar under the status bar; returns where the content starts (mm)."""
    page.add(Box(0, 0, SCREEN_W, 250 * PX, 0, fill=colour))
    page.text(50 * PX, 200 * PX, "〈", px_pt(52), "sans", color=ink)
    page.text(SCREEN_W / 2, 200 * PX, title, px_pt(52), "sans-bold", align="center", color=ink)
    page.text(SCREEN_W - 50 * PX, 200 * PX, rng.choice(("···", "分享", "更多")), px_pt(44), "sans", align="right",
              color=ink)
    page.add(Rule(0, 250 * PX, SCREEN_W, 250 * PX, 2 * PX, (225, 225, 225)))
    return 250 * PX


def app_screen(certificate: Page, content: Content, rng: random.Random) -> Page:
    """The certificate inside a phone app, as a screenshot."""
    screen = Page(SCREEN_W, SCREEN_H, background=(242, 243, 245))
    app = {"business_licence": "电子营业执照"}.get(content.doc_type, "电子证照")
    top = _nav_bar(screen, app, rng)
    _status_bar(screen, rng)
    margin = 24 * PX
    scale = (SCREEN_W - 2 * margin) / certificate.width
    y = top + 60 * PX
    embed(certificate, screen, margin, y, scale)
    y += certificate.height * scale + 70 * PX
    buttons = rng.choice((("下载", "分享", "亮照"), ("保存图片", "出示"), ("授权使用", "验证真伪")))
    width = (SCREEN_W - 2 * margin - 30 * PX * (len(buttons) - 1)) / len(buttons)
    for i, label in enumerate(buttons):
        x = margin + i * (width + 30 * PX)
        screen.add(Box(x, y, width, 120 * PX, 0, fill=BLUE if i == len(buttons) - 1 else (255, 255, 255)))
        screen.text(x + width / 2, y + 78 * PX, label, px_pt(44), "sans", align="center",
                    color=(255, 255, 255) if i == len(buttons) - 1 else (40, 40, 40))
    screen.add(Box(SCREEN_W / 2 - 140 * PX, SCREEN_H - 30 * PX, 280 * PX, 10 * PX, 0, fill=(20, 20, 20)))
    return screen


QUERY_SITES = {
    "registration_certificate": ("国家药品监督管理局", "数据查询 · 境内医疗器械（注册）", "医疗器械注册证信息"),
    "class1_filing": ("国家药品监督管理局", "数据查询 · 境内医疗器械（备案）", "第一类医疗器械备案信息"),
    "device_business_licence": ("药品监督管理局", "医疗器械经营企业查询", "医疗器械经营许可证信息"),
    "class2_business_filing": ("药品监督管理局", "医疗器械经营企业查询", "第二类医疗器械经营备案信息"),
    "production_licence": ("药品监督管理局", "医疗器械生产企业查询", "医疗器械生产许可证信息"),
    "online_sales_filing": ("药品监督管理局", "医疗器械网络销售备案查询", "医疗器械网络销售备案信息"),
    "business_licence": ("国家企业信用信息公示系统", "企业信用信息 · 营业执照信息", "营业执照信息"),
}


def query_page(content: Content, rng: random.Random) -> Page:
    """A regulator's record as its query page shows it on a phone, at a font scale."""
    screen = Page(SCREEN_W, SCREEN_H, background=(255, 255, 255))
    site, section, heading = QUERY_SITES[content.doc_type]
    # browser chrome: the address bar
    screen.add(Box(0, 0, SCREEN_W, 300 * PX, 0, fill=(246, 246, 246)))
    _status_bar(screen, rng)
    screen.add(Box(40 * PX, 130 * PX, SCREEN_W - 80 * PX, 120 * PX, 0, fill=(232, 232, 235)))
    host = "www.nmpa.gov.cn/datasearch" if site.startswith("国家药品") else (
        "www.gsxt.gov.cn" if content.doc_type == "business_licence" else "mpa.gd.gov.cn/chaxun")
    screen.text(SCREEN_W / 2, 208 * PX, host, px_pt(38), "sans", align="center", color=(60, 60, 60))
    # the site's header
    screen.add(Box(0, 300 * PX, SCREEN_W, 170 * PX, 0, fill=(22, 80, 160)))
    screen.text(50 * PX, 370 * PX, site, px_pt(50), "sans-bold", color=(255, 255, 255))
    screen.text(50 * PX, 440 * PX, section, px_pt(36), "sans", color=(220, 230, 245))
    font_scale = rng.choice((1.0, 1.15, 1.3))
    size = px_pt(40 * font_scale)
    line = 40 * font_scale * 1.45 * PX
    y = 470 * PX + 90 * PX
    screen.text(50 * PX, y, heading, px_pt(48 * font_scale), "sans-bold")
    y += 40 * PX
    rows = list(content.rows)
    if content.number and not any(r.field == "number" for r in rows):
        rows.insert(0, type(rows[0])(content.number_label or "编号", content.number, "number"))
    rows.append(type(rows[0])(content.issuer_label, content.issuer, "issuer"))
    if content.date_label:
        rows.append(type(rows[0])(content.date_label, content.date_text, "issued_on"))
    label_w = max(text_width(row.label, size, "sans") for row in rows) + 40 * PX
    value_x = 50 * PX + label_w
    # room for a closing mark that wrapping moves to the end of a line (禁则)
    value_w = SCREEN_W - value_x - 40 * PX - size * PT
    for row in rows:
        lines = _wrap(row.value, value_w, size)
        if y + (len(lines) + 0.6) * line > SCREEN_H - 20 * PX:
            break  # the rest is below the fold
        y += line * 0.55
        screen.add(Rule(40 * PX, y - line * 0.8, SCREEN_W - 40 * PX, y - line * 0.8, 2 * PX, (230, 230, 230)))
        screen.text(50 * PX, y, row.label, size, "sans", color=GREY)
        for i, text in enumerate(lines):
            screen.text(value_x, y + i * line, text, size, "sans", field=row.field)
        y += len(lines) * line
    return screen


def _wrap(text: str, width: float, size: float) -> list[str]:
    """Wrapped as a phone wraps it: a code wider than the column breaks anywhere."""
    out = []
    for line in wrap(text, width, size, "sans"):
        while text_width(line, size, "sans") > width and len(line) > 1:
            cut = len(line)
            while cut > 1 and text_width(line[:cut], size, "sans") > width:
                cut -= 1
            out.append(line[:cut])
            line = line[cut:]
        out.append(line)
    return out


def two_up(first: Page, second: Page) -> Page:
    """Two certificates copied onto one A4 sheet: landscape ones one above the other on a
    portrait sheet, portrait ones side by side on a landscape sheet."""
    landscape = first.width > first.height
    sheet = Page(210, 297) if landscape else Page(297, 210)
    gap = 8.0
    if landscape:
        scale = min((210 - 20) / first.width, (297 - 20 - gap) / 2 / first.height)
        embed(first, sheet, 10, 10, scale)
        embed(second, sheet, 10, 10 + first.height * scale + gap, min(scale, (210 - 20) / second.width), SECOND)
    else:
        scale = min((297 - 20 - gap) / 2 / first.width, (210 - 20) / first.height)
        embed(first, sheet, 10, 10, scale)
        embed(second, sheet, 10 + first.width * scale + gap, 10, min(scale, (210 - 20) / second.height), SECOND)
    return sheet

