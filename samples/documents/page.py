"""A page as a list of drawing items in millimetres, drawn by two backends.

Layouts (``layouts.py``) place text, rules, QR blocks and seals on a :class:`Page` once;
``raster`` draws it with Pillow at any resolution and ``pdf`` writes it with fpdf2 as real
text, so an image and a PDF of the same document put every character in the same place.
Text positions are baselines; widths come from the same font files in both backends.
"""
from __future__ import annotations

import hashlib
import io
import itertools
import math
import os
import random
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path(os.environ.get("QINGWANG_FONT_DIR", "/usr/share/fonts/opentype/noto"))
#: Face name -> (file, collection index). Index 2 of the Noto CJK collections is the
#: Simplified Chinese face (``fc-list`` shows "Noto Sans CJK SC" at index 2).
FACES = {
    "sans": ("NotoSansCJK-Regular.ttc", 2),
    "sans-bold": ("NotoSansCJK-Bold.ttc", 2),
    "serif": ("NotoSerifCJK-Regular.ttc", 2),
    "serif-bold": ("NotoSerifCJK-Bold.ttc", 2),
}
ASCENT, DESCENT = 0.88, 0.12  # of the em, Noto CJK
PT = 25.4 / 72  # millimetres per point
INK = (28, 28, 30)
SEAL_RED = (206, 32, 38)


def font_path(face: str) -> Path:
    return FONT_DIR / FACES[face][0]


@lru_cache(maxsize=256)
def pil_font(face: str, size_px: float) -> ImageFont.FreeTypeFont:
    name, index = FACES[face]
    return ImageFont.truetype(str(FONT_DIR / name), size_px, index=index)


_MEASURE_PX = 200


def text_width(text: str, size_pt: float, face: str = "serif") -> float:
    """Advance width of ``text`` in millimetres."""
    return _advance(text, face) * size_pt * PT


@lru_cache(maxsize=65536)
def _advance(text: str, face: str) -> float:
    """Advance width of ``text`` in ems (wrapping measures the same prefixes again and again)."""
    return pil_font(face, _MEASURE_PX).getlength(text) / _MEASURE_PX


def wrap(text: str, width_mm: float, size_pt: float, face: str = "serif") -> list[str]:
    """Greedy wrapping by character (CJK text breaks anywhere); never splits an ASCII word
    of identifiers such as a credit code unless it is wider than the line."""
    lines, current = [], ""
    tokens = _tokens(text)
    for token in tokens:
        trial = current + token
        if current and text_width(trial, size_pt, face) > width_mm:
            lines.append(current.rstrip())
            current = token.lstrip()
            while text_width(current, size_pt, face) > width_mm and len(current) > 1:
                cut = len(current)
                while cut > 1 and text_width(current[:cut], size_pt, face) > width_mm:
                    cut -= 1
                lines.append(current[:cut])
                current = current[cut:]
        else:
            current = trial
    if current:
        lines.append(current)
    # No line starts with closing punctuation (禁则): it goes back to the end of the line before.
    for i in range(1, len(lines)):
        while lines[i] and lines[i][0] in _NO_LINE_START and lines[i - 1]:
            lines[i - 1] += lines[i][0]
            lines[i] = lines[i][1:]
    return [line for line in lines if line] or [""]


_NO_LINE_START = "，。、；：？！）》」』”’,.;:?!)%"


def _tokens(text: str) -> list[str]:
    out, word = [], ""
    for ch in text:
        if ch.isascii() and not ch.isspace():
            word += ch
            continue
        if word:
            out.append(word)
            word = ""
        out.append(ch)
    if word:
        out.append(word)
    return out


# --- the page model ------------------------------------------------------------------------------------------------


@dataclass
class Text:
    x: float  # mm, left of the text (after alignment)
    y: float  # mm, baseline
    text: str
    size: float  # pt
    face: str = "serif"
    color: tuple[int, int, int] = INK
    field: str | None = None  # the ground-truth field this text prints (part of)

    @property
    def width(self) -> float:
        return text_width(self.text, self.size, self.face)

    def box(self) -> tuple[float, float, float, float]:
        em = self.size * PT
        return (self.x, self.y - ASCENT * em, self.x + self.width, self.y + DESCENT * em)


@dataclass
class Rule:
    x0: float
    y0: float
    x1: float
    y1: float
    width: float = 0.3  # mm
    color: tuple[int, int, int] = INK


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float
    width: float = 0.3
    color: tuple[int, int, int] = INK
    fill: tuple[int, int, int] | None = None


@dataclass
class Seal:
    cx: float
    cy: float
    diameter: float  # mm
    ring_text: str
    bottom_text: str = ""
    angle: float = 0.0  # degrees, counter-clockwise
    seed: int = 0


@dataclass
class Page:
    width: float  # mm
    height: float
    items: list = field(default_factory=list)
    background: tuple[int, int, int] = (255, 255, 255)

    def text(self, x: float, y: float, text: str, size: float, face: str = "serif", align: str = "left",
             color=INK, field: str | None = None) -> Text:
        width = text_width(text, size, face)
        if align == "center":
            x -= width / 2
        elif align == "right":
            x -= width
        item = Text(x, y, text, size, face, color, field)
        self.items.append(item)
        return item

    def add(self, item) -> None:
        self.items.append(item)

    def texts(self) -> list[Text]:
        return [i for i in self.items if isinstance(i, Text)]

    def field_boxes(self) -> dict[str, tuple[float, float, float, float]]:
        """Union box (mm) of the text printing each field."""
        boxes: dict[str, list[float]] = {}
        for item in self.texts():
            if item.field is None:
                continue
            x0, y0, x1, y1 = item.box()
            if item.field in boxes:
                b = boxes[item.field]
                boxes[item.field] = [min(b[0], x0), min(b[1], y0), max(b[2], x1), max(b[3], y1)]
            else:
                boxes[item.field] = [x0, y0, x1, y1]
        return {k: tuple(v) for k, v in boxes.items()}

    def field_texts(self) -> dict[str, str]:
        """The text printing each field, lines joined with a newline, as it stands on the page."""
        out: dict[str, list[str]] = {}
        for item in self.texts():
            if item.field is not None:
                out.setdefault(item.field, []).append(item.text)
        return {k: "\n".join(v) for k, v in out.items()}

    def lines(self) -> list[str]:
        """The printed text as lines in reading order: items sharing a baseline, left to right."""
        rows: list[list[Text]] = []
        for item in sorted(self.texts(), key=lambda t: (round(t.y, 1), t.x)):
            if rows and abs(rows[-1][0].y - item.y) < 0.8:
                rows[-1].append(item)
            else:
                rows.append([item])
        out = []
        for row in rows:
            row.sort(key=lambda t: t.x)
            text = row[0].text
            for prev, cur in itertools.pairwise(row):
                gap = cur.x - (prev.x + prev.width)
                text += (" " if gap > cur.size * PT * 0.6 else "") + cur.text
            out.append(text)
        return out


# --- raster backend ------------------------------------------------------------------------------------------------


def raster(page: Page, dpi: float) -> Image.Image:
    """The page as an RGB image at ``dpi``."""
    scale = dpi / 25.4
    size = (round(page.width * scale), round(page.height * scale))
    image = Image.new("RGB", size, page.background)
    draw = ImageDraw.Draw(image)
    seals = []
    for item in page.items:
        if isinstance(item, Text):
            # Fractional sizes keep raster widths equal to the measured (and PDF) widths.
            font = pil_font(item.face, max(1.0, round(item.size * dpi / 72, 1)))
            draw.text((item.x * scale, item.y * scale), item.text, font=font, fill=item.color, anchor="ls")
        elif isinstance(item, Rule):
            draw.line([(item.x0 * scale, item.y0 * scale), (item.x1 * scale, item.y1 * scale)], fill=item.color,
                      width=max(1, round(item.width * scale)))
        elif isinstance(item, Box):
            draw.rectangle([item.x * scale, item.y * scale, (item.x + item.w) * scale, (item.y + item.h) * scale],
                           outline=item.color if item.width else None, fill=item.fill,
                           width=max(1, round(item.width * scale)) if item.width else 0)
        elif isinstance(item, Seal):
            seals.append(item)
    for seal in seals:  # ink goes on last, over the print
        stamp(image, seal, dpi)
    return image


def stamp(image: Image.Image, seal: Seal, dpi: float) -> None:
    """Multiply a red seal onto ``image``: black print stays black under the ink."""
    import numpy as np

    diameter = max(8, round(seal.diameter * dpi / 25.4))
    mask = seal_mask(seal.ring_text, seal.bottom_text, diameter, seal.angle, seal.seed)
    x0 = round(seal.cx * dpi / 25.4 - mask.width / 2)
    y0 = round(seal.cy * dpi / 25.4 - mask.height / 2)
    box = (max(0, x0), max(0, y0), min(image.width, x0 + mask.width), min(image.height, y0 + mask.height))
    if box[2] <= box[0] or box[3] <= box[1]:
        return
    region = np.asarray(image.crop(box), dtype=np.float32)
    alpha = np.asarray(mask.crop((box[0] - x0, box[1] - y0, box[2] - x0, box[3] - y0)), dtype=np.float32)[..., None] / 255
    ink = np.array(SEAL_RED, dtype=np.float32) / 255
    out = region * (1 - alpha + alpha * ink)
    image.paste(Image.fromarray(out.clip(0, 255).astype("uint8")), box[:2])


@lru_cache(maxsize=64)
def seal_mask(ring_text: str, bottom_text: str, diameter: int, angle: float, seed: int) -> Image.Image:
    """Ink coverage (L, 0-255) of a round official seal: ring, star, ring text, optional bottom line."""
    import numpy as np

    scale = 3  # draw large, then shrink: smooth edges at small sizes
    d = diameter * scale
    canvas = Image.new("L", (d, d), 0)
    draw = ImageDraw.Draw(canvas)
    ring = max(2, round(d * 0.035))
    draw.ellipse([ring // 2, ring // 2, d - ring // 2 - 1, d - ring // 2 - 1], outline=255, width=ring)
    c = d / 2
    # Five-pointed star in the middle.
    r_out, r_in = d * 0.16, d * 0.16 * 0.382
    points = []
    for k in range(10):
        r = r_out if k % 2 == 0 else r_in
        a = math.radians(-90 + k * 36)
        points.append((c + r * math.cos(a), c + r * math.sin(a)))
    draw.polygon(points, fill=255)
    # Ring text along the upper arc, each character upright towards the centre.
    chars = list(ring_text)
    n = len(chars)
    if n:
        size = round(d * (0.13 if n <= 9 else 0.115 if n <= 13 else 0.1))
        font = pil_font("serif-bold", size)
        span = min(224.0, 20.0 * n + 14)
        radius = c - ring * 2.2 - size * 0.58
        for k, ch in enumerate(chars):
            theta = -span / 2 + span * (k + 0.5) / n  # degrees from the top, clockwise
            glyph = Image.new("L", (size * 2, size * 2), 0)
            ImageDraw.Draw(glyph).text((size, size), ch, font=font, fill=255, anchor="mm")
            glyph = glyph.rotate(-theta, resample=Image.BICUBIC)
            a = math.radians(theta - 90)
            gx, gy = c + radius * math.cos(a), c + radius * math.sin(a)
            canvas.paste(255, (round(gx - size), round(gy - size)), glyph)
    if bottom_text:
        size = round(d * 0.075)
        draw.text((c, c + d * 0.3), bottom_text, font=pil_font("serif-bold", size), fill=255, anchor="mm")
    if angle:
        canvas = canvas.rotate(angle, resample=Image.BICUBIC)
    canvas = canvas.resize((diameter, diameter), Image.LANCZOS)
    # Uneven ink: a smooth random field thins the coverage in patches.
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0.55, 1.0, size=(8, 8)).astype(np.float32)
    field_img = Image.fromarray((coarse * 255).astype("uint8")).resize((diameter, diameter), Image.BICUBIC)
    speckle = rng.uniform(0.75, 1.0, size=(diameter, diameter)).astype(np.float32)
    cover = np.asarray(canvas, dtype=np.float32) * (np.asarray(field_img, dtype=np.float32) / 255) * speckle * 0.92
    return Image.fromarray(cover.clip(0, 255).astype("uint8")).filter(ImageFilter.GaussianBlur(0.4))


def seal_png(seal: Seal, dpi: float = 200) -> bytes:
    """The seal alone as an RGBA PNG (red ink, alpha = coverage), for the PDF backend."""
    diameter = max(8, round(seal.diameter * dpi / 25.4))
    mask = seal_mask(seal.ring_text, seal.bottom_text, diameter, seal.angle, seal.seed)
    image = Image.new("RGBA", mask.size, SEAL_RED + (0,))
    image.putalpha(mask)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


# --- PDF backend -----------------------------------------------------------------------------------------------------

PDF_DATE = datetime(2026, 11, 1, tzinfo=UTC)


def pdf_font(text: str, face: str = "serif") -> Path:
    """A TrueType (glyf) subset of a Noto CJK face covering ``text``, cached on disk.

    The Noto CJK fonts are CFF-based; fpdf2 embeds those with a custom encoding CMap that
    pdfminer (and so pdfplumber) cannot decode, so the text of such a PDF reads back empty.
    A TrueType-outline subset is embedded as Identity-H with a ToUnicode map instead, which
    every reader understands. Converting is slow (seconds), so each character set is
    converted once and kept under ``QINGWANG_FONT_CACHE`` (default: the temp directory).
    """
    chars = "".join(sorted(set(text) | set(" 0123456789")))
    digest = hashlib.sha1(f"{face}:{chars}".encode()).hexdigest()[:16]
    cache = Path(os.environ.get("QINGWANG_FONT_CACHE", Path(tempfile.gettempdir()) / "qingwang-fonts"))
    target = cache / f"{face}-{digest}.ttf"
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    name, index = FACES[face]
    font = TTFont(str(FONT_DIR / name), fontNumber=index, lazy=True)
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.desubroutinize = True
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.drop_tables += ["VORG", "vhea", "vmtx", "GSUB", "GPOS", "BASE", "GDEF"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for glyph_name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[glyph_name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[glyph_name] = pen.glyph()
    del font["CFF "]
    font["glyf"], font["loca"] = glyf, newTable("loca")
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attribute in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                      "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, attribute, 0)
    maxp.maxZones, maxp.numGlyphs = 1, len(order)
    font["maxp"] = maxp
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType, post.extraNames, post.mapping = 2.0, [], {}
    post.glyphOrder = order
    font.sfntVersion = "\x00\x01\x00\x00"
    partial = target.with_suffix(f".{os.getpid()}.part")
    font.save(str(partial))
    partial.replace(target)
    return target


def pdf(page: Page, font_file: Path) -> bytes:
    """The page as a one-page PDF whose text is real, extractable text."""
    from fpdf import FPDF
    from fpdf.enums import TextMode

    doc = FPDF(orientation="P" if page.height >= page.width else "L", unit="mm",
               format=(min(page.width, page.height), max(page.width, page.height)))
    doc.set_creation_date(PDF_DATE)
    doc.set_producer("qingwang samples")
    doc.set_auto_page_break(False)
    doc.set_margins(0, 0, 0)
    doc.add_font("cjk", fname=str(font_file))
    doc.add_page()
    if page.background != (255, 255, 255):
        doc.set_fill_color(*page.background)
        doc.rect(0, 0, page.width, page.height, style="F")
    seals = []
    for item in page.items:
        if isinstance(item, Text):
            doc.set_font("cjk", size=item.size)
            doc.set_text_color(*item.color)
            if item.face.endswith("-bold"):
                doc.set_draw_color(*item.color)
                doc.set_line_width(item.size * PT * 0.035)
                doc.text_mode = TextMode.FILL_STROKE
            doc.text(item.x, item.y, item.text)
            doc.text_mode = TextMode.FILL
        elif isinstance(item, Rule):
            doc.set_draw_color(*item.color)
            doc.set_line_width(item.width)
            doc.line(item.x0, item.y0, item.x1, item.y1)
        elif isinstance(item, Box):
            style = ("D" if item.width else "") + ("F" if item.fill else "")
            if item.fill:
                doc.set_fill_color(*item.fill)
            if item.width:
                doc.set_draw_color(*item.color)
                doc.set_line_width(item.width)
            doc.rect(item.x, item.y, item.w, item.h, style=style or "D")
        elif isinstance(item, Seal):
            seals.append(item)
    for seal in seals:
        r = seal.diameter / 2
        doc.image(io.BytesIO(seal_png(seal)), x=seal.cx - r, y=seal.cy - r, w=seal.diameter, h=seal.diameter)
    return bytes(doc.output())


def page_chars(pages: list[Page]) -> str:
    return "".join(sorted({ch for p in pages for t in p.texts() for ch in t.text}))


def seeded(*parts) -> random.Random:
    return random.Random(":".join(str(p) for p in parts))
