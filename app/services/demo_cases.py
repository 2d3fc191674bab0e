"""Pack sortie cases of the demo database, in every state, from 2018 to the demo's today.

Step 5 of :mod:`app.services.demo`, run once the beneficiaries are in the database and
drawing from the same generator, so that a seed and a size always give the same rows.

The cases follow the rules the application applies, through its own services:

* a request per case, a few hundred a year at département scale (30 000 beneficiaries;
  proportionally fewer in a smaller demo, at most :data:`MAX_SCALE` times more in a larger
  one), ramping up from the first year (27 people helped in 2018);
* the person is chosen by :func:`~app.services.eligibility.check_eligibility` with the scale
  in force at the job start (:func:`~app.services.scale.scale_in_force`): granted cases pass
  every rule; refused ones fail a real rule (orientation emploi without accompagnement
  global, request too late, second pack too soon) and quote its explanation;
* aids within the scale (:func:`~app.services.schedule.aid_errors`), the childcare aid only
  with a child young enough at the job start, a schedule from
  :func:`~app.services.schedule.build_schedule` charged to the envelope of each due year;
  a grant that would overdraw an envelope is left out, as the real check refuses it;
* the life of a granted case up to the demo's day (``as_of`` of
  :func:`~app.services.demo.build_demo`): start of the follow-up, suspensions, follow-up
  meetings and the 6-month review, completion (still in work or not) or early end preceded
  by the invitation to give observations;
* references and decision numbers sequential per year, and the ``counter`` rows set to the
  last numbers used, so that the cases created afterwards in the app follow on;
* one audit event per transition, as the workflow records them, for the case history;
* the instalments due by the demo's today paid by monthly payment batches made and
  confirmed by the finance user, a few rejected by the bank « à régulariser »
  (:mod:`app.services.demo_payments`).

Rows go in with Core bulk inserts; the beneficiaries with a case get their current case
state, last contact, IBAN (and RSA closing date) by one executemany UPDATE.
"""

from __future__ import annotations

import bisect
import itertools
import random
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol, cast

from sqlalchemy import Integer, Table, bindparam, func, literal_column, select, update
from sqlalchemy.orm import Session

from app.models import (
    AidLine,
    AuditEvent,
    Beneficiary,
    Case,
    Decision,
    Envelope,
    HouseholdMember,
    Instalment,
    Meeting,
    PaymentBatch,
    ScaleVersion,
    ThirdParty,
    User,
)
from app.models import Counter as CounterRow
from app.models.enums import (
    CaseState,
    Civility,
    Component,
    ContractType,
    MeetingKind,
    MeetingMode,
    Orientation,
    PayeeKind,
    Relation,
)
from app.services import demo_data as data
from app.services.dates import add_months
from app.services.dates import working_day as _weekday

# Requests per year at département scale (30 000 beneficiaries); the current year is
# prorated up to the demo's today. 27 people were helped in 2018 (seed document).
from app.services.demo_case_plans import (
    CasePlan,
    JobPlan,
    MeetingPlan,
    PayeePlan,
    PersonPlan,
    UserPlan,
    lower_first,
    pick_weighted,
    random_day,
    rib_iban,
)
from app.services.demo_case_rows import CaseRows, bulk_insert
from app.services.eligibility import (
    Eligibility,
    PersonFacts,
    RuleStatus,
    check_eligibility,
)
from app.services.meetings import Obstacle
from app.services.scale import ScaleRules, scale_in_force
from app.services.schedule import (
    AidRequest,
    aid_errors,
    build_schedule,
    needs_by_year,
)
from app.services.settings import load_settings
from app.services.storage import Database
from app.services.text import format_date
from app.services.workflow import ExitReason

BASE_BENEFICIARIES = 30_000
YEARLY_REQUESTS = {
    2018: 40,
    2019: 120,
    2020: 200,
    2021: 240,
    2022: 270,
    2023: 300,
    2024: 320,
    2025: 340,
    2026: 350,
}
MAX_SCALE = 1.5  # a larger demo gets at most 1.5 times the département's activity
EVERY_STATE_FROM = 200  # from this size on, every case state appears at least once
FIRST_REQUEST = date(2018, 1, 8)  # first cases January 2018 (seed document)

REFUSAL_SHARE = 0.12
REFUSALS = (("orientation", 0.45), ("request_delay", 0.35), ("previous_pack", 0.20))
EMPLOYMENT_SHARE = 0.15  # of the grants once the scale opens to "emploi" + global support
REQUEST_BEFORE_START_SHARE = 0.25
LINGERING_DRAFT_SHARE = 0.3  # of the requests of the last month, still drafts
EARLY_END_SHARE = 0.22
EXIT_REASONS = (
    (ExitReason.JOB_LOST, 0.30),
    (ExitReason.TRIAL_FAILED, 0.25),
    (ExitReason.PERSON_REQUEST, 0.15),
    (ExitReason.MOVED_AWAY, 0.15),
    (ExitReason.RSA_CLOSED, 0.15),
)
EMPLOYED_AT_EXIT_SHARE = 0.70
SUSPENDED_NOW_SHARE = 0.15  # of the cases followed at the demo's today
SUSPENSION_EPISODE_SHARE = 0.06  # suspended for a while, then resumed
TRANSPORT_SHARE = 0.85
DAILY_LIFE_SHARE = 0.55
CHILDCARE_SHARE = 0.70  # of the people with a child young enough
LOWERED_SHARE = 0.12
AID_OF_OBSTACLE = {
    Obstacle.TRANSPORT.value: Component.TRANSPORT,
    Obstacle.CHILDCARE.value: Component.CHILDCARE,
}
THIRD_PARTY_SHARE = {Component.CHILDCARE: 0.45, Component.TRANSPORT: 0.12}
CONTRACTS = (
    (ContractType.CDI, 0.28),
    (ContractType.CDD, 0.42),
    (ContractType.TEMPING, 0.15),
    (ContractType.SUBSIDISED, 0.15),
)
WEEKLY_HOURS = ((35, 0.45), (24, 0.12), (28, 0.10), (30, 0.12), (20, 0.08), (32, 0.06), (39, 0.04))
MODES = ((MeetingMode.INTERVIEW, 0.55), (MeetingMode.PHONE, 0.30), (MeetingMode.WORKPLACE, 0.15))
MAX_FOLLOW_UPS = 4
PICK_TRIES = 400
STALE_CONTACT_DAYS = 730  # keep the retention demo: no new contact for these people


def notes_on_topic(topic: str, components: set[Component]) -> tuple[str, ...]:
    """What a meeting note can say on ``topic``: naming an aid only if the case has it."""
    aid = AID_OF_OBSTACLE.get(topic)
    extra = data.AID_MEETING_NOTES.get(topic, ()) if aid in components else ()
    return data.MEETING_NOTES[topic] + extra


class World(Protocol):
    """What the demo builder shares with this step (see ``demo_world.World``)."""

    rng: random.Random
    today: date
    login: str
    offices: dict[str, Any]  # office key -> object with ``id``
    counts: Counter[str]

    def new_id(self) -> uuid.UUID: ...

    def stamp(self, day: date) -> datetime: ...


def requests_per_year(n: int, today: date) -> dict[int, int]:
    """Requests per year for a demo of ``n`` beneficiaries (the current year up to today)."""
    factor = min(n / BASE_BENEFICIARIES, MAX_SCALE)
    out = {}
    for year in range(FIRST_REQUEST.year, today.year + 1):
        length = (date(year + 1, 1, 1) - date(year, 1, 1)).days  # 366 in a leap year
        share = ((min(date(year, 12, 31), today) - date(year, 1, 1)).days + 1) / length
        base = YEARLY_REQUESTS.get(year, YEARLY_REQUESTS[max(YEARLY_REQUESTS)])
        out[year] = max(0, round(base * factor * share))
    return out


# --- The planner ---------------------------------------------------------------------------


class Planner:
    """Plans the cases; reads the people it considers through ``session`` (a read)."""

    def __init__(self, session: Session, world: World, observations_delay: int) -> None:
        self.session = session
        self.world = world
        self.rng = world.rng
        self.today = world.today
        self.observations_delay = observations_delay
        self.plans: list[CasePlan] = []
        self.skipped: Counter[str] = Counter()
        self._load(session)

    # Loading what the earlier steps wrote

    def _load(self, s: Session) -> None:
        world = self.world
        key_of = {ref.id: key for key, ref in world.offices.items()}
        starts = s.scalars(select(ScaleVersion.effective_from).order_by("effective_from"))
        self.scales = [scale_in_force(s, day) for day in starts]
        self.envelopes = dict(s.execute(select(Envelope.year, Envelope.amount_cents)).all())
        users = s.execute(
            select(
                User.id,
                User.os_login,
                User.first_name,
                User.last_name,
                User.capacity,
                User.office_id,
                User.is_validator,
                User.is_finance,
            ).order_by(literal_column("rowid"))
        ).all()
        # What choosing a person needs, for everybody, as plain ISO strings (fast to read
        # even for a million people); the rest is read for the people considered only.
        b = cast(Table, Beneficiary.__table__)
        rowid = literal_column("beneficiary.rowid", Integer)
        self.index = s.execute(
            select(
                rowid,
                b.c.orientation,
                b.c.global_support,
                func.substr(b.c.rsa_open_since, 1, 10),
                func.substr(b.c.orientation_date, 1, 10),
                func.substr(b.c.created_at, 1, 10),
                func.substr(b.c.last_contact_at, 1, 10),
            ).order_by(rowid)
        ).all()
        self._details = select(
            b.c.id,
            b.c.civility,
            b.c.paying_body,
            b.c.first_name,
            b.c.last_name,
            b.c.commune,
            b.c.office_id,
            b.c.referent_id,
            b.c.updated_at,
            b.c.updated_by,
            b.c.version_id,
        ).where(rowid == bindparam("r"))
        h = cast(Table, HouseholdMember.__table__)
        self._children = (
            select(h.c.birth_date)
            .where(h.c.beneficiary_id == bindparam("b"), h.c.relation == Relation.CHILD.value)
            .order_by(literal_column("household_member.rowid"))
        )
        self.scale_starts = [v.effective_from for v in self.scales]

        self.users: dict[uuid.UUID, UserPlan] = {}
        validators: dict[str, UserPlan] = {}
        runner = finance = None
        for uid, login, first, last, capacity, office_id, validator, is_finance in users:
            key = key_of.get(office_id, "")
            site = key.replace("_", "-").upper() if "_" in key else f"MDS-{key.upper()}"
            station = f"{site if key else 'CD91-SIEGE'}-PC{self.rng.randint(1, 80):03d}"
            user = UserPlan(uid, login or "", f"{first} {last}".strip(), capacity, station)
            self.users[uid] = user
            if login == world.login:
                runner = user
                continue  # whoever runs the command decides nothing in the past
            if validator and key in data.VALIDATOR_MDS:
                validators[key] = user
            if is_finance:
                finance = user
        # The finance user makes and confirms the payment batches (whoever runs the
        # command, who has every role, in a demo without one).
        self.finance: UserPlan = cast(UserPlan, finance or runner)
        fallback = validators[sorted(validators)[0]] if validators else None
        self.validator_of: dict[uuid.UUID, UserPlan] = {}
        for key, ref in world.offices.items():
            chosen = validators.get(data.DECIDING_MDS.get(key, ""), fallback)
            if chosen is not None:
                self.validator_of[ref.id] = chosen

        # Pools of candidates by orientation (positions in self.index).
        self.pools: dict[str, list[int]] = {"social": [], "global": [], "emploi": [], "other": []}
        for i, (_rowid, orientation, global_support, *_dates) in enumerate(self.index):
            if orientation == Orientation.SOCIAL.value:
                self.pools["social"].append(i)
            elif orientation == Orientation.EMPLOYMENT.value:
                self.pools["global" if global_support else "emploi"].append(i)
            else:
                self.pools["other"].append(i)
        self.people: dict[int, PersonPlan] = {}
        self.mds_of = {c.name: c.mds for c in data.COMMUNES}
        self.employer_addresses: dict[str, str] = {}
        self.payees = self._payees()
        self.committed: Counter[int] = Counter()

    def _payees(self) -> list[PayeePlan]:
        payees = []
        for spec in (*data.CRECHES, *data.TRANSPORT_OPERATORS):
            bank = data.TRESOR_BANK if spec.public else self._bank()
            payees.append(PayeePlan(self.world.new_id(), spec, *self._iban(bank)))
        return payees

    def _bank(self) -> data.BankSpec:
        return pick_weighted(self.rng, [(b, b.weight) for b in data.BANKS])

    def _iban(self, bank: data.BankSpec) -> tuple[str, str]:
        rng = self.rng
        return rib_iban(bank.code, rng.randrange(100_000), rng.randrange(10**11)), bank.bic

    def _person(self, index: int) -> PersonPlan:
        person = self.people.get(index)
        if person is None:
            rowid, orientation, global_support, opened, oriented, created, contact = self.index[
                index
            ]
            row = self.session.execute(self._details, {"r": rowid}).one()
            facts = PersonFacts(
                rsa_open_since=date.fromisoformat(opened) if opened else None,
                rsa_closed_on=None,
                orientation=orientation,
                orientation_date=date.fromisoformat(oriented) if oriented else None,
                global_support=bool(global_support),
                children_birth_dates=tuple(self.session.scalars(self._children, {"b": row.id})),
            )
            person = PersonPlan(
                index,
                row.id,
                row.civility,
                row.paying_body,
                row.first_name,
                row.last_name,
                row.commune,
                row.office_id,
                row.referent_id,
                facts,
                date.fromisoformat(created),
                date.fromisoformat(contact) if contact else None,
                row.updated_at.replace(tzinfo=UTC),
                row.updated_by,
                row.version_id,
            )
            self.people[index] = person
        return person

    def scale_at(self, day: date) -> ScaleRules | None:
        i = bisect.bisect_right(self.scale_starts, day)
        return self.scales[i - 1] if i else None

    # Requests

    def run(self, n: int, check_cancel: Callable[[], None]) -> None:
        rng = self.rng
        slots: list[tuple[date, str]] = []
        for year, count in requests_per_year(n, self.today).items():
            start, end = max(date(year, 1, 1), FIRST_REQUEST), min(date(year, 12, 31), self.today)
            for _ in range(count):
                day = random_day(rng, start, end)
                if day.month == 8 and rng.random() < 0.5:  # summer: fewer job starts
                    day = random_day(rng, start, end)
                day = _weekday(day, back=_weekday(day) > end)
                fate = "refuse" if rng.random() < REFUSAL_SHARE else "grant"
                slots.append((day, fate))
        slots.sort(key=lambda slot: slot[0])
        for i, (day, fate) in enumerate(slots):
            if i % 500 == 0:
                check_cancel()
            if fate == "refuse":
                rule = pick_weighted(rng, REFUSALS)
                self._refusal(day, rule) or self._refusal(day, "orientation")
            else:
                self._grant(day)
        if n >= EVERY_STATE_FROM:
            self._every_state()

    def _every_state(self) -> None:
        """Small demos: add the states the proportional volume left out (tests see them)."""
        rng, today = self.rng, self.today
        for state in CaseState:
            for _ in range(30):
                if any(self._shows(p, state) for p in self.plans):
                    break
                ago = {
                    CaseState.DRAFT: (0, 8),
                    CaseState.SUBMITTED: (4, 10),
                    CaseState.GRANTED: (10, 16),
                    CaseState.REFUSED: (40, 200),
                }
                if state in ago:
                    lo, hi = ago[state]
                    day = _weekday(today - timedelta(days=rng.randint(lo, hi)), back=True)
                    if state is CaseState.REFUSED:
                        self._refusal(day, "request_delay") or self._refusal(day, "orientation")
                    else:
                        self._grant(day, force=state)
                    continue
                lo, hi = {
                    CaseState.IN_PROGRESS: (30, 100),
                    CaseState.SUSPENDED: (30, 60),  # instalments still due when suspended
                    CaseState.COMPLETED: (260, 600),
                    CaseState.ENDED_EARLY: (250, 500),
                }[state]
                start = _weekday(today - timedelta(days=rng.randint(lo, hi)))
                day = _weekday(start + timedelta(days=rng.randint(3, 20)), back=True)
                self._grant(min(day, today), force=state, job_start=start)
        for _ in range(30):  # an early end under way: the person invited, the delay running
            if any(p.on(p.notice_on) and not p.on(p.end_on) for p in self.plans):
                break
            start = _weekday(today - timedelta(days=rng.randint(60, 110)))
            day = _weekday(start + timedelta(days=rng.randint(3, 20)), back=True)
            self._grant(day, force=CaseState.ENDED_EARLY, job_start=start, notice_now=True)

    @staticmethod
    def _shows(plan: CasePlan, state: CaseState) -> bool:
        """Does ``plan`` show ``state`` (a suspension: with instalments held back)?"""
        if plan.final_state is not state:
            return False
        return state is not CaseState.SUSPENDED or any(
            i.due_month > cast(date, plan.suspend_on) for i in plan.schedule
        )

    # Choosing the person

    def _available(self, person: PersonPlan, request: date) -> bool:
        if person.closed or person.busy_until >= request or person.created > request:
            return False
        contact = person.last_contact
        stale = contact is not None and contact < self.today - timedelta(days=STALE_CONTACT_DAYS)
        return not stale or request + timedelta(days=240) <= cast(date, contact)

    def _find(
        self,
        pools: Sequence[tuple[str, float]],
        request: date,
        start: date,
        scale: ScaleRules,
        wanted: str | None,
        candidates: Sequence[int] | None = None,
    ) -> tuple[PersonPlan, Eligibility] | None:
        """A person for whom exactly the rule ``wanted`` fails (None: no rule fails)."""
        rng = self.rng
        pools = [(name, w) for name, w in pools if self.pools[name] and w > 0]
        if not pools and not candidates:
            return None
        day = start.isoformat()
        for _ in range(PICK_TRIES):
            if candidates:
                index = candidates[rng.randrange(len(candidates))]
            else:
                pool = self.pools[pick_weighted(rng, pools)]
                index = pool[rng.randrange(len(pool))]
            _rowid, _orientation, _global, opened, oriented, *_rest = self.index[index]
            if (opened or "9") > day or (oriented or "9") > day:
                continue  # the rules would fail (or be "to check") on the person's dates
            person = self._person(index)
            if not self._available(person, request):
                continue
            result = check_eligibility(
                person.facts, start, request, scale, person.previous(), (Component.CHILDCARE,)
            )
            base = [r for r in result.results if r.code != "childcare"]
            failed = {r.code for r in base if r.status is RuleStatus.FAILED}
            if all(r.status is RuleStatus.PASSED or r.code == wanted for r in base) and (
                failed == ({wanted} if wanted else set())
            ):
                return person, result
        return None

    def _grant_pools(self, start: date, scale: ScaleRules) -> list[tuple[str, float]]:
        share = EMPLOYMENT_SHARE if scale.employment_with_global_support else 0.0
        return [("social", 1 - share), ("global", share)]

    # Dates

    def _decision_dates(self, request: date) -> tuple[date, date]:
        rng = self.rng
        submit = _weekday(request + timedelta(days=rng.randint(0, 6)))
        decide = _weekday(submit + timedelta(days=rng.randint(2, 14)))
        latest = _weekday(request + timedelta(days=21), back=True)
        return submit, max(min(decide, latest), submit + timedelta(days=1))

    def _job_start(self, request: date) -> date:
        rng = self.rng
        if rng.random() < REQUEST_BEFORE_START_SHARE:
            return _weekday(request + timedelta(days=rng.randint(1, 45)))
        return _weekday(request - timedelta(days=min(int(rng.expovariate(1 / 25)), 85)))

    # Cases

    def _new_plan(
        self,
        person: PersonPlan,
        eligibility: Eligibility,
        scale: ScaleRules,
        request: date,
        start: date,
        granted: bool,
        submit: date | None,
        decide: date | None,
    ) -> CasePlan:
        referent = self.users[person.referent_id]
        validator = self.validator_of.get(person.office_id) or referent
        job = self._job(person, start)
        childcare_ok = any(
            r.code == "childcare" and r.status is RuleStatus.PASSED for r in eligibility.results
        )
        aids = self._aids(person, scale, job, start, childcare_ok)
        assert not aid_errors([a for a, _p in aids], scale), aids
        return CasePlan(
            seq=len(self.plans),
            person=person,
            referent=referent,
            validator=validator,
            scale=scale,
            request=request,
            job_start=start,
            job=job,
            aids=aids,
            granted=granted,
            submit_on=submit,
            decide_on=decide,
            today=self.today,
        )

    def _keep(self, plan: CasePlan) -> None:
        person = plan.person
        person.cases.append(plan)
        person.busy_until = max(person.busy_until, plan.busy_until)
        if plan.exit_reason is ExitReason.RSA_CLOSED and plan.on(plan.fact_on):
            person.closed = True
            person.rsa_closed_on = plan.fact_on
            person.facts = replace(person.facts, rsa_closed_on=plan.fact_on)
        self.plans.append(plan)

    def _refusal(self, request: date, rule: str) -> bool:
        rng = self.rng
        submit, decide = self._decision_dates(request)
        candidates = None
        if rule == "request_delay":
            start = _weekday(add_months(request, -3) - timedelta(days=rng.randint(5, 50)))
        else:
            start = self._job_start(request)
        scale = self.scale_at(start)
        if scale is None:
            return False
        if rule == "orientation":
            pools = [("emploi", 0.7), ("other", 0.3)]
            if not scale.employment_with_global_support:
                pools.append(("global", 0.2))
        elif rule == "request_delay":
            pools = self._grant_pools(start, scale)
        else:  # previous_pack: someone whose last pack began less than 24 months before
            since = add_months(start, -scale.min_months_between_packs)
            candidates = [
                p.person.index
                for p in self.plans
                if p.granted and p.on(p.decide_on) and since < p.job_start <= start
            ]
            if not candidates:
                return False
            pools = []
        found = self._find(pools, request, start, scale, rule, candidates)
        if found is None:
            self.skipped["refusal_no_candidate"] += 1
            return False
        person, eligibility = found
        self._keep(
            self._new_plan(person, eligibility, scale, request, start, False, submit, decide)
        )
        return True

    def _grant(
        self,
        request: date,
        force: CaseState | None = None,
        job_start: date | None = None,
        notice_now: bool = False,
    ) -> bool:
        rng, today = self.rng, self.today
        submit, decision = self._decision_dates(request)
        decide: date | None = decision
        start = job_start or self._job_start(request)
        if force is CaseState.GRANTED:
            start = _weekday(today + timedelta(days=rng.randint(10, 40)))
            decision = min(decision, _weekday(today - timedelta(days=1), back=True))
            submit, decide = min(submit, decision - timedelta(days=1)), decision
        elif force is CaseState.SUBMITTED:
            submit, decide = min(submit, today), today + timedelta(days=rng.randint(3, 15))
        elif force is CaseState.DRAFT or (
            force is None
            and request > today - timedelta(days=30)
            and rng.random() < LINGERING_DRAFT_SHARE
        ):
            submit, decide = today + timedelta(days=rng.randint(2, 20)), None
        elif force is not None:
            submit, decide = min(submit, today), min(decision, today)
        start = max(start, FIRST_REQUEST - timedelta(days=30))
        scale = self.scale_at(start)
        if scale is None:
            return False
        found = self._find(self._grant_pools(start, scale), request, start, scale, None)
        if found is None:
            self.skipped["grant_no_candidate"] += 1
            return False
        person, eligibility = found
        plan = self._new_plan(person, eligibility, scale, request, start, True, submit, decide)
        if decide is not None:
            plan.schedule = build_schedule(plan.requests, start, decide)
            if plan.on(decide):
                needs = needs_by_year(plan.schedule)
                if any(self.committed[y] + c > self.envelopes.get(y, 0) for y, c in needs.items()):
                    self.skipped["envelope"] += 1  # the real check refuses such a grant
                    return False
                self.committed.update(needs)
                self._story(plan, force, notice_now)
                self._meetings(plan)
        self._keep(plan)
        return True

    def _story(self, plan: CasePlan, force: CaseState | None, notice_now: bool = False) -> None:
        """Follow-up, suspensions and exit of a granted case (dates may be after today);
        ``notice_now``: an early end whose invitation was sent a few days ago."""
        rng, today = self.rng, self.today
        follow, end = plan.follow_from, plan.six_month_end
        early = force is CaseState.ENDED_EARLY or (force is None and rng.random() < EARLY_END_SHARE)
        if force in (CaseState.IN_PROGRESS, CaseState.SUSPENDED, CaseState.COMPLETED):
            early = False
        if early:
            self._early_end(plan, follow, end, notice_now)
        if plan.end_on is None:
            plan.complete_on = _weekday(end + timedelta(days=rng.randint(0, 20)))
            if plan.complete_on > today >= end and force is CaseState.COMPLETED:
                plan.complete_on = _weekday(today, back=True)
            if plan.complete_on < end:  # the six months must be over
                plan.complete_on = end
            share = EMPLOYED_AT_EXIT_SHARE
            plan.employed_at_exit = rng.random() < share
        exit_day = plan.end_on or cast(date, plan.complete_on)
        first_fact = plan.fact_on or exit_day
        followed_now = follow <= today - timedelta(days=10) and first_fact > today
        if force is CaseState.SUSPENDED or (
            force is None and followed_now and rng.random() < SUSPENDED_NOW_SHARE
        ):
            lo = max(follow + timedelta(days=7), today - timedelta(days=40))
            hi = today - timedelta(days=3)
            if lo <= hi:
                plan.suspend_on = _weekday(random_day(rng, lo, hi), back=True)
                plan.suspension_reason = rng.choice(data.SUSPENSION_REASONS)
        elif force is None and rng.random() < SUSPENSION_EPISODE_SHARE:
            limit = first_fact - timedelta(days=30)
            lo = follow + timedelta(days=15)
            if lo <= limit:
                plan.suspend_on = _weekday(random_day(rng, lo, limit), back=True)
                plan.resume_on = _weekday(plan.suspend_on + timedelta(days=rng.randint(10, 25)))
                plan.suspension_reason = rng.choice(data.SUSPENSION_REASONS)

    def _early_end(self, plan: CasePlan, follow: date, end: date, notice_now: bool = False) -> None:
        rng, today = self.rng, self.today
        reason = pick_weighted(rng, EXIT_REASONS)
        lo, hi = follow + timedelta(days=5), end - timedelta(days=45)
        if notice_now:
            reason = ExitReason.JOB_LOST if reason is ExitReason.PERSON_REQUEST else reason
            lo, hi = max(lo, today - timedelta(days=14)), min(hi, today - timedelta(days=9))
        trial = plan.job.trial_end
        if reason is ExitReason.TRIAL_FAILED and (trial is None or trial < lo):
            reason = ExitReason.JOB_LOST
        if reason is ExitReason.TRIAL_FAILED:
            hi = min(hi, cast(date, trial))
        if lo > hi:
            return
        fact = random_day(rng, lo, hi)
        if reason.needs_observations:
            notice = _weekday(fact + timedelta(days=rng.randint(2, 8)))
            deadline = notice + timedelta(days=self.observations_delay)
            ended = _weekday(deadline + timedelta(days=rng.randint(1, 10)))
            plan.notice_on, plan.deadline = notice, deadline
        else:
            ended = _weekday(fact + timedelta(days=rng.randint(3, 15)))
        if ended > today and fact <= today - timedelta(days=60):
            return  # a case would not wait that long: it completes instead
        plan.fact_on, plan.end_on, plan.exit_reason = fact, ended, reason
        plan.employed_at_exit = False

    # The job and the aids

    def _job(self, person: PersonPlan, start: date) -> JobPlan:
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

    def _aids(
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

    # Meetings

    def _meetings(self, plan: CasePlan) -> None:
        rng, today = self.rng, self.today
        follow, end = plan.follow_from, plan.six_month_end
        if plan.end_on:
            limit = plan.end_on - timedelta(days=1)
        elif plan.complete_on:
            limit = end - timedelta(days=12)
        else:
            limit = end
        limit = min(limit, today)
        days: list[date] = []
        day = _weekday(follow + timedelta(days=rng.randint(7, 20)))
        while day <= limit and len(days) < MAX_FOLLOW_UPS:
            days.append(day)
            day = _weekday(day + timedelta(days=rng.randint(30, 55)))
        if not days and follow + timedelta(days=3) <= limit:
            days.append(_weekday(random_day(rng, follow + timedelta(days=3), limit), back=True))
        for held in days:
            plan.meetings.append(self._follow_up(plan, held))
        review_on = None
        if plan.complete_on and plan.on(plan.complete_on):
            lo = max(end - timedelta(days=10), (days[-1] if days else follow) + timedelta(days=1))
            review_on = _weekday(random_day(rng, lo, plan.complete_on), back=True)
            if review_on < lo:
                review_on = lo
            plan.meetings.append(self._review(plan, review_on))
        for meeting, following in itertools.pairwise(plan.meetings):
            meeting.next_meeting_on = following.held_on
        last = plan.meetings[-1] if plan.meetings else None
        ongoing = not (plan.on(plan.end_on) or plan.on(plan.complete_on))
        if last is not None and ongoing and last.kind is MeetingKind.FOLLOW_UP:
            # The next appointment is set within the month (so that every followed case is
            # in the « À faire » list of the coming 30 days, whatever the demo's day).
            planned = _weekday(last.held_on + timedelta(days=rng.randint(21, 26)))
            last.next_meeting_on = planned if planned <= end else None

    def _participants(self, plan: CasePlan, mode: MeetingMode) -> str:
        rng, person = self.rng, plan.person
        civility = Civility(person.civility).label if person.civility else ""
        who = f"{civility} {person.last_name}".strip()
        if mode is MeetingMode.PHONE:
            who += " (par téléphone)"
        parts = [who, f"{plan.referent.name} ({lower_first(plan.referent.capacity)})"]
        if mode is MeetingMode.WORKPLACE:
            group = rng.choice(data.NAME_GROUPS)
            female = rng.random() < 0.5
            role = rng.choice(data.TUTOR_ROLES).split("|")
            title = role[0] if female or len(role) == 1 else role[1]
            parts.append(
                f"{'Mme' if female else 'M.'} {rng.choice(group.surnames)}, {title} "
                f"({plan.job.employer})"
            )
        return " ; ".join(parts)

    def _job_situation(self, plan: CasePlan, held: date) -> str:
        job = plan.job
        text = (
            f"En poste chez {job.employer} depuis le {format_date(plan.job_start)} "
            f"({lower_first(job.title)}, {job.contract.label}, "
            f"{str(job.weekly_hours).replace('.', ',')} h par semaine)."
        )
        if job.trial_end:
            if held > job.trial_end:
                text += f" Période d'essai terminée le {format_date(job.trial_end)}."
            else:
                text += f" Période d'essai jusqu'au {format_date(job.trial_end)}."
        return text

    def _follow_up(self, plan: CasePlan, held: date) -> MeetingPlan:
        rng = self.rng
        mode = pick_weighted(rng, MODES)
        components = {req.component for req in plan.requests}
        weights = [
            (Obstacle.TRANSPORT, 3 if Component.TRANSPORT in components else 1),
            (Obstacle.CHILDCARE, 3 if Component.CHILDCARE in components else 0),
            (Obstacle.BUDGET, 3),
            (Obstacle.SCHEDULE, 2),
            (Obstacle.EMPLOYER, 2 if mode is not MeetingMode.WORKPLACE else 5),
            (Obstacle.ADMIN, 2),
            (Obstacle.HOUSING, 1),
            (Obstacle.MOBILITY, 1),
            (Obstacle.TRAINING, 1),
        ]
        obstacles: list[Obstacle] = []
        for _ in range(pick_weighted(rng, ((0, 0.15), (1, 0.55), (2, 0.30)))):
            choice = pick_weighted(rng, [(o, w) for o, w in weights if o not in obstacles])
            obstacles.append(choice)
        opening = {
            MeetingMode.INTERVIEW: rng.choice(data.MEETING_OPENINGS),
            MeetingMode.PHONE: "Entretien téléphonique de suivi.",
            MeetingMode.WORKPLACE: "Visite sur le lieu de travail, avec l'accord de la personne.",
        }[mode]
        topics = [o.value for o in obstacles] or [Obstacle.OTHER.value]
        notes = " ".join([opening, *(rng.choice(notes_on_topic(t, components)) for t in topics)])
        return MeetingPlan(
            held_on=held,
            kind=MeetingKind.FOLLOW_UP,
            mode=mode,
            participants=self._participants(plan, mode),
            obstacles=[o.value for o in obstacles],
            job_situation=self._job_situation(plan, held),
            notes=notes,
            next_steps=rng.choice(data.MEETING_NEXT_STEPS[topics[0]]),
        )

    def _review(self, plan: CasePlan, held: date) -> MeetingPlan:
        rng = self.rng
        employed = bool(plan.employed_at_exit)
        notes = rng.choice(
            data.REVIEW_NOTES_EMPLOYED if employed else data.REVIEW_NOTES_NOT_EMPLOYED
        )
        situation = (
            f"Toujours en poste chez {plan.job.employer} ({plan.job.contract.label})."
            if employed
            else f"N'est plus en poste chez {plan.job.employer} ; recherche d'emploi en cours."
        )
        return MeetingPlan(
            held_on=held,
            kind=MeetingKind.REVIEW_6M,
            mode=MeetingMode.INTERVIEW,
            participants=self._participants(plan, MeetingMode.INTERVIEW),
            obstacles=[] if employed else [Obstacle.BUDGET.value],
            job_situation=situation,
            notes=notes.format(employer=plan.job.employer),
            next_steps=rng.choice(data.REVIEW_NEXT_STEPS),
        )


def add_cases(db: Database, world: World, n: int, check_cancel: Callable[[], None]) -> int:
    """Plan and write the demo's cases (see the module docstring); returns their number."""
    check_cancel()
    delay = load_settings(db).observations_delay_days
    with db.read() as s:
        planner = Planner(s, world, delay)
        planner.run(n, check_cancel)
    check_cancel()
    writer = CaseRows(planner)
    writer.build()
    rows = writer.rows
    b = cast(Table, Beneficiary.__table__)
    with db.write() as s:
        bulk_insert(s, ThirdParty, rows["third_party"])
        bulk_insert(s, Case, rows["case"])
        bulk_insert(s, AidLine, rows["aid_line"])
        bulk_insert(s, PaymentBatch, rows["payment_batch"])
        bulk_insert(s, Instalment, rows["instalment"])
        bulk_insert(s, Decision, rows["decision"])
        bulk_insert(s, Meeting, rows["meeting"])
        bulk_insert(s, AuditEvent, rows["audit"])
        bulk_insert(s, CounterRow, rows["counter"])
        updates = writer.beneficiary_updates()
        if updates:
            s.execute(
                update(b)
                .where(b.c.id == bindparam("b_id"))
                .values(
                    current_case_state=bindparam("b_state"),
                    last_contact_at=bindparam("b_contact"),
                    iban=bindparam("b_iban"),
                    bic=bindparam("b_bic"),
                    rsa_closed_on=bindparam("b_closed"),
                    updated_at=bindparam("b_updated_at"),
                    updated_by=bindparam("b_updated_by"),
                    version_id=bindparam("b_version"),
                ),
                updates,
            )
    world.counts["cases"] = len(rows["case"])
    world.counts["payment_batches"] = len(rows["payment_batch"])
    world.counts.update({f"skipped_{k}": v for k, v in planner.skipped.items()})
    return len(rows["case"])
