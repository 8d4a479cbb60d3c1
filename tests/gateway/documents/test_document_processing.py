"""Uploaded documents are read in the background: processed with fields and boxes, or
failed with a reason; never stuck."""
import io
from pathlib import Path

from fpdf import FPDF

SET = Path(__file__).resolve().parents[3] / "samples" / "documents" / "set"


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


def test_a_sheet_of_two_documents_and_an_altered_licence_through_the_api(client, auth, runtime):
    import json

    sheet = upload(client, auth, (SET / "device_business_licence__two-up.png").read_bytes(), "sheet.png")
    altered = upload(client, auth, (SET / "tampered__business_licence__clean.png").read_bytes(), "licence.png")
    assert runtime.dispatcher.wait_idle(300)
    body = client.get(f"/v1/documents/{sheet['id']}", headers=auth).get_json()
    truth = json.loads((SET / "device_business_licence__two-up.json").read_text(encoding="utf-8"))
    assert body["status"] == "processed" and body["type"] == "device_business_licence"
    documents = body["ocr"]["documents"]
    assert [d["type"] for d in documents] == ["device_business_licence", "business_licence"]
    assert documents[1]["fields"]["name"]["value"] == truth["documents"][1]["fields"]["name"]
    assert body["fields"]["number"]["value"] == truth["fields"]["number"]
    # the altered licence: its QR code names the holder's own credit code, not the printed one
    truth = json.loads((SET / "tampered__business_licence__clean.json").read_text(encoding="utf-8"))
    body = client.get(f"/v1/documents/{altered['id']}", headers=auth).get_json()
    fields = body["fields"]
    assert fields["uscc"]["value"] == truth["fields"]["uscc"] and fields["qr_uscc"]["value"] == truth["source"]["uscc"]
    assert body["ocr"]["pages"][0]["codes"][0]["uscc"] == truth["source"]["uscc"]
    response = client.post("/v1/merchants", headers=auth, json={
        "external_id": "shop-altered", "name": truth["fields"]["name"], "uscc": truth["fields"]["uscc"],
        "document_ids": [altered["id"]]})
    assert response.status_code == 202, response.get_json()
    assert runtime.dispatcher.wait_idle(120)
    merchant = client.get(f"/v1/merchants/{response.get_json()['id']}", headers=auth).get_json()
    [reason] = [r for r in merchant["decision"]["reasons"] if r["code"] == "DOC_TAMPERED"]
    assert reason["severity"] == "review" and reason["evidence"]["qr"] == truth["source"]["uscc"]
    assert reason["evidence"]["printed"] == truth["fields"]["uscc"]
