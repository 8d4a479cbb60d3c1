"""A periodic report over 100,000 violations, in all three formats; and immediate reports.

    python benchmarks/report_rendering.py [--violations 100000] [--seed 7] [--font-cache DIR]
                                          [--cold-font] [--repeat 3] [--json OUT]

The facts come from ``samples.report_world`` (same data every run: one province's sellers, one
month). Measured, each as wall and CPU seconds (the machine is shared, so CPU time is the steadier
figure), best of ``--repeat``:

- build: filtering, the two forms, the case rows and their SHA-256 (verifiers/reports/forms.py);
- xlsx, json, pdf: the renderers (the PDF lists 1,000 cases, see render_pdf.py);
- total: build + the three renderers, what a report job spends after loading its facts;
- immediate: one immediate report (build + PDF + JSON), median over 200 stop-and-report cases.

Building the facts themselves (the gateway reads them from its database) is timed apart, as
``facts``. The PDF needs the converted base font; it is prepared before the timings (and timed
on its own with ``--cold-font``, in a fresh cache).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import machine


def timed(fn, repeat: int):
    """(result, best wall seconds, best CPU seconds) over ``repeat`` runs."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return result, min(walls), min(cpus)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--violations", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--font-cache", help="where converted fonts are kept (default: the temp directory)")
    parser.add_argument("--cold-font", action="store_true", help="also time converting the base font from scratch")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="write the figures here too")
    args = parser.parse_args(argv)

    from samples.report_world import make_report_world
    from verifiers.reports import fonts, render_json, render_pdf, render_xlsx
    from verifiers.reports.forms import build_immediate_report, build_periodic_report
    from verifiers.reports.periods import CHINA_TZ, parse_period
    from verifiers.reports.routing import default_directory

    print(machine())
    figures: dict = {"machine": machine(), "violations": args.violations}
    if args.cold_font:
        with tempfile.TemporaryDirectory() as scratch:
            _, wall, cpu = timed(lambda: fonts.prepare(cache_dir=scratch), 1)
        figures["font_conversion"] = {"wall": round(wall, 2), "cpu": round(cpu, 2)}
        print(f"{'font (cold, once)':<22}{wall:8.2f} s wall {cpu:8.2f} s CPU")
    fonts.prepare(cache_dir=args.font_cache)

    world, wall, cpu = timed(lambda: make_report_world(args.violations, seed=args.seed), 1)
    figures["facts"] = {"wall": round(wall, 2), "cpu": round(cpu, 2)}
    print(f"{'facts (not the job)':<22}{wall:8.2f} s wall {cpu:8.2f} s CPU  {len(world.violations):,} violations")
    generated = datetime(2026, 12, 1, 9, 0, tzinfo=CHINA_TZ)

    def build():
        return build_periodic_report(platform=world.platform, region=world.region, period=parse_period(world.period),
                                     violations=world.violations, leads=world.leads,
                                     merchants_checked=world.merchants_checked, generated_at=generated)

    report, wall, cpu = timed(build, args.repeat)
    steps = {"build": (wall, cpu, None)}
    for name, render in (("xlsx", lambda: render_xlsx.render_periodic_report(report)),
                         ("json", lambda: render_json.render_periodic_report(report)),
                         ("pdf", lambda: render_pdf.render_periodic_report(report, font_cache=args.font_cache))):
        data, wall, cpu = timed(render, args.repeat)
        steps[name] = (wall, cpu, len(data))
    total_wall = sum(w for w, _, _ in steps.values())
    total_cpu = sum(c for _, c, _ in steps.values())
    for name, (wall, cpu, size) in steps.items():
        print(f"{name:<22}{wall:8.2f} s wall {cpu:8.2f} s CPU" + (f"  {size / 1e6:7.1f} MB" if size else ""))
        figures[name] = {"wall": round(wall, 2), "cpu": round(cpu, 2), "bytes": size}
    print(f"{'total (report job)':<22}{total_wall:8.2f} s wall {total_cpu:8.2f} s CPU  ({len(report.cases):,} cases)")
    figures["total"] = {"wall": round(total_wall, 2), "cpu": round(total_cpu, 2), "cases": len(report.cases)}

    directory = default_directory()
    urgent = [v for v in world.violations if v.tier == "stop_and_report"][:200]
    durations = []
    for violation in urgent:
        started = time.perf_counter()
        immediate = build_immediate_report(platform=world.platform, violation=violation, reported_at=generated,
                                           bureaus=directory.route(seller_region=violation.merchant.region,
                                                                   platform_region=world.platform.region))
        render_pdf.render_immediate_report(immediate, font_cache=args.font_cache)
        render_json.render_immediate_report(immediate)
        durations.append(time.perf_counter() - started)
    median = statistics.median(durations)
    print(f"{'immediate (median)':<22}{median * 1000:8.1f} ms wall  (build + PDF + JSON, {len(durations)} reports)")
    figures["immediate_median_ms"] = round(median * 1000, 1)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    return figures


if __name__ == "__main__":
    main()
