"""Licence and filing scope text (经营范围 / 生产范围) read into class and category items.

Real scopes mix both classification catalogues and three ways of writing the class::

    2002年分类目录：Ⅲ类：6815，6821，6840体外诊断试剂；2017年分类目录：Ⅲ类：14，16；Ⅱ类：07，09
    三类：14-注输、护理和防护器械，16眼科器械；二类：07

Each item is ``{"class": 3, "category": "14", "catalogue": "2017"}``. A 2002-catalogue
category is kept as its full four-digit code (``"6815"``), never as the two-digit tail:
``"15"`` alone would read as the 2017 sub-catalogue 15 (患者承载器械) wherever the
``catalogue`` key is dropped. Codes appearing before any class marker are skipped rather than
guessed. The old and new catalogues do not map one to one: :func:`map_2002_to_2017` reads the
maintained table ``verifiers/data/catalogue_2002_to_2017.csv`` and says when a code is ambiguous.

Scopes also carry exclusions: ``Ⅲ类：6815，6866（不含6846植入材料）`` or ``Ⅱ类：07，22（除体外诊断试剂外）``.
What such a clause names comes back marked ``"excluded": True`` (a code in the current class, or
6840 for 体外诊断试剂 named in words), so a reader that ignores the key never takes an exclusion
for permission: it is simply left out of what :func:`included` returns.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from functools import lru_cache
from importlib import resources

#: The 22 sub-catalogues of the 2017 catalogue (domain.md §10).
CATALOGUE_2017 = {
    "01": "有源手术器械", "02": "无源手术器械", "03": "神经和心血管手术器械",
    "04": "骨科手术器械", "05": "放射治疗器械", "06": "医用成像器械",
    "07": "医用诊察和监护器械", "08": "呼吸、麻醉和急救器械", "09": "物理治疗器械",
    "10": "输血、透析和体外循环器械", "11": "医疗器械消毒灭菌器械", "12": "有源植入器械",
    "13": "无源植入器械", "14": "注输、护理和防护器械", "15": "患者承载器械",
    "16": "眼科器械", "17": "口腔科器械", "18": "妇产科、辅助生殖和避孕器械",
    "19": "医用康复器械", "20": "中医器械", "21": "医用软件", "22": "临床检验器械",
}

_ROMAN = {3: "Ⅲ", 2: "Ⅱ", 1: "Ⅰ"}
_CLASS_WORDS = {"III": 3, "II": 2, "I": 1, "三": 3, "二": 2, "一": 1, "3": 3, "2": 2, "1": 1}
_CLASS_WORD = re.compile("|".join(_CLASS_WORDS))
# Text is NFKC-normalised first, so Ⅲ arrives as III and full-width digits as ASCII.
_TOKEN = re.compile(
    r"(?P<catalogue>(?P<cat_year>2002|2017)(?:年版|年|版)[^\d:;,，；、]{0,12}?目录"
    r"|(?P<new>新)版?[^\d:;,，；、]{0,6}?目录|(?P<old>旧|原)版?[^\d:;,，；、]{0,6}?目录)"
    # "Ⅱ、Ⅲ类：6815" lists two classes for the same codes.
    r"|(?P<cls>(?<![A-Z])(?P<nums>(?:III|II|I|三|二|一)(?:[、,，/和及](?:III|II|I|三|二|一))*|(?<!\d)[123])"
    r"(?:类|(?=:)))"
    r"|(?<!\d)(?P<code>\d{4}|\d{2})(?:-\d{1,2})?(?!\d)"
)


# An exclusion runs from 不含/不包括 to the end of its bracket or clause, or from 除 to its 外
# (除 alone also begins 除颤仪, a defibrillator, so it needs the 外).
_EXCLUSION = re.compile(r"(?:不含|不包括)[^;；)\]】]*|除(?!颤)[^;；)\]】]*?外(?=$|[)\]】;；,，、。])")
# IVD reagents named in words inside an exclusion: they are the 6840 category (domain.md §10).
_IVD_WORDS = re.compile(r"体外诊断试剂|诊断试剂")
IVD_CODE_2002 = "6840"


def parse_scope(text: str) -> list[dict]:
    """Class/category items in the order first seen, without duplicates; what an exclusion
    clause names is marked ``"excluded": True``."""
    text = unicodedata.normalize("NFKC", text or "")
    exclusions = [m.span() for m in _EXCLUSION.finditer(text)]
    catalogue, classes = None, ()
    items: list[dict] = []
    outside_classes, inside = (), None  # the classes in force before the exclusion we are in

    def add(item):
        if item and item not in items:
            items.append(item)

    for token in _TOKEN.finditer(text):
        span = next((s for s in exclusions if s[0] <= token.start() < s[1]), None)
        if span != inside:
            if inside is not None:
                classes = outside_classes  # a class named inside an exclusion ends with it
            if span is not None:
                outside_classes = classes
            inside = span
        if token.group("catalogue"):
            catalogue = token.group("cat_year") or ("2017" if token.group("new") else "2002")
            classes = ()  # each catalogue section restates its classes
        elif token.group("cls"):
            classes = tuple(_CLASS_WORDS[word] for word in _CLASS_WORD.findall(token.group("nums")))
        else:
            for device_class in classes:
                item = _item(token.group("code"), catalogue, device_class)
                if item and span is not None:
                    item["excluded"] = True
                add(item)
    for start, end in exclusions:  # IVD reagents excluded in words: 不含体外诊断试剂
        _excluded_words(text[start:end], _classes_before(text, start), add)
    return items


def _excluded_words(clause: str, classes: tuple[int, ...], add) -> None:
    if _IVD_WORDS.search(clause) and not re.search(r"(?<!\d)6840(?!\d)", clause):
        for device_class in classes:
            add({"class": device_class, "category": IVD_CODE_2002, "catalogue": "2002", "excluded": True})


def _classes_before(text: str, position: int) -> tuple[int, ...]:
    classes: tuple[int, ...] = ()
    for token in _TOKEN.finditer(text[:position]):
        if token.group("catalogue"):
            classes = ()
        elif token.group("cls"):
            classes = tuple(_CLASS_WORDS[word] for word in _CLASS_WORD.findall(token.group("nums")))
    return classes


def included(items: list[dict]) -> list[dict]:
    """The items a scope permits (exclusions left out)."""
    return [item for item in items if not item.get("excluded")]


def _item(code: str, catalogue: str | None, device_class: int) -> dict | None:
    if len(code) == 4:
        # A 68xx code is a 2002-catalogue code wherever it is printed (IVD reagents stay 6840).
        category = code if code in _mapping() else None
    elif catalogue == "2002":
        # Inside a 2002 section the 68 is sometimes left off.
        category = "68" + code if "68" + code in _mapping() else None
    else:
        category = code if code in CATALOGUE_2017 else None
    if category is None:
        return None
    catalogue = "2002" if len(category) == 4 else "2017"
    return {"class": device_class, "category": category, "catalogue": catalogue}


def format_scope(items: list[dict]) -> str:
    """The canonical printed form: 2002 section first, classes Ⅲ→Ⅰ, codes ascending.

    ``parse_scope(format_scope(items))`` gives the same items (in this canonical order).
    """
    items = [_checked(item) for item in items]
    sections = []
    for catalogue in ("2002", "2017"):
        classes = []
        for device_class in (3, 2, 1):
            codes, excluded = ({item["category"] for item in items if item["catalogue"] == catalogue
                                and item["class"] == device_class and bool(item.get("excluded")) is out}
                               for out in (False, True))
            if codes or excluded:
                printed = "，".join(sorted(codes)) + ("（不含" + "，".join(sorted(excluded)) + "）" if excluded else "")
                classes.append(f"{_ROMAN[device_class]}类：" + printed)
        if classes:
            sections.append(f"{catalogue}年分类目录：" + "；".join(classes))
    return "；".join(sections)


def scope_lines(items: list) -> list[str]:
    """A scope as a reader reads it, one line per catalogue and class, each code with its name:
    ``Ⅲ类：14 注输、护理和防护器械，16 眼科器械（不含：6846 植入材料和人工器官）``.

    For showing, not for parsing back (that is :func:`format_scope`): items of any provenance
    are taken as they come (a missing ``catalogue`` is told by the code's length, an unknown
    code is shown bare, a class outside Ⅰ–Ⅲ as written)."""
    names_2002 = {code: row["name_2002"] for code, row in _rows().items()}
    groups: dict[tuple[str, object], tuple[list[str], list[str]]] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        category = str(item.get("category") or "")
        catalogue = item.get("catalogue") or ("2002" if len(category) == 4 else "2017")
        name = (names_2002 if catalogue == "2002" else CATALOGUE_2017).get(category)
        shown = f"{category} {name}" if name else category
        included, excluded = groups.setdefault((catalogue, item.get("class")), ([], []))
        (excluded if item.get("excluded") else included).append(shown)
    catalogues = {catalogue for catalogue, _ in groups}
    lines = []
    for (catalogue, device_class), (included, excluded) in sorted(
            groups.items(), key=lambda g: (g[0][0], -g[0][1] if isinstance(g[0][1], int) else 0)):
        prefix = f"{catalogue}年分类目录 " if len(catalogues) > 1 else ""
        label = f"{_ROMAN[device_class]}类" if device_class in _ROMAN else f"{device_class}类"
        line = f"{prefix}{label}：" + "，".join(sorted(included))  # names themselves hold 、
        if excluded:
            line += "（不含：" + "，".join(sorted(excluded)) + "）"
        lines.append(line)
    return lines


def _checked(item: dict) -> dict:
    valid = (item.get("class") in (1, 2, 3)
             and (item.get("catalogue") == "2017" and item.get("category") in CATALOGUE_2017
                  or item.get("catalogue") == "2002" and item.get("category") in _mapping()))
    if not valid:
        raise ValueError(f"not a scope item: {item!r}")
    return item


def map_2002_to_2017(code: str) -> tuple[list[str], bool]:
    """2017 sub-catalogue candidates for a 2002 code (``6815`` or its tail ``15``), and whether
    the mapping is ambiguous. Unknown codes give ``([], True)``: send them to review."""
    code = unicodedata.normalize("NFKC", str(code)).strip()
    if len(code) == 2:
        code = "68" + code
    row = _mapping().get(code)
    if row is None:
        return [], True
    return list(row[0]), row[1]


def name_2002(code: str) -> str | None:
    """The 2002 catalogue's name for a 68xx code (6864 -> 医用卫生材料及敷料)."""
    return _rows().get(code, {}).get("name_2002")


def _mapping() -> dict[str, tuple[tuple[str, ...], bool]]:
    return _table()


@lru_cache(maxsize=1)
def _rows() -> dict[str, dict]:
    raw = resources.files("verifiers").joinpath("data/catalogue_2002_to_2017.csv").read_text(encoding="utf-8")
    lines = [line for line in raw.splitlines() if line.strip() and not line.startswith("#")]
    return {row["code_2002"]: row for row in csv.DictReader(io.StringIO("\n".join(lines)))}


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[tuple[str, ...], bool]]:
    return {code: (tuple(c for c in row["candidates_2017"].split(";") if c), row["ambiguous"].strip() == "yes")
            for code, row in _rows().items()}
