"""QR codes on licences: found where they lie on the page, decoded, the credit code they name
read from their text; on a phone photo too."""
import json
from pathlib import Path

import cv2
import numpy as np

from verifiers.documents.qr import candidates, credit_code_in, lightest_channel, read_codes

SET = Path(__file__).resolve().parents[3] / "samples" / "documents" / "set"
MEDIA = {".png": "image/png", ".jpg": "image/jpeg", ".pdf": "application/pdf"}


def test_the_credit_code_in_a_qr_payload():
    assert credit_code_in("http://www.gsxt.gov.cn/corp-query-entprise-info.html?uniscid=91440305840092550F") == \
        "91440305840092550F"
    assert credit_code_in("http://www.gsxt.gov.cn/index.html") is None
    # a run of the right shape whose check character disagrees is no credit code
    assert credit_code_in("uniscid=91440305840092550A") is None


def _sample(name):
    truth = json.loads((SET / f"{name}.json").read_text(encoding="utf-8"))
    path = SET / truth["file"]
    return path.read_bytes(), MEDIA[path.suffix], truth


def test_qr_codes_decode_on_a_phone_photo():
    from verifiers.documents.intake import load_pages

    data, media, truth = _sample("business_licence__photo")
    [page] = load_pages(data, media)
    codes = read_codes(np.asarray(page.image))
    assert [c.uscc for c in codes] == [truth["source"]["uscc"]]


PAYLOAD = "http://www.gsxt.gov.cn/corp-query-entprise-info.html?uniscid=91440305840092550F"


def _page_with_code(payload=PAYLOAD, at=(1200, 900), module=6, tint=(255, 255, 255)):
    """An A4 page at 150 dpi, white (or tinted), with a QR code pasted in black at ``at`` (y, x)."""
    code = cv2.QRCodeEncoder.create().encode(payload)
    code = cv2.resize(code, None, fx=module, fy=module, interpolation=cv2.INTER_NEAREST)
    page = np.empty((1754, 1240, 3), np.uint8)
    page[:] = tint
    y, x = at
    page[y:y + code.shape[0], x:x + code.shape[1]] = np.where(code[..., None] > 127, page[y, x], 0)
    return page, (x, y, x + code.shape[1], y + code.shape[0])


def test_a_code_is_decoded_where_it_lies_on_the_page():
    page, (x0, y0, x1, y1) = _page_with_code()
    [code] = read_codes(page)
    assert code.payload == PAYLOAD and code.uscc == "91440305840092550F"
    bx0, by0, bx1, by1 = code.box
    assert x0 <= bx0 < bx1 <= x1 and y0 <= by0 < by1 <= y1  # page pixels, inside the pasted code
    assert code.as_dict() == {"payload": PAYLOAD, "box": [round(v, 1) for v in code.box], "uscc": code.uscc}


def test_a_code_on_tinted_paper_and_one_naming_no_credit_code():
    page, _ = _page_with_code("https://example.com/verify?id=42", tint=(250, 200, 200))  # pink security paper
    [code] = read_codes(page)
    assert code.payload == "https://example.com/verify?id=42" and code.uscc is None


def test_a_page_without_a_code():
    assert read_codes(np.full((1754, 1240, 3), 255, np.uint8)) == []
    assert read_codes(np.full((300, 200), 255, np.uint8)) == []  # grey pages too


def test_the_lightest_channel_makes_coloured_ink_paper():
    image = np.array([[[220, 40, 50], [20, 20, 20], [250, 250, 250]]], np.uint8)
    assert lightest_channel(image).tolist() == [[220, 20, 250]]
    grey = np.array([[10, 200]], np.uint8)
    assert lightest_channel(grey).tolist() == [[10, 200]]


def test_candidates_are_squarish_solid_blobs_of_a_codes_size():
    page, (x0, y0, x1, y1) = _page_with_code()
    page[100:104, 100:1100] = 0  # a rule across the page: not square
    page[300:302, 300:302] = 0  # a speck: too small
    scale = 500 / 1754
    small = cv2.resize(lightest_channel(page), None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    [(cx0, cy0, cx1, cy1)] = candidates(small, scale, page.shape[:2])
    # the box holds the code with a quiet-zone margin
    assert cx0 <= x0 + 30 and cy0 <= y0 + 30 and cx1 >= x1 - 30 and cy1 >= y1 - 30
