"""``qingwang leads import``: a bureau's spreadsheet of leads, row by row.

Every readable row becomes a lead exactly as POST /v1/leads would record it (matching and
the overdue check queued, ``lead.received`` sent); a row that cannot be read, or whose
线索编号 is already recorded, is reported with its row number and the rest still land. The
good rows commit together, each in a savepoint of its own, so one duplicate never takes
the others with it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gateway.errors import ServiceError
from gateway.jobs.outbox import dispatch_after_commit
from gateway.leads.services import create_lead
from gateway.runtime import Runtime
from verifiers.leads.sheet import RowError, parse_sheet, read_rows


@dataclass
class ImportResult:
    file: str
    leads: list[dict] = field(default_factory=list)  # {"row", "id", "reference"}
    errors: list[RowError] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict:
        return {"file": self.file, "imported": len(self.leads), "rejected": len(self.errors), "leads": self.leads,
                "errors": [{"row": e.row, "message": e.zh, "message_en": e.en} for e in self.errors],
                "columns": self.columns}


def import_leads(runtime: Runtime, platform_id: str, path: Path, *, source: str | None = None,
                 region: str | None = None) -> ImportResult:
    """Import ``path`` (XLSX or CSV) for the platform; raises SheetError when the file as a whole
    cannot be read."""
    parsed = parse_sheet(read_rows(path), default_source=source, default_region=region)
    result = ImportResult(path.name, errors=list(parsed.errors), columns=parsed.columns)
    tasks = []
    with runtime.db.session() as session:
        for row, body in parsed.leads:
            try:
                with session.begin_nested():
                    lead, raised = create_lead(session, platform_id, body, origin=f"import:{path.name}"[:200],
                                               actor="import")
            except ServiceError as exc:
                result.errors.append(RowError(row, exc.zh, exc.en))
                continue
            tasks += raised
            result.leads.append({"row": row, "id": lead.id, "reference": lead.reference})
    dispatch_after_commit(runtime.dispatcher, tasks)
    result.errors.sort(key=lambda e: e.row)
    return result
