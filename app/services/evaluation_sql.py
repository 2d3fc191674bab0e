"""SQL building blocks of the evaluation: dialect differences, the scope and visibility
filter on cases, and the condition that puts a case in each figure.

Every query reads ``pack_case AS c``; a figure's condition (:data:`FIGURE_CONDITIONS`) is
written once and serves both the count (``sum(CASE WHEN … THEN 1 ELSE 0 END)``) and the
list of the cases behind it, so the two always agree. Parameters: ``:start`` and ``:end``
(the period), ``:as_of`` (the day of the computation), ``:yes`` (true).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.models.enums import CaseState
from app.services.actor import Actor
from app.services.evaluation_types import Figure, Period, Scope, ScopeKind
from app.services.storage import Database
from app.services.visibility import scope_of, scope_sql

# States of a case that was granted (whatever happened next).
GRANTED_STATES = (
    CaseState.GRANTED,
    CaseState.IN_PROGRESS,
    CaseState.SUSPENDED,
    CaseState.COMPLETED,
    CaseState.ENDED_EARLY,
)
DEFAULT_FOLLOW_UP_MONTHS = 6  # a case without a scale version: the seed's six months


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)  # codes of our enums, never user input


GRANTED_STATES_SQL = _quoted(tuple(s.value for s in GRANTED_STATES))


@dataclass(frozen=True)
class Dialect:
    """The few expressions SQLite and PostgreSQL write differently."""

    sqlite: bool

    @classmethod
    def of(cls, db: Database) -> Dialect:
        return cls(db.dialect == "sqlite")

    def day(self, value: date) -> Any:
        return value.isoformat() if self.sqlite else value

    def uid(self, value: uuid.UUID) -> Any:
        return value.hex if self.sqlite else value

    def days_between(self, later: str, earlier: str) -> str:
        if self.sqlite:
            return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
        return f"({later} - {earlier})"

    def least(self, *exprs: str) -> str:
        return f"{'min' if self.sqlite else 'LEAST'}({', '.join(exprs)})"

    def greatest(self, *exprs: str) -> str:
        return f"{'max' if self.sqlite else 'GREATEST'}({', '.join(exprs)})"

    def month_key(self, column: str) -> str:
        """'YYYY-MM' of a date column."""
        return f"substr({column}, 1, 7)" if self.sqlite else f"to_char({column}, 'YYYY-MM')"

    def follow_up_end(self, start: str, months: str) -> str:
        """The day before the same day ``months`` later, clamped to the month's end like
        :func:`app.services.schedule.six_month_end` (31/08 + 6 months - 1 day = 27/02)."""
        if self.sqlite:
            same_day = f"date({start}, '+' || ({months}) || ' months')"
            month_end = (
                f"date({start}, 'start of month', '+' || (({months}) + 1) || ' months', '-1 day')"
            )
            return f"date(min({same_day}, {month_end}), '-1 day')"
        return f"(CAST({start} + make_interval(months => {months}) AS date) - 1)"


@dataclass(frozen=True)
class CaseFilter:
    """The JOINs and the WHERE condition (on ``c``) of the cases a query may count."""

    joins: str
    where: str
    params: dict[str, Any]


def case_filter(db: Database, actor: Actor, scope: Scope, period: Period) -> CaseFilter:
    """The scope (the case's office, institution or référent) and the actor's visibility
    (the beneficiary's file, :mod:`app.services.visibility`), with the period's params."""
    sql = Dialect.of(db)
    conds: list[str] = []
    params: dict[str, Any] = {
        "start": sql.day(period.start),
        "end": sql.day(period.end),
        "yes": True,
    }
    joins = ""
    if scope.kind is not ScopeKind.DEPARTEMENT:
        assert scope.id is not None
        params["f_scope"] = sql.uid(scope.id)
        conds.append(
            {
                ScopeKind.INSTITUTION: "c.office_id IN "
                "(SELECT f_office.id FROM office AS f_office "
                "WHERE f_office.institution_id = :f_scope)",
                ScopeKind.OFFICE: "c.office_id = :f_scope",
                ScopeKind.REFERENT: "c.referent_id = :f_scope",
            }[scope.kind]
        )
    if (read := scope_of(actor)) is not None:
        joins = " JOIN beneficiary ON beneficiary.id = c.beneficiary_id"
        condition, more = scope_sql(read, sql.uid)
        conds.append(condition)
        params.update(more)
    return CaseFilter(joins, " AND ".join(conds) or "1 = 1", params)


def decided(*kinds: str, start: str = ":start", end: str = ":end") -> str:
    """A decision of one of ``kinds`` dated from ``start`` to ``end`` on case ``c``."""
    return (
        "EXISTS (SELECT 1 FROM decision AS d WHERE d.case_id = c.id "
        f"AND d.kind IN ({_quoted(kinds)}) AND d.decided_on BETWEEN {start} AND {end})"
    )


_EXITS = decided("completion", "early_end")

# Figure -> the condition on ``c`` that puts a case in it.
FIGURE_CONDITIONS: dict[Figure, str] = {
    Figure.REQUESTS: "c.submitted_on BETWEEN :start AND :end",
    Figure.GRANTED: decided("grant"),
    Figure.PEOPLE_HELPED: decided("grant"),
    Figure.REFUSED: decided("refusal"),
    Figure.COMPLETED: decided("completion"),
    Figure.ENDED_EARLY: decided("early_end"),
    Figure.EXITS: _EXITS,
    Figure.EMPLOYED_AT_EXIT: f"({_EXITS} AND c.employed_at_exit = :yes)",
    Figure.STILL_IN_SCHEME: (
        f"(c.state IN ({GRANTED_STATES_SQL}) "
        f"AND {decided('grant', start="'0001-01-01'")} "
        "AND (c.end_date IS NULL OR c.end_date > :end))"
    ),
    Figure.DECIDED: f"({decided('grant', 'refusal')} AND c.submitted_on IS NOT NULL)",
    Figure.WAITING: (
        f"(c.state <> '{CaseState.DRAFT.value}' AND c.submitted_on <= :end "
        f"AND NOT {decided('grant', 'refusal', start="'0001-01-01'")})"
    ),
    Figure.AID: decided("grant"),
}
