"""The evaluation's results (issue #13): plain frozen dataclasses of plain values, stable
for the dashboard and the annual report. Money in integer cents, shares in integer
per-mille (‰), durations in days; French labels sit beside the codes.

The entry points and the definitions of the figures: :mod:`app.services.evaluation`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from app.services.errors import ValidationError
from app.services.text import format_date, format_month

MIN_YEAR, MAX_YEAR = 2017, 2100


class Figure(StrEnum):
    """The figures a list of cases can be asked for (:func:`cases_for`), with their label.

    ``detail`` narrows some of them: PEOPLE_HELPED and GRANTED by month (``"2018-03"``),
    ENDED_EARLY by exit reason (``"job_lost"``…, :class:`app.services.workflow.ExitReason`),
    AID by component (``"transport"``…, :class:`app.models.enums.Component`)."""

    PEOPLE_HELPED = "people_helped"
    REQUESTS = "requests"
    GRANTED = "granted"
    REFUSED = "refused"
    COMPLETED = "completed"
    ENDED_EARLY = "ended_early"
    EXITS = "exits"
    EMPLOYED_AT_EXIT = "employed_at_exit"
    STILL_IN_SCHEME = "still_in_scheme"
    DECIDED = "decided"
    WAITING = "waiting"
    AID = "aid"
    SAVING = "saving"

    @property
    def label(self) -> str:
        return FIGURE_LABELS[self]


FIGURE_LABELS: dict[Figure, str] = {
    Figure.PEOPLE_HELPED: "Personnes aidées",
    Figure.REQUESTS: "Demandes",
    Figure.GRANTED: "Accords",
    Figure.REFUSED: "Refus",
    Figure.COMPLETED: "Sorties au terme des six mois",
    Figure.ENDED_EARLY: "Sorties anticipées",
    Figure.EXITS: "Sorties du dispositif",
    Figure.EMPLOYED_AT_EXIT: "En emploi à la sortie",
    Figure.STILL_IN_SCHEME: "Encore dans le dispositif",
    Figure.DECIDED: "Demandes décidées",
    Figure.WAITING: "Demandes en attente de décision",
    Figure.AID: "Aides accordées",
    Figure.SAVING: "Dossiers de l'économie estimée",
}


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both days included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValidationError(
                {
                    "period": f"La période commence le {format_date(self.start)}, après sa "
                    f"fin le {format_date(self.end)}."
                }
            )
        for day in (self.start, self.end):
            if not MIN_YEAR <= day.year <= MAX_YEAR:
                raise ValidationError(
                    {"period": f"Année {day.year} hors du champ ({MIN_YEAR} à {MAX_YEAR})."}
                )

    @classmethod
    def year(cls, year: int) -> Period:
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValidationError({"year": f"Année {year} invalide ({MIN_YEAR} à {MAX_YEAR})."})
        return cls(date(year, 1, 1), date(year, 12, 31))

    @property
    def is_year(self) -> bool:
        return (self.start.month, self.start.day, self.end.month, self.end.day) == (
            1,
            1,
            12,
            31,
        ) and self.start.year == self.end.year

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def years(self) -> tuple[int, ...]:
        """The calendar years (envelope years) the period touches."""
        return tuple(range(self.start.year, self.end.year + 1))

    @property
    def months(self) -> tuple[date, ...]:
        """The first day of every month the period touches, in order."""
        out, month = [], self.start.replace(day=1)
        while month <= self.end:
            out.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return tuple(out)

    @property
    def label(self) -> str:
        if self.is_year:
            return f"année {self.start.year}"
        return f"du {format_date(self.start)} au {format_date(self.end)}"


class ScopeKind(StrEnum):
    DEPARTEMENT = "departement"
    INSTITUTION = "institution"
    OFFICE = "office"
    REFERENT = "referent"


@dataclass(frozen=True)
class Scope:
    """Whose cases are counted: the whole département, or one institution, office or
    référent (the case's own office and référent)."""

    kind: ScopeKind = ScopeKind.DEPARTEMENT
    id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        if (self.kind is ScopeKind.DEPARTEMENT) != (self.id is None):
            raise ValueError("a scope other than the département needs an id, and only it")

    @classmethod
    def departement(cls) -> Scope:
        return cls()

    @classmethod
    def institution(cls, institution_id: uuid.UUID) -> Scope:
        return cls(ScopeKind.INSTITUTION, institution_id)

    @classmethod
    def office(cls, office_id: uuid.UUID) -> Scope:
        return cls(ScopeKind.OFFICE, office_id)

    @classmethod
    def referent(cls, user_id: uuid.UUID) -> Scope:
        return cls(ScopeKind.REFERENT, user_id)


@dataclass(frozen=True)
class MonthCount:
    month: date  # first day of the month
    count: int

    @property
    def label(self) -> str:
        return format_month(self.month)

    @property
    def key(self) -> str:
        return self.month.strftime("%Y-%m")


@dataclass(frozen=True)
class PeopleHelped:
    """Distinct beneficiaries with a grant decision dated in the period, against the target.

    ``target`` is the yearly target prorated to the period: for each calendar year the
    period touches, ``yearly_target × days of the period in that year / days of that year``,
    summed and rounded to the nearest person (a whole year gives the yearly target);
    ``target_note`` says so in French."""

    count: int
    target: int
    yearly_target: int
    target_note: str
    by_month: tuple[MonthCount, ...]  # every month of the period, zeros included

    @property
    def target_permille(self) -> int | None:
        """count / target in ‰ (1000 = target reached); None without a target."""
        return _permille(self.count, self.target)


@dataclass(frozen=True)
class ExitCount:
    reason: str  # ExitReason value
    label: str
    count: int


@dataclass(frozen=True)
class Funnel:
    """From the requests to the exits, in the period; ``still_in_scheme`` at its end.

    Exits are completions (six months done) and early ends decided in the period;
    ``employed_at_exit`` counts those whose person was still in work at exit (an early end
    records « not in work »)."""

    requests: int
    granted: int
    refused: int
    completed: int
    ended_early: int
    ended_early_by_reason: tuple[ExitCount, ...]  # every reason, zeros included
    still_in_scheme: int
    employed_at_exit: int

    @property
    def exits(self) -> int:
        return self.completed + self.ended_early

    @property
    def employed_at_exit_permille(self) -> int | None:
        return _permille(self.employed_at_exit, self.exits)


@dataclass(frozen=True)
class EnvelopeYear:
    """One year's ledger, as :func:`app.services.envelope.envelope_status` keeps it."""

    year: int
    voted_cents: int | None  # None: no envelope voted for that year
    committed_cents: int
    mandated_cents: int
    paid_cents: int
    remaining_cents: int


@dataclass(frozen=True)
class ComponentAid:
    """One component of the cases granted in the period: people who have it, total aid
    (instalments not cancelled) and the average per person who has it."""

    component: str  # Component value
    label: str
    people: int
    total_cents: int

    @property
    def average_cents(self) -> int | None:
        return _ratio(self.total_cents, self.people)


@dataclass(frozen=True)
class EnvelopeFigures:
    """The envelopes of the years the period touches (département-wide: there is one
    envelope, whatever the scope), what the scope's cases take of them, and the aid of
    the cases granted in the period (instalments not cancelled, any year)."""

    years: tuple[EnvelopeYear, ...]
    scope_committed_cents: int  # the scope's instalments charged to those years
    scope_paid_cents: int
    aid_cents: int  # the aid of the cases granted in the period
    people: int  # the people helped it went to
    by_component: tuple[ComponentAid, ...]  # every component, zeros included

    @property
    def voted_cents(self) -> int:
        return sum(y.voted_cents or 0 for y in self.years)

    @property
    def committed_cents(self) -> int:
        return sum(y.committed_cents for y in self.years)

    @property
    def paid_cents(self) -> int:
        return sum(y.paid_cents for y in self.years)

    @property
    def remaining_cents(self) -> int:
        return sum(y.remaining_cents for y in self.years)

    @property
    def average_per_person_cents(self) -> int | None:
        return _ratio(self.aid_cents, self.people)


@dataclass(frozen=True)
class DecisionDelays:
    """Days from the submission to the decision (grant or refusal) of the requests decided
    in the period: nearest-rank median and 90th percentile; and the requests submitted by
    the period's end still without a decision at that date."""

    decided: int
    median_days: int | None
    p90_days: int | None
    waiting: int
    oldest_waiting_since: date | None


@dataclass(frozen=True)
class OfficeRef:
    id: uuid.UUID
    name: str
    institution: str


@dataclass(frozen=True)
class ProfessionalUse:
    """Référents and offices of the scope who submitted at least one request in the
    period, out of the active référents and the offices of the scope."""

    referents_active: int
    referents_total: int
    offices_active: int
    offices_total: int
    offices_without_request: tuple[OfficeRef, ...]  # by name

    @property
    def referents_permille(self) -> int | None:
        return _permille(self.referents_active, self.referents_total)

    @property
    def offices_permille(self) -> int | None:
        return _permille(self.offices_active, self.offices_total)


@dataclass(frozen=True)
class RsaRate:
    """The average RSA paid a month, in force from ``effective_from`` (dated setting)."""

    effective_from: date
    monthly_cents: int


ESTIMATION = "estimation"


@dataclass(frozen=True)
class SavingEstimate:
    """The estimated saving, always labelled « estimation » (``label``); the formula is
    :func:`app.services.evaluation_queries.saving`'s, in French in ``formula``."""

    cases: int  # granted cases with days in work in the period
    days_in_work: int
    months_in_work: Decimal  # days × 12 / 365.25, one decimal
    rsa_avoided_cents: int  # Σ days in work × average RSA in force × 12 / 365.25
    aid_cents: int  # aid of the months counted (instalments not cancelled)
    rates: tuple[RsaRate, ...]  # the average RSA values used
    label: str = ESTIMATION
    formula: str = field(default="", compare=False)

    @property
    def net_cents(self) -> int:
        return self.rsa_avoided_cents - self.aid_cents


@dataclass(frozen=True)
class Evaluation:
    """Every figure for one period and scope, as of ``as_of`` (the day it was computed:
    figures of a period not over yet stop at that day)."""

    period: Period
    scope: Scope
    scope_label: str
    as_of: date
    people_helped: PeopleHelped
    funnel: Funnel
    envelope: EnvelopeFigures
    delays: DecisionDelays
    use: ProfessionalUse
    saving: SavingEstimate


@dataclass(frozen=True)
class CaseRow:
    """One case behind a figure."""

    case_id: uuid.UUID
    reference: str
    beneficiary_id: uuid.UUID
    beneficiary_name: str  # « NOM Prénom »
    state: str  # CaseState value
    state_label: str
    office: str
    referent: str
    submitted_on: date | None
    granted_on: date | None
    end_date: date | None


def _permille(part: int, whole: int) -> int | None:
    return (part * 1000 + whole // 2) // whole if whole else None


def _ratio(total: int, count: int) -> int | None:
    return (total + count // 2) // count if count else None
