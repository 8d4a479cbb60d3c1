"""Reading one document end to end: pages -> lines -> type -> fields."""
from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from verifiers.documents.classify import classify
from verifiers.documents.extract import TYPE_FIELDS, extract_fields
from verifiers.documents.intake import Limits, PageInput, iter_pages
from verifiers.documents.model import Document, DocumentError, Field, Page, Reading
from verifiers.documents.ocr import OcrEngine
from verifiers.documents.orientation import read_upright
from verifiers.documents.qr import read_codes
from verifiers.documents.registry_hints import correct_number
from verifiers.documents.seal import has_red_ink, suppress_red
from verifiers.documents.split import split_page, titles
from verifiers.documents.values import is_whole_authority
from verifiers.documents.watermark import (
    Overlay,
    box_lines,
    drop_overlay_lines,
    find_overlay,
    flatten,
    lift_overlay,
    mark_level,
    sense_overlay,
    turned,
)

#: On a scan without colour a red seal is grey: its strokes measure 120-240 where print
#: is below 100 at its core. Above this level a pixel is taken for seal (or paper).
GREY_SEAL_LEVEL = 110


def _read_page(page_input: PageInput, engine: OcrEngine, overlays: bool = True) -> tuple[Page, bool]:
    """The page, and whether a grey seal may lie on it (OCRed, and no red ink seen)."""
    if page_input.text_lines is not None:
        return Page(number=page_input.number, width=page_input.width, height=page_input.height,
                    lines=page_input.text_lines, source="text_layer"), False
    image = np.asarray(page_input.image)
    red = has_red_ink(image)
    source = suppress_red(image) if red else image
    sensed = _sense_overlay(image, source, engine) if overlays else None
    if sensed is not None:  # read once, with the mark already lifted
        overlay, lifted = sensed
        lines, rotation, size = read_upright(lifted, engine)
        del lifted
        mark = turned(overlay, rotation)
        lines = drop_overlay_lines(lines, mark)
        overlay.dropped = mark.dropped
    else:
        lines, rotation, size = read_upright(source, engine)
        overlay = find_overlay(lines) if overlays else None
    del source
    upright = np.rot90(image, rotation // 90) if rotation else image
    if overlay is not None and sensed is None:  # a mark only the recognised lines showed
        lines = _read_through_overlay(upright, lines, overlay, engine)
    page = Page(number=page_input.number, width=size[0], height=size[1], lines=lines, source="ocr",
                rotation=rotation, overlay=overlay.as_dict() if overlay else None)
    if classify([page])[0] in QR_TYPES or any(t in QR_TYPES for t, _ in titles(lines)):
        page.codes = [code.as_dict() for code in read_codes(upright)]
    return page, not red


def _sense_overlay(image: np.ndarray, source: np.ndarray, engine: OcrEngine) -> tuple[Overlay, np.ndarray] | None:
    """A watermark seen in the detector's boxes before anything is recognised, and the page
    with it lifted (verifiers.documents.watermark); None when there is none, when the mark
    is too dark to lift (its lines are dropped after reading), or when the engine cannot
    detect alone. The detection of ``source`` is kept by the engine for reading it."""
    detect = getattr(engine, "detect", None)
    if detect is None:
        return None
    boxes = box_lines(detect(source))
    overlay = sense_overlay(boxes)
    if overlay is None:
        return None
    flat = flatten(image)
    level = mark_level(flat, boxes, overlay)
    if level is None:
        return None
    overlay.level = level
    return overlay, lift_overlay(flat, level)


def _read_through_overlay(upright: np.ndarray, lines, overlay, engine: OcrEngine):
    """A watermarked page (verifiers.documents.watermark): read again with the mark
    turned to paper where its shade allows, and its remaining lines dropped."""
    flat = flatten(upright)
    level = mark_level(flat, lines, overlay)
    if level is not None:
        overlay.level = level
        lines = engine.read(lift_overlay(flat, level))
    return drop_overlay_lines(lines, overlay)


#: Document types that carry a QR code naming the holder's credit code.
QR_TYPES = ("business_licence",)


def _qr_credit_code(pages: list[Page]) -> Field | None:
    """The credit code in the licence's QR code, as a field (read exactly or not at all)."""
    for page in pages:
        for code in page.codes or ():
            if code.get("uscc"):
                return Field(value=code["uscc"], confidence=1.0, page=page.number, box=tuple(code["box"]),
                             raw=code["payload"])
    return None


def _grey_pages(data: bytes, media_type: str, limits: Limits, pages: list[Page],
                grey: set[int]) -> Iterator[tuple[int, np.ndarray]]:
    """The grey pages decoded again, one at a time and turned as they were read: rarely
    needed, so decoding twice then is cheaper than keeping every page's pixels."""
    by_number = {p.number: p for p in pages}
    for page_input in iter_pages(data, media_type, limits):
        if page_input.number in grey:
            rotation = by_number[page_input.number].rotation or 0
            yield page_input.number, np.rot90(np.asarray(page_input.image), rotation // 90)
        page_input.image = None


def lift_grey_seal(image: np.ndarray) -> np.ndarray:
    """The page with everything lighter than print turned to paper."""
    grey = image.mean(axis=2) if image.ndim == 3 else image.astype(np.float32)
    out = np.where(grey > GREY_SEAL_LEVEL, 255, grey).astype(np.uint8)
    return np.ascontiguousarray(np.stack([out, out, out], axis=-1))


def _issuer_unread(doc_type: str, fields: dict) -> bool:
    """An issuer is a place's bureau; anything else was read through the seal stamped on it."""
    specs = {spec.name for spec in TYPE_FIELDS.get(doc_type, ())}
    issuer = fields.get("issuer")
    return "issuer" in specs and not is_whole_authority(issuer.value if issuer else None)


def _second_look_at_issuer(doc_type: str, pages: list[Page], images: Iterable[tuple[int, np.ndarray]],
                           fields: dict, engine: OcrEngine) -> None:
    """Read the pages of a grey scan again with the seal lifted and take the issuer from
    that reading, if it is whole. Only the issuer: thinning the print this way costs
    other fields a little, and only the issuer lies under the seal."""
    relit = {number: engine.read(lift_grey_seal(image)) for number, image in images}
    second = [Page(number=p.number, width=p.width, height=p.height, lines=relit[p.number], source="ocr",
                   rotation=p.rotation) if p.number in relit else p for p in pages]
    issuer = extract_fields(doc_type, second).get("issuer")
    if issuer is None or not is_whole_authority(issuer.value):
        return
    before = fields.get("issuer")
    issuer.corrections = [*issuer.corrections, {
        "from": before.value if before else None, "to": issuer.value,
        "reason": "灰色印章盖住了发证机关，去除浅灰笔画后重新识别 / the issuer lay under a grey seal; read again "
                  "with strokes lighter than print removed"}]
    fields["issuer"] = issuer


def _finish_fields(doc_type: str | None, fields: dict, pages: list[Page], registry) -> dict:
    if doc_type in QR_TYPES and (qr := _qr_credit_code(pages)) is not None:
        fields["qr_uscc"] = qr
    if registry is not None:
        fields = correct_number(doc_type, fields, registry)
    return fields


def _several_documents(pages: list[Page], parts: list[Page], engine: OcrEngine, type_hint: str | None,
                       registry) -> Reading:
    """A file holding several documents (verifiers.documents.split): each classified and
    read on its own. The reading's own type and fields are the document the upload was
    for (the ``type_hint``'s, else the first); ``documents`` lists every one."""
    documents = []
    for part in parts:
        doc_type, confidence = classify([part])
        fields = _finish_fields(doc_type, extract_fields(doc_type, [part]) if doc_type else {}, [part], registry)
        documents.append(Document(page=part.number, region=part.region, type=doc_type, type_confidence=confidence,
                                  fields=fields))
    primary = next((d for d in documents if type_hint and d.type == type_hint), None) or next(
        (d for d in documents if d.type), documents[0])
    return Reading(pages=pages, type=primary.type, type_confidence=primary.type_confidence, fields=primary.fields,
                   engine=getattr(engine, "name", None), documents=documents)


def read_document(data: bytes, media_type: str, *, engine: OcrEngine, limits: Limits = Limits(),
                  type_hint: str | None = None, registry=None, overlays: bool = True) -> Reading:
    """Read a document; raises :class:`DocumentError` when it cannot be read at all.

    With a ``registry`` (the rules' Registry interface), a misread licence number is
    corrected from the records of the enterprise the document names. ``overlays=False``
    reads watermarked pages as they are (the benchmark's "before")."""
    pages, grey = [], set()
    for page_input in iter_pages(data, media_type, limits):
        page, maybe_grey = _read_page(page_input, engine, overlays)
        page_input.image = None  # one page's pixels at a time
        pages.append(page)
        if maybe_grey:
            grey.add(page.number)
    if not any(p.lines for p in pages):
        raise DocumentError("no_text", "文件中未识别到文字，请上传清晰的证照图像",
                            "No text was found in the file; upload a clear image of the document")
    parts = [part for page in pages for part in split_page(page)]
    if len(parts) > len(pages):
        return _several_documents(pages, parts, engine, type_hint, registry)
    doc_type, confidence = classify(pages, type_hint)
    fields = extract_fields(doc_type, pages) if doc_type else {}
    if doc_type and grey and _issuer_unread(doc_type, fields):
        _second_look_at_issuer(doc_type, pages, _grey_pages(data, media_type, limits, pages, grey), fields, engine)
    fields = _finish_fields(doc_type, fields, pages, registry)
    engine_name = getattr(engine, "name", None) if any(p.source == "ocr" for p in pages) else "pdf-text-layer"
    return Reading(pages=pages, type=doc_type, type_confidence=confidence, fields=fields, engine=engine_name)
