"""Class II devices exempt from business filing (免于经营备案的第二类医疗器械).

REG21 Art 41 ¶2 and BIZ22 Art 25 let NMPA list Class II devices whose safety and
effectiveness do not depend on distribution; selling them needs no Class II business
filing, and a seller of only these and Class I devices needs no online-sales
notification (REG21 Art 46 ¶1). The list ships as data with its source
(``verifiers/data/class2_filing_exempt.csv``); an entry not yet checked against the
announcement (``confirmed=no``) only ever sends a decision to review.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from verifiers.rules.names import normalise_name


@dataclass(frozen=True)
class ExemptEntry:
    id: str
    name_zh: str
    name_en: str
    words: tuple[str, ...]
    category: str
    confirmed: bool
    note: str


@lru_cache(maxsize=1)
def exempt_list() -> tuple[ExemptEntry, ...]:
    raw = resources.files("verifiers").joinpath("data/class2_filing_exempt.csv").read_text(encoding="utf-8")
    lines = [line for line in raw.splitlines() if line.strip() and not line.startswith("#")]
    return tuple(ExemptEntry(row["id"], row["name_zh"], row["name_en"], tuple(w for w in row["match"].split("|") if w),
                             row["category_2017"], row["confirmed"].strip() == "yes", row["note"])
                 for row in csv.DictReader(io.StringIO("\n".join(lines))))


def exempt_entry(product_name: str | None, category: str | None = None) -> ExemptEntry | None:
    """The list entry a registered Class II product falls under, if any. A device whose
    category is known must also sit in the entry's sub-catalogue: "血压计" in a product name
    under 09 (a therapy device with a pressure readout) is not the listed monitor."""
    name = normalise_name(product_name)
    for entry in exempt_list():
        if any(word in name for word in entry.words):
            if category and category.zfill(2) != entry.category:
                continue
            return entry
    return None
