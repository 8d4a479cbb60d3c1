"""Reports: requested, generated as a job, stored, delivered by the platform's channels.

Generation reads the facts in one short transaction, renders the three files with no
transaction open (100,000 cases take seconds), stores them, and records the result and the
deliveries it owes in a second transaction. A report that fails to generate is retried by the
task machinery and ends ``failed`` with its error.
"""
from __future__ import annotations

import contextlib
import gc
import logging
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.audit.services import append
from gateway.db import utcnow
from gateway.errors import Conflict, NotFound, field_error
from gateway.ids import new_id
from gateway.jobs import outbox
from gateway.jobs.outbox import dispatch_after_commit
from gateway.jobs.names import TaskName
from gateway.reports import delivery, facts
from gateway.reports.models import FORMATS, MEDIA_TYPES, Report, ReportStatus
from gateway.runtime import Runtime
from gateway.tenancy.models import Platform
from gateway.violations.models import Violation
from gateway.violations.signals import violation_reported
from verifiers.reports import render_json, render_pdf, render_xlsx
from verifiers.reports.forms import build_immediate_report, build_periodic_report
from verifiers.reports.periods import PeriodError, parse_period
from verifiers.reports.routing import RULES, Bureau, RoutingError, default_directory

log = logging.getLogger(__name__)
_REGION = re.compile(r"^\d{6}$")


# --- routing --------------------------------------------------------------------------------------

def routing_rule(platform: Platform) -> str:
    """The platform's report routing (``report_routing`` in its settings): ``seller_municipal`` by
    default (REG21 Art 46), ``platform_provincial`` (O38) or ``both``."""
    rule = (platform.settings or {}).get("report_routing") or "seller_municipal"
    return rule if rule in RULES else "seller_municipal"


def periodic_bureaus(platform: Platform, region: str) -> list[Bureau]:
    """Who a periodic report for ``region`` goes to: the bureau supervising the region (its
    municipal bureau, or the provincial MPA for a whole province), or under ``platform_provincial``
    the platform's provincial MPA, or under ``both`` the two."""
    directory = default_directory()
    rule = routing_rule(platform)
    regional = directory.bureau_for_region(region)
    if rule == "seller_municipal":
        return [regional]
    provincial = directory.provincial_bureau(platform.region)
    if rule == "platform_provincial" or provincial.code == regional.code:
        return [provincial]
    return [regional, provincial]


def check_region(region: str) -> str:
    if not isinstance(region, str) or not _REGION.match(region):
        raise field_error("json", "region", "地区应为6位行政区划代码", "region must be a 6-digit division code")
    try:
        default_directory().province(region)
    except RoutingError as exc:
        zh, _, en = exc.message.partition(" / ")
        raise field_error("json", "region", zh, en or zh) from None
    return region


def check_period(text: str) -> str:
    try:
        return parse_period(text).key
    except PeriodError as exc:
        zh, _, en = exc.message.partition(" / ")
        raise field_error("json", "period", zh, en or zh) from None


# --- requests -------------------------------------------------------------------------------------

def _platform(session: Session, platform_id: str) -> Platform:
    platform = session.get(Platform, platform_id)
    if platform is None:
        raise NotFound("平台不存在", "No such platform")
    return platform


def request_report(session: Session, platform_id: str, region: str, period: str,
                   requested_by: str = "api") -> tuple[Report, list]:
    """A periodic report for ``region`` (a province code covers its cities) and ``period``
    (``2026-11``, ``2026-Q4``, ``2026``), queued; returns it and its generation task."""
    region, period = check_region(region), check_period(period)
    platform = _platform(session, platform_id)
    report = Report(id=new_id("rep"), platform_id=platform_id, kind="periodic", region=region, period=period,
                    bureaus=[b.as_dict() for b in periodic_bureaus(platform, region)],
                    routing_rule=routing_rule(platform), status=ReportStatus.QUEUED, files={},
                    requested_by=requested_by, created_at=utcnow())
    session.add(report)
    session.flush()
    return report, [outbox.enqueue(session, TaskName.REPORT_GENERATE, {"report_id": report.id})]


def request_immediate(session: Session, violation: Violation, requested_by: str = "violation") -> tuple[Report, list]:
    """The immediate report of one violation (立即报告), queued. Its bureaus are the violation's own,
    fixed when it was found; routed again only when it has none."""
    platform = _platform(session, violation.platform_id)
    bureaus = list(violation.bureaus or ())
    if not bureaus:
        try:
            bureaus = [b.as_dict() for b in default_directory().route(
                seller_region=violation.region, platform_region=platform.region, rule=routing_rule(platform))]
        except (RoutingError, TypeError):  # the seller's place unknown: the platform's provincial bureau
            bureaus = [default_directory().provincial_bureau(platform.region).as_dict()]
    report = Report(id=new_id("rep"), platform_id=violation.platform_id, kind="immediate",
                    region=violation.region or platform.region, period=None, violation_id=violation.id,
                    bureaus=bureaus, routing_rule=routing_rule(platform), status=ReportStatus.QUEUED, files={},
                    requested_by=requested_by, created_at=utcnow())
    session.add(report)
    session.flush()
    return report, [outbox.enqueue(session, TaskName.REPORT_GENERATE, {"report_id": report.id})]


@violation_reported.connect
def on_violation_reported(violation: Violation, session: Session, **_kwargs) -> list:
    """The violations area's ``violation_reported`` signal: a stop-and-report violation (or an
    overdue correct-then-report one) owes its immediate report now, queued in the violation's own
    transaction so that the two cannot be separated."""
    return request_immediate(session, violation)[1]


def get_report(session: Session, platform_id: str, report_id: str) -> Report:
    report = session.get(Report, report_id)
    if report is None or report.platform_id != platform_id:
        raise NotFound("报告不存在", "No such report")
    return report


def list_reports_query(platform_id: str, *, kind: str | None = None, region: str | None = None,
                       period: str | None = None, status: str | None = None):
    query = select(Report).where(Report.platform_id == platform_id)
    if kind:
        query = query.where(Report.kind == kind)
    if region:
        query = query.where(Report.region == region)
    if period:
        query = query.where(Report.period == check_period(period))
    if status:
        query = query.where(Report.status == status)
    return query.order_by(Report.created_at.desc(), Report.id.desc())


def file_name(kind: str, region: str, period: str | None, report_id: str, violation_id: str | None,
              fmt: str) -> str:
    """A name a bureau's clerk can file: ``监测处置情况报告-440300-2026-11-rep_….xlsx``."""
    if kind == "immediate":
        return f"违法行为报告-{region}-{violation_id}.{fmt}"
    return f"监测处置情况报告-{region}-{period}-{report_id}.{fmt}"


def report_file(storage, report: Report, fmt: str) -> tuple[bytes, str, str]:
    """(bytes, media type, file name) of one of a generated report's files; 409 before then."""
    if fmt not in FORMATS:
        raise field_error("query", "format", f"格式应为 {'/'.join(FORMATS)}", f"format must be one of {', '.join(FORMATS)}")
    if report.status != ReportStatus.GENERATED:
        raise Conflict(f"报告尚未生成（{report.status}）", f"The report is not generated yet ({report.status})",
                       code="report-not-ready", report_status=report.status)
    info = report.files[fmt]
    return storage.get(info["key"]), info["media_type"], info["filename"]


# --- generation -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Built:
    report_id: str
    platform_id: str
    kind: str
    region: str
    period: str | None
    content: object  # PeriodicReport | ImmediateReport
    case_count: int
    case_digest: str | None


def build(session: Session, report: Report, now: datetime) -> Built:
    """The report's content, from the database as it is now (one read transaction)."""
    platform = session.get(Platform, report.platform_id)
    platform_facts = facts.platform_facts(platform)
    bureaus = [Bureau(**b) for b in report.bureaus]
    if report.kind == "immediate":
        violation = session.get(Violation, report.violation_id)
        if violation is None:
            raise ValueError(f"violation {report.violation_id} not found")
        [facts_row] = facts.violations_facts(session, [violation])
        content = build_immediate_report(platform=platform_facts, violation=facts_row, bureaus=bureaus,
                                         reported_at=violation.reported_at or now)
        return Built(report.id, report.platform_id, report.kind, report.region, None, content, 1, None)
    period = parse_period(report.period)
    violations = facts.period_violations(session, report.platform_id, report.region, period)
    content = build_periodic_report(
        platform=platform_facts, region=report.region, period=period, violations=violations,
        leads=facts.period_leads(session, report.platform_id, period),
        merchants_checked=facts.merchants_checked(session, report.platform_id, report.region, period),
        generated_at=now, bureau=bureaus[0] if bureaus else None)
    return Built(report.id, report.platform_id, report.kind, report.region, report.period, content,
                 len(content.cases), content.case_digest)


def render(built: Built) -> dict[str, bytes]:
    """The three files, Chinese first (no database, no transaction)."""
    if built.kind == "immediate":
        return {"xlsx": render_xlsx.render_immediate_report(built.content),
                "pdf": render_pdf.render_immediate_report(built.content),
                "json": render_json.render_immediate_report(built.content)}
    return {"xlsx": render_xlsx.render_periodic_report(built.content),
            "pdf": render_pdf.render_periodic_report(built.content),
            "json": render_json.render_periodic_report(built.content)}


@contextlib.contextmanager
def _gc_paused():
    """Hold the cyclic garbage collector while 100,000 case facts are built and rendered: they are
    millions of small acyclic objects, and the collector's passes over them cost more than building
    them (docs/benchmarks.md). Reference counting still frees everything; one collection follows."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def generate(runtime: Runtime, report_id: str) -> None:
    """Build, render and store one report, then queue its deliveries (the ``report.generate`` task)."""
    now = utcnow()
    with _gc_paused():
        with runtime.db.session() as session:
            report = session.get(Report, report_id)
            if report is None or report.status == ReportStatus.GENERATED:
                return
            built = build(session, report, now)
        rendered = render(built)
    violation_id = built.content.violation_id if built.kind == "immediate" else None
    files = {}
    for fmt in FORMATS:
        key = f"reports/{built.platform_id}/{built.report_id}.{fmt}"
        runtime.storage.put(key, rendered[fmt], MEDIA_TYPES[fmt])
        files[fmt] = delivery.stored_file(key, rendered[fmt], MEDIA_TYPES[fmt], file_name(built.kind, built.region, built.period, built.report_id, violation_id, fmt))
    with runtime.db.session() as session:
        report = session.get(Report, report_id, with_for_update=True)
        if report is None or report.status == ReportStatus.GENERATED:
            return
        report.status, report.files, report.error = ReportStatus.GENERATED, files, None
        report.case_count, report.case_digest, report.generated_at = built.case_count, built.case_digest, utcnow()
        # The files' hashes enter the audit chain: a report later said to differ from what was sent
        # can be checked against it (qingwang audit verify).
        append(session, platform_id=report.platform_id, kind="report.generated", subject_type="report",
               subject_id=report.id, actor="system",
               data={"report_id": report.id, "kind": report.kind, "region": report.region, "period": report.period,
                     "violation_id": report.violation_id, "case_count": report.case_count,
                     "case_digest": report.case_digest, "files": {fmt: f["sha256"] for fmt, f in files.items()}})
        tasks = queue_deliveries(session, report)
    dispatch_after_commit(runtime.dispatcher, tasks)
    log.info("report generated", extra={"report_id": report_id, "cases": built.case_count})


def title(report: Report) -> str:
    bureaus = "、".join(b["name_zh"] for b in report.bureaus) or report.region
    if report.kind == "immediate":
        return f"【立即报告】医疗器械网络交易违法行为报告 {report.violation_id}（报送：{bureaus}）"
    return f"医疗器械网络交易监测处置情况报告 {report.region} {report.period}（报送：{bureaus}）"


def queue_deliveries(session: Session, report: Report) -> list:
    """One delivery per enabled channel of the platform that carries this kind of report for its
    region; returns the tasks."""
    tasks = []
    for channel in delivery.channels_for(session, report.platform_id, report.region, report.kind):
        tasks.extend(delivery.queue_parcel(session, channel, subject_type="report", subject_id=report.id,
                                           title=title(report), files=report.files)[1])
    return tasks


def mark_failed(session: Session, report_id: str, error: str) -> None:
    report = session.get(Report, report_id)
    if report is not None and report.status == ReportStatus.QUEUED:
        report.status, report.error = ReportStatus.FAILED, error[:2000]
