"""``export-cases``: every case with its beneficiary id, scale version, components,
instalments and decisions, as JSON (nested) or CSV (one row per case, `;`, UTF-8 with BOM)."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.models import Case, ScaleVersion
from app.services import access_log
from app.services.actor import Actor
from app.services.storage import Database

CSV_COLUMNS = [
    "reference",
    "beneficiary_id",
    "state",
    "request_date",
    "job_start",
    "trial_end",
    "contract_type",
    "employer_name",
    "scale_version_id",
    "scale_effective_from",
    "components",
    "total_cents",
    "instalments",
    "decisions",
    "decision_number",
    "decision_date",
    "decision_kind",
    "motivation",
    "submitted_on",
    "decided_on",
    "end_date",
    "exit_reason",
    "employed_at_exit",
]


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def iter_cases(db: Database) -> Iterator[dict[str, Any]]:
    with db.read() as s:
        scales = {v.id: v.effective_from for v in s.scalars(select(ScaleVersion))}
        query = (
            select(Case)
            .order_by(Case.reference)
            .options(
                selectinload(Case.aid_lines),
                selectinload(Case.instalments),
                selectinload(Case.decisions),
            )
        )
        for case in s.scalars(query).yield_per(500):
            instalments = sorted(case.instalments, key=lambda i: (i.due_month, i.component))
            yield {
                "reference": case.reference,
                "beneficiary_id": str(case.beneficiary_id),
                "state": case.state,
                "request_date": _iso(case.request_date),
                "job_start": _iso(case.job_start),
                "trial_end": _iso(case.trial_end),
                "contract_end": _iso(case.contract_end),
                "contract_type": case.contract_type,
                "employer_name": case.employer_name,
                "scale_version": {
                    "id": str(case.scale_version_id) if case.scale_version_id else None,
                    "effective_from": _iso(
                        scales.get(case.scale_version_id) if case.scale_version_id else None
                    ),
                },
                "components": [
                    {
                        "component": a.component,
                        "monthly_cents": a.monthly_cents,
                        "months": a.months,
                        "payee_kind": a.payee_kind,
                    }
                    for a in case.aid_lines
                ],
                "instalments": [
                    {
                        "month": i.due_month.strftime("%Y-%m"),
                        "component": i.component,
                        "amount_cents": i.amount_cents,
                        "status": i.status,
                        "envelope_year": i.envelope_year,
                        "payee_kind": i.payee_kind,
                        "payee": i.payee_name,
                    }
                    for i in instalments
                ],
                "total_cents": sum(i.amount_cents for i in instalments if i.status != "cancelled"),
                "decisions": [
                    {
                        "number": d.number,
                        "date": _iso(d.decided_on),
                        "kind": d.kind,
                        "motivation": d.motivation,
                        **(
                            {
                                "override_rules": d.override_rules.splitlines(),
                                "override_motivation": d.override_motivation,
                            }
                            if d.override_motivation
                            else {}
                        ),
                    }
                    for d in sorted(case.decisions, key=lambda d: (d.decided_on, d.sequence))
                ],
                "submitted_on": _iso(case.submitted_on),
                "decided_on": _iso(case.decided_on),
                "end_date": _iso(case.end_date),
                "observations": {
                    "invited_on": _iso(case.observations_invited_on),
                    "sent_on": _iso(case.observations_sent_on),
                    "deadline": _iso(case.observations_deadline),
                },
                "exit_reason": case.exit_reason or None,
                "employed_at_exit": case.employed_at_exit,
            }


def _csv_row(case: dict[str, Any]) -> dict[str, Any]:
    last = case["decisions"][-1] if case["decisions"] else {}
    return {
        **{
            k: case.get(k)
            for k in CSV_COLUMNS
            if k in case and not isinstance(case[k], (list, dict))
        },
        "scale_version_id": case["scale_version"]["id"],
        "scale_effective_from": case["scale_version"]["effective_from"],
        "components": "|".join(
            f"{c['component']}:{c['monthly_cents']}x{c['months']}" for c in case["components"]
        ),
        "instalments": "|".join(
            f"{i['month']}:{i['component']}:{i['amount_cents']}:{i['status']}:{i['payee_kind']}"
            for i in case["instalments"]
        ),
        "decisions": "|".join(f"{d['number']}:{d['kind']}:{d['date']}" for d in case["decisions"]),
        "decision_number": last.get("number"),
        "decision_date": last.get("date"),
        "decision_kind": last.get("kind"),
        "motivation": last.get("motivation"),
    }


def export_cases(db: Database, out: Path, fmt: str, *, actor: Actor | None = None) -> int:
    """Write the export atomically (temporary file renamed); return the number of cases.
    The export is recorded in the access log (as ``actor``, else the system)."""
    if fmt not in ("json", "csv"):
        raise ValueError(fmt)
    cases = list(iter_cases(db))
    tmp = out.with_name(out.name + ".tmp")
    if fmt == "json":
        tmp.write_text(json.dumps({"cases": cases}, ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, fieldnames=CSV_COLUMNS, delimiter=";", lineterminator="\r\n"
        )
        writer.writeheader()
        for case in cases:
            writer.writerow(_csv_row(case))
        tmp.write_text(buffer.getvalue(), encoding="utf-8-sig")
    os.replace(tmp, out)
    access_log.record_alone(
        db,
        actor or Actor.system("export-cases"),
        "export",
        details={"entity": "case", "format": fmt, "count": len(cases), "file": out.name},
    )
    return len(cases)
