"""The life of a granted demo case up to the demo's day: start of the follow-up,
suspensions (still suspended, or for a while then resumed), completion (still in work or
not) or early end, preceded by the invitation to give observations when the reason needs
it; and its meetings: follow-ups with their obstacles and notes, and the 6-month review.

:class:`app.services.demo_cases.Planner` asks it for each case it grants, drawing from the
same generator.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from typing import cast

from app.models.enums import CaseState, Civility, Component, MeetingKind, MeetingMode
from app.services import demo_data as data
from app.services.dates import working_day as _weekday
from app.services.demo_case_plans import (
    CasePlan,
    MeetingPlan,
    lower_first,
    pick_weighted,
    random_day,
)
from app.services.meetings import Obstacle
from app.services.text import format_date
from app.services.workflow import ExitReason

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
AID_OF_OBSTACLE = {
    Obstacle.TRANSPORT.value: Component.TRANSPORT,
    Obstacle.CHILDCARE.value: Component.CHILDCARE,
}
MODES = ((MeetingMode.INTERVIEW, 0.55), (MeetingMode.PHONE, 0.30), (MeetingMode.WORKPLACE, 0.15))
MAX_FOLLOW_UPS = 4


def notes_on_topic(topic: str, components: set[Component]) -> tuple[str, ...]:
    """What a meeting note can say on ``topic``: naming an aid only if the case has it."""
    aid = AID_OF_OBSTACLE.get(topic)
    extra = data.AID_MEETING_NOTES.get(topic, ()) if aid in components else ()
    return data.MEETING_NOTES[topic] + extra


class CaseLife:
    """Plans the story and the meetings of granted cases as of ``today``."""

    def __init__(self, rng: random.Random, today: date, observations_delay: int) -> None:
        self.rng = rng
        self.today = today
        self.observations_delay = observations_delay

    # The story

    def story(self, plan: CasePlan, force: CaseState | None, notice_now: bool = False) -> None:
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

    # Meetings

    def meetings(self, plan: CasePlan) -> None:
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
