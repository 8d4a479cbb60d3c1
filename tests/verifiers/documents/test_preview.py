"""A stored page as a PNG for the console, drawn as the reader saw it; what cannot be drawn is a
DocumentError with a stable code."""
import io

import pytest
from fpdf import FPDF
from PIL import Image

from verifiers.documents.model import DocumentError
from verifiers.documents.preview import render_page


def _image_bytes(size=(400, 200), fmt="PNG", colour="white", exif_orientation=None, frames=1) -> bytes:
    images = [Image.new("RGB", size, colour) for _ in range(frames)]
    images[0].putpixel((0, 0), (255, 0, 0))  # a marker in the top-left corner
    out = io.BytesIO()
    kwargs = {}
    if exif_orientation:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        kwargs["exif"] = exif
    if frames > 1:
        kwargs.update(save_all=True, append_images=images[1:])
    images[0].save(out, fmt, **kwargs)
    return out.getvalue()


def _png(data: bytes) -> Image.Image:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return Image.open(io.BytesIO(data))


def _code(*args, **kwargs) -> str:
    with pytest.raises(DocumentError) as caught:
        render_page(*args, **kwargs)
    assert caught.value.zh and caught.value.en
    return caught.value.code


def test_an_image_page_as_png_within_the_size():
    assert _png(render_page(_image_bytes((400, 200)), "image/png", 1)).size == (400, 200)
    assert _png(render_page(_image_bytes((4000, 2000)), "image/png", 1, max_side=1000)).size == (1000, 500)


def test_the_rotation_the_reader_applied_is_drawn():
    # 90 degrees anticlockwise: the page turns on its side, the top-left marker goes bottom-left
    image = _png(render_page(_image_bytes((400, 200)), "image/png", 1, rotation=90)).convert("RGB")
    assert image.size == (200, 400)
    assert image.getpixel((0, 399)) == (255, 0, 0)
    assert _png(render_page(_image_bytes((400, 200)), "image/png", 1, rotation=360)).size == (400, 200)


def test_exif_orientation_is_applied_first():
    # orientation 6: the camera held on its side; the stored 400x200 image shows as 200x400
    assert _png(render_page(_image_bytes((400, 200), "JPEG", exif_orientation=6), "image/jpeg", 1)).size == (200, 400)


def test_frames_of_a_tiff_are_pages():
    data = _image_bytes((300, 100), "TIFF", frames=2)
    assert _png(render_page(data, "image/tiff", 2)).size == (300, 100)
    assert _code(data, "image/tiff", 3) == "page_missing"


def test_a_pdf_page_is_rendered_to_the_size():
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.add_page()
    data = bytes(pdf.output())
    image = _png(render_page(data, "application/pdf", 2, max_side=800))
    assert max(image.size) == 800 and image.size[1] > image.size[0]  # A4 upright
    assert _code(data, "application/pdf", 3) == "page_missing"
    assert _code(data, "application/pdf", 0) == "page_missing"


def test_what_cannot_be_drawn():
    assert _code(b"%PDF-1.4 not really", "application/pdf", 1) == "corrupt_file"
    assert _code(b"not an image", "image/png", 1) == "corrupt_file"
    assert _code(b"text", "text/plain", 1) == "unsupported_media_type"


def test_an_image_beyond_the_pixel_limit_is_refused(monkeypatch):
    monkeypatch.setattr("verifiers.documents.preview.MAX_SOURCE_PIXELS", 100 * 100)
    assert _code(_image_bytes((200, 100)), "image/png", 1) == "too_many_pixels"
