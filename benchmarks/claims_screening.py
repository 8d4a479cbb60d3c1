"""Banned-claim screening time against description length and list size.

    python benchmarks/claims_screening.py [--repeat 20]

Screens descriptions of 1,000 to 20,000 characters (the API's limit), ordinary text with a
claim at the end and adversarial text (long runs of the characters the regex entries start
with), against the shipped list and against that list padded to 500 literal phrases. The
regex entries are bounded and un-nested (verifiers.claims refuses others at import), so the
time grows linearly with the text; this prints it so a change that breaks that shows.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from verifiers.claims import build_list, default_list, screen  # noqa: E402


def padded(size: int):
    rows = [rule.as_row() for rule in default_list().rules]
    extra = size - sum(len(rule._literals) or 1 for rule in default_list().rules)
    rows.append({"id": "padding", "phrase": "|".join(f"虚构关键词{i:04d}" for i in range(max(extra, 1))),
                 "kind": "literal", "category": "test", "severity": "review", "article": "—",
                 "explanation_zh": "填充", "explanation_en": "padding"})
    return build_list(rows, version=2)


TEXTS = {
    "ordinary": lambda n: ("本品用于常规护理，请按说明书使用。" * (n // 17 + 1))[: n - 4] + "专家推荐",
    "adversarial": lambda n: ("比" + "一" * 40 + "天" * 40 + "不用" * 20) * (n // 102 + 1),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    lists = {"shipped": default_list(), "500 phrases": padded(500)}
    print(f"{'list':<12} {'text':<12} {'chars':>6} {'median ms':>10}")
    for list_name, claims in lists.items():
        for text_name, make in TEXTS.items():
            for n in (1000, 5000, 20000):
                text = make(n)[:n]
                times = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    screen(text, claims, "医用冷敷贴 血糖仪")
                    times.append((time.perf_counter() - start) * 1000)
                print(f"{list_name:<12} {text_name:<12} {len(text):>6} {statistics.median(times):>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
