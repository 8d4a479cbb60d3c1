"""Finding what a registry snapshot touched and re-deciding it (design §6)."""
from __future__ import annotations


from sqlalchemy import select

from gateway.listings.models import Listing
from gateway.merchants.models import Merchant
from gateway.registry.models import RegistryDevice, RegistryEnterprise
from gateway.runtime import Runtime
from verifiers.rules.model import MerchantStatus



def touched_by_snapshot(runtime: Runtime, snapshot_id: str) -> tuple[list[str], list[str]]:
    """Ids of the merchants (decided at least once) whose credit code holds a licence the
    snapshot changed, and of the listings naming a device it changed."""
    with runtime.db.session() as session:
        device_keys = select(RegistryDevice.key).where(RegistryDevice.snapshot_id == snapshot_id)
        listing_ids = list(session.scalars(select(Listing.id).where(Listing.registration_key.in_(device_keys))
                                           .order_by(Listing.id)))
        changed_usccs = select(RegistryEnterprise.uscc).where(RegistryEnterprise.snapshot_id == snapshot_id)
        merchant_ids = list(session.scalars(select(Merchant.id).where(Merchant.uscc.in_(changed_usccs),
                                                                      Merchant.status != MerchantStatus.PENDING)
                                            .order_by(Merchant.id)))
    return merchant_ids, listing_ids
