"""One page of a stored document as a PNG for people to look at (the staff console).

The page is drawn the way the reader saw it, so that the OCR boxes recorded for it line
up: images turned upright by their EXIF orientation, PDF pages rendered by PDFium, then
the rotation the reader applied (degrees anticlockwise). The result is at most
``max_side`` pixels on its longer side; boxes are in the reader's coordinates and the
console scales the picture to them, so the preview's own size does not matter.
"""
from __future__ import annotations

import io

from PIL import Image, ImageOps

from verifiers.documents.model import DocumentError

#: Pixels a source image may have before it is refused (the intake's own limit is lower).
MAX_SOURCE_PIXELS = 120_000_000


def _image_page(data: bytes, number: int) -> Image.Image:
    try:
        img = Image.open(io.BytesIO(data))
        if img.width * img.height > MAX_SOURCE_PIXELS:
            raise DocumentError("too_many_pixels", "图像过大，无法预览", "The image is too large to preview")
        img.seek(number - 1)
    except EOFError:
        raise DocumentError("page_missing", f"没有第 {number} 页", f"There is no page {number}") from None
    except (OSError, ValueError) as exc:
        raise DocumentError("corrupt_file", "图像无法打开", f"The image cannot be opened: {exc}") from None
    if img.format == "JPEG":
        img.draft("RGB", (2400, 2400))  # decode a JPEG at a reduced size straight away
    frame = img.copy()
    return ImageOps.exif_transpose(frame) or frame


def _pdf_page(data: bytes, number: int, max_side: int) -> Image.Image:
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise DocumentError("corrupt_file", "PDF 无法打开", f"The PDF cannot be opened: {exc}") from None
    try:
        if not 1 <= number <= len(pdf):
            raise DocumentError("page_missing", f"没有第 {number} 页", f"There is no page {number}")
        page = pdf[number - 1]
        width, height = page.get_size()
        scale = max_side / max(width, height, 1)
        return page.render(scale=scale).to_pil()
    finally:
        pdf.close()


def render_page(data: bytes, media_type: str, number: int, rotation: int = 0, max_side: int = 1600) -> bytes:
    """PNG bytes of page ``number`` (from 1); :class:`DocumentError` when it cannot be drawn."""
    if media_type == "application/pdf":
        image = _pdf_page(data, number, max_side)
    elif media_type.startswith("image/"):
        image = _image_page(data, number)
    else:
        raise DocumentError("unsupported_media_type", f"不支持的文件类型 {media_type}", f"Unsupported file type {media_type}")
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    if rotation % 360:
        image = image.rotate(rotation % 360, expand=True)
    image.thumbnail((max_side, max_side))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()
