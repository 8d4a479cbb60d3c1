"""How a rendered page becomes a file: clean scan, phone photo, rotations, formats, PDFs.

Every variant returns the file's bytes and the boxes of the page's fields carried into the
file's own coordinates (pixels of the image as a viewer shows it, EXIF orientation applied;
PDF points from the top left of the page), so ground truth can point at the printed value.
"""
from __future__ import annotations

import io
import math
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from PIL import Image, ImageFilter

from samples.documents.page import PT, Page, Seal, raster

#: Variant -> (extension, media type).
VARIANTS = {
    "clean": ("png", "image/png"),
    "seal": ("png", "image/png"),
    "photo": ("jpg", "image/jpeg"),
    "rotated90": ("png", "image/png"),
    "rotated180": ("png", "image/png"),
    "rotated90-exif": ("jpg", "image/jpeg"),
    "rotated180-exif": ("jpg", "image/jpeg"),
    "tiff": ("tif", "image/tiff"),
    "webp": ("webp", "image/webp"),
    "textpdf": ("pdf", "application/pdf"),
    "scanpdf": ("pdf", "application/pdf"),
    "watermark": ("png", "image/png"),
    "watermark-photo": ("jpg", "image/jpeg"),
    "screenshot": ("png", "image/png"),
    "query-screenshot": ("png", "image/png"),
    "two-up": ("png", "image/png"),
}
#: Variants whose page is not the certificate as laid out (samples/documents/screens.py).
SCREEN_VARIANTS = ("screenshot", "query-screenshot")
DESCRIPTIONS = {
    "clean": "flatbed scan, 8-bit palette PNG",
    "seal": "clean scan with an extra seal stamped over the number and credit-code lines",
    "photo": "phone photo: perspective skew, slight rotation, blur, uneven light, noise, JPEG q85",
    "rotated90": "scan turned 90° clockwise, no orientation tag",
    "rotated180": "scan upside down, no orientation tag",
    "rotated90-exif": "pixels turned 90° clockwise, EXIF Orientation 8 so that viewers show it upright",
    "rotated180-exif": "pixels upside down, EXIF Orientation 3 so that viewers show it upright",
    "tiff": "scan as LZW-compressed palette TIFF",
    "webp": "scan as lossy WebP",
    "textpdf": "PDF with a real text layer (embedded CJK TrueType subset), seal as an image",
    "scanpdf": "PDF holding only a greyscale scan image, slightly skewed, no text layer",
    "watermark": "scan with a platform's diagonal watermark (仅供××平台入驻审核使用 他用无效) repeated over it",
    "watermark-photo": "phone photo of a printed copy carrying a platform's diagonal watermark",
    "screenshot": "phone screenshot of the electronic certificate in an app: status bar, title bar, buttons",
    "query-screenshot": "phone screenshot of the regulator's query page for the record, at a font scale",
    "two-up": "two certificates of one enterprise copied onto one A4 sheet, scanned at 200 dpi",
}
EXIF_ORIENTATION = 0x0112
PDF_DATE = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass
class Rendered:
    data: bytes
    ext: str
    media_type: str
    width: float
    height: float
    unit: str  # "px" or "pt"
    boxes: dict[str, list[float]]
    extra: dict = field(default_factory=dict)


BoxMap = dict[str, tuple[float, float, float, float]]


def _scaled(boxes: BoxMap, factor: float) -> dict[str, list[float]]:
    return {k: [round(v * factor, 1) for v in b] for k, b in boxes.items()}


def _mapped(boxes: BoxMap, factor: float, point) -> dict[str, list[float]]:
    """Boxes scaled by ``factor`` then each corner sent through ``point``; the bounding box of the result."""
    out = {}
    for name, (x0, y0, x1, y1) in boxes.items():
        corners = [point(x * factor, y * factor) for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        out[name] = [round(min(xs), 1), round(min(ys), 1), round(max(xs), 1), round(max(ys), 1)]
    return out


def _png(image: Image.Image, colors: int = 48) -> bytes:
    """8-bit palette PNG: print, frame and seal colours survive, the file stays small."""
    palette = image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    palette.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _jpeg(image: Image.Image, quality: int = 85, exif: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    kwargs = {"exif": exif} if exif else {}
    image.save(buffer, "JPEG", quality=quality, optimize=True, **kwargs)
    return buffer.getvalue()


def with_extra_seal(page: Page, rng: random.Random) -> Page:
    """The page with a second seal over the number / credit-code lines (a 'seal' variant)."""
    boxes = page.field_boxes()
    target = boxes.get("uscc") or boxes.get("number") or next(iter(boxes.values()))
    x0, y0, x1, y1 = target
    extra = Page(page.width, page.height, list(page.items), page.background)
    issuer = next((i.ring_text for i in page.items if isinstance(i, Seal)), "")
    extra.add(Seal(x0 + min(45.0, (x1 - x0) * 0.6), (y0 + y1) / 2 + rng.uniform(-2, 2), 38, issuer,
                   angle=rng.uniform(-25, 25), seed=rng.randrange(1 << 30)))
    return extra


def render(page: Page, variant: str, dpi: float, rng: random.Random, pdf_font=None) -> Rendered:
    ext, media = VARIANTS[variant]
    boxes = page.field_boxes()
    scale = dpi / 25.4
    if variant == "textpdf":
        from samples.documents.page import pdf

        data = pdf(page, pdf_font)
        return Rendered(data, ext, media, round(page.width / PT, 2), round(page.height / PT, 2), "pt",
                        _scaled(boxes, 1 / PT), {"text_layer": True})
    if variant == "seal":
        page = with_extra_seal(page, rng)
    if variant in SCREEN_VARIANTS:
        from samples.documents.screens import SCREEN_DPI

        image = raster(page, SCREEN_DPI)
        return Rendered(_png(image, 128), ext, media, image.width, image.height, "px",
                        _scaled(boxes, SCREEN_DPI / 25.4), {"dpi": round(SCREEN_DPI, 1)})
    if variant == "two-up":
        dpi = dpi * 4 / 3
        scale = dpi / 25.4
    image = raster(page, dpi)
    w, h = image.size
    if variant.startswith("watermark"):
        from samples.documents.overlays import random_watermark, watermark

        mark = random_watermark(rng, dpi)
        image = watermark(image, mark)
        if variant == "watermark":
            return Rendered(_png(image, 96), ext, media, w, h, "px", _scaled(boxes, scale),
                            {"dpi": dpi, "watermark": mark.as_dict()})
        photo, point = phone_photo(image, rng)
        return Rendered(_jpeg(photo, 85), ext, media, photo.width, photo.height, "px", _mapped(boxes, scale, point),
                        {"dpi_of_page": dpi, "watermark": mark.as_dict()})
    if variant in ("clean", "seal", "two-up"):
        return Rendered(_png(image), ext, media, w, h, "px", _scaled(boxes, scale), {"dpi": dpi})
    if variant == "tiff":
        buffer = io.BytesIO()
        image.quantize(colors=48, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            buffer, "TIFF", compression="tiff_lzw", dpi=(dpi, dpi))
        return Rendered(buffer.getvalue(), ext, media, w, h, "px", _scaled(boxes, scale), {"dpi": dpi})
    if variant == "webp":
        buffer = io.BytesIO()
        image.save(buffer, "WEBP", quality=80, method=4)
        return Rendered(buffer.getvalue(), ext, media, w, h, "px", _scaled(boxes, scale), {"dpi": dpi})
    if variant in ("rotated90", "rotated180", "rotated90-exif", "rotated180-exif"):
        turn = 90 if variant.startswith("rotated90") else 180
        stored = image.transpose(Image.Transpose.ROTATE_270 if turn == 90 else Image.Transpose.ROTATE_180)
        if variant.endswith("-exif"):
            exif = Image.Exif()
            exif[EXIF_ORIENTATION] = 8 if turn == 90 else 3
            return Rendered(_jpeg(stored, 88, exif.tobytes()), ext, media, w, h, "px", _scaled(boxes, scale),
                            {"dpi": dpi, "stored_rotated_cw": turn, "exif_orientation": exif[EXIF_ORIENTATION],
                             "rotated_cw": 0})
        if turn == 90:  # (x, y) -> (h - y, x)
            mapped = _mapped(boxes, scale, lambda x, y: (h - y, x))
        else:
            mapped = _mapped(boxes, scale, lambda x, y: (w - x, h - y))
        return Rendered(_png(stored), ext, media, stored.width, stored.height, "px", mapped,
                        {"dpi": dpi, "rotated_cw": turn})
    if variant == "photo":
        photo, point = phone_photo(image, rng)
        return Rendered(_jpeg(photo, 85), ext, media, photo.width, photo.height, "px", _mapped(boxes, scale, point),
                        {"dpi_of_page": dpi})
    if variant == "scanpdf":
        scan, point = skewed_scan(image, rng)
        buffer = io.BytesIO()
        stamp = time.gmtime(PDF_DATE.timestamp())  # fixed dates: the same bytes every run
        scan.save(buffer, "PDF", resolution=dpi, creationDate=stamp, modDate=stamp, quality=75)
        to_pt = 72 / dpi
        mapped = _mapped(boxes, scale, lambda x, y: tuple(v * to_pt for v in point(x, y)))
        return Rendered(buffer.getvalue(), ext, media, round(w * to_pt, 2), round(h * to_pt, 2), "pt", mapped,
                        {"text_layer": False, "dpi": dpi})
    raise ValueError(f"unknown variant {variant}")


# --- camera and scanner --------------------------------------------------------------------------------------------


def _homography(src, dst) -> np.ndarray:
    """3x3 matrix taking the four ``src`` points to ``dst``."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(src, dst):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    solution = np.linalg.solve(np.array(rows, dtype=float), np.array(rhs, dtype=float))
    return np.append(solution, 1).reshape(3, 3)


def phone_photo(page: Image.Image, rng: random.Random):
    """A phone photo of the printed page lying on a desk. Returns (image, point map page -> photo)."""
    gen = np.random.default_rng(rng.randrange(1 << 30))
    w, h = page.size
    margin = 0.07 * max(w, h)
    cw, ch = round(w + 2 * margin), round(h + 2 * margin)
    # Desk: a warm grey-brown gradient with grain.
    yy, xx = np.mgrid[0:ch, 0:cw].astype(np.float32)
    base = np.array([118, 102, 86], dtype=np.float32) * (0.8 + 0.35 * (xx / cw))[..., None]
    desk = base + gen.normal(0, 6, (ch, cw, 1)).astype(np.float32)
    # Where the page's corners land: margin, jitter, then a small rotation about the centre.
    corners = [(0, 0), (w, 0), (w, h), (0, h)]
    jitter = 0.045 * min(w, h)
    angle = math.radians(rng.uniform(-4, 4))
    cx, cy = cw / 2, ch / 2
    dst = []
    for (x, y) in corners:
        px = x + margin + rng.uniform(-jitter, jitter)
        py = y + margin + rng.uniform(-jitter, jitter)
        dx, dy = px - cx, py - cy
        dst.append((cx + dx * math.cos(angle) - dy * math.sin(angle), cy + dx * math.sin(angle) + dy * math.cos(angle)))
    forward = _homography(corners, dst)
    inverse = np.linalg.inv(forward)
    coeffs = (inverse / inverse[2, 2]).flatten()[:8]
    tinted = Image.fromarray((np.asarray(page, dtype=np.float32) * np.array([1.0, 0.985, 0.95])).astype("uint8"))
    warped = tinted.transform((cw, ch), Image.Transform.PERSPECTIVE, tuple(coeffs), Image.Resampling.BICUBIC)
    mask = Image.new("L", (w, h), 255).transform((cw, ch), Image.Transform.PERSPECTIVE, tuple(coeffs),
                                                 Image.Resampling.BILINEAR)
    m = np.asarray(mask, dtype=np.float32)[..., None] / 255
    photo = np.asarray(warped, dtype=np.float32) * m + desk * (1 - m)
    # Light: brighter towards one corner, a vignette, and a soft shadow from the phone.
    lx, ly = rng.uniform(0, cw), rng.uniform(0, ch * 0.5)
    distance = np.sqrt((xx - lx) ** 2 + (yy - ly) ** 2) / math.hypot(cw, ch)
    light = 1.08 - 0.42 * distance
    shadow_x = rng.uniform(0.55, 0.9) * cw
    light *= 1 - 0.16 / (1 + np.exp(-(xx - shadow_x) / (0.02 * cw)))
    photo *= light[..., None]
    image = Image.fromarray(photo.clip(0, 255).astype("uint8"))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.7, 1.2)))
    noisy = np.asarray(image, dtype=np.float32) + gen.normal(0, 4.0, (ch, cw, 3)).astype(np.float32)
    image = Image.fromarray(noisy.clip(0, 255).astype("uint8"))

    def point(x, y):
        u, v, s = forward @ np.array([x, y, 1.0])
        return float(u / s), float(v / s)

    return image, point


def skewed_scan(page: Image.Image, rng: random.Random):
    """A greyscale office scan, fed in a little crooked. Returns (image, point map)."""
    angle = rng.uniform(-0.9, 0.9)
    grey = page.convert("L")
    w, h = grey.size
    turned = grey.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=250)
    gen = np.random.default_rng(rng.randrange(1 << 30))
    noisy = np.asarray(turned, dtype=np.float32) + gen.normal(0, 3.0, (h, w)).astype(np.float32)
    image = Image.fromarray(noisy.clip(0, 255).astype("uint8"))
    a = math.radians(angle)  # PIL rotates counter-clockwise about the centre
    cx, cy = w / 2, h / 2

    def point(x, y):
        dx, dy = x - cx, y - cy
        return cx + dx * math.cos(a) + dy * math.sin(a), cy - dx * math.sin(a) + dy * math.cos(a)

    return image, point
