"""``qingwang demo``: the whole flow on samples/, through the real API, printed in Chinese.

It imports the sample regulator snapshot, registers the sample platform, uploads each
demo merchant's rendered licences, waits for them to be read and the merchants
verified, submits the demo listings, and prints every decision with its reasons next
to the outcome the sample data expects. A summary is written beside the database. It ends
with the regulator reports the demo's violations owe (the immediate ones and this month's
periodic report), written under ``<data dir>/reports`` and printed with their paths.
"""
from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import click

from sqlalchemy import select

from gateway.app import create_app
from gateway.jobs.outbox import dispatch_after_commit
from gateway.registry.importer import import_snapshot
from gateway.reports.cli import generate_now, write_files
from gateway.reports.models import Report
from gateway.runtime import Runtime
from gateway.tenancy.models import Platform
from gateway.tenancy.services import create_platform
from gateway.violations.models import Violation
from verifiers.reports.periods import CHINA_TZ, period_containing

STATUS_ZH = {"approved": "通过", "rejected": "驳回", "needs_review": "待人工复核", "suspended": "暂停", "pending": "核验中"}
OUTCOME_ZH = {"allow": "允许上架", "block": "拦截", "review": "待人工复核"}
SEVERITY_ZH = {"block": "拦截", "review": "复核", "info": "提示"}


def find_samples(explicit: str | None) -> Path:
    candidates = [Path(explicit)] if explicit else [Path.cwd() / "samples",
                                                    Path(__file__).resolve().parent.parent / "samples"]
    for candidate in candidates:
        if (candidate / "demo_cases.json").is_file():
            return candidate
    raise click.ClickException("找不到 samples/demo_cases.json；请在项目根目录运行，或用 --samples 指定 / "
                               "samples/demo_cases.json not found; run from the project root or pass --samples")


@dataclass
class Tally:
    matched: int = 0
    total: int = 0
    rows: list[dict] = field(default_factory=list)


def _say(lang: str, zh: str, en: str) -> None:
    click.echo(en if lang == "en" else zh)


def _print_reasons(decision: dict, lang: str) -> None:
    for reason in decision.get("reasons", []):
        message = reason.get("message_en") if lang == "en" else reason["message"]
        severity = reason["severity"] if lang == "en" else SEVERITY_ZH[reason["severity"]]
        click.echo(f"      - [{severity}] {reason['code']}: {message}")


def run_demo(runtime: Runtime, samples: Path, lang: str = "zh") -> dict:
    cases = json.loads((samples / "demo_cases.json").read_text(encoding="utf-8"))
    docs_dir = samples.parent / cases["documents"] if not Path(cases["documents"]).is_absolute() else Path(
        cases["documents"])
    if not docs_dir.is_dir():
        docs_dir = samples / "documents" / "set"
    started = time.perf_counter()

    result = import_snapshot(runtime.db, samples / "registry", "jsonl")
    runtime.registry.invalidate()
    dispatch_after_commit(runtime.dispatcher, result.tasks)
    _say(lang, f"① 导入监管数据快照 {result.snapshot}：器械 {result.devices} 条，企业许可/备案 {result.enterprises} 条",
         f"1. Imported registry snapshot {result.snapshot}: {result.devices} devices, {result.enterprises} licences")

    spec = cases["platform"]
    with runtime.db.session() as session:
        platform, key = create_platform(session, f"{spec['name']}（演示 {datetime.now():%H:%M:%S}）", spec["region"],
                                        spec.get("filing_number"))
    client = create_app(runtime=runtime).test_client()
    auth = {"Authorization": f"Bearer {key}"}
    _say(lang, f"② 平台：{platform.name}（{platform.id}）", f"2. Platform: {platform.name} ({platform.id})")

    merchant_ids, merchants = {}, Tally()
    for case in cases["merchants"]:
        document_ids = []
        for name in case["documents"]:
            response = client.post("/v1/documents", headers=auth,
                                   data={"file": (io.BytesIO((docs_dir / name).read_bytes()), name)})
            document_ids.append(response.get_json()["id"])
        body = {k: case[k] for k in ("external_id", "name", "uscc", "online_sales_filing_number") if k in case}
        body.update(document_ids=document_ids, device_classes=case.get("device_classes") or [])
        merchant_ids[case["id"]] = client.post("/v1/merchants", headers=auth, json=body).get_json()["id"]
    _say(lang, f"③ 已提交 {len(merchant_ids)} 家商户的 {sum(len(c['documents']) for c in cases['merchants'])} 份证照，"
               "正在识别与核验……", f"3. Submitted {len(merchant_ids)} merchants; reading their licences…")
    runtime.dispatcher.wait_idle(timeout=900)

    for case in cases["merchants"]:
        merchant = client.get(f"/v1/merchants/{merchant_ids[case['id']]}", headers=auth).get_json()
        expected = case["expected"]
        codes = {r["code"] for r in (merchant.get("decision") or {}).get("reasons", []) if r["severity"] != "info"}
        ok = merchant["status"] == expected["status"] and set(expected["reasons"]) <= codes
        merchants.total += 1
        merchants.matched += ok
        merchants.rows.append({"merchant": case["name"], "status": merchant["status"], "expected": expected["status"],
                               "codes": sorted(codes), "as_expected": ok})
        status = merchant["status"] if lang == "en" else STATUS_ZH[merchant["status"]]
        _say(lang, f"   {'✓' if ok else '✗'} {case['name']}：{status}（预期 {STATUS_ZH[expected['status']]}）",
             f"   {'✓' if ok else '✗'} {case['name']}: {status} (expected {expected['status']})")
        _print_reasons(merchant.get("decision") or {}, lang)

    listings = Tally()
    _say(lang, "④ 商品核验：", "4. Listings:")
    for case in cases["listings"]:
        body = {k: case[k] for k in ("external_id", "title", "description", "registration_number", "product_name",
                                     "manufacturer", "model", "device_class") if k in case}
        body["merchant_id"] = merchant_ids[case["merchant"]]
        listing = client.post("/v1/listings", headers=auth, json=body).get_json()
        decision = listing["decision"]
        expected = case["expected"]
        codes = {r["code"] for r in decision["reasons"] if r["severity"] != "info"}
        ok = decision["outcome"] == expected["outcome"] and set(expected["reasons"]) <= codes
        listings.total += 1
        listings.matched += ok
        listings.rows.append({"listing": case["title"], "outcome": decision["outcome"], "expected": expected["outcome"],
                              "codes": sorted(codes), "as_expected": ok})
        outcome = decision["outcome"] if lang == "en" else OUTCOME_ZH[decision["outcome"]]
        _say(lang, f"   {'✓' if ok else '✗'} {case['title']}：{outcome}（预期 {OUTCOME_ZH[expected['outcome']]}）",
             f"   {'✓' if ok else '✗'} {case['title']}: {outcome} (expected {expected['outcome']})")
        _print_reasons(decision, lang)

    summary = {"platform": platform.id, "registry_version": result.snapshot,
               "merchants": {"as_expected": merchants.matched, "total": merchants.total, "cases": merchants.rows},
               "listings": {"as_expected": listings.matched, "total": listings.total, "cases": listings.rows},
               "seconds": round(time.perf_counter() - started, 1)}
    out = runtime.settings.data_dir / f"demo-summary-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    _say(lang, f"⑤ 完成：商户 {merchants.matched}/{merchants.total}、商品 {listings.matched}/{listings.total} 与预期一致；"
               f"用时 {summary['seconds']} 秒。汇总已写入 {out}",
         f"5. Done: merchants {merchants.matched}/{merchants.total}, listings {listings.matched}/{listings.total} "
         f"as expected in {summary['seconds']} s. Summary written to {out}")
    summary["reports"] = sample_reports(runtime, platform.id, spec, lang)
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return summary


def sample_reports(runtime: Runtime, platform_id: str, spec: dict, lang: str) -> list[dict]:
    """The reports the demo's violations owe: the immediate ones (raised by the stop-and-report
    violations as they were found) and this month's periodic report of each province the sellers
    are in, written under ``<data dir>/reports/<platform>`` and printed with their paths."""
    with runtime.db.session() as session:
        platform = session.get(Platform, platform_id)
        platform.settings = {**(platform.settings or {}), "uscc": spec.get("uscc"),
                             "contact_person": spec.get("contact_person", "合规负责人")}
        provinces = sorted({r[:2] + "0000" for r in session.scalars(
            select(Violation.region).where(Violation.platform_id == platform_id)) if r}) or [spec["region"][:2] + "0000"]
    period = period_containing("month", datetime.now(CHINA_TZ).date()).key
    for region in provinces:
        generate_now(runtime, platform_id, region, period, requested_by="demo")
    runtime.dispatcher.wait_idle(timeout=600)
    directory = runtime.settings.data_dir / "reports" / platform_id
    with runtime.db.session() as session:
        reports = session.scalars(select(Report).where(Report.platform_id == platform_id)
                                  .order_by(Report.kind.desc(), Report.created_at)).all()
        rows = [{"id": r.id, "kind": r.kind, "region": r.region, "period": r.period, "violation_id": r.violation_id,
                 "status": r.status, "cases": r.case_count, "bureaus": [b["name_zh"] for b in r.bureaus]}
                for r in reports]
    immediate = sum(1 for r in rows if r["kind"] == "immediate")
    _say(lang, f"⑥ 监管报告：{len(rows) - immediate} 份定期报告（{period}），{immediate} 份立即报告（立即停止并报告类违规），"
               f"文件在 {directory}",
         f"6. Regulator reports: {len(rows) - immediate} periodic ({period}), {immediate} immediate "
         f"(stop-and-report violations); files in {directory}")
    for row in rows:
        row["paths"] = write_files(runtime, row["id"], directory) if row["status"] == "generated" else {}
        what = (f"定期报告 {row['region']} {row['period']}（{row['cases']} 件）" if row["kind"] == "periodic"
                else f"立即报告 {row['violation_id']}")
        what_en = (f"periodic {row['region']} {row['period']} ({row['cases']} cases)" if row["kind"] == "periodic"
                   else f"immediate {row['violation_id']}")
        _say(lang, f"   {what} → {'、'.join(row['bureaus'])}：{row['status']}", f"   {what_en}: {row['status']}")
        for path in row["paths"].values():
            click.echo(f"      {path}")
    return rows
