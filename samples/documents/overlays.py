"""What merchants do to a certificate before uploading it: platform watermarks.

A copy handed to a platform is usually marked "仅供××平台入驻审核使用 他用无效", the
phrase repeated in diagonal rows across the whole page in a light colour, so that it
cannot be reused elsewhere. :func:`watermark` draws such a mark over a rendered page:
the wording, angle, opacity, colour, size and density are drawn from the page's random
generator and returned, so ground truth can say what was laid over the page.
"""
from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass

import numpy as np
from PIL import Image, ImageDraw

from samples.documents.page import pil_font

PLATFORMS = ("优选医疗商城", "京东", "天猫", "拼多多", "抖音电商", "美团买药", "阿里健康大药房", "快手小店")
#: How platforms word the mark ({p}: the platform). Several, so that no reader is tuned to one.
WORDINGS = (
    "仅供{p}平台入驻审核使用 他用无效",
    "仅供{p}入驻资质审核使用，他用无效",
    "此件仅用于{p}商家入驻 再次复印无效",
    "仅限{p}平台资质备案使用 复印无效",
    "{p}入驻专用 他用无效",
)
#: Mark colours: greys from light to dark, and the blue-greys and browns of office software.
COLOURS = ((128, 128, 128), (96, 96, 96), (160, 160, 160), (80, 96, 128), (70, 110, 190), (150, 110, 80))


@dataclass(frozen=True)
class Watermark:
    text: str
    angle: float  # degrees, counter-clockwise
    opacity: float  # 0..1 of the colour over the page
    colour: tuple[int, int, int]
    size_px: int  # character height in pixels of the page
    spacing: float  # gap between rows, in character heights (smaller: denser)

    def as_dict(self) -> dict:
        out = asdict(self)
        out["colour"] = list(self.colour)
        out["angle"] = round(self.angle, 1)
        out["opacity"] = round(self.opacity, 2)
        out["spacing"] = round(self.spacing, 2)
        return out


def random_watermark(rng: random.Random, dpi: float) -> Watermark:
    text = rng.choice(WORDINGS).format(p=rng.choice(PLATFORMS))
    angle = rng.choice((1, -1)) * rng.uniform(18, 45)
    # 14-24 pt characters at the page's resolution
    size = round(rng.uniform(14, 24) * dpi / 72)
    return Watermark(text, angle, rng.uniform(0.18, 0.45), rng.choice(COLOURS), size, rng.uniform(2.0, 5.0))


def watermark(image: Image.Image, mark: Watermark) -> Image.Image:
    """The page with the mark laid over it (alpha-composited: it greys the print it crosses too)."""
    w, h = image.size
    side = math.ceil(math.hypot(w, h)) + 2 * mark.size_px
    canvas = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(canvas)
    font = pil_font("sans", mark.size_px)
    phrase = mark.text + "　　"
    step_x = max(1.0, font.getlength(phrase))
    step_y = mark.size_px * (1 + mark.spacing)
    row = 0
    y = 0.0
    while y < side:
        x = -(row % 2) * step_x / 2  # rows staggered by half a phrase
        while x < side:
            draw.text((x, y), phrase, font=font, fill=255)
            x += step_x
        y += step_y
        row += 1
    turned = canvas.rotate(mark.angle, resample=Image.Resampling.BICUBIC)
    left, top = (side - w) // 2, (side - h) // 2
    alpha = np.asarray(turned.crop((left, top, left + w, top + h)), dtype=np.float32)[..., None] / 255 * mark.opacity
    page = np.asarray(image.convert("RGB"), dtype=np.float32)
    out = page * (1 - alpha) + np.array(mark.colour, dtype=np.float32) * alpha
    return Image.fromarray(out.clip(0, 255).astype("uint8"))
