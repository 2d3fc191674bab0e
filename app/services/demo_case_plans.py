"""What the demo plans for each case before writing it: the people, payees, jobs, meetings
and the case plan itself (:mod:`app.services.demo_cases` fills them,
:mod:`app.services.demo_case_rows` turns them into rows), and the helpers both use."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from app.models.enums import (
    CaseState,
    Civility,
    ContractType,
    MeetingKind,
    MeetingMode,
)
from app.services import demo_data as data
from app.services.eligibility import (
    PersonFacts,
    PreviousCase,
)
from app.services.scale import ScaleRules
from app.services.schedule import (
    AidRequest,
    ScheduledInstalment,
    six_month_end,
)
from app.services.workflow import ExitReason

LEGAL_BASIS = "délibération de l'Assemblée départementale du 13 novembre 2017"

CASE_ACTIONS = (  # order of the transitions of one day
    "create",
    "submit",
    "grant",
    "refuse",
    "start",
    "meeting",
    "suspend",
    "resume",
    "invite_observations",
    "end_early",
    "complete",
)


@dataclass
class UserPlan:
    id: uuid.UUID
    login: str
    name: str
    capacity: str
    workstation: str


@dataclass
class PayeePlan:
    id: uuid.UUID
    spec: data.PayeeSpec
    iban: str
    bic: str


@dataclass
class PersonPlan:
    index: int
    id: uuid.UUID
    civility: str
    paying_body: str
    first_name: str
    last_name: str
    commune: str
    office_id: uuid.UUID
    referent_id: uuid.UUID
    facts: PersonFacts
    created: date
    last_contact: date | None
    updated_at: datetime
    updated_by: str
    version_id: int
    cases: list[CasePlan] = field(default_factory=list)
    busy_until: date = date.min
    closed: bool = False
    rsa_closed_on: date | None = None
    iban: str = ""
    bic: str = ""

    @property
    def female(self) -> bool:
        return self.civility == Civility.MRS.value

    @property
    def payee_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def previous(self) -> list[PreviousCase]:
        return [
            PreviousCase(
                p.reference or "(en cours)",
                p.final_state.value,
                p.job_start,
                p.end_on or p.complete_on,
            )
            for p in self.cases
        ]


@dataclass
class JobPlan:
    employer: str
    address: str
    title: str
    contract: ContractType
    trial_end: date | None
    contract_end: date | None
    weekly_hours: Decimal


@dataclass
class MeetingPlan:
    held_on: date
    kind: MeetingKind
    mode: MeetingMode
    participants: str
    obstacles: list[str]
    job_situation: str
    notes: str
    next_steps: str
    next_meeting_on: date | None = None


@dataclass
class CasePlan:
    seq: int
    person: PersonPlan
    referent: UserPlan
    validator: UserPlan
    scale: ScaleRules
    request: date
    job_start: date
    job: JobPlan
    aids: list[tuple[AidRequest, PayeePlan | None]]
    granted: bool  # else refused
    submit_on: date | None  # None: never submitted (a draft); dates after today are to come
    decide_on: date | None
    schedule: list[ScheduledInstalment] = field(default_factory=list)
    suspend_on: date | None = None
    suspension_reason: str = ""
    resume_on: date | None = None
    fact_on: date | None = None  # what ends the case early happened that day
    notice_on: date | None = None
    deadline: date | None = None
    end_on: date | None = None
    exit_reason: ExitReason | None = None
    complete_on: date | None = None
    employed_at_exit: bool | None = None
    meetings: list[MeetingPlan] = field(default_factory=list)
    today: date = date.max
    # Set when the rows are written
    id: uuid.UUID | None = None
    reference: str = ""
    created: datetime | None = None

    def on(self, day: date | None) -> bool:
        """Has ``day`` come by the demo's today?"""
        return day is not None and day <= self.today

    @property
    def six_month_end(self) -> date:
        return six_month_end(self.job_start, self.scale.max_months)

    @property
    def follow_from(self) -> date:
        assert self.decide_on is not None
        return max(self.job_start, self.decide_on)

    @property
    def suspended_now(self) -> bool:
        return self.on(self.suspend_on) and not self.on(self.resume_on)

    @property
    def final_state(self) -> CaseState:
        """The state at the demo's today."""
        if not self.on(self.submit_on):
            return CaseState.DRAFT
        if not self.on(self.decide_on):
            return CaseState.SUBMITTED
        if not self.granted:
            return CaseState.REFUSED
        if self.on(self.end_on):
            return CaseState.ENDED_EARLY
        if self.on(self.complete_on):
            return CaseState.COMPLETED
        if self.suspended_now:
            return CaseState.SUSPENDED
        return CaseState.IN_PROGRESS if self.on(self.job_start) else CaseState.GRANTED

    @property
    def busy_until(self) -> date:
        """No other request for the person before this day."""
        if not self.on(self.decide_on):
            return date.max
        if not self.granted:
            return cast(date, self.decide_on)
        if self.suspended_now:
            return date.max
        return self.end_on or self.complete_on or date.max

    @property
    def last_day(self) -> date:
        """The last day something happened on the case (a contact with the person)."""
        days = [self.request, self.submit_on, self.decide_on, self.suspend_on, self.resume_on]
        days += [self.notice_on, self.end_on, self.complete_on]
        days += [m.held_on for m in self.meetings]
        return max(d for d in days if d is not None and self.on(d))

    @property
    def requests(self) -> list[AidRequest]:
        return [req for req, _payee in self.aids]


def pick_weighted(rng: random.Random, choices: Sequence[tuple[Any, float]]) -> Any:
    total = sum(w for _c, w in choices)
    draw = rng.random() * total
    for choice, weight in choices:
        draw -= weight
        if draw < 0:
            return choice
    return choices[-1][0]


def of_noun(noun: str) -> str:
    """'de' with the French elision: 'd'agent', 'd'hôtesse', 'de vendeuse'."""
    return f"d'{noun}" if noun[:1].lower() in "aâeéèêiîoôuh" else f"de {noun}"


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def random_day(rng: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=rng.randint(0, max((hi - lo).days, 0)))


def rib_iban(bank: str, branch: int, account: int) -> str:
    """A French IBAN whose RIB key and ISO 13616 check digits are right."""
    rib_key = 97 - ((89 * int(bank) + 15 * branch + 3 * account) % 97)
    bban = f"{bank}{branch:05d}{account:011d}{rib_key:02d}"
    check = 98 - int(bban + "152700") % 97  # "FR00" moved to the end, F=15, R=27
    return f"FR{check:02d}{bban}"


def draw_bank(rng: random.Random) -> data.BankSpec:
    """A bank, as often as its share of accounts."""
    return pick_weighted(rng, [(b, b.weight) for b in data.BANKS])


def bank_account(rng: random.Random, bank: data.BankSpec) -> tuple[str, str]:
    """A fictitious account at ``bank``: its IBAN and BIC."""
    return rib_iban(bank.code, rng.randrange(100_000), rng.randrange(10**11)), bank.bic


def json_text(value: dict[str, Any] | None) -> str:
    return json.dumps(value, ensure_ascii=False) if value else ""
