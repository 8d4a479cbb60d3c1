"""Cases for console tests: documents read by the real OCR pipeline (once per process),
merchants and listings decided by the real rules against the contract registry, staff
users made as `qingwang users create` makes them, and a signed-in test client."""
from __future__ import annotations

import functools
import re
from datetime import timedelta

from sqlalchemy import select, update

from gateway.db import utcnow
from gateway.decisions.models import Decision
from gateway.documents.intake import blob_key
from gateway.documents.models import Document
from gateway.listings.models import Listing
from gateway.merchants.models import Merchant, MerchantDocument
from gateway.merchants.services import verify
from gateway.registry.importer import import_snapshot
from gateway.tenancy.services import create_staff_user
from tests.gateway.registry.test_import import CONTRACT
from tests.render import BUSINESS_LICENCE_LINES, LICENCE_LINES, render_lines
from verifiers.documents.pipeline import read_document

PASSWORD = "correct-horse-battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@functools.cache
def _reading(lines: tuple[str, ...]):
    data = render_lines(list(lines))
    from gateway.runtime import shared_ocr_engine

    reading = read_document(data, "image/png", engine=shared_ocr_engine("rapidocr", 2))
    return data, reading.type, reading.fields_dict(), reading.ocr_dict(), reading.engine


def stored_document(runtime, platform_id: str, lines=LICENCE_LINES) -> str:
    """A document as the API leaves it once read: bytes in storage, fields and boxes on the row."""
    import hashlib

    data, doc_type, fields, ocr, engine = _reading(tuple(lines))
    sha = hashlib.sha256(data).hexdigest()
    runtime.storage.put(blob_key(sha), data, "image/png")
    with runtime.db.session() as s:
        existing = s.scalar(select(Document.id).where(Document.platform_id == platform_id, Document.sha256 == sha))
        if existing:
            return existing
        doc = Document(platform_id=platform_id, status="processed", sha256=sha, size=len(data), media_type="image/png",
                       pages=1, filename="licence.png", storage_key=blob_key(sha), type=doc_type, type_confidence=1.0,
                       fields=fields, ocr=ocr, engine=engine, created_at=utcnow(), processed_at=utcnow())
        s.add(doc)
        s.flush()
        return doc.id


def contract_registry(runtime):
    result = import_snapshot(runtime.db, CONTRACT, "jsonl")
    runtime.registry.invalidate()
    return result


def merchant_case(runtime, platform_id: str, *, name="深圳示例医疗器械有限公司", external_id="shop-1",
                  uscc="9144030071526726XG", filing="粤深械网备202301100001", documents=None,
                  region="440305", age: timedelta | None = None) -> str:
    """A merchant decided by the rules on its documents; ``age``: how long ago."""
    documents = documents if documents is not None else [stored_document(runtime, platform_id, BUSINESS_LICENCE_LINES),
                                                         stored_document(runtime, platform_id, LICENCE_LINES)]
    with runtime.db.session() as s:
        merchant = Merchant(platform_id=platform_id, external_id=external_id, name=name, uscc=uscc,
                            online_sales_filing_number=filing, device_classes=[3], profile={}, status="pending",
                            region=region)
        s.add(merchant)
        s.flush()
        for doc in documents:
            s.add(MerchantDocument(merchant_id=merchant.id, document_id=doc, added_at=utcnow()))
        s.flush()
        verify(runtime, s, merchant, "created")
        merchant_id = merchant.id
    if age:
        backdate(runtime, merchant_id, age)
    return merchant_id


def backdate(runtime, subject_id: str, age: timedelta) -> None:
    with runtime.db.session() as s:
        s.execute(update(Decision).where(Decision.subject_id == subject_id).values(decided_at=utcnow() - age))


def listing_case(runtime, platform_id: str, merchant_id: str, *, external_id="sku-1", outcome="review",
                 age: timedelta | None = None) -> str:
    """A listing whose decision the rules made (reasons as the rules write them)."""
    from gateway.decisions.services import record_decision

    with runtime.db.session() as s:
        listing = Listing(platform_id=platform_id, merchant_id=merchant_id, external_id=external_id,
                          title=f"一次性使用无菌注射器 {external_id}", description="", registration_number="国械注准20203140456")
        s.add(listing)
        s.flush()
        decision = record_decision(s, platform_id=platform_id, subject_type="listing", subject_id=listing.id,
                                   outcome=outcome, reasons=[{"code": "BANNED_CLAIM", "severity": "review",
                                                              "message": "宣称疗效", "message_en": "claims a cure"}],
                                   registry_version=None, looked_at={}, trigger="submitted")
        listing.outcome, listing.decision_id = outcome, decision.id
        listing_id = listing.id
    if age:
        backdate(runtime, listing_id, age)
    return listing_id


def staff_user(runtime, email: str, role: str = "reviewer", platform_id: str | None = None) -> str:
    with runtime.db.session() as s:
        return create_staff_user(s, email, role, PASSWORD, platform_id).id


def csrf_token(client, path="/console/login") -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def sign_in(app, email: str, password: str = PASSWORD):
    client = app.test_client()
    response = client.post("/console/login", data={"email": email, "password": password,
                                                   "csrf_token": csrf_token(client)})
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


def post_form(client, path: str, data: dict, page: str | None = None):
    """POST a console form with the token its page carries."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page or "/console/queue")})
