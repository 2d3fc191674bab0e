"""The evaluation as text: the JSON and CSV of ``stats`` (English keys, stable: documented
in README.md), and the open-data CSV of ``open-data`` (French headers, no personal data,
small counts masked).
"""

from __future__ import annotations

import csv
import io
import json
import os
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from app.services.actor import Actor
from app.services.evaluation_queries import component_aid, counts, delays
from app.services.evaluation_sql import Dialect, case_filter
from app.services.evaluation_types import Evaluation, Figure, Period, Scope
from app.services.storage import Database
from app.services.visibility import scope_of

SMALL_COUNT = 5  # open data: a count from 1 to 4 is published as « < 5 »
MASK = "< 5"


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def as_dict(ev: Evaluation) -> dict[str, Any]:
    """The figures as JSON-ready values: cents and counts as integers, shares in ‰,
    months in work as a number with one decimal, dates ISO."""
    p, f, e, d, u, s = ev.people_helped, ev.funnel, ev.envelope, ev.delays, ev.use, ev.saving
    return {
        "period": {"from": ev.period.start.isoformat(), "to": ev.period.end.isoformat()},
        "scope": {
            "kind": ev.scope.kind.value,
            "id": str(ev.scope.id) if ev.scope.id else None,
            "label": ev.scope_label,
        },
        "as_of": ev.as_of.isoformat(),
        "people_helped": {
            "count": p.count,
            "target": p.target,
            "yearly_target": p.yearly_target,
            "target_permille": p.target_permille,
            "target_note": p.target_note,
            "by_month": [{"month": m.key, "count": m.count} for m in p.by_month],
        },
        "funnel": {
            "requests": f.requests,
            "granted": f.granted,
            "refused": f.refused,
            "completed": f.completed,
            "ended_early": f.ended_early,
            "ended_early_by_reason": [
                {"reason": x.reason, "label": x.label, "count": x.count}
                for x in f.ended_early_by_reason
            ],
            "exits": f.exits,
            "employed_at_exit": f.employed_at_exit,
            "employed_at_exit_permille": f.employed_at_exit_permille,
            "still_in_scheme": f.still_in_scheme,
        },
        "envelope": {
            "years": [
                {
                    "year": y.year,
                    "voted_cents": y.voted_cents,
                    "committed_cents": y.committed_cents,
                    "mandated_cents": y.mandated_cents,
                    "paid_cents": y.paid_cents,
                    "remaining_cents": y.remaining_cents,
                }
                for y in e.years
            ],
            "voted_cents": e.voted_cents,
            "committed_cents": e.committed_cents,
            "paid_cents": e.paid_cents,
            "remaining_cents": e.remaining_cents,
            "scope_committed_cents": e.scope_committed_cents,
            "scope_paid_cents": e.scope_paid_cents,
            "aid_cents": e.aid_cents,
            "people": e.people,
            "average_per_person_cents": e.average_per_person_cents,
            "by_component": [
                {
                    "component": c.component,
                    "label": c.label,
                    "people": c.people,
                    "total_cents": c.total_cents,
                    "average_cents": c.average_cents,
                }
                for c in e.by_component
            ],
        },
        "delays": {
            "decided": d.decided,
            "median_days": d.median_days,
            "p90_days": d.p90_days,
            "waiting": d.waiting,
            "oldest_waiting_since": _iso(d.oldest_waiting_since),
        },
        "professionals": {
            "referents_active": u.referents_active,
            "referents_total": u.referents_total,
            "referents_permille": u.referents_permille,
            "offices_active": u.offices_active,
            "offices_total": u.offices_total,
            "offices_permille": u.offices_permille,
            "offices_without_request": [
                {"id": str(o.id), "name": o.name, "institution": o.institution}
                for o in u.offices_without_request
            ],
        },
        "saving": {
            "label": s.label,
            "cases": s.cases,
            "days_in_work": s.days_in_work,
            "months_in_work": float(s.months_in_work),
            "rsa_avoided_cents": s.rsa_avoided_cents,
            "aid_cents": s.aid_cents,
            "net_cents": s.net_cents,
            "rates": [
                {"from": r.effective_from.isoformat(), "monthly_cents": r.monthly_cents}
                for r in s.rates
            ],
            "formula": s.formula,
        },
    }


def as_json(ev: Evaluation) -> str:
    return json.dumps(as_dict(ev), ensure_ascii=False, indent=1)


# In a list of objects, the key that names each item in the CSV's dotted keys.
_ITEM_KEYS = ("month", "reason", "year", "component", "id", "from")


def _flatten(prefix: str, value: Any, out: list[tuple[str, Any]]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else key, inner, out)
    elif isinstance(value, list):
        for item in value:
            key = next(k for k in _ITEM_KEYS if k in item)
            rest = {k: v for k, v in item.items() if k != key}
            _flatten(f"{prefix}.{item[key]}", rest, out)
    else:
        out.append((prefix, value))


def _csv_text(header: list[str], rows: list[list[Any]]) -> str:
    """The house CSV: ``;``-separated, CRLF; write it as UTF-8 with BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def as_csv(ev: Evaluation) -> str:
    """One ``key;value`` line per figure, keys as in the JSON joined with dots
    (``funnel.ended_early_by_reason.job_lost.count``); empty value for « none »."""
    flat: list[tuple[str, Any]] = []
    _flatten("", as_dict(ev), flat)
    return _csv_text(["key", "value"], [[k, "" if v is None else v] for k, v in flat])


OPEN_DATA_COLUMNS = [
    "annee",
    "institution",
    "bureau",
    "demandes",
    "accords",
    "refus",
    "personnes_aidees",
    "sorties_au_terme",
    "sorties_anticipees",
    "en_emploi_a_la_sortie",
    "encore_dans_le_dispositif",
    "en_attente_de_decision",
    "aides_accordees_euros",
    "delai_median_jours",
]
OPEN_DATA_NOTE = (
    "Pack sortie RSA — chiffres par bureau (aucune donnée personnelle). Les effectifs de 1 à "
    "4 sont remplacés par « < 5 » ; le montant des aides l'est quand moins de 5 personnes "
    "ont été aidées, le délai médian quand moins de 5 demandes ont été décidées."
)


def _masked(count: int) -> int | str:
    return MASK if 0 < count < SMALL_COUNT else count


def _euros(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


def open_data_rows(db: Database, actor: Actor, year: int) -> list[list[Any]]:
    """One row per office (by institution, then name), masked; offices with no case show 0.
    An actor who does not read every file gets their institution's offices only."""
    period = Period.year(year)
    read = scope_of(actor)  # a référent publishes only their institution's offices
    offices = db.rows(
        "SELECT o.id, i.name, o.name FROM office AS o "
        "JOIN institution AS i ON i.id = o.institution_id"
        + (" WHERE o.institution_id = :inst" if read else "")
        + " ORDER BY i.name, o.name",
        {"inst": Dialect.of(db).uid(read.institution_id)} if read else {},
    )
    out = []
    for office_id, institution, name in offices:
        flt = case_filter(db, actor, Scope.office(uuid.UUID(str(office_id))), period)
        found = counts(db, flt)
        timing = delays(db, flt, found[Figure.WAITING])
        people = found[Figure.PEOPLE_HELPED]
        aid = sum(c.total_cents for c in component_aid(db, flt))
        figures = [
            Figure.REQUESTS,
            Figure.GRANTED,
            Figure.REFUSED,
            Figure.PEOPLE_HELPED,
            Figure.COMPLETED,
            Figure.ENDED_EARLY,
            Figure.EMPLOYED_AT_EXIT,
            Figure.STILL_IN_SCHEME,
            Figure.WAITING,
        ]
        out.append(
            [
                year,
                institution,
                name,
                *(_masked(found[f]) for f in figures),
                MASK if 0 < people < SMALL_COUNT else _euros(aid),
                ""
                if timing.median_days is None
                else (MASK if timing.decided < SMALL_COUNT else timing.median_days),
            ]
        )
    return out


def write_open_data(db: Database, actor: Actor, year: int, out: Path) -> int:
    """Write the open-data CSV atomically (temporary file renamed); return its rows."""
    rows = open_data_rows(db, actor, year)
    tmp = out.with_name(out.name + ".tmp")
    try:
        tmp.write_text(_csv_text(OPEN_DATA_COLUMNS, rows), encoding="utf-8-sig")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return len(rows)
