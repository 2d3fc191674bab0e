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

This module holds the planner (requests, the person of each, grants and refusals) and
:func:`add_cases`; the people and staff come from :mod:`~app.services.demo_case_population`,
jobs and aids from :mod:`~app.services.demo_case_jobs`, the life of a granted case from
:mod:`~app.services.demo_case_life`; the plans are :mod:`~app.services.demo_case_plans`'s,
made rows by :mod:`~app.services.demo_case_rows`.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from app.models import (
    AidLine,
    AuditEvent,
    Beneficiary,
    Case,
    Decision,
    Envelope,
    Instalment,
    Meeting,
    PaymentBatch,
    ScaleVersion,
    ThirdParty,
)
from app.models import Counter as CounterRow
from app.models.enums import CaseState, Component
from app.services.dates import add_months
from app.services.dates import working_day as _weekday
from app.services.demo_case_jobs import JobsAndAids
from app.services.demo_case_life import CaseLife
from app.services.demo_case_plans import CasePlan, PersonPlan, pick_weighted, random_day
from app.services.demo_case_population import Population
from app.services.demo_case_rows import CaseRows
from app.services.demo_world import World, bulk_insert
from app.services.eligibility import Eligibility, RuleStatus, check_eligibility
from app.services.scale import ScaleRules, scale_in_force
from app.services.schedule import aid_errors, build_schedule, needs_by_year
from app.services.settings import load_settings
from app.services.storage import Database
from app.services.workflow import ExitReason

# Requests per year at département scale (30 000 beneficiaries); the current year is
# prorated up to the demo's today. 27 people were helped in 2018 (seed document).
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
PICK_TRIES = 400
STALE_CONTACT_DAYS = 730  # keep the retention demo: no new contact for these people


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
        self.world = world
        self.rng = world.rng
        self.today = world.today
        self.observations_delay = observations_delay
        self.plans: list[CasePlan] = []
        self.skipped: Counter[str] = Counter()
        self._load(session)

    # Loading what the earlier steps wrote

    def _load(self, s: Session) -> None:
        starts = s.scalars(select(ScaleVersion.effective_from).order_by("effective_from"))
        self.scales = [scale_in_force(s, day) for day in starts]
        self.envelopes = dict(s.execute(select(Envelope.year, Envelope.amount_cents)).all())
        self.scale_starts = [v.effective_from for v in self.scales]
        self.population = Population(s, self.world)
        self.jobs = JobsAndAids(self.world)
        self.life = CaseLife(self.rng, self.today, self.observations_delay)
        self.committed: Counter[int] = Counter()

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
        pools = [(name, w) for name, w in pools if self.population.pools[name] and w > 0]
        if not pools and not candidates:
            return None
        day = start.isoformat()
        for _ in range(PICK_TRIES):
            if candidates:
                index = candidates[rng.randrange(len(candidates))]
            else:
                pool = self.population.pools[pick_weighted(rng, pools)]
                index = pool[rng.randrange(len(pool))]
            _rowid, _orientation, _global, opened, oriented, *_rest = self.population.index[index]
            if (opened or "9") > day or (oriented or "9") > day:
                continue  # the rules would fail (or be "to check") on the person's dates
            person = self.population.person(index)
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
        referent = self.population.users[person.referent_id]
        validator = self.population.validator_of.get(person.office_id) or referent
        job = self.jobs.job(person, start)
        childcare_ok = any(
            r.code == "childcare" and r.status is RuleStatus.PASSED for r in eligibility.results
        )
        aids = self.jobs.aids(person, scale, job, start, childcare_ok)
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
                self.life.story(plan, force, notice_now)
                self.life.meetings(plan)
        self._keep(plan)
        return True


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
