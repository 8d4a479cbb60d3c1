"""The sample world: anchors declared as data, the same for every seed; rows in design §6's form."""
from __future__ import annotations

from samples.world import build_world
from samples.world.anchors import ANCHOR_DEVICES, ANCHOR_LICENCES, ANCHORS
from verifiers.registry.records import DEVICE_KEYS, ENTERPRISE_KEYS


def _anchor_rows(world) -> tuple[list[dict], list[dict]]:
    anchors = {a.key for a in ANCHORS}
    licences = [lic.row() for lic in world.licences() if lic.enterprise_key in anchors]
    devices = [d.row() for d in world.devices[:len(ANCHOR_DEVICES)]]
    return licences, devices


def test_anchors_are_the_same_for_every_seed(world):
    other = build_world(seed=8, enterprises=60, devices=40)
    assert _anchor_rows(other) == _anchor_rows(world)
    for anchor in ANCHORS:
        assert other.enterprise(anchor.key).name == world.enterprise(anchor.key).name == anchor.name


def test_anchor_tables_are_applied_as_written(world):
    for anchor in ANCHORS:
        enterprise = world.enterprise(anchor.key)
        assert enterprise.anchor and enterprise.region == anchor.division
        if anchor.website:
            assert enterprise.website == anchor.website
    held = {(lic.enterprise_key, lic.kind): lic for lic in world.licences()}
    for declared in ANCHOR_LICENCES:
        licence = held[(declared.enterprise, declared.kind)]
        assert (licence.issued_on, licence.scope, licence.status) == (declared.issued_on, declared.scope,
                                                                     declared.status)
        assert licence.in_registry == declared.in_registry
    for declared, device in zip(ANCHOR_DEVICES, world.devices):
        assert (device.registrant.key, device.product.key) == (declared.registrant, declared.product)
        assert device.models == declared.models
        assert (device.agent.key if device.agent else None) == declared.agent
    assert sum(e.anchor for e in world.enterprises) == len(ANCHORS)


def test_rows_are_the_records_canonical_form(world):
    device, licence = world.devices[0], next(world.licences())
    assert tuple(device.row()) == DEVICE_KEYS and device.row() == device.record().canonical()
    assert tuple(licence.row()) == ENTERPRISE_KEYS and licence.row()["scope"] == [
        {"class": c, "category": cat} for c, cat in licence.scope]
