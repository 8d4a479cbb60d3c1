"""The reports as JSON: the same content as the XLSX and PDF, for machines.

Keys are stable ASCII; every label carries ``zh`` and ``en`` beside it. A blank form cell is
``null`` (never 0), as in the other formats. The case list is a table, ``columns`` once and
``rows`` as arrays in column order: at 100,000 cases, objects would repeat 26 keys per row (about
40 MB more) for no extra information. Enumerated cells hold ASCII keys whose labels are in
``cases.labels``. ``cases.sha256`` is :func:`~verifiers.reports.forms.case_digest` of ``rows``.
"""
from __future__ import annotations

import dataclasses
from datetime import date, datetime

import orjson

from verifiers.reports.forms import (CASE_COLUMNS, ENUM_LABELS, REPORTED_TIERS, Form, ImmediateReport,
                                     PeriodicReport)
from verifiers.reports.model import VIOLATION_TYPES

PERIODIC_SCHEMA = "qingwang.report.periodic/1"
IMMEDIATE_SCHEMA = "qingwang.report.immediate/1"


def _pair(zh: str, en: str) -> dict:
    return {"zh": zh, "en": en}


def _plain(value):
    """Dataclasses, tuples and datetimes as JSON-ready values (datetimes as ISO 8601)."""
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def form_dict(form: Form) -> dict:
    return {
        "key": form.key,
        "attachment": _pair(form.attachment_zh, form.attachment_en),
        "title": _pair(form.title_zh, form.title_en),
        "unit": {"label": _pair(form.unit_label_zh, form.unit_label_en), "name": form.unit_name},
        "date": form.date.isoformat(),
        "groups": [{"key": g.key, **_pair(g.zh, g.en)} for g in form.groups.values()],
        "columns": [{"key": c.key, **_pair(c.zh, c.en), "filled_by": c.filled_by, "kind": c.kind, "group": c.group}
                    for c in form.columns],
        "rows": [{"key": r.key, **_pair(r.zh, r.en), "values": {c.key: v for c, v in zip(form.columns, r.values)}}
                 for r in form.rows],
        "notes": [_pair(zh, en) for zh, en in form.notes],
    }


def periodic_report_dict(report: PeriodicReport) -> dict:
    """The periodic report as a JSON-serialisable dict."""
    return {
        "schema": PERIODIC_SCHEMA,
        "title": _pair(report.title_zh, report.title_en),
        "subtitle_zh": report.subtitle_zh,
        "platform": _plain(report.platform),
        "region": {"code": report.region, "name_zh": report.region_name},
        "period": {"key": report.period.key, "kind": report.period.kind, "start": report.period.start.isoformat(),
                   "end_exclusive": report.period.end.isoformat(), "label": _pair(report.period.label_zh,
                                                                                report.period.label_en)},
        "bureau": report.bureau.as_dict(),
        "generated_at": report.generated_at.isoformat(),
        "forms": [form_dict(report.form1), form_dict(report.form2)],
        "summary": {
            "cases": len(report.cases),
            "by_type": [{"type": key, **_pair(VIOLATION_TYPES[key].zh, VIOLATION_TYPES[key].en),
                         **{tier: report.type_counts[key].get(tier, 0) for tier in REPORTED_TIERS}}
                        for key in VIOLATION_TYPES if key in report.type_counts],
        },
        "cases": {
            "count": len(report.cases),
            "sha256": report.case_digest,
            "columns": [{"key": c.key, **_pair(c.zh, c.en)} for c in CASE_COLUMNS],
            "labels": {column: {key: _pair(*names) for key, names in table.items()}
                       for column, table in ENUM_LABELS.items()},
            "rows": report.cases,
        },
    }


def immediate_report_dict(report: ImmediateReport) -> dict:
    """The immediate report as a JSON-serialisable dict: the displayed sections, and the facts."""
    return {
        "schema": IMMEDIATE_SCHEMA,
        "title": _pair(report.title_zh, report.title_en),
        "violation_id": report.violation_id,
        "reported_at": report.reported_at.isoformat(),
        "bureaus": [b.as_dict() for b in report.bureaus],
        "sections": [{"key": s.key, **_pair(s.zh, s.en),
                      "fields": [{"key": f.key, **_pair(f.zh, f.en), "value": f.value} for f in s.fields]}
                     for s in report.sections],
        "facts": {"platform": _plain(report.platform), "violation": _plain(report.violation),
                  "violation_type": report.violation.type.key, "tier": report.violation.tier},
    }


def render_periodic_report(report: PeriodicReport) -> bytes:
    """UTF-8 JSON bytes (orjson: the case rows serialise at C speed)."""
    return orjson.dumps(periodic_report_dict(report))


def render_immediate_report(report: ImmediateReport) -> bytes:
    return orjson.dumps(immediate_report_dict(report), option=orjson.OPT_INDENT_2)
