"""A deterministic sample world of Chinese medical-device enterprises, licences and devices.

``build_world(seed, enterprises, devices)`` returns a :class:`World`: enterprises in every
province and region of domain.md §9, the licences and filings they hold (the registry's
``enterprises`` rows, design §6) and the devices registered or filed to them (the
``devices`` rows), with the extra facts their certificates print (legal representative,
addresses, models, structure, intended use ...).

A fixed set of *anchor* enterprises, licences and devices (``anchors.py``) is the same for
every seed: the demo (samples/demo_cases.json) and the committed document set are built on
them. Everything else is drawn from the seed. All names, people and numbers are fictional;
any likeness to a real enterprise is chance.

- ``model.py``: the dataclasses (:class:`Enterprise`, :class:`Licence`, :class:`Device`,
  :class:`World`) and the snapshot date;
- ``people.py``: people, company names and addresses;
- ``anchors.py``: the fixed part of the world, as data;
- ``builder.py``: enterprises, licences and devices made one at a time, numbers unique;
- ``build.py``: :func:`build_world`, which draws the rest of the world from the seed.
"""
from samples.world.build import anchor_device, build_world, place_of
from samples.world.model import (
    DEFAULT_DEVICES,
    DEFAULT_ENTERPRISES,
    DEFAULT_SEED,
    SNAPSHOT_DATE,
    Device,
    Enterprise,
    Licence,
    World,
    add_years,
    five_years_less_a_day,
)

__all__ = ["DEFAULT_DEVICES", "DEFAULT_ENTERPRISES", "DEFAULT_SEED", "SNAPSHOT_DATE", "Device", "Enterprise", "Licence",
           "World", "add_years", "anchor_device", "build_world", "five_years_less_a_day", "place_of"]
