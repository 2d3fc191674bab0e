"""The cases behind a figure of the evaluation (a click on a figure of the dashboard).

The list uses the very condition that counts the figure (:data:`FIGURE_CONDITIONS`), so a
figure and its list always agree; for PEOPLE_HELPED the list has one row per case (a person
granted twice in a long period appears twice, and is counted once).
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from app.models.enums import CaseState, Component, ExitReason
from app.services.actor import Actor
from app.services.errors import ValidationError
from app.services.evaluation_queries import saving_condition
from app.services.evaluation_sql import FIGURE_CONDITIONS, Dialect, case_filter
from app.services.evaluation_types import CaseRow, Figure, Period, Scope
from app.services.storage import Database

_SELECT = (
    "SELECT c.id, c.reference, c.beneficiary_id, cb.last_name, cb.first_name, c.state, "
    "co.name, cr.first_name, cr.last_name, c.submitted_on, "
    "(SELECT min(g.decided_on) FROM decision AS g WHERE g.case_id = c.id AND g.kind = 'grant'), "
    "c.end_date "
    "FROM pack_case AS c JOIN beneficiary AS cb ON cb.id = c.beneficiary_id "
    "LEFT JOIN office AS co ON co.id = c.office_id "
    "LEFT JOIN app_user AS cr ON cr.id = c.referent_id "
    "LEFT JOIN scale_version AS sv ON sv.id = c.scale_version_id"
)
_MONTH = re.compile(r"\d{4}-\d{2}")


def _detail_condition(figure: Figure, detail: str, sql: Dialect) -> tuple[str, dict[str, Any]]:
    """The extra condition of a figure's detail (a month, an exit reason, a component)."""
    if figure in (Figure.PEOPLE_HELPED, Figure.GRANTED) and _MONTH.fullmatch(detail):
        month = sql.month_key("dm.decided_on")
        return (
            "EXISTS (SELECT 1 FROM decision AS dm WHERE dm.case_id = c.id AND dm.kind = "
            f"'grant' AND dm.decided_on BETWEEN :start AND :end AND {month} = :detail)",
            {"detail": detail},
        )
    if figure is Figure.ENDED_EARLY and detail in {r.value for r in ExitReason}:
        return "c.exit_reason = :detail", {"detail": detail}
    if figure is Figure.AID and detail in {c.value for c in Component}:
        return (
            "EXISTS (SELECT 1 FROM instalment AS ic WHERE ic.case_id = c.id "
            "AND ic.component = :detail AND ic.status <> 'cancelled')",
            {"detail": detail},
        )
    raise ValidationError({"detail": f"Précision « {detail} » inconnue pour « {figure.label} »."})


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def cases_for(
    db: Database,
    actor: Actor,
    figure: Figure,
    period: Period,
    scope: Scope | None = None,
    *,
    detail: str | None = None,
) -> list[CaseRow]:
    """The cases behind ``figure`` (same period, scope and visibility as :func:`evaluate`),
    by reference; ``detail`` narrows it (see :class:`Figure`)."""
    from app.services import clock

    sql = Dialect.of(db)
    flt = case_filter(db, actor, scope or Scope(), period)
    params = dict(flt.params)
    if figure is Figure.SAVING:
        condition = saving_condition(sql)
        params["counted_end"] = sql.day(min(period.end, clock.today()))
    else:
        condition = FIGURE_CONDITIONS[figure]
    if detail:
        extra, more = _detail_condition(figure, detail, sql)
        condition, params = f"{condition} AND {extra}", {**params, **more}
    rows = db.rows(
        f"{_SELECT}{flt.joins} WHERE {flt.where} AND {condition} ORDER BY c.reference", params
    )
    return [
        CaseRow(
            case_id=uuid.UUID(str(cid)),
            reference=ref,
            beneficiary_id=uuid.UUID(str(bid)),
            beneficiary_name=f"{(last or '').upper()} {first or ''}".strip(),
            state=state,
            state_label=CaseState(state).label,
            office=office or "",
            referent=f"{rf or ''} {rl or ''}".strip(),
            submitted_on=_as_date(submitted),
            granted_on=_as_date(granted),
            end_date=_as_date(ended),
        )
        for cid, ref, bid, last, first, state, office, rf, rl, submitted, granted, ended in rows
    ]
