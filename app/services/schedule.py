"""The aid requested on a case, checked against the scale, and its monthly schedule.

One instalment per component per month from the month of the job start (domain.md §2.4);
an instalment whose month is already past at the decision is due in the decision's month
(catch-up), so the person gets the whole aid. Each instalment is charged to the envelope of
the year it falls due. Amounts are integer cents; totals are sums of instalments.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from app.models.enums import Component, PayeeKind
from app.services.dates import add_months, month_start
from app.services.scale import ScaleRules
from app.services.text import format_cents
from app.services.validation import iban_error


@dataclass(frozen=True)
class AidRequest:
    component: Component
    monthly_cents: int
    months: int
    payee_kind: PayeeKind = PayeeKind.BENEFICIARY
    payee_name: str = ""  # third party only (crèche, transport operator)
    payee_iban: str = ""

    @property
    def total_cents(self) -> int:
        return self.monthly_cents * self.months


@dataclass(frozen=True)
class ScheduledInstalment:
    component: Component
    due_month: date
    amount_cents: int
    envelope_year: int
    for_month: date  # the month of the follow-up it pays for (earlier when caught up)

    @property
    def caught_up(self) -> bool:
        """Paid late, in the decision's month, for a month already past."""
        return self.for_month < self.due_month


def aid_errors(requests: Sequence[AidRequest], scale: ScaleRules) -> dict[str, str]:
    """French messages for every request that the scale in force does not allow."""
    errors: dict[str, str] = {}
    if not requests:
        errors["components"] = "Choisissez au moins une aide."
    seen: set[Component] = set()
    for req in requests:
        key = f"component.{req.component.value}"
        rule = scale.components.get(req.component)
        if req.component in seen:
            errors[key] = f"{req.component.label} : aide demandée deux fois."
            continue
        seen.add(req.component)
        if rule is None:
            errors[key] = f"{req.component.label} : aide absente du barème en vigueur."
            continue
        if req.monthly_cents <= 0 or req.months <= 0:
            errors[key] = f"{req.component.label} : montant et durée doivent être positifs."
        elif req.monthly_cents > rule.monthly_cents:
            errors[key] = (
                f"{req.component.label} : {format_cents(req.monthly_cents)} par mois "
                f"dépasse le barème ({format_cents(rule.monthly_cents)})."
            )
        elif req.months > rule.months:
            errors[key] = (
                f"{req.component.label} : {req.months} mois dépasse le barème ({rule.months} mois)."
            )
        if req.payee_kind is PayeeKind.THIRD_PARTY:
            if not req.payee_name.strip():
                errors[f"{key}.payee"] = f"{req.component.label} : nom du tiers payé manquant."
            elif message := iban_error(req.payee_iban):
                errors[f"{key}.payee"] = f"{req.component.label} : {message}"
    total = sum(r.total_cents for r in requests)
    if total > scale.max_total_cents:
        errors["total"] = (
            f"Le total de {format_cents(total)} dépasse le plafond de "
            f"{format_cents(scale.max_total_cents)} par personne."
        )
    return errors


def build_schedule(
    requests: Sequence[AidRequest], job_start: date, decision_date: date
) -> list[ScheduledInstalment]:
    first = month_start(job_start)
    floor = month_start(decision_date)
    out = []
    for req in requests:
        for k in range(req.months):
            month = add_months(first, k)
            due = max(month, floor)
            out.append(ScheduledInstalment(req.component, due, req.monthly_cents, due.year, month))
    return sorted(out, key=lambda i: (i.due_month, list(Component).index(i.component)))


def needs_by_year(schedule: Sequence[ScheduledInstalment]) -> Tally[int]:
    needs: Tally[int] = Tally()
    for inst in schedule:
        needs[inst.envelope_year] += inst.amount_cents
    return needs


def six_month_end(job_start: date, scale_months: int = 6) -> date:
    """The end of the follow-up: the day before the same day ``scale_months`` later."""
    return add_months(job_start, scale_months) - timedelta(days=1)
