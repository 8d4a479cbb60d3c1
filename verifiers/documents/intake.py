"""Turning uploaded bytes into pages: decoded images, or PDF text layers.

Every limit is checked before the expensive step it protects: pixel counts from the
image header before decoding (decompression bombs), page counts before rendering,
render scale capped so that a huge PDF page cannot become a huge bitmap, and a pixel
budget for the whole document (many modest pages add up). Pages come one at a time
(:func:`iter_pages`), so a document's pages are never all decoded at once, and frames are
counted only up to the page limit: a TIFF's frames are a chain of directories, and
Pillow's ``n_frames`` walks all of them (80,000 took 40 s).
"""
from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from verifiers.documents.model import DocumentError, Line


@dataclass(frozen=True)
class Limits:
    max_pixels: int = 60_000_000
    max_pages: int = 20
    #: Pixels of all pages together (decoded images, rendered PDF pages).
    max_document_pixels: int = 100_000_000
    #: PDF pages without a usable text layer are rendered at this resolution for OCR.
    render_dpi: int = 200


def count_frames(img: Image.Image, limit: int) -> int:
    """The frames of an opened image, counted at most to ``limit + 1``: enough to tell a
    document with too many pages without reading every frame's directory."""
    if not getattr(img, "is_animated", False):
        return 1
    count = 1
    try:
        while count <= limit:
            img.seek(count)
            count += 1
    except EOFError:
        pass
    img.seek(0)
    return count


class _PixelBudget:
    """What is left of the document's pixel budget, spent page by page before decoding."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.spent = 0

    def spend(self, w: float, h: float) -> None:
        self.spent += int(w * h)
        if self.spent > self.limits.max_document_pixels:
            raise DocumentError("too_many_pixels",
                                f"文件的页面合计像素过多（上限 {self.limits.max_document_pixels} 像素）",
                                f"The document's pages have too many pixels in all "
                                f"(the limit is {self.limits.max_document_pixels})")


def _too_many_pages(count: int, limits: Limits, exact: bool = True) -> DocumentError:
    shown = f"{count}" if exact else f"{limits.max_pages}+"  # frames are counted only past the limit
    return DocumentError("too_many_pages", f"页数过多（{shown} 页，上限 {limits.max_pages} 页）",
                         f"Too many pages ({shown}; the limit is {limits.max_pages})")


@dataclass
class PageInput:
    number: int
    width: float
    height: float
    image: Image.Image | None = None  # RGB, upright according to EXIF
    text_lines: list[Line] | None = None  # from a PDF text layer, in points
    #: Set when the EXIF orientation tag was applied.
    exif_rotated: bool = False


def _too_many_pixels(w: int, h: int, limits: Limits) -> DocumentError:
    return DocumentError("too_many_pixels", f"图像过大（{w}×{h} 像素，上限 {limits.max_pixels} 像素）",
                         f"Image too large ({w}x{h} pixels; the limit is {limits.max_pixels})")


def _rgb(img: Image.Image) -> Image.Image:
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, "white")
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        img = img.point(lambda v: v / 256).convert("L")
    return img.convert("RGB")


def iter_image_pages(data: bytes, limits: Limits) -> Iterator[PageInput]:
    # Our own check replaces Pillow's warning-then-error threshold with one clear limit.
    Image.MAX_IMAGE_PIXELS = None
    try:
        img = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError) as exc:
        raise DocumentError("corrupt_file", "无法解码图像文件", f"The image cannot be decoded: {exc}") from None
    try:
        frames = count_frames(img, limits.max_pages)
    except (OSError, ValueError, SyntaxError) as exc:
        raise DocumentError("corrupt_file", "图像文件已损坏或不完整",
                            f"The image file is damaged or truncated: {exc}") from None
    if frames > limits.max_pages:
        raise _too_many_pages(frames, limits, exact=False)
    budget = _PixelBudget(limits)
    for index in range(frames):
        try:
            img.seek(index)
            w, h = img.size
            if w * h > limits.max_pixels:
                raise _too_many_pixels(w, h, limits)
            budget.spend(w, h)
            if w < 8 or h < 8:
                raise DocumentError("image_too_small", f"图像过小（{w}×{h} 像素），无法识别",
                                    f"Image too small to read ({w}x{h} pixels)")
            frame = img.copy()
            frame.load()
        except DocumentError:
            raise
        except (OSError, ValueError, SyntaxError) as exc:
            raise DocumentError("corrupt_file", "图像文件已损坏或不完整",
                                f"The image file is damaged or truncated: {exc}") from None
        orientation = frame.getexif().get(0x0112, 1) if hasattr(frame, "getexif") else 1
        upright = ImageOps.exif_transpose(frame) or frame
        upright = _rgb(upright)
        del frame
        yield PageInput(number=index + 1, width=upright.width, height=upright.height, image=upright,
                        exif_rotated=orientation not in (None, 1))
        del upright  # the reader has it; this page's pixels must not outlive its turn


def _usable_text(text: str) -> bool:
    """A text layer worth trusting: enough readable CJK or alphanumerics, little junk.

    Some PDFs carry fonts without a Unicode map; their text layer is private-use or
    replacement characters, and such pages must be OCRed instead.
    """
    meaningful = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff" or ch.isalnum())
    junk = sum(1 for ch in text if ch == "\ufffd" or unicodedata.category(ch) in ("Co", "Cs"))
    return meaningful >= 10 and junk <= meaningful * 0.05


def _char_edges(text: str, chars: list[dict]) -> tuple[tuple[float, float], ...] | None:
    """Each character's left and right edge. pdfplumber puts spaces into a line's text
    where glyphs are far apart; those get the gap they stand for."""
    glyphs = [c for c in chars if c["text"].strip()]
    if "".join(c["text"] for c in glyphs) != "".join(text.split()):
        return None  # one glyph mapped to several characters: positions would not line up
    edges, i = [], 0
    for ch in text:
        if ch.isspace():
            left = edges[-1][1] if edges else glyphs[0]["x0"]
            right = glyphs[i]["x0"] if i < len(glyphs) else left
            edges.append((left, right))
        else:
            edges.append((glyphs[i]["x0"], glyphs[i]["x1"]))
            i += 1
    return tuple(edges)


def _piece(line: Line, a: int, b: int) -> Line | None:
    raw = line.text[a:b]
    text = raw.strip()
    if not text:
        return None
    offset = a + len(raw) - len(raw.lstrip())
    edges = line.char_x[offset:offset + len(text)]
    return Line(text=text, confidence=line.confidence, box=(edges[0][0], line.y0, edges[-1][1], line.y1),
                char_x=edges)


def _split(line: Line, cuts: list[int]) -> list[Line]:
    bounds = [0, *sorted(set(cuts)), len(line.text)]
    return [p for a, b in zip(bounds, bounds[1:]) if (p := _piece(line, a, b)) is not None]


def _glyph_width(line: Line, i: int) -> float:
    left, right = line.char_x[i]
    return right - left


def _wide_gaps(line: Line) -> list[int]:
    """Where a gap is much wider than the characters beside it (3x the narrower one, so a
    small caption's end and a label's start count, letter-spacing does not)."""
    cuts = []
    for i, ch in enumerate(line.text):
        if not ch.isspace() or i == 0 or i + 1 >= len(line.text):
            continue
        neighbours = [_glyph_width(line, j) for j in (i - 1, i + 1) if not line.text[j].isspace()]
        if neighbours and _glyph_width(line, i) > 3 * min(neighbours):
            cuts.append(i)
    return cuts


def _split_text_layer(lines: list[Line]) -> list[Line]:
    """pdfplumber joins everything on one baseline into a line, so the two columns of a
    form become one ("名称 …公司   注册资本 …万元"). Split where a gap is much wider
    than its characters; then, where a line crosses the left edge of a column other
    lines start at, split there too (a gap alone cannot tell a column break from a
    letter-spaced label)."""
    first = [piece for line in lines for piece in (_split(line, _wide_gaps(line)) if line.char_x else [line])]
    starts: dict[int, int] = {}
    for line in first:
        starts[round(line.x0 / 2)] = starts.get(round(line.x0 / 2), 0) + 1
    columns = {x for x, n in starts.items() if n >= 2}
    out = []
    for line in first:
        if not line.char_x:
            out.append(line)
            continue
        cuts = [i for i in range(1, len(line.text)) if line.text[i - 1].isspace() and not line.text[i].isspace()
                and any(abs(round(line.char_x[i][0] / 2) - x) <= 1 for x in columns)]
        out += _split(line, cuts)
    return out


def _text_layer_lines(plumber_page) -> list[Line]:
    lines = []
    for item in plumber_page.extract_text_lines(layout=False, strip=True, return_chars=True):
        text = item["text"].strip()
        if text:
            lines.append(Line(text=text, confidence=1.0, box=(item["x0"], item["top"], item["x1"], item["bottom"]),
                              char_x=_char_edges(text, item["chars"])))
    return _split_text_layer(lines)


def iter_pdf_pages(data: bytes, limits: Limits) -> Iterator[PageInput]:
    import pdfplumber
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise DocumentError("encrypted_pdf", "PDF 已加密，无法读取；请上传未加密的文件",
                                "The PDF is encrypted; upload an unencrypted file") from None
        raise DocumentError("corrupt_file", "PDF 文件已损坏，无法打开", f"The PDF cannot be opened: {exc}") from None
    try:
        count = len(pdf)
        if count == 0:
            raise DocumentError("empty_pdf", "PDF 没有页面", "The PDF has no pages")
        if count > limits.max_pages:
            raise _too_many_pages(count, limits)
        try:
            plumber = pdfplumber.open(io.BytesIO(data))
        except Exception:  # noqa: BLE001 - pdfminer fails on some files PDFium reads; OCR them
            plumber = None
        budget = _PixelBudget(limits)
        for index in range(count):
            page = pdf[index]
            width, height = page.get_size()
            lines = None
            if plumber is not None:
                try:
                    lines = _text_layer_lines(plumber.pages[index])
                except Exception:  # noqa: BLE001 - a page pdfminer cannot parse is OCRed
                    lines = None
            if lines and _usable_text("".join(ln.text for ln in lines)):
                yield PageInput(number=index + 1, width=width, height=height, text_lines=lines)
                continue
            scale = limits.render_dpi / 72
            if width * height * scale * scale > limits.max_pixels:
                scale = (limits.max_pixels / (width * height)) ** 0.5
            if width * scale < 8 or height * scale < 8:
                raise DocumentError("page_size_invalid", "PDF 页面尺寸异常，无法渲染",
                                    f"The PDF page size ({width:.0f}x{height:.0f} pt) cannot be rendered")
            budget.spend(width * scale, height * scale)
            image = page.render(scale=scale).to_pil()
            yield PageInput(number=index + 1, width=image.width, height=image.height, image=_rgb(image))
            del image
        if plumber is not None:
            plumber.close()
    finally:
        pdf.close()


def iter_pages(data: bytes, media_type: str, limits: Limits = Limits()) -> Iterator[PageInput]:
    """The document's pages, each decoded (or rendered) when it is asked for: whoever
    reads them one at a time holds one page's pixels at a time. Raises DocumentError
    (before decoding what a limit forbids) when a page or the document is unreadable."""
    if media_type == "application/pdf":
        return iter_pdf_pages(data, limits)
    if media_type.startswith("image/"):
        return iter_image_pages(data, limits)
    raise DocumentError("unsupported_media_type", f"不支持的文件类型 {media_type}", f"Unsupported file type {media_type}")


def load_pages(data: bytes, media_type: str, limits: Limits = Limits()) -> list[PageInput]:
    """Every page at once, for tools that want them all (benchmarks); the pipeline reads
    them one at a time with :func:`iter_pages`."""
    return list(iter_pages(data, media_type, limits))
