"""The Chinese font the PDF reports embed, found, subset and made readable by text extractors.

Where. ``QINGWANG_REPORT_FONT`` (the caller passes the setting in; ``path`` or ``path#index`` for
a member of a .ttc collection) wins; otherwise a short ordered list of known install paths, first
Debian's ``fonts-noto-cjk`` (what the project's set-up installs). No font -> :class:`FontNotFound`,
whose message names the package to install.

Why convert. Noto CJK has CFF (PostScript) outlines. fpdf2 embeds those as a CIDFontType0 with
a custom encoding CMap stream, which pdfminer (so pdfplumber) does not read: the text of such
a PDF extracts as nothing, and a bureau that pastes or searches a report would get nothing too.
A TrueType-outline font is embedded as Identity-H with a CIDToGIDMap and a ToUnicode map, which
every reader understands. So the font is subset with fontTools and its cubic outlines turned
into quadratic ones (cu2qu, at most 1/1000 em off), once, and cached on disk.

What is cached. A base set (printable ASCII, all of GB 2312 and common typography: 7,620 characters,
the everyday hanzi and the punctuation and symbols an official form uses) converted once per font file:
about 7 s, then reused by every report. Characters outside it (rare name characters) go into a
small supplementary font per set of such characters, which fpdf2 uses as its fallback font.
fpdf2 then subsets both again to the glyphs a document really uses, so a PDF carries only those.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: Known places of a CJK font, in order: (path, member of the collection). Index 2 of the Noto
#: CJK collections is the Simplified Chinese face.
KNOWN_FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # Debian, Ubuntu: fonts-noto-cjk
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),  # Arch: noto-fonts-cjk
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),  # Fedora: google-noto-sans-cjk-fonts
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),  # Debian, serif only
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),  # Debian: fonts-wqy-zenhei
)
#: Bump when the conversion changes, so old cache files are not reused.
CONVERSION_VERSION = "1"


class FontNotFound(RuntimeError):
    """No usable CJK font. The message names the package that provides one."""


@dataclass(frozen=True)
class FontSource:
    path: Path
    index: int = 0  # member of a .ttc collection


def locate_font(setting: str | None = None) -> FontSource:
    """The font to use: ``setting`` (``path`` or ``path#index``) if given, else the first known path."""
    if setting:
        path, _, index = setting.partition("#")
        source = FontSource(Path(path), int(index) if index else 0)
        if not source.path.is_file():
            raise FontNotFound(f"QINGWANG_REPORT_FONT 指向的字体文件不存在：{source.path} / "
                               f"the font QINGWANG_REPORT_FONT names does not exist: {source.path}")
        return source
    for path, index in KNOWN_FONTS:
        if os.path.isfile(path):
            return FontSource(Path(path), index)
    raise FontNotFound("未找到中文字体，无法生成PDF报告：请安装 Debian 软件包 fonts-noto-cjk"
                       "（apt-get install fonts-noto-cjk），或以 QINGWANG_REPORT_FONT 指定字体文件 / "
                       "no CJK font for the PDF reports: install the Debian package fonts-noto-cjk "
                       "(apt-get install fonts-noto-cjk) or set QINGWANG_REPORT_FONT to a font file; looked in "
                       + ", ".join(path for path, _ in KNOWN_FONTS))


#: Typography seen in forms and names beyond GB 2312's mapping: middle dots, dashes and quotes,
#: CJK punctuation, full-width forms, Roman and circled numerals, units.
_EXTRA_RANGES = ((0x00B7, 0x00B7), (0x2010, 0x2027), (0x2160, 0x216F), (0x2460, 0x2473), (0x3000, 0x303F),
                 (0xFF01, 0xFF5E))
_EXTRA_CHARS = "℃°±×÷µ®©™"


@lru_cache(maxsize=1)
def base_charset() -> frozenset[str]:
    """Printable ASCII, every character of GB 2312 (symbols, Roman numerals, all 6,763 hanzi) and
    the typography of ``_EXTRA_RANGES``."""
    chars = {chr(c) for c in range(0x20, 0x7F)} | set(_EXTRA_CHARS)
    chars.update(chr(c) for first, last in _EXTRA_RANGES for c in range(first, last + 1))
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return frozenset(chars)


def default_cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / "qingwang-report-fonts"


def truetype_subset(source: FontSource, chars: Iterable[str], cache_dir: Path | str | None = None) -> Path:
    """A TrueType-outline font holding ``chars`` from ``source``, cached under ``cache_dir``.

    The cache key covers the font file (path, size, modification time), the member, the
    characters and the conversion version; files are written to a temporary name and renamed,
    so concurrent workers never read half a font.
    """
    text = "".join(sorted(set(chars)))
    stat = source.path.stat()
    key = hashlib.sha256(f"{CONVERSION_VERSION}|{source.path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|"
                         f"{source.index}|{text}".encode()).hexdigest()[:20]
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    target = cache / f"{source.path.stem}-{source.index}-{key}.ttf"
    if target.is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    font = _subset(source, text)
    if "CFF " in font:
        _cff_to_glyf(font)
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    font.save(str(partial))
    os.replace(partial, target)
    return target


def _subset(source: FontSource, text: str):
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(source.path), fontNumber=source.index, lazy=True)
    options = subset.Options()
    options.layout_features = []  # no shaping: Chinese forms need none, and it keeps the font small
    options.hinting = False
    options.desubroutinize = True  # the glyph pen below needs self-contained charstrings
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.drop_tables += ["VORG", "vhea", "vmtx", "GSUB", "GPOS", "BASE", "GDEF"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    return font


def _cff_to_glyf(font) -> None:
    """Replace the CFF table by quadratic TrueType outlines, in place."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        # CFF contours run counter-clockwise, TrueType's clockwise: reverse them while converting.
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    del font["CFF "]
    font["glyf"], font["loca"] = glyf, newTable("loca")
    maxp = newTable("maxp")  # version 1.0 (TrueType) instead of CFF's 0.5; glyf recomputes the counts
    maxp.tableVersion = 0x00010000
    for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    maxp.maxZones, maxp.numGlyphs = 1, len(order)
    font["maxp"] = maxp
    font["head"].glyphDataFormat = 0
    post = font["post"]  # format 2 keeps the glyph names, which CFF held and glyf does not
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    font.sfntVersion = "\x00\x01\x00\x00"


@dataclass(frozen=True)
class ReportFonts:
    """The font files one document registers: the base font, and a fallback for rarer characters."""

    base: Path
    extra: Path | None


def report_fonts(text_chars: Iterable[str], *, setting: str | None = None,
                 cache_dir: Path | str | None = None) -> ReportFonts:
    """Fonts covering ``text_chars``: the cached base set, plus a supplement when needed."""
    source = locate_font(setting)
    base = truetype_subset(source, base_charset(), cache_dir)
    rare = {c for c in text_chars if c not in base_charset() and c.isprintable()}
    return ReportFonts(base, truetype_subset(source, rare, cache_dir) if rare else None)


def prepare(setting: str | None = None, cache_dir: Path | str | None = None) -> Path:
    """Build the base font now (a deployment step, so the first report does not pay ~7 s)."""
    return truetype_subset(locate_font(setting), base_charset(), cache_dir)


if __name__ == "__main__":  # python -m verifiers.reports.fonts [FONT_SETTING [CACHE_DIR]]
    import sys

    print(prepare(*(sys.argv[1:3] or [None])))
