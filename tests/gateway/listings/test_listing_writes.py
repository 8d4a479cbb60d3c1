"""The listing write when another request created the same external_id first: the chunk is
written again as an update, in the service's own transaction (no savepoint) or, inside a
unit of work holding more (an Idempotency-Key's record), undoing only its savepoint."""
import contextlib

import pytest
from sqlalchemy import func, select

from gateway.db import SHARED_UNIT
from gateway.decisions.models import Decision
from gateway.listings.models import Listing
from gateway.listings.services import submit_listings
from gateway.merchants.models import Merchant
from gateway.tenancy.models import Platform
from tests.gateway.merchants.test_merchants_listings_api import LISTING, registry  # noqa: F401 (fixture)


@pytest.fixture
def merchant(runtime, platform, registry):  # noqa: F811
    with runtime.db.session() as s:
        m = Merchant(platform_id=platform[0], external_id="m-1", name="深圳示例医疗器械有限公司",
                     uscc="9144030071526726XG", status="approved", device_classes=[2, 3])
        s.add(m)
        s.flush()
        return m.id


def _racing_unit(runtime, platform_id, merchant_id, shared: bool, entries: list):
    """A unit of work that lets a competing request create the listing just before it writes
    (once), and, when ``shared``, holds a write of its own that must survive."""

    @contextlib.contextmanager
    def unit():
        if not entries:
            with runtime.db.session() as other:
                other.add(Listing(platform_id=platform_id, merchant_id=merchant_id, external_id="sku-race",
                                  title="先到的请求"))
        entries.append(True)
        with runtime.db.session() as writer:
            if shared:
                writer.info[SHARED_UNIT] = True
                writer.get(Platform, platform_id).name = "同一事务中的其他写入"
            yield writer

    return unit


@pytest.mark.parametrize("shared", [False, True], ids=["own-transaction", "shared-unit"])
def test_a_listing_created_concurrently_is_updated_not_duplicated(runtime, platform, merchant, shared):
    entries = []
    unit = _racing_unit(runtime, platform[0], merchant, shared, entries)
    [result] = submit_listings(runtime, platform[0], [dict(LISTING, merchant_id=merchant, external_id="sku-race",
                                                           document_ids=[])], unit)
    with runtime.db.session() as s:
        [listing] = s.scalars(select(Listing).where(Listing.external_id == "sku-race")).all()
        decisions = s.scalar(select(func.count()).select_from(Decision).where(Decision.subject_id == listing.id))
        name = s.get(Platform, platform[0]).name
    assert result.listing.id == listing.id and listing.title == LISTING["title"]
    assert listing.decision_id == result.decision.id and decisions == 1
    # Own transaction: written again in a new one. Shared: one unit, only the savepoint undone.
    assert len(entries) == (1 if shared else 2)
    assert (name == "同一事务中的其他写入") == shared
