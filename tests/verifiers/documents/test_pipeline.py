"""Reading a document end to end: pages, lines, type, fields; the QR code's credit code beside
the printed one; several documents on a sheet; a number corrected from the registry; and a red
seal on a scan without colour, grey, hiding the issuer printed under it (real OCR). The other
cases read through a stand-in engine that returns known lines, so they test the pipeline, not OCR."""
import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from tests.verifiers.rules.support import MemoryRegistry, licence
from verifiers.documents.model import DocumentError, Line
from verifiers.documents.ocr import create_engine
from verifiers.documents.pipeline import GREY_SEAL_LEVEL, lift_grey_seal, read_document

# samples.documents.generate --seed 777 (scanpdf): the issuer first reads as "品监督".
GREY_SEAL_PDF = Path(__file__).resolve().parents[2] / "data" / "grey-seal-certificate.pdf"


def test_lifting_keeps_print_and_drops_grey():
    page = np.full((40, 60, 3), 250, np.uint8)
    page[10:30, 5:15] = 30  # print
    page[10:30, 40:50] = 160  # a seal's stroke
    lifted = lift_grey_seal(page)
    assert lifted[20, 10].tolist() == [30, 30, 30]
    assert lifted[20, 45].tolist() == [255, 255, 255] and 160 > GREY_SEAL_LEVEL


def test_issuer_under_a_grey_seal_is_read_on_a_second_look():
    reading = read_document(GREY_SEAL_PDF.read_bytes(), "application/pdf", engine=create_engine("rapidocr"))
    issuer = reading.fields["issuer"]
    assert reading.type == "registration_certificate"
    assert issuer.value == "国家药品监督管理局"
    assert "灰色印章" in issuer.corrections[-1]["reason"]
    # the other fields come from the first reading, untouched
    assert reading.fields["number"].value.startswith("国械注准")


class KnownLines:
    """An engine that reads the same lines off any image (page coordinates of a 1240x1754 page)."""

    name = "known-lines/1"

    def __init__(self, lines):
        self.lines = lines
        self.calls = 0

    def read(self, image):
        self.calls += 1
        return list(self.lines)


def _line(text, y, x=100, height=32):
    return Line(text, 0.98, (x, y, x + 24 * len(text), y + height))


BUSINESS_LICENCE = [
    Line("营业执照", 0.99, (420, 120, 820, 200)),
    _line("统一社会信用代码 91440305840092550F", 260),
    _line("名称 深圳市示例医疗器械有限公司", 320),
    _line("类型 有限责任公司", 380),
    _line("法定代表人 张三", 440),
    _line("注册资本 贰佰万元整", 500),
    _line("成立日期 2012年06月18日", 560),
    _line("营业期限 长期", 620),
    _line("住所 深圳市南山区示例路1号", 680),
]
LICENCE = [
    Line("医疗器械经营许可证", 0.99, (320, 900, 920, 980)),
    _line("许可证编号：粤深药监械经营许20238001号", 1020),
    _line("企业名称：深圳市示例医疗器械有限公司", 1080),
    _line("统一社会信用代码：9144030071526726XG", 1140),
    _line("经营方式：批零兼营", 1200),
    _line("经营场所：深圳市南山区示例路1号", 1260),
    _line("库房地址：深圳市南山区示例路1号", 1320),
    _line("有效期限：2028年01月09日", 1380),
]


def _png(qr_payload=None) -> bytes:
    page = np.full((1754, 1240, 3), 255, np.uint8)
    if qr_payload:
        code = cv2.resize(cv2.QRCodeEncoder.create().encode(qr_payload), None, fx=5, fy=5,
                          interpolation=cv2.INTER_NEAREST)
        page[1400:1400 + code.shape[0], 900:900 + code.shape[1]] = code[..., None]
    out = io.BytesIO()
    Image.fromarray(page).save(out, "PNG")
    return out.getvalue()


def test_a_business_licence_is_typed_and_read_with_the_credit_code_in_its_qr_code():
    qr = "http://www.gsxt.gov.cn/corp-query-entprise-info.html?uniscid=91440300MA5DABCD89"
    reading = read_document(_png(qr), "image/png", engine=KnownLines(BUSINESS_LICENCE))
    assert reading.type == "business_licence" and reading.engine == "known-lines/1"
    assert reading.fields["uscc"].value == "91440305840092550F"
    # the QR code names another credit code: both are kept for the rules (DOC_TAMPERED)
    assert reading.fields["qr_uscc"].value == "91440300MA5DABCD89" and reading.fields["qr_uscc"].raw == qr
    [page] = reading.pages
    assert page.source == "ocr" and page.rotation == 0 and page.codes[0]["uscc"] == "91440300MA5DABCD89"
    assert reading.documents == []


def test_a_misread_number_is_corrected_from_the_registry_when_one_is_given():
    misread = "粤深药监械经营许20238001号"
    engine = KnownLines(LICENCE)
    assert read_document(_png(), "image/png", engine=engine).fields["number"].value == misread
    registry = MemoryRegistry(enterprises=[licence()])
    reading = read_document(_png(), "image/png", engine=engine, registry=registry)
    assert reading.type == "device_business_licence"
    assert reading.fields["number"].value == "粤深药监械经营许20230001号"
    assert reading.fields["number"].corrections[-1]["from"] == misread


def test_several_documents_on_a_sheet_are_each_read():
    reading = read_document(_png(), "image/png", engine=KnownLines(BUSINESS_LICENCE + LICENCE),
                            type_hint="device_business_licence")
    assert [d.type for d in reading.documents] == ["business_licence", "device_business_licence"]
    assert reading.documents[0].region[3] < reading.documents[1].region[1]
    # the reading itself is the document the upload was for
    assert reading.type == "device_business_licence"
    assert reading.fields["number"].value == "粤深药监械经营许20238001号"
    unhinted = read_document(_png(), "image/png", engine=KnownLines(BUSINESS_LICENCE + LICENCE))
    assert unhinted.type == "business_licence"


def test_a_file_without_text_is_a_document_error():
    with pytest.raises(DocumentError) as caught:
        read_document(_png(), "image/png", engine=KnownLines([]))
    assert caught.value.code == "no_text" and caught.value.zh and caught.value.en
