"""Broken and hostile files end as a clear failure, never a crash or a runaway."""
import io

import pytest
from fpdf import FPDF
from PIL import Image

from verifiers.documents.intake import Limits, iter_pages, load_pages
from verifiers.documents.model import DocumentError
from verifiers.documents.pipeline import read_document
from verifiers.documents.ocr import create_engine


def png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def pdf(pages: int = 1, encrypt: bool = False) -> bytes:
    doc = FPDF()
    for _ in range(pages):
        doc.add_page()
    if encrypt:
        doc.set_encryption(owner_password="owner", user_password="secret")
    return bytes(doc.output())


def failure(data: bytes, media_type: str, limits: Limits = Limits()) -> DocumentError:
    with pytest.raises(DocumentError) as caught:
        load_pages(data, media_type, limits)
    error = caught.value
    assert error.zh and error.en and error.code
    return error


def test_decompression_bomb_is_refused_from_the_header():
    bomb = png(Image.new("1", (20000, 20000)))  # 400 megapixels in a few dozen kilobytes
    assert len(bomb) < 200_000
    assert failure(bomb, "image/png").code == "too_many_pixels"


def test_truncated_image_is_corrupt():
    buf = io.BytesIO()
    Image.new("RGB", (400, 400), "navy").save(buf, "JPEG")
    assert failure(buf.getvalue()[: len(buf.getvalue()) // 2], "image/jpeg").code == "corrupt_file"


def test_tiny_image_is_refused():
    assert failure(png(Image.new("RGB", (4, 4))), "image/png").code == "image_too_small"


def test_encrypted_pdf_is_refused():
    assert failure(pdf(encrypt=True), "application/pdf").code == "encrypted_pdf"


def test_pdf_without_pages():
    empty = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
             b"trailer<</Root 1 0 R>>\n%%EOF")
    assert failure(empty, "application/pdf").code in ("empty_pdf", "corrupt_file")


def test_pdf_with_too_many_pages():
    error = failure(pdf(pages=5), "application/pdf", Limits(max_pages=3))
    assert error.code == "too_many_pages" and "5" in error.zh


def test_garbage_behind_a_pdf_header():
    assert failure(b"%PDF-1.7\n" + bytes(range(256)) * 40, "application/pdf").code == "corrupt_file"


def test_huge_pdf_page_is_rendered_within_the_pixel_limit():
    doc = FPDF(unit="pt", format=(14400, 14400))  # the largest page PDF allows: 200 inches
    doc.add_page()
    [page] = load_pages(bytes(doc.output()), "application/pdf", Limits(max_pixels=4_000_000))
    assert page.image is not None and page.image.width * page.image.height <= 4_000_000


def test_a_page_with_no_text_fails_with_no_text():
    engine = create_engine()
    with pytest.raises(DocumentError) as caught:
        read_document(png(Image.new("RGB", (800, 600), "white")), "image/png", engine=engine)
    assert caught.value.code == "no_text"


def test_multipage_tiff_frames_become_pages():
    buf = io.BytesIO()
    frames = [Image.new("RGB", (100, 100), c) for c in ("white", "grey")]
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:])
    assert [p.number for p in load_pages(buf.getvalue(), "image/tiff")] == [1, 2]


def test_exif_orientation_is_applied():
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    Image.new("RGB", (300, 100), "white").save(buf, "JPEG", exif=exif)
    [page] = load_pages(buf.getvalue(), "image/jpeg")
    assert (page.width, page.height) == (100, 300) and page.exif_rotated


def tiff(frames: int, size=(8, 8)) -> bytes:
    buf = io.BytesIO()
    first = Image.new("L", size, 255)
    first.save(buf, "TIFF", save_all=True, append_images=(Image.new("L", size, i % 256) for i in range(frames - 1)))
    return buf.getvalue()


def test_frames_are_counted_only_to_the_page_limit(monkeypatch):
    """Found: an 8 MB TIFF of 80,000 frames took 40 s before the page limit refused it
    (Pillow's n_frames reads every frame's directory); counting stops past the limit."""
    from PIL import TiffImagePlugin

    data = tiff(500)
    loads = []
    real_load = TiffImagePlugin.ImageFileDirectory_v2.load
    monkeypatch.setattr(TiffImagePlugin.ImageFileDirectory_v2, "load",
                        lambda self, fp: loads.append(1) or real_load(self, fp))
    error = failure(data, "image/tiff", Limits(max_pages=20))
    assert error.code == "too_many_pages" and "20+" in error.en
    assert len(loads) < 3 * 22


def test_a_document_has_a_pixel_budget_across_its_pages():
    """Many modest pages add up: 12 frames of 1,000,000 pixels pass the per-page limit but
    not a 10,000,000-pixel budget, which is spent before each page is decoded."""
    data = tiff(12, size=(1000, 1000))
    limits = Limits(max_pixels=2_000_000, max_pages=20, max_document_pixels=10_000_000)
    pages = iter_pages(data, "image/tiff", limits)
    decoded = 0
    with pytest.raises(DocumentError) as caught:
        for _ in pages:
            decoded += 1
    assert caught.value.code == "too_many_pixels" and decoded == 10


def test_a_pdf_shares_the_budget_across_rendered_pages():
    error = failure(pdf(pages=4), "application/pdf", Limits(max_document_pixels=10_000_000))  # A4 at 200 dpi: ~3.9 MP
    assert error.code == "too_many_pixels"


def test_pages_are_decoded_one_at_a_time(tmp_path):
    """Found: a 178 KB TIFF of 20 large frames took +361 MB (every frame decoded before the
    first was read). The reader holds one page's pixels at a time: measured in a fresh
    process, whose peak memory is its own."""
    import subprocess
    import sys
    import textwrap

    path = tmp_path / "twenty.tif"
    frame = Image.new("RGB", (3000, 2000), "white")
    frame.save(path, "TIFF", save_all=True, append_images=(frame for _ in range(19)), compression="tiff_deflate")
    assert path.stat().st_size < 1_000_000  # 20 frames, 360 MB decoded
    script = textwrap.dedent(f"""
        import resource
        from verifiers.documents.intake import Limits
        from verifiers.documents.model import DocumentError
        from verifiers.documents.pipeline import read_document

        class NoText:
            name = "none"
            def read(self, image):
                return []

        data = open({str(path)!r}, "rb").read()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            read_document(data, "image/tiff", engine=NoText(), limits=Limits(max_document_pixels=200_000_000))
        except DocumentError as exc:
            assert exc.code == "no_text", exc.code
        print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout.strip()) < 200  # MB: one 18 MB page and its working copies, not twenty
