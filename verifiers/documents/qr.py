"""The QR code printed on a business licence.

Every 营业执照 carries a QR code leading to the national enterprise credit information
system (国家企业信用信息公示系统); the address names the enterprise by its credit code.
A copy whose printed code was altered still carries the original QR code, so the code in
the QR code is read (OpenCV's QR decoder, from the ``opencv-python-headless`` wheel
already used for image work; nothing is downloaded) and compared with the one read by
OCR: a difference is review reason ``DOC_TAMPERED`` (verifiers.rules.merchant).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from verifiers.identifiers.uscc import USCCError, parse_uscc

_USCC_RUN = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])")
#: QR-like blobs are looked for on a copy this size (long side, pixels).
FIND_SIDE = 500


@dataclass
class Code:
    """A decoded QR code: its text, where it is on the page and the credit code it names."""

    payload: str
    box: tuple[float, float, float, float]
    uscc: str | None

    def as_dict(self) -> dict:
        return {"payload": self.payload, "box": [round(v, 1) for v in self.box], "uscc": self.uscc}


def credit_code_in(payload: str) -> str | None:
    """The credit code a QR code's text names (a valid one: check characters agree)."""
    for match in _USCC_RUN.finditer(payload.upper()):
        try:
            return parse_uscc(match.group(0)).code
        except USCCError:
            continue
    return None


def lightest_channel(image: np.ndarray) -> np.ndarray:
    """Each pixel's lightest channel: a red seal or a coloured watermark is nearly paper
    there, print stays dark (OpenCV's per-channel max: 10x numpy's on a page)."""
    import cv2

    if image.ndim == 2:
        return np.ascontiguousarray(image)
    r, g, b = cv2.split(np.ascontiguousarray(image))
    return cv2.max(cv2.max(r, g), b)


def _decode(detector, grey: np.ndarray, scale: float) -> list[Code]:
    ok, texts, points, _ = detector.detectAndDecodeMulti(grey)
    if not ok or points is None:
        return []
    out = []
    for text, quad in zip(texts, points):
        if not text:
            continue
        xs, ys = quad[:, 0] / scale, quad[:, 1] / scale
        out.append(Code(text, (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())),
                        credit_code_in(text)))
    return out


def candidates(small: np.ndarray, scale: float, size: tuple[int, int],
               limit: int = 6) -> list[tuple[int, int, int, int]]:
    """Where QR codes may be on a page of ``size`` (height, width), from a grey copy scaled
    by ``scale``: dark pixels closed into blobs, kept when a blob is squarish, solid and of
    a QR code's size (2-40 % of the page's short side); boxes in page pixels with a
    quiet-zone margin, largest first."""
    import cv2

    height, width = size
    _, dark = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    closed = cv2.morphologyEx(dark, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    short = min(small.shape[:2])
    found = []
    for x, y, w, h, area in stats[1:count]:
        if not (0.02 * short <= min(w, h) and max(w, h) <= 0.4 * short):
            continue
        if not (0.7 <= w / h <= 1.4) or area < 0.55 * w * h:
            continue
        margin = max(w, h) * 0.25
        found.append((int(max(0, (x - margin) / scale)), int(max(0, (y - margin) / scale)),
                      int(min(width, (x + w + margin) / scale)), int(min(height, (y + h + margin) / scale)), w * h))
    found.sort(key=lambda b: -b[4])
    return [b[:4] for b in found[:limit]]


def read_codes(image: np.ndarray) -> list[Code]:
    """Every QR code that decodes on the page (upright RGB or grey), in page pixels. The
    decoder runs on the few places that look like a QR code, each alone: decoding the
    whole page took 0.5-1.5 s where this takes under 0.1 s."""
    import cv2

    height, width = image.shape[:2]
    scale = min(1.0, FIND_SIDE / max(height, width))
    small = cv2.resize(np.ascontiguousarray(image), None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    detector = cv2.QRCodeDetectorAruco()
    for x0, y0, x1, y1 in candidates(lightest_channel(small), scale, (height, width)):
        crop = lightest_channel(image[y0:y1, x0:x1])
        for attempt in (crop, None):
            if attempt is None:  # a photo's uneven light: binarise locally and try once more
                attempt = cv2.adaptiveThreshold(crop, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 10)
            codes = _decode(detector, attempt, 1.0)
            if codes:
                return [Code(c.payload, (c.box[0] + x0, c.box[1] + y0, c.box[2] + x0, c.box[3] + y0), c.uscc)
                        for c in codes]
    return []
