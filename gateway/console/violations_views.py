"""Violations (违法违规记录) and their frozen evidence, for staff: a list with filters and one
violation with everything it recorded. Acting on one is acting on its case (the listing or
merchant page), where the decision that corrects it is taken."""
from __future__ import annotations

from flask import request
from sqlalchemy import exists, select

from gateway.console.queue import PAGE_SIZE, region_prefix
from gateway.console.web import bp, page_of, render, runtime, staff, staff_required
from gateway.listings.models import Listing
from gateway.merchants.models import Merchant
from gateway.tenancy.models import Platform
from gateway.violations.models import Violation, ViolationCode, ViolationStatus
from gateway.violations.services import evidence_of


@bp.get("/violations", endpoint="violations")
@staff_required
def violations():
    args = request.args
    status = args.get("status") if args.get("status") in ViolationStatus.ALL else None
    code = (args.get("code") or "").strip().upper()
    code = code if code.replace("_", "").isalnum() and len(code) <= 40 else ""
    region = (args.get("region") or "").strip()
    region = region if region.isdigit() and len(region) == 6 else ""
    query = select(Violation).where(staff().sees(Violation.platform_id))
    if status:
        query = query.where(Violation.status == status)
    if code:
        query = query.where(exists().where(ViolationCode.violation_id == Violation.id, ViolationCode.code == code))
    if region:
        query = query.where(Violation.region.like(region_prefix(region) + "%"))
    with runtime().db.read_sessionmaker() as reader:
        paged = page_of(reader, query.order_by(Violation.detected_at.desc(), Violation.id.desc()), PAGE_SIZE)
        merchants = dict(reader.execute(select(Merchant.id, Merchant.name)
                                        .where(Merchant.id.in_({v.merchant_id for v in paged["rows"]}))).all())
    kept = {k: v for k, v in {"status": status, "code": code, "region": region}.items() if v}
    return render("console/violations.html", **paged, merchants=merchants,
                  statuses=ViolationStatus.ALL, status=status, code=code, region=region, args=kept)


@bp.get("/violations/<violation_id>")
@staff_required
def violation(violation_id):
    with runtime().db.read_sessionmaker() as reader:
        found = staff().get(reader, Violation, violation_id, "违法违规记录不存在", "No such violation")
        return render("console/violation.html", violation=found, evidence=evidence_of(reader, found.id),
                      merchant=reader.get(Merchant, found.merchant_id),
                      listing=reader.get(Listing, found.listing_id) if found.listing_id else None,
                      platform=reader.get(Platform, found.platform_id))
