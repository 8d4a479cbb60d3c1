"""Printed text -> normalised field values, with validation and recorded corrections.

OCR errs in known ways on certificates: letters for digits (O/0, I/1, Z/2, S/5, B/8),
full-width forms, the Roman class numerals. Corrections are made only when a
validation rule confirms them (the credit-code check character, a number format), and
each one is recorded with its evidence so a reviewer can see what was changed and why.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from verifiers.documents.dates import LONG_TERM, all_dates, parse_date
from verifiers.identifiers.normalise import normalise_identifier
from verifiers.identifiers.uscc import USCC_ALPHABET, USCCError, parse_uscc


@dataclass
class Parsed:
    value: Any
    problem: dict | None = None
    corrections: list[dict] = field(default_factory=list)


def _problem(code: str, zh: str, en: str) -> dict:
    return {"code": code, "message": zh, "message_en": en}


_TRIM = " \u3000:：;；,，。.、|丨"


def text(raw: str) -> Parsed:
    cleaned = re.sub(r"[\s\u3000]+", " ", raw).strip(_TRIM)
    if not cleaned:
        return Parsed(None, _problem("empty", "未读到内容", "Nothing was read"))
    return Parsed(cleaned)


def name(raw: str) -> Parsed:
    """Enterprise names: no inner spaces (OCR inserts them between characters)."""
    cleaned = re.sub(r"[\s\u3000]+", "", raw).strip(_TRIM)
    if not cleaned:
        return Parsed(None, _problem("empty", "未读到名称", "No name was read"))
    return Parsed(cleaned)


person = name


def issuer(raw: str) -> Parsed:
    # The issuing authority is usually followed by the seal text or a date on the same
    # line; a label read short ("发证部" for 发证部门) leaves its last character in front
    cleaned = re.split(r"(?:19|20)\d{2}\s*年", raw)[0]
    # ("发证部]：…": the 门 read as a bracket or bar)
    cleaned = re.sub(r"^[门关位\]\)）】|丨]\s*[：:]", "", cleaned.strip())
    parsed = name(cleaned)
    # 局 and 店 look alike to OCR; an issuing authority is a bureau (局), never a shop.
    if parsed.value and parsed.value.endswith("管理店"):
        fixed = parsed.value[:-1] + "局"
        parsed.corrections.append({"from": parsed.value, "to": fixed, "reason": "发证机关是“局”，不是“店” / an issuer is a bureau (局)"})
        parsed.value = fixed
    _complete_authority(parsed)
    return parsed


#: How the names of the bureaus that issue these documents end (domain.md §2; 工商行政管理局
#: on business licences issued before the 2018 merger into 市场监督管理局).
_AUTHORITY_ENDINGS = ("食品药品监督管理局", "药品监督管理局", "市场监督管理局", "工商行政管理局")


def is_whole_authority(name: str | None) -> bool:
    """A place name followed by a known bureau ending: an issuer read in full."""
    return bool(name) and any(name.endswith(e) and len(name) > len(e) for e in _AUTHORITY_ENDINGS)


def _complete_authority(parsed: Parsed) -> None:
    """Finish an authority name whose end was lost under the seal ("深圳市市场监督" ->
    "深圳市市场监督管理局"): only when the reading ends inside one of the known endings,
    at least three characters into it, so what is added is never a guess between two."""
    value = parsed.value
    if not value or value.endswith(_AUTHORITY_ENDINGS):
        return
    for ending in _AUTHORITY_ENDINGS:
        for k in range(len(ending) - 1, 2, -1):
            if value.endswith(ending[:k]):
                fixed = value + ending[k:]
                parsed.corrections.append({"from": value, "to": fixed,
                                           "reason": f"发证机关名称以“{ending}”结尾，被印章遮住的部分已补全 / "
                                                     f"an issuing bureau's name ends in {ending}; the part under the "
                                                     "seal was completed"})
                parsed.value = fixed
                return


def date_value(raw: str) -> Parsed:
    parsed = parse_date(raw)
    if parsed is None:
        return Parsed(None, _problem("date_unreadable", f"无法识别日期：{raw}", f"Not a readable date: {raw}"))
    return Parsed(parsed.isoformat())


def valid_until(raw: str) -> Parsed:
    """The end of a validity period: ``2028年01月09日``, ``2023年…至2028年…``, or 长期 (None)."""
    dates = all_dates(raw)
    if LONG_TERM.search(raw) and len(dates) <= 1:
        return Parsed(None)
    if dates:
        return Parsed(dates[-1].isoformat())
    return Parsed(None, _problem("date_unreadable", f"无法识别有效期：{raw}", f"Not a readable validity date: {raw}"))


# --- credit code ---------------------------------------------------------------------------------------------

#: Characters OCR confuses, mapped to what they may really be. Only letters GB 32100
#: excludes (I, O, Z, S, V) are replaced unconditionally; others are tried as
#: alternatives and kept only when the check character confirms them.
_NOT_IN_ALPHABET = {"I": "1", "O": "0", "Z": "2", "S": "5", "V": "U"}
_CONFUSABLE = {"0": "DQ", "D": "0", "Q": "0", "8": "B", "B": "8", "1": "L7T", "L": "1", "T": "1", "7": "1",
               "2": "Z", "5": "S", "6": "G", "G": "6", "U": "V", "N": "H", "H": "N", "M": "N"}
_USCC_RUN = re.compile(r"[0-9A-Z]{18}")


def uscc(raw: str) -> Parsed:
    compacted = normalise_identifier(raw).upper()
    match = _USCC_RUN.search(compacted)
    candidate = match.group(0) if match else compacted[:18]
    corrections = []
    fixed = "".join(_NOT_IN_ALPHABET.get(ch, ch) for ch in candidate)
    if fixed != candidate:
        corrections.append({"from": candidate, "to": fixed,
                            "reason": "GB 32100 不使用字母 I/O/Z/S/V / GB 32100 never uses I, O, Z, S or V"})
    try:
        parse_uscc(fixed)
        return Parsed(fixed, corrections=corrections)
    except USCCError as exc:
        first_error = exc
    if len(fixed) == 18:
        # A wrong guess passes the mod-31 check one time in 31, so a guess must also pass
        # the organisation-code check and be the only one that does; and the field's
        # confidence is lowered so the rules send it to a person (LOW_CONFIDENCE).
        options = []
        for i, ch in enumerate(fixed):
            for alt in _CONFUSABLE.get(ch, ""):
                trial = fixed[:i] + alt + fixed[i + 1:]
                if alt in USCC_ALPHABET and _valid(trial) and parse_uscc(trial).organisation_check_ok:
                    options.append((i, ch, alt, trial))
        if len(options) == 1:
            i, old, new, trial = options[0]
            corrections.append({"from": fixed, "to": trial, "position": i + 1, "guessed": True,
                                "reason": f"第{i + 1}位 {old}→{new} 后校验码通过（唯一可能） / "
                                          f"position {i + 1} {old}->{new} makes the check character agree "
                                          f"(the only such change)"})
            return Parsed(trial, corrections=corrections)
    return Parsed(fixed or None, _problem("uscc_invalid", first_error.message, first_error.message), corrections)


def _valid(code: str) -> bool:
    try:
        parse_uscc(code)
        return True
    except USCCError:
        return False


# --- licence and certificate numbers ---------------------------------------------------------------------------------


#: Traditional forms OCR models trained on both scripts sometimes return for the
#: characters of licence numbers (粵 for 粤 …); numbers are always printed simplified.
_SIMPLIFIED = str.maketrans("粵滬魯貴遼蘇閩贛瓊雲陝寧晉國備註準進許監藥經營產號械網臺", "粤沪鲁贵辽苏闽赣琼云陕宁晋国备注准进许监药经营产号械网台")


def simplify(text: str) -> str:
    return text.translate(_SIMPLIFIED)


def number(raw: str) -> Parsed:
    """A licence, filing or certificate number: normalised and checked against its format."""
    from verifiers.identifiers import IdentifierError, identify

    simplified = simplify(raw)
    corrections = [] if simplified == raw else [{
        "from": raw, "to": simplified, "reason": "繁体字形改为简体（编号均以简体印制） / traditional forms made simplified"}]
    compacted = normalise_identifier(simplified).strip(_TRIM)
    compacted = re.split(r"[（(]?(?:原|旧)", compacted)[0] or compacted
    if not compacted:
        return Parsed(None, _problem("empty", "未读到编号", "No number was read"))
    try:
        parsed = identify(compacted)
    except IdentifierError as exc:
        return Parsed(compacted, _problem(f"number_{exc.reason}", exc.message, exc.message), corrections)
    return Parsed(parsed.number, None, corrections)


#: Class numerals OCR stutters on: "Ⅲ类" read as "ⅢⅢ类", "III类" as "IIIII类" or "I类".
_ROMAN_RUN = re.compile(r"([ⅠⅡⅢIl|1]{2,6})(?=\s*类)")
_STROKES = {"Ⅲ": 3, "Ⅱ": 2, "Ⅰ": 1, "I": 1, "l": 1, "|": 1, "1": 1}


def _fix_class_numerals(raw: str) -> tuple[str, list[dict]]:
    corrections = []

    def repair(match):
        run = match.group(1)
        if run in ("II", "III"):
            return run  # ASCII spellings of the numerals are fine as they are
        if len(set(run)) == 1 and run[0] in "ⅢⅡⅠ":
            fixed = run[0]  # the same numeral read twice
        elif all(_STROKES[ch] == 1 for ch in run):
            fixed = "Ⅲ" if len(run) >= 3 else "Ⅱ"
        else:
            fixed = "Ⅲ" if "Ⅲ" in run else "Ⅱ" if "Ⅱ" in run else run
        if fixed != run:
            corrections.append({"from": run, "to": fixed,
                                "reason": "管理类别只有Ⅰ、Ⅱ、Ⅲ类，识别出的重复笔画已合并 / "
                                          "classes are only I, II or III; repeated strokes merged"})
        return fixed

    return _ROMAN_RUN.sub(repair, raw), corrections


#: The class a scope entry must be when the numeral before 类 is lost or misread as Ⅰ:
#: a Class II business filing covers Class II, a business licence Class III (Class I
#: needs neither, so it is never what such a document lists).
_IMPLIED_CLASS = {"class2_business_filing": "Ⅱ", "device_business_licence": "Ⅲ"}
_LOST_NUMERAL = re.compile(r"(?<![ⅠⅡⅢI1二三一])(?:[Ⅰ1lI|])?(?=类[：:])")


def _production_implied(raw: str) -> str | None:
    """A production licence covers Class II and III (Class I production is only filed): a
    single entry whose numeral is lost is the class the other entries do not name."""
    if len(_LOST_NUMERAL.findall(raw)) != 1:
        return None
    named = set(re.findall(r"(Ⅲ|Ⅱ|III|II|三|二)(?=类)", raw))
    named = {"Ⅲ" if n in ("Ⅲ", "III", "三") else "Ⅱ" for n in named}
    missing = {"Ⅱ", "Ⅲ"} - named
    return missing.pop() if len(missing) == 1 else None


def scope_for(doc_type: str):
    """The scope parser for a document type (which tells a lost class numeral)."""
    fixed_implied = _IMPLIED_CLASS.get(doc_type)

    def parse(raw: str) -> Parsed:
        corrections = []
        implied = _production_implied(raw) if doc_type == "production_licence" else fixed_implied
        if implied:
            fixed = _LOST_NUMERAL.sub(implied, raw)
            if fixed != raw:
                reason = (f"生产许可证只含Ⅱ、Ⅲ类，其余条目未列{implied}类，识别缺失的类别补为{implied}类 / a production "
                          f"licence lists classes II and III; the entry without a numeral is the one not named: {implied}"
                          if doc_type == "production_licence" else
                          f"该类文件的经营范围只含{implied}类，识别缺失或误读的类别已补正 / "
                          f"this document type only lists class {implied}")
                corrections.append({"from": raw, "to": fixed, "reason": reason})
                raw = fixed
        parsed = scope(raw)
        parsed.corrections[:0] = corrections
        return parsed

    return parse


def scope(raw: str) -> Parsed:
    from verifiers.scope import parse_scope

    raw, corrections = _fix_class_numerals(raw)
    items = parse_scope(raw)
    if not items:
        return Parsed([], _problem("scope_unreadable", f"无法识别经营/生产范围：{raw[:60]}",
                                   f"The scope could not be read: {raw[:60]}"), corrections)
    return Parsed([{"class": item["class"], "category": item["category"]} for item in items], None, corrections)


# Not "/": it belongs inside models and pack sizes ("100支/包", "10mL/支").
_MODEL_SPLIT = re.compile(r"[、，,；;]|\s{2,}")


def models(raw: str) -> Parsed:
    parts = [p.strip(_TRIM) for p in _MODEL_SPLIT.split(raw.replace("\u3000", "  "))]
    parts = [p for p in parts if p]
    if not parts:
        return Parsed([], _problem("empty", "未读到型号规格", "No models were read"))
    return Parsed(parts)
