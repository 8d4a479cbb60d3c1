"""What the API checks on upload, before anything is stored: type sniffed from the bytes.

Deep checks (decompression bombs, encrypted or empty PDFs, unreadable pages, too many
pages or pixels) happen in the processing job, which ends such a document as ``failed``
with a reason; here we only refuse what is plainly not one of the accepted formats, and
count pages only as far as the page limit (a TIFF's frames are a chain to walk).
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import filetype
import pypdfium2
from PIL import Image

from gateway.errors import ServiceError
from verifiers.documents.intake import count_frames

ACCEPTED = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/tiff": ".tif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}


class IntakeError(ServiceError):
    """An upload refused at the door; the status follows from what was wrong with it."""

    STATUS = {"unsupported_media_type": 415, "empty_file": 422, "too_large": 413, "not_uploaded": 409}

    def __init__(self, code: str, zh: str, en: str):
        super().__init__(zh, en, status=self.STATUS.get(code, 422), code=code.replace("_", "-"))


def check_size(data: bytes, limit: int) -> None:
    if len(data) > limit:
        raise IntakeError("too_large", f"文件超过 {limit} 字节上限", f"File exceeds the {limit}-byte limit")


@dataclass(frozen=True)
class Intake:
    sha256: str
    size: int
    media_type: str
    pages: int | None


def sniff_media_type(data: bytes) -> str | None:
    """The media type read from the file's magic bytes, or None."""
    kind = filetype.guess(data[:8192])
    if kind is None:
        return None
    return kind.mime


def count_pages(data: bytes, media_type: str, max_pages: int) -> int | None:
    """Pages in a PDF or multi-frame TIFF; None when it cannot be told cheaply (damaged,
    or more frames than ``max_pages``: the job then fails it with its reason)."""
    if media_type == "application/pdf":
        try:
            pdf = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError:
            return None  # encrypted or damaged: the processing job says which
        try:
            return len(pdf)
        finally:
            pdf.close()
    if media_type == "image/tiff":
        try:
            with Image.open(io.BytesIO(data)) as img:
                frames = count_frames(img, max_pages)
            return frames if frames <= max_pages else None
        except Exception:  # noqa: BLE001 - a damaged TIFF fails later with its reason
            return None
    return 1


def inspect_upload(data: bytes, max_pages: int) -> Intake:
    if not data:
        raise IntakeError("empty_file", "上传的文件为空", "The uploaded file is empty")
    media_type = sniff_media_type(data)
    if media_type not in ACCEPTED:
        found = media_type or "未知 / unknown"
        raise IntakeError("unsupported_media_type",
                          f"文件类型不受支持（识别为 {found}）；请上传 JPEG、PNG、TIFF、WebP 或 PDF",
                          f"Unsupported file type ({found}); upload JPEG, PNG, TIFF, WebP or PDF")
    return Intake(sha256=hashlib.sha256(data).hexdigest(), size=len(data), media_type=media_type,
                  pages=count_pages(data, media_type, max_pages))


def blob_key(sha256: str) -> str:
    return f"documents/{sha256[:2]}/{sha256}"
