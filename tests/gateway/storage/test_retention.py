"""Nothing deletes a document kept as evidence before its retention ends: not the storage
backend's delete (whoever calls it), not the ORM."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from gateway.db import utcnow
from gateway.documents.models import Document
from gateway.storage.retention import RetentionHeld


@pytest.fixture
def document(runtime, platform):
    """A stored file and its document row, as an upload leaves them."""
    key = "sha256/ab/abcdef"
    runtime.storage.put(key, b"licence scan")
    with runtime.db.session() as session:
        row = Document(platform_id=platform[0], status="processed", sha256="abcdef", storage_key=key, size=12)
        session.add(row)
    return row


def _hold(runtime, document_id, until):
    with runtime.db.session() as session:
        session.execute(update(Document).where(Document.id == document_id).values(retain_until=until))


def test_storage_refuses_to_delete_a_retained_file(runtime, document):
    until = utcnow() + timedelta(days=3 * 365)
    _hold(runtime, document.id, until)
    with pytest.raises(RetentionHeld) as caught:
        runtime.storage.delete(document.storage_key)
    assert caught.value.status == 409 and caught.value.code == "retention-held"
    assert caught.value.extra["retain_until"] == caught.value.until.isoformat()
    assert runtime.storage.get(document.storage_key) == b"licence scan"
    # Once the retention has passed, it may go.
    _hold(runtime, document.id, utcnow() - timedelta(seconds=1))
    runtime.storage.delete(document.storage_key)
    assert not runtime.storage.exists(document.storage_key)


def test_files_nobody_retains_delete_as_before(runtime, document):
    runtime.storage.put("staging/doc_x", b"x")
    runtime.storage.delete("staging/doc_x")
    runtime.storage.delete(document.storage_key)  # no retain_until: not evidence
    assert not runtime.storage.exists(document.storage_key)


def test_the_orm_refuses_to_delete_a_retained_document(runtime, document):
    _hold(runtime, document.id, utcnow() + timedelta(days=1))
    with runtime.db.session() as session:
        session.delete(session.get(Document, document.id))
        with pytest.raises(RetentionHeld):
            session.flush()
        session.rollback()
    with runtime.db.session() as session:
        assert session.get(Document, document.id) is not None


def test_retention_periods_follow_domain_rules():
    from datetime import datetime, timezone

    from gateway.violations.services import FOREVER, retention_until

    found = datetime(2026, 12, 3, tzinfo=timezone.utc)
    device = {"number": "国械注准20203140456", "kind": "registration", "category_code": "14",
              "valid_until": "2031-05-20"}
    # Device validity plus two years, when that is later than three years.
    assert retention_until(found, [device]) == datetime(2033, 5, 20, tzinfo=timezone.utc)
    # Three years at least.
    assert retention_until(found, [{**device, "valid_until": "2027-01-01"}]) == datetime(2029, 12, 3, tzinfo=timezone.utc)
    assert retention_until(found, []) == datetime(2029, 12, 3, tzinfo=timezone.utc)
    # No expiry date (a Class I filing): five years.
    assert retention_until(found, [{**device, "kind": "filing", "valid_until": None}]) == \
        datetime(2031, 12, 3, tzinfo=timezone.utc)
    # Implantables (catalogue 12, 13): for ever.
    assert retention_until(found, [{**device, "category_code": "13"}]) == FOREVER
