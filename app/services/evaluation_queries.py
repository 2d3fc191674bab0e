"""The evaluation's queries: a handful of SQL aggregates through :meth:`Database.rows`.

Each function reads one group of figures for a :class:`CaseFilter` (scope, visibility and
period); :func:`app.services.evaluation.evaluate` puts them together.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from app.models.enums import CaseState, Component, ExitReason, InstalmentStatus
from app.services.evaluation_sql import (
    DEFAULT_FOLLOW_UP_MONTHS,
    FIGURE_CONDITIONS,
    GRANTED_STATES_SQL,
    CaseFilter,
    Dialect,
)
from app.services.evaluation_types import (
    ComponentAid,
    DecisionDelays,
    ExitCount,
    Figure,
    Funnel,
    MonthCount,
    OfficeRef,
    Period,
    ProfessionalUse,
    RsaRate,
    SavingEstimate,
    Scope,
    ScopeKind,
)
from app.services.storage import Database

DAYS_PER_MONTH = Fraction(36525, 1200)  # 365.25 / 12 = 30.4375
CANCELLED = InstalmentStatus.CANCELLED.value

# The figures counted in one pass over the cases.
_COUNTED = (
    Figure.REQUESTS,
    Figure.GRANTED,
    Figure.REFUSED,
    Figure.COMPLETED,
    Figure.ENDED_EARLY,
    Figure.EMPLOYED_AT_EXIT,
    Figure.STILL_IN_SCHEME,
    Figure.WAITING,
)


def _int(value: Any) -> int:
    return int(value or 0)


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def counts(db: Database, flt: CaseFilter) -> dict[Figure, int]:
    """Every case-count figure of :data:`_COUNTED`, and the distinct people helped."""
    columns = ", ".join(
        f"sum(CASE WHEN {FIGURE_CONDITIONS[f]} THEN 1 ELSE 0 END)" for f in _COUNTED
    )
    people = f"count(DISTINCT CASE WHEN {FIGURE_CONDITIONS[Figure.PEOPLE_HELPED]} "
    people += "THEN c.beneficiary_id END)"
    row = db.rows(
        f"SELECT {columns}, {people} FROM pack_case AS c{flt.joins} WHERE {flt.where}",
        flt.params,
    )[0]
    found = {f: _int(v) for f, v in zip(_COUNTED, row, strict=False)}
    found[Figure.PEOPLE_HELPED] = _int(row[-1])
    return found


def exits_by_reason(db: Database, flt: CaseFilter) -> tuple[ExitCount, ...]:
    found = dict(
        db.rows(
            f"SELECT c.exit_reason, count(*) FROM pack_case AS c{flt.joins} "
            f"WHERE {flt.where} AND {FIGURE_CONDITIONS[Figure.ENDED_EARLY]} "
            "GROUP BY c.exit_reason",
            flt.params,
        )
    )
    known = [ExitCount(r.value, r.label, _int(found.pop(r.value, 0))) for r in ExitReason]
    other = sum(_int(v) for v in found.values())  # a code no longer known, or none recorded
    if other:
        known[-1] = ExitCount(
            ExitReason.OTHER.value, ExitReason.OTHER.label, known[-1].count + other
        )
    return tuple(known)


def funnel(db: Database, flt: CaseFilter, found: dict[Figure, int]) -> Funnel:
    return Funnel(
        requests=found[Figure.REQUESTS],
        granted=found[Figure.GRANTED],
        refused=found[Figure.REFUSED],
        completed=found[Figure.COMPLETED],
        ended_early=found[Figure.ENDED_EARLY],
        ended_early_by_reason=exits_by_reason(db, flt),
        still_in_scheme=found[Figure.STILL_IN_SCHEME],
        employed_at_exit=found[Figure.EMPLOYED_AT_EXIT],
    )


def people_by_month(db: Database, flt: CaseFilter, period: Period) -> tuple[MonthCount, ...]:
    """Distinct people granted each month of the period (zeros included)."""
    sql = Dialect.of(db)
    month = sql.month_key("d.decided_on")
    found = dict(
        db.rows(
            f"SELECT {month}, count(DISTINCT c.beneficiary_id) FROM pack_case AS c "
            f"JOIN decision AS d ON d.case_id = c.id{flt.joins} WHERE {flt.where} "
            "AND d.kind = 'grant' AND d.decided_on BETWEEN :start AND :end GROUP BY 1",
            flt.params,
        )
    )
    return tuple(MonthCount(m, _int(found.get(m.strftime("%Y-%m")))) for m in period.months)


def _nearest_rank(histogram: list[tuple[int, int]], total: int, share: Fraction) -> int:
    """The smallest value whose cumulated count reaches ``share`` of ``total``."""
    rank, seen = max(1, -(-share.numerator * total // share.denominator)), 0
    for value, count in histogram:
        seen += count
        if seen >= rank:
            return value
    return histogram[-1][0]


def delays(db: Database, flt: CaseFilter, waiting: int) -> DecisionDelays:
    """Submission to decision, in days, from a histogram (one row per distinct delay)."""
    sql = Dialect.of(db)
    delay = sql.days_between("d.decided_on", "c.submitted_on")
    histogram = [
        (_int(v), _int(n))
        for v, n in db.rows(
            f"SELECT {delay}, count(*) FROM pack_case AS c "
            f"JOIN decision AS d ON d.case_id = c.id{flt.joins} WHERE {flt.where} "
            "AND d.kind IN ('grant', 'refusal') AND d.decided_on BETWEEN :start AND :end "
            "AND c.submitted_on IS NOT NULL GROUP BY 1 ORDER BY 1",
            flt.params,
        )
    ]
    total = sum(n for _, n in histogram)
    oldest = db.rows(
        f"SELECT min(c.submitted_on) FROM pack_case AS c{flt.joins} WHERE {flt.where} "
        f"AND {FIGURE_CONDITIONS[Figure.WAITING]}",
        flt.params,
    )[0][0]
    return DecisionDelays(
        decided=total,
        median_days=_nearest_rank(histogram, total, Fraction(1, 2)) if total else None,
        p90_days=_nearest_rank(histogram, total, Fraction(9, 10)) if total else None,
        waiting=waiting,
        oldest_waiting_since=_as_date(oldest),
    )


def component_aid(db: Database, flt: CaseFilter) -> tuple[ComponentAid, ...]:
    """Per component, the aid (instalments not cancelled) of the cases granted in the period."""
    found = {
        component: (_int(people), _int(total))
        for component, people, total in db.rows(
            "SELECT i.component, count(DISTINCT c.beneficiary_id), sum(i.amount_cents) "
            f"FROM pack_case AS c JOIN instalment AS i ON i.case_id = c.id{flt.joins} "
            f"WHERE {flt.where} AND i.status <> '{CANCELLED}' "
            f"AND {FIGURE_CONDITIONS[Figure.AID]} GROUP BY i.component",
            flt.params,
        )
    }
    return tuple(ComponentAid(c.value, c.label, *found.get(c.value, (0, 0))) for c in Component)


def scope_ledger(db: Database, flt: CaseFilter, years: tuple[int, ...]) -> tuple[int, int]:
    """What the scope's cases take of the envelopes of ``years``: committed (not cancelled)
    and paid, as :func:`app.services.envelope.envelope_status` counts them."""
    params = {**flt.params, **{f"y{n}": y for n, y in enumerate(years)}}
    row = db.rows(
        f"SELECT sum(CASE WHEN i.status <> '{CANCELLED}' THEN i.amount_cents ELSE 0 END), "
        f"sum(CASE WHEN i.status = '{InstalmentStatus.PAID.value}' THEN i.amount_cents "
        "ELSE 0 END) "
        f"FROM pack_case AS c JOIN instalment AS i ON i.case_id = c.id{flt.joins} "
        f"WHERE {flt.where} AND i.envelope_year IN "
        f"({', '.join(f':y{n}' for n in range(len(years)))})",
        params,
    )[0]
    return _int(row[0]), _int(row[1])


def _org_conditions(
    db: Database, scope: Scope, institution: uuid.UUID | None
) -> tuple[str, str, dict[str, Any]]:
    """The offices (alias ``o``) and users (alias ``u``) of a scope, within the actor's
    institution when the actor does not read every file (``institution``)."""
    sql = Dialect.of(db)
    offices, users, params = ["1 = 1"], ["1 = 1"], {}
    in_institution = "SELECT oi.id FROM office AS oi WHERE oi.institution_id = "
    if scope.kind is not ScopeKind.DEPARTEMENT:
        assert scope.id is not None
        params["o_scope"] = sql.uid(scope.id)
        if scope.kind is ScopeKind.INSTITUTION:
            offices.append("o.institution_id = :o_scope")
            users.append(
                f"(u.institution_id = :o_scope OR u.office_id IN ({in_institution}:o_scope))"
            )
        elif scope.kind is ScopeKind.OFFICE:
            offices.append("o.id = :o_scope")
            users.append("u.office_id = :o_scope")
        else:
            offices.append(
                "o.id IN (SELECT ou.office_id FROM app_user AS ou WHERE ou.id = :o_scope)"
            )
            users.append("u.id = :o_scope")
    if institution is not None:
        params["o_visible"] = sql.uid(institution)
        offices.append("o.institution_id = :o_visible")
        users.append(
            f"(u.institution_id = :o_visible OR u.office_id IN ({in_institution}:o_visible))"
        )
    return " AND ".join(offices), " AND ".join(users), params


def professional_use(
    db: Database, flt: CaseFilter, scope: Scope, institution: uuid.UUID | None
) -> ProfessionalUse:
    """Who submitted at least one request in the period, out of the scope's active
    référents (and anyone else of the scope who submitted one) and offices."""
    offices, users, more = _org_conditions(db, scope, institution)
    params = {**flt.params, **more}
    requests = f"{flt.where} AND {FIGURE_CONDITIONS[Figure.REQUESTS]}"
    exists = f"EXISTS (SELECT 1 FROM pack_case AS c{flt.joins} WHERE "
    by_user = f"{exists}c.referent_id = u.id AND {requests})"
    by_office = f"{exists}c.office_id = o.id AND {requests})"
    referents = db.rows(
        f"SELECT sum(CASE WHEN {by_user} THEN 1 ELSE 0 END), count(*) FROM app_user AS u "
        f"WHERE {users} AND ((u.is_referent = :yes AND u.active = :yes) OR {by_user})",
        params,
    )[0]
    office_rows = db.rows(
        f"SELECT o.id, o.name, i.name, CASE WHEN {by_office} THEN 1 ELSE 0 END "
        "FROM office AS o JOIN institution AS i ON i.id = o.institution_id "
        f"WHERE {offices} ORDER BY o.name, i.name",
        params,
    )
    idle = tuple(
        OfficeRef(uuid.UUID(str(oid)), name, inst)
        for oid, name, inst, used in office_rows
        if not int(used)
    )
    return ProfessionalUse(
        referents_active=_int(referents[0]),
        referents_total=_int(referents[1]),
        offices_active=len(office_rows) - len(idle),
        offices_total=len(office_rows),
        offices_without_request=idle,
    )


def in_work_days(sql: Dialect, seg_start: str, seg_end: str) -> str:
    """A granted case's days in work from ``seg_start`` to ``seg_end`` (SQL expressions):
    from the job start to the end of the follow-up (the scale's months, capped), or to
    the early end's date when it ended early; 0 when the windows do not meet."""
    months = f"coalesce(sv.max_months, {DEFAULT_FOLLOW_UP_MONTHS})"
    follow_up_end = sql.follow_up_end("c.job_start", months)
    ended = f"CASE WHEN c.state = '{CaseState.ENDED_EARLY.value}' THEN c.end_date END"
    work_end = sql.least(follow_up_end, f"coalesce({ended}, {follow_up_end})")
    overlap = sql.days_between(sql.least(work_end, seg_end), sql.greatest("c.job_start", seg_start))
    return sql.greatest("0", f"{overlap} + 1")


SAVING_FROM = "FROM pack_case AS c LEFT JOIN scale_version AS sv ON sv.id = c.scale_version_id"


def saving_condition(sql: Dialect) -> str:
    """The cases of the saving: granted, with days in work from :start to :counted_end."""
    return (
        f"(c.state IN ({GRANTED_STATES_SQL}) AND {in_work_days(sql, ':start', ':counted_end')} > 0)"
    )


def _segments(
    start: date, end: date, rates: tuple[RsaRate, ...]
) -> list[tuple[date, date, RsaRate]]:
    """[start, end] cut where the average RSA in force changes (days before the first
    value in force are not valued)."""
    ordered = sorted(rates, key=lambda r: r.effective_from)
    out = []
    for n, rate in enumerate(ordered):
        upto = (
            ordered[n + 1].effective_from.toordinal() - 1
            if n + 1 < len(ordered)
            else end.toordinal()
        )
        lo, hi = max(start, rate.effective_from), min(end, date.fromordinal(max(upto, 1)))
        if lo <= hi:
            out.append((lo, hi, rate))
    return out


def saving(
    db: Database, flt: CaseFilter, period: Period, as_of: date, rates: tuple[RsaRate, ...]
) -> SavingEstimate:
    """The estimated saving of the period (always an « estimation »).

    For every granted case of the scope, the days in work counted are those of the period,
    up to ``as_of`` when the period is not over, between the job start and the end of the
    pack's follow-up (the scale's months after the job start — six in the seed — the day
    before the same day six months later); a case ended early stops at its end's date. A
    completed case counts its whole follow-up, whether in work at exit or not: what came
    after lies beyond the pack's six months and the estimate stops there.

        months in work = days in work × 12 / 365.25
        RSA avoided    = Σ days in work × average RSA a month in force that day × 12 / 365.25
        net saving     = RSA avoided − aid of the months counted

    The aid of the months counted is every instalment not cancelled due from the period's
    first month to the last day counted (paid, mandated or still to pay). Days before the
    first average RSA in force are not valued. Amounts rounded half up to the cent.
    """
    sql = Dialect.of(db)
    counted_end = min(period.end, as_of)
    params = {**flt.params, "counted_end": sql.day(counted_end)}
    segments = _segments(period.start, counted_end, rates) if period.start <= counted_end else []
    columns = [f"sum(CASE WHEN {saving_condition(sql)} THEN 1 ELSE 0 END)"]
    columns.append(f"sum({in_work_days(sql, ':start', ':counted_end')})")
    for n, (lo, hi, _) in enumerate(segments):
        params[f"s{n}"], params[f"e{n}"] = sql.day(lo), sql.day(hi)
        columns.append(f"sum({in_work_days(sql, f':s{n}', f':e{n}')})")
    row = db.rows(
        f"SELECT {', '.join(columns)} {SAVING_FROM}{flt.joins} WHERE {flt.where} "
        f"AND c.state IN ({GRANTED_STATES_SQL})",
        params,
    )[0]
    days = _int(row[1])
    avoided = sum(
        (
            Fraction(_int(row[2 + n]) * rate.monthly_cents) / DAYS_PER_MONTH
            for n, (_, _, rate) in enumerate(segments)
        ),
        Fraction(0),
    )
    aid = 0
    if period.start <= counted_end:
        params["first_month"] = sql.day(period.start.replace(day=1))
        aid = _int(
            db.rows(
                "SELECT sum(i.amount_cents) FROM pack_case AS c "
                f"JOIN instalment AS i ON i.case_id = c.id{flt.joins} WHERE {flt.where} "
                f"AND i.status <> '{CANCELLED}' "
                "AND i.due_month BETWEEN :first_month AND :counted_end",
                params,
            )[0][0]
        )
    return SavingEstimate(
        cases=_int(row[0]),
        days_in_work=days,
        months_in_work=_round(Fraction(days) / DAYS_PER_MONTH, Decimal("0.1")),
        rsa_avoided_cents=int(_round(avoided, Decimal(1))),
        aid_cents=aid,
        rates=tuple(rate for _, _, rate in segments),
        formula=SAVING_FORMULA,
    )


SAVING_FORMULA = (
    "Estimation : mois en emploi depuis la prise de poste (dans la période, au plus les six "
    "mois du Pack, jusqu'à la fin anticipée le cas échéant) × RSA moyen versé par mois, "
    "moins les aides des mois comptés."
)


def _round(value: Fraction, step: Decimal) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(step, ROUND_HALF_UP)


def find_office(db: Database, text: str) -> OfficeRef | None:
    """The office whose id or name (case and accents ignored) is ``text``; raises
    ValueError with a French message when several offices bear that name."""
    from app.services.text import fold

    rows = db.rows(
        "SELECT o.id, o.name, i.name FROM office AS o "
        "JOIN institution AS i ON i.id = o.institution_id"
    )
    wanted = text.strip()
    try:
        as_id = uuid.UUID(wanted)
    except ValueError:
        as_id = None
    found = [
        OfficeRef(uuid.UUID(str(oid)), name, inst)
        for oid, name, inst in rows
        if (as_id is not None and uuid.UUID(str(oid)) == as_id) or fold(name) == fold(wanted)
    ]
    if len(found) > 1:
        names = " ; ".join(f"{o.name} ({o.institution}, {o.id})" for o in found)
        raise ValueError(f"Plusieurs bureaux portent ce nom : {names}. Indiquez l'identifiant.")
    return found[0] if found else None
