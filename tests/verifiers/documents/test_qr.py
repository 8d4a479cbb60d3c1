"""QR codes on licences: the credit code in a payload, and codes decoded on a phone photo."""
import json
from pathlib import Path

import numpy as np

from verifiers.documents.qr import credit_code_in, read_codes

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
