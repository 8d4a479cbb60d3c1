"""Reading one document end to end: pages -> lines -> type -> fields."""
from __future__ import annotations

import numpy as np

from verifiers.documents.classify import classify
from verifiers.documents.extract import extract_fields
from verifiers.documents.intake import Limits, PageInput, load_pages
from verifiers.documents.model import DocumentError, Page, Reading
from verifiers.documents.ocr import OcrEngine
from verifiers.documents.orientation import read_upright
from verifiers.documents.registry_hints import correct_number
from verifiers.documents.seal import has_red_ink, suppress_red


def read_page(page_input: PageInput, engine: OcrEngine) -> Page:
    if page_input.text_lines is not None:
        return Page(number=page_input.number, width=page_input.width, height=page_input.height,
                    lines=page_input.text_lines, source="text_layer")
    image = np.asarray(page_input.image)
    if has_red_ink(image):
        image = suppress_red(image)
    lines, rotation, size = read_upright(image, engine)
    return Page(number=page_input.number, width=size[0], height=size[1], lines=lines, source="ocr",
                rotation=rotation)


def read_document(data: bytes, media_type: str, *, engine: OcrEngine, limits: Limits = Limits(),
                  type_hint: str | None = None, registry=None) -> Reading:
    """Read a document; raises :class:`DocumentError` when it cannot be read at all.

    With a ``registry`` (the rules' Registry interface), a misread licence number is
    corrected from the records of the enterprise the document names."""
    pages = [read_page(p, engine) for p in load_pages(data, media_type, limits)]
    if not any(p.lines for p in pages):
        raise DocumentError("no_text", "文件中未识别到文字，请上传清晰的证照图像",
                            "No text was found in the file; upload a clear image of the document")
    doc_type, confidence = classify(pages, type_hint)
    fields = extract_fields(doc_type, pages) if doc_type else {}
    if registry is not None:
        fields = correct_number(doc_type, fields, registry)
    engine_name = getattr(engine, "name", None) if any(p.source == "ocr" for p in pages) else "pdf-text-layer"
    return Reading(pages=pages, type=doc_type, type_confidence=confidence, fields=fields, engine=engine_name)
