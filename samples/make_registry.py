"""Write the sample regulator data set (design §6) from the sample world.

    python -m samples.make_registry --out DIR [--devices N] [--enterprises N]
                                    [--formats jsonl,csv,udi-xml] [--seed S]

Writes, under DIR:

- ``devices.jsonl`` and ``enterprises.jsonl``: the canonical form, exactly design §6's keys;
- ``devices.csv`` and ``enterprises.csv``: the same rows, lists and objects as JSON text in
  their cell (samples/registry/README.md);
- ``udi/UDID_FULL_RELEASE_<date>.zip``: the devices as an NMPA UDI database full download,
  a ZIP of ``PARTn.xml`` files with the official lower-case tags, one ``<device>`` per model
  (UDI-DI), so several rows share one registration number.

Rows are streamed: the world (anchors plus ``--enterprises`` enterprises) is built in memory,
then devices beyond the world's own are generated one at a time, so ``--devices 1000000``
runs in bounded memory. Output is identical for identical arguments.

The rows come from ``registry_rows.py``, the JSON Lines and CSV files are written by
``registry_writers.py`` and the UDI download by ``udi_xml.py``; this module is the command.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from samples.registry_rows import device_rows, enterprise_rows
from samples.registry_writers import CsvWriter, JsonlWriter, write_rows
from samples.udi_xml import UdiZipWriter, udi_zip_name
from samples.world import DEFAULT_DEVICES, DEFAULT_ENTERPRISES, DEFAULT_SEED, World, build_world
from verifiers.registry.records import DEVICE_KEYS, ENTERPRISE_KEYS

FORMATS = ("jsonl", "csv", "udi-xml")
#: From this many devices the UDI ZIP is compressed in a second process.
PARALLEL_FROM = 50000


def generate(out: Path, devices: int = DEFAULT_DEVICES, enterprises: int = DEFAULT_ENTERPRISES,
             formats: Iterable[str] = FORMATS, seed: int = DEFAULT_SEED, world: World | None = None) -> dict:
    """Write the data set in one pass over the devices; returns the rows written per file."""
    formats = tuple(formats)
    unknown = set(formats) - set(FORMATS)
    if unknown or not formats:
        raise ValueError(f"unknown format(s) {', '.join(sorted(unknown)) or '(none)'}; choose from {', '.join(FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    world = world or build_world(seed=seed, enterprises=enterprises, devices=min(devices, DEFAULT_DEVICES * 4))
    written: dict[str, int] = {}
    row_writers: list[tuple[str, object]] = []
    udi: UdiZipWriter | None = None
    if "jsonl" in formats:
        row_writers.append(("devices.jsonl", JsonlWriter(out / "devices.jsonl")))
        written["enterprises.jsonl"] = write_rows(JsonlWriter(out / "enterprises.jsonl"), enterprise_rows(world))
    if "csv" in formats:
        row_writers.append(("devices.csv", CsvWriter(out / "devices.csv", DEVICE_KEYS)))
        written["enterprises.csv"] = write_rows(CsvWriter(out / "enterprises.csv", ENTERPRISE_KEYS),
                                                enterprise_rows(world))
    udi_name = f"udi/{udi_zip_name()}"
    if "udi-xml" in formats:
        udi = UdiZipWriter(out / udi_name, parallel=devices >= PARALLEL_FROM)
    writes = [w.write for _, w in row_writers]
    try:
        for row, device, template in device_rows(world, devices, seed):
            for write in writes:
                write(row, template)
            if udi is not None:
                udi.write(row, device, template)
    finally:
        for name, writer in row_writers:
            written[name] = writer.close()
        if udi is not None:
            written[udi_name] = udi.close()
    return {name: written[name] for name in sorted(written)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m samples.make_registry", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="directory to write into")
    parser.add_argument("--devices", type=int, default=DEFAULT_DEVICES, help="device records (default %(default)s)")
    parser.add_argument("--enterprises", type=int, default=DEFAULT_ENTERPRISES,
                        help="enterprises in the world (default %(default)s); each holds one or more licences")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated: jsonl,csv,udi-xml")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    started = time.perf_counter()
    try:
        written = generate(args.out, args.devices, args.enterprises, formats, args.seed)
    except ValueError as exc:
        parser.error(str(exc))
    for name, count in written.items():
        print(f"{args.out / name}: {count} rows")
    print(f"done in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
