"""The job and the aids of a demo case: an employer (near home more often than not), the
contract with its trial period and hours, and the aids asked for within the scale, some
paid to a third party (crèches, transport operators, drawn once with their bank accounts).

:class:`app.services.demo_cases.Planner` asks it for each case, drawing from the same
generator.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from app.models.enums import Component, ContractType, PayeeKind
from app.services import demo_data as data
from app.services.dates import add_months
from app.services.demo_case_plans import (
    JobPlan,
    PayeePlan,
    PersonPlan,
    bank_account,
    draw_bank,
    pick_weighted,
)
from app.services.demo_world import World
from app.services.scale import ScaleRules
from app.services.schedule import AidRequest

TRANSPORT_SHARE = 0.85
DAILY_LIFE_SHARE = 0.55
CHILDCARE_SHARE = 0.70  # of the people with a child young enough
LOWERED_SHARE = 0.12
THIRD_PARTY_SHARE = {Component.CHILDCARE: 0.45, Component.TRANSPORT: 0.12}
CONTRACTS = (
    (ContractType.CDI, 0.28),
    (ContractType.CDD, 0.42),
    (ContractType.TEMPING, 0.15),
    (ContractType.SUBSIDISED, 0.15),
)
WEEKLY_HOURS = ((35, 0.45), (24, 0.12), (28, 0.10), (30, 0.12), (20, 0.08), (32, 0.06), (39, 0.04))


class JobsAndAids:
    """Draws the jobs and the aids; the third parties are drawn when it is made."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.rng = world.rng
        self.mds_of = {c.name: c.mds for c in data.COMMUNES}
        self.employer_addresses: dict[str, str] = {}
        self.payees = self._payees()

    def _payees(self) -> list[PayeePlan]:
        payees = []
        for spec in (*data.CRECHES, *data.TRANSPORT_OPERATORS):
            bank = data.TRESOR_BANK if spec.public else draw_bank(self.rng)
            payees.append(PayeePlan(self.world.new_id(), spec, *bank_account(self.rng, bank)))
        return payees

    def job(self, person: PersonPlan, start: date) -> JobPlan:
        rng = self.rng
        contract = pick_weighted(rng, CONTRACTS)
        if contract is ContractType.TEMPING:
            employers = data.TEMP_AGENCIES
        elif contract is ContractType.SUBSIDISED:
            employers = tuple(e for e in data.EMPLOYERS if e.sector in data.SUBSIDISED_SECTORS)
        else:
            employers = tuple(e for e in data.EMPLOYERS if e.sector != "insertion")
        area = self.mds_of.get(person.commune)
        near = [e for e in employers if self.mds_of.get(e.commune) == area]
        employer = rng.choice(near if near and rng.random() < 0.6 else employers)
        title = rng.choice(data.JOB_TITLES[employer.sector])[0 if person.female else 1]
        hours = pick_weighted(rng, WEEKLY_HOURS)
        trial_end: date | None
        contract_end: date | None = None
        if contract is ContractType.CDI:
            trial_end = add_months(start, 2) - timedelta(days=1)
        elif contract is ContractType.CDD:
            months = rng.choice((6, 6, 7, 8, 9, 12))
            contract_end = add_months(start, months) - timedelta(days=1)
            trial_end = start + timedelta(days=13 if months <= 6 else 29)
        elif contract is ContractType.TEMPING:
            contract_end = add_months(start, rng.randint(1, 6)) - timedelta(days=1)
            trial_end = start + timedelta(days=rng.randint(2, 4))
            hours = 35
        else:
            contract_end = add_months(start, rng.choice((9, 12, 12))) - timedelta(days=1)
            trial_end = add_months(start, 1) - timedelta(days=1)
            hours = rng.choice((20, 26, 26, 35))
        if employer.name not in self.employer_addresses:
            commune = next(c for c in data.COMMUNES if c.name == employer.commune)
            number = rng.randint(1, 60)
            self.employer_addresses[employer.name] = (
                f"{number} {rng.choice(data.STREETS)}\n{commune.postcode} {commune.name}"
            )
        return JobPlan(
            employer.name,
            self.employer_addresses[employer.name],
            title,
            contract,
            trial_end,
            contract_end,
            Decimal(hours),
        )

    def aids(
        self, person: PersonPlan, scale: ScaleRules, job: JobPlan, start: date, childcare_ok: bool
    ) -> list[tuple[AidRequest, PayeePlan | None]]:
        rng = self.rng
        wanted = [
            c
            for c, share in (
                (Component.TRANSPORT, TRANSPORT_SHARE),
                (Component.DAILY_LIFE, DAILY_LIFE_SHARE),
                (Component.CHILDCARE, CHILDCARE_SHARE if childcare_ok else 0.0),
            )
            if c in scale.components and rng.random() < share
        ]
        if not wanted:
            wanted = [Component.TRANSPORT if rng.random() < 0.7 else Component.DAILY_LIFE]
        contract_months = None
        if job.contract_end is not None:
            contract_months = max(1, (job.contract_end - start).days // 30)
        out = []
        for component in wanted:
            rule = scale.components[component]
            monthly, months = rule.monthly_cents, rule.months
            if rng.random() < LOWERED_SHARE:
                lowered = {
                    Component.TRANSPORT: (4320, 5000, 6000),
                    Component.DAILY_LIFE: (6000, 8000),
                    Component.CHILDCARE: (9000, 12000),
                }[component]
                if rng.random() < 0.6:
                    monthly = min(monthly, rng.choice(lowered))
                else:
                    months = max(1, months - rng.randint(1, 2))
            if component is Component.CHILDCARE and contract_months:
                months = min(months, contract_months)
            payee = None
            if rng.random() < THIRD_PARTY_SHARE.get(component, 0.0):
                payee = self._payee(component, person.commune)
            kind = PayeeKind.THIRD_PARTY if payee else PayeeKind.BENEFICIARY
            out.append(
                (
                    AidRequest(
                        component,
                        monthly,
                        months,
                        kind,
                        payee.spec.name if payee else "",
                        payee.iban if payee else "",
                    ),
                    payee,
                )
            )
        return out

    def _payee(self, component: Component, commune: str) -> PayeePlan:
        kind = "creche" if component is Component.CHILDCARE else "transport"
        choices = [p for p in self.payees if p.spec.kind == kind]
        for same in (
            lambda p: p.spec.commune == commune,
            lambda p: self.mds_of.get(p.spec.commune) == self.mds_of.get(commune),
        ):
            near = [p for p in choices if same(p)]
            if near:
                return self.rng.choice(near)
        return self.rng.choice(choices)
