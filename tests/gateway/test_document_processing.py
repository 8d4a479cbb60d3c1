"""Uploaded documents are read in the background: processed with fields and boxes, or
failed with a reason; never stuck."""
import io
from pathlib import Path

from fpdf import FPDF

SET = Path(__file__).resolve().parents[2] / "samples" / "documents" / "set"


def upload(client, auth, data, name):
    return client.post("/v1/documents", headers=auth, data={"file": (io.BytesIO(data), name)}).get_json()


def test_a_sample_licence_is_read_with_fields_and_boxes(client, auth, runtime):
    doc = upload(client, auth, (SET / "device_business_licence__photo.jpg").read_bytes(), "licence.jpg")
    assert runtime.dispatcher.wait_idle(120)
    body = client.get(f"/v1/documents/{doc['id']}", headers=auth).get_json()
    assert body["status"] == "processed" and body["type"] == "device_business_licence"
    fields = body["fields"]
    assert fields["uscc"]["value"] == "91440305840092550F" and fields["uscc"]["valid"] is True
    assert fields["scope"]["value"] == [{"class": 3, "category": "14"}, {"class": 3, "category": "16"}]
    x0, y0, x1, y1 = fields["number"]["box"]
    assert 0 <= x0 < x1 <= body["ocr"]["pages"][0]["width"] and 0 <= y0 < y1 <= body["ocr"]["pages"][0]["height"]
    assert 0 < fields["number"]["confidence"] <= 1 and fields["number"]["page"] == 1
    assert body["ocr"]["pages"][0]["lines"] and body["processed_at"]


def test_a_text_pdf_is_read_from_its_text_layer(client, auth, runtime):
    doc = upload(client, auth, (SET / "registration_certificate__textpdf.pdf").read_bytes(), "cert.pdf")
    runtime.dispatcher.wait_idle(120)
    body = client.get(f"/v1/documents/{doc['id']}", headers=auth).get_json()
    assert body["status"] == "processed" and body["ocr"]["pages"][0]["source"] == "text_layer"
    assert body["fields"]["number"]["value"].startswith("国械注准")


def test_an_encrypted_pdf_fails_with_its_reason(client, auth, runtime):
    pdf = FPDF()
    pdf.add_page()
    pdf.set_encryption(owner_password="o", user_password="u")
    doc = upload(client, auth, bytes(pdf.output()), "locked.pdf")
    runtime.dispatcher.wait_idle(60)
    body = client.get(f"/v1/documents/{doc['id']}", headers=auth).get_json()
    assert body["status"] == "failed"
    assert body["error"]["code"] == "encrypted_pdf" and "加密" in body["error"]["message"]
    assert body["error"]["message_en"]
