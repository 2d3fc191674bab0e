"""What a validator must see, and vouch for in writing, before granting (domain.md §2.2-2.4).

* **Rules left « à vérifier »**: a fact the rules need is missing (RSA dates, orientation…).
  A grant then needs the validator's motivated statement that the facts were checked.
* **Late decisions.** The rule applied: the Pack pays for the months of the follow-up from
  the job start; months already past at the decision are paid as a catch-up in the
  decision's month and, like every instalment, charged to the envelope of the year they fall
  due — a closed year's budget can no longer be committed. A catch-up that pays for months
  of an earlier year (a job started on 15/12, granted on 08/01) is shown to the validator
  and recorded in the audit trail. A decision taken after the six months of follow-up are
  over (a request of 2018 decided in 2026) is purely retroactive: it also needs the
  validator's written statement of why the Pack is still granted.
  The letter tells the person which months are paid late, and when.

The statement is stored on the decision (``override_rules``: what was vouched for, one
point per line; ``override_motivation``: the validator's words) and printed in the audit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from app.services.eligibility import Eligibility, RuleResult, RuleStatus
from app.services.schedule import ScheduledInstalment
from app.services.text import format_cents, format_date, format_month

MIN_STATEMENT = 30  # characters, as for any motivation


@dataclass(frozen=True)
class GrantChecks:
    to_check: list[RuleResult]
    earlier_years: list[ScheduledInstalment]  # catch-up paying for months of an earlier year
    follow_up_ended: date | None = None  # set when the decision comes after the six months

    @property
    def needs_statement(self) -> bool:
        return bool(self.to_check) or self.follow_up_ended is not None

    def charges(self) -> list[str]:
        """The catch-up charged to a later year's envelope, one sentence per year."""
        out: dict[tuple[int, int], int] = {}
        for inst in self.earlier_years:
            key = (inst.for_month.year, inst.envelope_year)
            out[key] = out.get(key, 0) + inst.amount_cents
        return [
            f"{format_cents(cents)} d'aides des mois de {year} versés en rappel et imputés "
            f"sur l'enveloppe {charged}."
            for (year, charged), cents in sorted(out.items())
        ]

    def points(self) -> list[str]:
        """What the validator vouches for, one sentence each (stored and audited)."""
        points = [f"{r.title} : {r.explanation}" for r in self.to_check]
        if self.follow_up_ended is not None:
            points.append(
                "Décision tardive : les six mois du Pack ont pris fin le "
                f"{format_date(self.follow_up_ended)}, toutes les aides sont versées en rappel."
            )
        return points

    def request(self) -> str:
        """The French message asking for the statement."""
        return (
            "Avant d'accorder le Pack, attestez par écrit (motivation de "
            f"{MIN_STATEMENT} caractères au moins) :\n"
            + "\n".join(f"• {p}" for p in [*self.points(), *self.charges()])
        )


def grant_checks(
    eligibility: Eligibility,
    schedule: Sequence[ScheduledInstalment],
    follow_up_end: date,
    decided_on: date,
) -> GrantChecks:
    return GrantChecks(
        [r for r in eligibility.results if r.status is RuleStatus.TO_CHECK],
        earlier_years(schedule),
        follow_up_end if decided_on > follow_up_end else None,
    )


def earlier_years(schedule: Sequence[ScheduledInstalment]) -> list[ScheduledInstalment]:
    """The catch-up paying for months of a year before the one it is charged to."""
    return [i for i in schedule if i.caught_up and i.for_month.year < i.envelope_year]


def catch_up_note(
    schedule: Sequence[ScheduledInstalment], request_date: date, decided_on: date
) -> str:
    """The letter's sentence on the aid paid late for months already past ("" if none)."""
    caught = [i for i in schedule if i.caught_up]
    if not caught:
        return ""
    months = sorted({i.for_month for i in caught})
    span = (
        f"du mois de {format_month(months[0])}"
        if len(months) == 1
        else f"des mois de {format_month(months[0])} à {format_month(months[-1])}"
    )
    return (
        f"Votre demande du {format_date(request_date)} a été décidée le "
        f"{format_date(decided_on)} : les aides {span} "
        f"({format_cents(sum(i.amount_cents for i in caught))}) vous sont versées en rappel "
        f"en {format_month(caught[0].due_month)}."
    )
