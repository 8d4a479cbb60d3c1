"""Uploading documents: sniffing, hashing, de-duplication, limits, presigned uploads."""
import hashlib
import io
import threading

import pytest
import requests
from PIL import Image

from tests.gateway.test_errors_and_auth import assert_problem


def png_bytes(size=(64, 32), colour="white") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def upload(client, auth, data, filename="doc.png", **form):
    return client.post("/v1/documents", headers=auth, data={"file": (io.BytesIO(data), filename), **form})


def test_upload_records_hash_type_and_pages(client, auth):
    data = png_bytes()
    response = upload(client, auth, data, filename="licence.pdf", type="business_licence")
    assert response.status_code == 201
    doc = response.get_json()
    assert doc["sha256"] == hashlib.sha256(data).hexdigest()
    assert doc["media_type"] == "image/png"  # sniffed from the bytes, not the .pdf name
    assert doc["pages"] == 1
    assert doc["status"] == "processing"
    assert doc["type_hint"] == "business_licence"
    assert response.headers["Location"].endswith(f"/v1/documents/{doc['id']}")
    fetched = client.get(f"/v1/documents/{doc['id']}", headers=auth).get_json()
    assert fetched["id"] == doc["id"] and fetched["status"] in ("processing", "processed", "failed")


def test_same_bytes_are_stored_once(client, auth, runtime):
    data = png_bytes(colour="red")
    first = upload(client, auth, data)
    second = upload(client, auth, data, filename="again.png")
    assert first.status_code == 201 and second.status_code == 200
    assert first.get_json()["id"] == second.get_json()["id"]
    blobs = list((runtime.settings.data_dir / "files" / "documents").rglob("*"))
    assert len([b for b in blobs if b.is_file()]) == 1


def test_same_bytes_from_two_platforms_are_two_documents_one_blob(client, auth, other_auth, runtime):
    data = png_bytes(colour="blue")
    a = upload(client, auth, data).get_json()
    b = upload(client, other_auth, data).get_json()
    assert a["id"] != b["id"] and a["sha256"] == b["sha256"]
    assert client.get(f"/v1/documents/{a['id']}", headers=other_auth).status_code == 404
    files = [p for p in (runtime.settings.data_dir / "files").rglob("*") if p.is_file()]
    assert len(files) == 1


def test_multipage_tiff_counts_frames(client, auth):
    buf = io.BytesIO()
    frames = [Image.new("RGB", (40, 40), c) for c in ("white", "grey", "black")]
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:])
    assert upload(client, auth, buf.getvalue(), "scan.tif").get_json()["pages"] == 3


def test_pdf_page_count(client, auth):
    buf = io.BytesIO()
    Image.new("RGB", (100, 100), "white").save(buf, "PDF", save_all=True,
                                               append_images=[Image.new("RGB", (100, 100), "white")])
    doc = upload(client, auth, buf.getvalue(), "x.pdf").get_json()
    assert doc["media_type"] == "application/pdf" and doc["pages"] == 2


@pytest.mark.parametrize("data", [b"this is not an image", b"%PDX-1.4 nope", b"GIF89a" + b"\0" * 20])
def test_unsupported_bytes_are_415(client, auth, data):
    body = assert_problem(upload(client, auth, data, "x.png"), 415)
    assert "JPEG" in body["detail"]


def test_empty_file_is_422(client, auth):
    assert_problem(upload(client, auth, b""), 422)


def test_too_large_is_413_at_both_limits(runtime, client, auth):
    runtime.settings.max_upload_bytes = 1000
    client.application.config["MAX_CONTENT_LENGTH"] = 1_000_000
    big = png_bytes(size=(400, 400), colour=(12, 34, 56)) + b"\0" * 5000
    assert_problem(upload(client, auth, big), 413)  # checked on the bytes
    client.application.config["MAX_CONTENT_LENGTH"] = 2000
    assert_problem(upload(client, auth, big), 413)  # refused by the request parser


def test_another_platforms_document_is_404(client, auth, other_auth):
    doc = upload(client, auth, png_bytes(colour="green")).get_json()
    assert_problem(client.get(f"/v1/documents/{doc['id']}", headers=other_auth), 404)


def test_list_is_paginated_and_scoped(client, auth, other_auth):
    for shade in range(3):
        upload(client, auth, png_bytes(colour=(shade, shade, shade)))
    upload(client, other_auth, png_bytes(colour=(9, 9, 9)))
    response = client.get("/v1/documents?page=1&page_size=2", headers=auth)
    assert response.status_code == 200
    assert len(response.get_json()) == 2
    assert '"total": 3' in response.headers["X-Pagination"]
    assert len(client.get("/v1/documents?page=2&page_size=2", headers=auth).get_json()) == 1


def test_presigned_local_upload_flow(client, auth):
    presigned = client.post("/v1/documents/presign", headers=auth, json={"filename": "a.png", "type": "class1_filing"})
    assert presigned.status_code == 201
    body = presigned.get_json()
    assert body["status"] == "awaiting_upload"
    early = client.post(f"/v1/documents/{body['id']}/confirm", headers=auth)
    assert_problem(early, 409)
    path = body["upload"]["url"].split("://", 1)[1].split("/", 1)[1]
    data = png_bytes(colour="orange")
    put = client.put("/" + path, data=data, content_type="image/png")
    assert put.status_code == 200
    confirmed = client.post(f"/v1/documents/{body['id']}/confirm", headers=auth)
    assert confirmed.status_code == 200
    doc = confirmed.get_json()
    assert doc["sha256"] == hashlib.sha256(data).hexdigest() and doc["status"] in ("processing", "processed", "failed")
    assert doc["type_hint"] == "class1_filing"


def test_presigned_upload_rejects_forged_token(client):
    assert_problem(client.put("/uploads/forged.token.value", data=b"x"), 403)


def test_presigned_s3_upload_flow(database_url, tmp_path, s3_endpoint):
    """Direct-to-bucket upload against a real S3 API over HTTP."""
    import boto3

    from gateway.app import create_app
    from gateway.runtime import Runtime
    from tests.conftest import _new_platform, empty_all_tables, make_settings

    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket="qw-presign")
    settings = make_settings(database_url, tmp_path, storage_url="s3://qw-presign/docs", s3_endpoint_url=s3_endpoint,
                             s3_region="us-east-1")
    runtime = Runtime(settings)
    try:
        client = create_app(runtime=runtime).test_client()
        auth = {"Authorization": f"Bearer {_new_platform(runtime)[1]}"}
        body = client.post("/v1/documents/presign", headers=auth, json={"media_type": "image/png"}).get_json()
        assert body["upload"]["url"].startswith(s3_endpoint) and body["upload"]["method"] == "POST"
        data = png_bytes(colour="purple")
        response = requests.post(body["upload"]["url"], data=body["upload"]["fields"], files={"file": data}, timeout=30)
        assert response.status_code in (200, 204), response.text
        doc = client.post(f"/v1/documents/{body['id']}/confirm", headers=auth).get_json()
        assert doc["sha256"] == hashlib.sha256(data).hexdigest()
        assert runtime.storage.get(f"documents/{doc['sha256'][:2]}/{doc['sha256']}") == data
        assert not runtime.storage.exists(f"uploads/{body['id']}")
    finally:
        runtime.dispatcher.wait_idle(60)
        runtime.close()
        empty_all_tables(runtime)


def test_the_same_file_uploaded_six_times_at_once_makes_one_document(app, auth, runtime):
    """Found: six concurrent uploads of one file made six documents (PostgreSQL): each
    request looked, found none, and inserted. A unique index on (platform, sha256) now
    settles it; the losers answer with the winner's document."""
    import threading

    from sqlalchemy import func, select

    from gateway.documents.models import Document

    data = png_bytes(colour=(200, 10, 10))
    start, answers = threading.Barrier(6), []

    def send():
        client = app.test_client()
        start.wait()
        answers.append(upload(client, auth, data))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(a.status_code for a in answers) == [200] * 5 + [201]
    assert len({a.get_json()["id"] for a in answers}) == 1
    with runtime.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 1


def test_a_put_after_confirm_is_refused(client, auth):
    body = client.post("/v1/documents/presign", headers=auth, json={"filename": "a.png"}).get_json()
    path = "/" + body["upload"]["url"].split("://", 1)[1].split("/", 1)[1]
    assert client.put(path, data=png_bytes(colour="olive"), content_type="image/png").status_code == 200
    confirmed = client.post(f"/v1/documents/{body['id']}/confirm", headers=auth).get_json()
    late = client.put(path, data=png_bytes(colour="maroon"), content_type="image/png")
    assert_problem(late, 409)
    again = client.post(f"/v1/documents/{body['id']}/confirm", headers=auth).get_json()
    assert again["sha256"] == confirmed["sha256"]  # what was confirmed is what is read


def test_confirming_a_file_uploaded_before_returns_that_document(client, auth):
    data = png_bytes(colour="navy")
    direct = upload(client, auth, data).get_json()
    body = client.post("/v1/documents/presign", headers=auth, json={}).get_json()
    path = "/" + body["upload"]["url"].split("://", 1)[1].split("/", 1)[1]
    client.put(path, data=data, content_type="image/png")
    confirmed = client.post(f"/v1/documents/{body['id']}/confirm", headers=auth)
    assert confirmed.status_code == 200 and confirmed.get_json()["id"] == direct["id"]
    placeholder = client.get(f"/v1/documents/{body['id']}", headers=auth).get_json()
    assert placeholder["status"] == "failed" and placeholder["error"]["code"] == "duplicate_upload"
    assert direct["id"] in placeholder["error"]["message"]


def test_tiff_frames_are_counted_only_to_the_page_limit(client, auth, runtime, monkeypatch):
    """Found: an 8 MB TIFF of 80,000 frames took 40 s inside the upload request (Pillow's
    n_frames reads every frame's directory). Counting stops past the page limit."""
    from PIL import TiffImagePlugin

    frames = [Image.new("L", (8, 8), shade % 256) for shade in range(400)]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:])
    loads = []
    real_load = TiffImagePlugin.ImageFileDirectory_v2.load
    request_thread = threading.get_ident()

    def counted_load(self, fp):
        # The request's reads only: the in-process job pool may already be reading the stored
        # file on another thread (it failed once, counting the job's reads too).
        if threading.get_ident() == request_thread:
            loads.append(1)
        return real_load(self, fp)

    monkeypatch.setattr(TiffImagePlugin.ImageFileDirectory_v2, "load", counted_load)
    doc = upload(client, auth, buf.getvalue(), "many.tif").get_json()
    assert doc["pages"] is None  # more than MAX_PDF_PAGES: the job fails it with too_many_pages
    assert len(loads) < 3 * (runtime.settings.max_pdf_pages + 2)


def test_presigned_s3_uploads_are_capped_and_oversize_objects_deleted(database_url, tmp_path, s3_endpoint):
    """The presigned POST's policy carries content-length-range (the bucket refuses more);
    the confirmation checks the object's size (HEAD) before reading it, and deletes one
    that is too large (put there some other way)."""
    import base64
    import json

    import boto3

    from gateway.app import create_app
    from gateway.runtime import Runtime
    from tests.conftest import _new_platform, empty_all_tables, make_settings

    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="qw-capped")
    settings = make_settings(database_url, tmp_path, storage_url="s3://qw-capped/docs", s3_endpoint_url=s3_endpoint,
                             s3_region="us-east-1", max_upload_bytes=5000)
    runtime = Runtime(settings)
    try:
        client = create_app(runtime=runtime).test_client()
        auth = {"Authorization": f"Bearer {_new_platform(runtime)[1]}"}
        body = client.post("/v1/documents/presign", headers=auth, json={"media_type": "image/png"}).get_json()
        policy = json.loads(base64.b64decode(body["upload"]["fields"]["policy"]))
        assert ["content-length-range", 1, 5000] in policy["conditions"]
        key = body["upload"]["fields"]["key"]
        s3.put_object(Bucket="qw-capped", Key=key, Body=b"\x89PNG" + b"\0" * 6000)  # around the policy
        reads = []
        real_get = runtime.storage.get
        runtime.storage.get = lambda k: reads.append(k) or real_get(k)
        problem = assert_problem(client.post(f"/v1/documents/{body['id']}/confirm", headers=auth), 413)
        assert "5000" in problem["detail"] and reads == []
        assert "Contents" not in s3.list_objects_v2(Bucket="qw-capped", Prefix=key)
    finally:
        runtime.close()
        empty_all_tables(runtime)
