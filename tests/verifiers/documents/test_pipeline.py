"""A red seal on a scan without colour is grey and hides the issuer printed under it."""
from pathlib import Path

import numpy as np

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
