"""The demo's planned cases made rows: cases, aid lines, instalments, decisions, meetings,
payment batches, audit events and counters, ready for Core bulk inserts
(:func:`app.services.demo_cases.add_cases` writes them)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from typing import TYPE_CHECKING, Any, cast

from app.models.enums import (
    CaseState,
    Civility,
    Component,
    DecisionKind,
    InstalmentStatus,
)
from app.services import demo_data as data
from app.services.actor import Actor

# Requests per year at département scale (30 000 beneficiaries); the current year is
# prorated up to the demo's today. 27 people were helped in 2018 (seed document).
from app.services.demo_case_plans import (
    CASE_ACTIONS,
    LEGAL_BASIS,
    CasePlan,
    MeetingPlan,
    PersonPlan,
    UserPlan,
    bank_account,
    draw_bank,
    json_text,
    lower_first,
    of_noun,
)
from app.services.demo_payments import Pause, PaymentHistory
from app.services.eligibility import (
    PreviousCase,
    check_eligibility,
)
from app.services.grant_checks import GrantChecks, earlier_years
from app.services.text import format_cents, format_date
from app.services.workflow import ExitReason

if TYPE_CHECKING:
    from app.services.demo_cases import Planner


@dataclass
class _Event:
    day: date
    action: str
    user: UserPlan
    stamp: datetime | None = None
    meeting: MeetingPlan | None = None
    decision: DecisionKind | None = None
    number: str = ""
    sequence: int = 0


def _events(plan: CasePlan) -> list[_Event]:
    """The transitions and meetings of a case up to the demo's today, in order."""
    ref, val = plan.referent, plan.validator
    out = [_Event(plan.request, "create", ref)]
    if plan.on(plan.submit_on):
        out.append(_Event(cast(date, plan.submit_on), "submit", ref))
    if plan.on(plan.decide_on):
        decided = cast(date, plan.decide_on)
        if plan.granted:
            out.append(_Event(decided, "grant", val, decision=DecisionKind.GRANT))
            if plan.on(plan.job_start) and plan.job_start > decided:
                out.append(_Event(plan.job_start, "start", ref))
        else:
            out.append(_Event(decided, "refuse", val, decision=DecisionKind.REFUSAL))
    for day, action, user in (
        (plan.suspend_on, "suspend", ref),
        (plan.resume_on, "resume", ref),
        (plan.notice_on, "invite_observations", val),
    ):
        if plan.on(day):
            out.append(_Event(cast(date, day), action, user))
    if plan.on(plan.end_on):
        out.append(
            _Event(cast(date, plan.end_on), "end_early", val, decision=DecisionKind.EARLY_END)
        )
    if plan.on(plan.complete_on):
        out.append(
            _Event(cast(date, plan.complete_on), "complete", val, decision=DecisionKind.COMPLETION)
        )
    out.extend(_Event(m.held_on, "meeting", ref, meeting=m) for m in plan.meetings)
    out.sort(key=lambda e: (e.day, CASE_ACTIONS.index(e.action)))
    return out


class CaseRows:
    """Numbers the planned cases and turns them into rows."""

    def __init__(self, planner: Planner) -> None:
        self.p = planner
        self.world = planner.world
        self.rng = planner.rng
        self.today = planner.today
        self.rows: dict[str, list[dict[str, Any]]] = {
            name: []
            for name in (
                "third_party",
                "case",
                "aid_line",
                "instalment",
                "decision",
                "meeting",
                "audit",
                "counter",
                "payment_batch",
            )
        }
        self.history: PaymentHistory  # made by build()
        self.mandated: dict[uuid.UUID, datetime] = {}  # instalment -> when a batch took it

    def _tracked(
        self, at: datetime, by: str, updated: datetime | None = None, by2: str = ""
    ) -> dict[str, Any]:
        return {
            "version_id": 1,
            "created_at": at,
            "created_by": by,
            "updated_at": updated or at,
            "updated_by": by2 or by,
        }

    def build(self) -> None:
        world, rng = self.world, self.rng
        plans = sorted(self.p.plans, key=lambda p: (p.request, p.seq))
        events: dict[int, list[_Event]] = {}
        for plan in plans:
            plan.id = world.new_id()
            timeline = _events(plan)
            previous: datetime | None = None
            for event in timeline:
                stamp = world.stamp(event.day)
                if previous is not None and stamp <= previous:
                    stamp = previous + timedelta(minutes=rng.randint(2, 30))
                event.stamp = previous = stamp
            plan.created = timeline[0].stamp
            events[plan.seq] = timeline
        # Case references by request year, decision numbers by decision year.
        counters: dict[str, int] = {}
        for plan in sorted(plans, key=lambda p: (cast(datetime, p.created), p.seq)):
            name = f"case-{plan.request.year}"
            counters[name] = counters.get(name, 0) + 1
            plan.reference = f"DOS-{plan.request.year}-{counters[name]:05d}"
        decisions = sorted(
            ((e, plan) for plan in plans for e in events[plan.seq] if e.decision),
            key=lambda ep: (cast(datetime, ep[0].stamp), ep[1].seq),
        )
        for event, _plan in decisions:
            name = f"decision-{event.day.year}"
            counters[name] = counters.get(name, 0) + 1
            event.number, event.sequence = (
                f"PSR-{event.day.year}-{counters[name]:04d}",
                counters[name],
            )
        self.rows["counter"] = [{"name": k, "value": v} for k, v in sorted(counters.items())]

        created = datetime(2017, 11, 28, 9, 30, tzinfo=UTC)
        for payee in self.p.jobs.payees:
            commune = next(c for c in data.COMMUNES if c.name == payee.spec.commune)
            self.rows["third_party"].append(
                {
                    "id": payee.id,
                    "name": payee.spec.name,
                    "kind": payee.spec.kind,
                    "address": f"{payee.spec.address}\n{commune.postcode} {commune.name}",
                    "iban": payee.iban,
                    "bic": payee.bic,
                    **self._tracked(created, "demo"),
                }
            )
        for person in self._people():
            if person.iban == "" and person.cases:
                person.iban, person.bic = bank_account(self.rng, draw_bank(self.rng))
        f = self.p.population.finance
        self.history = PaymentHistory(
            world,
            Actor(f.login, f.workstation, f.id, f.name, f.capacity, is_finance=True),
            min((i.due_month for p in plans for i in p.schedule), default=self.today),
            self.today,
        )
        for plan in plans:
            self._case(plan, events[plan.seq])
        batches, batch_events, batch_counters = self.history.settle()
        self.rows["payment_batch"] = batches
        self.rows["audit"].extend(batch_events)
        self.rows["counter"] = sorted(self.rows["counter"] + batch_counters, key=itemgetter("name"))

    def _people(self) -> list[PersonPlan]:
        people = self.p.population.people
        return [people[i] for i in sorted(people) if people[i].cases]

    # One case

    def _case(self, plan: CasePlan, events: list[_Event]) -> None:
        person, job = plan.person, plan.job
        state = plan.final_state
        decisions = [e for e in events if e.decision]
        case_id = cast(uuid.UUID, plan.id)
        transitions = sum(1 for e in events[1:] if e.action != "meeting")
        noticed = plan.on(plan.notice_on)  # decided and sent the same day
        last_transition = [e for e in events if e.action != "meeting"][-1]
        self.rows["case"].append(
            {
                "id": case_id,
                "reference": plan.reference,
                "beneficiary_id": person.id,
                "referent_id": plan.referent.id,
                "office_id": person.office_id,
                "scale_version_id": plan.scale.id,
                "state": state.value,
                "request_date": plan.request,
                "employer_name": job.employer,
                "employer_address": job.address,
                "job_title": job.title,
                "contract_type": job.contract.value,
                "job_start": plan.job_start,
                "trial_end": job.trial_end,
                "contract_end": job.contract_end,
                "weekly_hours": job.weekly_hours,
                "submitted_on": plan.submit_on if plan.on(plan.submit_on) else None,
                "decided_on": decisions[-1].day if decisions else None,
                "end_date": plan.end_on
                if plan.on(plan.end_on)
                else (plan.complete_on if plan.on(plan.complete_on) else None),
                "exit_reason": (
                    cast(ExitReason, plan.exit_reason).value
                    if state is CaseState.ENDED_EARLY
                    else ("completed" if state is CaseState.COMPLETED else "")
                ),
                "employed_at_exit": plan.employed_at_exit
                if state in (CaseState.ENDED_EARLY, CaseState.COMPLETED)
                else None,
                "suspended_since": plan.suspend_on if state is CaseState.SUSPENDED else None,
                "observations_invited_on": plan.notice_on if noticed else None,
                "observations_invited_by_id": plan.validator.id if noticed else None,
                "observations_sent_on": plan.notice_on if noticed else None,
                "observations_deadline": plan.deadline if noticed else None,
                "observations_grounds": self._grounds(plan) if noticed else "",
                "notes": "",
                **self._tracked(
                    cast(datetime, plan.created),
                    plan.referent.login,
                    last_transition.stamp,
                    last_transition.user.login,
                ),
                "version_id": 1 + transitions,
            }
        )
        lines = self._aid_lines(plan)
        instalments = self._instalments(plan, lines, events)
        self._audit(plan, events, instalments)
        for event in decisions:
            self.rows["decision"].append(
                {
                    "id": self.world.new_id(),
                    "case_id": case_id,
                    "number": event.number,
                    "year": event.day.year,
                    "sequence": event.sequence,
                    "kind": cast(DecisionKind, event.decision).value,
                    "decided_on": event.day,
                    "motivation": self._motivation(plan, event),
                    "author_id": event.user.id,
                    "signer_name": event.user.name,
                    "signer_capacity": event.user.capacity,
                    **self._tracked(cast(datetime, event.stamp), event.user.login),
                }
            )

    def _aid_lines(self, plan: CasePlan) -> dict[Component, dict[str, Any]]:
        lines = {}
        for req, payee in plan.aids:
            row = {
                "id": self.world.new_id(),
                "case_id": plan.id,
                "component": req.component.value,
                "monthly_cents": req.monthly_cents,
                "months": req.months,
                "first_month": None,
                "payee_kind": req.payee_kind.value,
                "third_party_id": payee.id if payee else None,
                **self._tracked(cast(datetime, plan.created), plan.referent.login),
            }
            self.rows["aid_line"].append(row)
            lines[req.component] = row
        return lines

    def _status(self, plan: CasePlan, due: date) -> InstalmentStatus:
        """Where an instalment stands at the demo's today, batches aside: *mandated* for
        one due by then, that a batch takes (see :meth:`_instalments`)."""
        if plan.on(plan.end_on) and due > cast(date, plan.end_on):
            return InstalmentStatus.CANCELLED
        if plan.suspended_now and due > cast(date, plan.suspend_on):
            return InstalmentStatus.SUSPENDED
        if due > self.today:
            return InstalmentStatus.PLANNED
        return InstalmentStatus.MANDATED

    def _instalments(
        self, plan: CasePlan, lines: dict[Component, dict[str, Any]], events: list[_Event]
    ) -> list[dict[str, Any]]:
        """The schedule's rows; each one due by the demo's today goes to the first batch
        that takes it (:mod:`app.services.demo_payments`), else it is still planned, or
        suspended or cancelled with the rest if the case was meanwhile."""
        if not plan.on(plan.decide_on) or not plan.granted:
            return []
        granted = cast(datetime, next(e for e in events if e.action == "grant").stamp)
        happened = {e.action: e for e in events}
        paused, resumed = happened.get("suspend"), happened.get("resume")
        pauses: list[Pause] = []
        if paused is not None:
            pauses.append((cast(datetime, paused.stamp), resumed.stamp if resumed else None))
        ended = happened.get("end_early")
        payees = {req.component: payee for req, payee in plan.aids}
        out = []
        for item in plan.schedule:
            status = self._status(plan, item.due_month)
            payee = payees[item.component]
            row = {
                "id": self.world.new_id(),
                "case_id": plan.id,
                "aid_line_id": lines[item.component]["id"],
                "component": item.component.value,
                "due_month": item.due_month,
                "envelope_year": item.envelope_year,
                "amount_cents": item.amount_cents,
                "status": InstalmentStatus.PLANNED.value,
                "payee_kind": lines[item.component]["payee_kind"],
                "payee_name": payee.spec.name if payee else plan.person.payee_name,
                "payee_iban": payee.iban if payee else plan.person.iban,
                "batch_id": None,
                "paid_on": None,
                **self._tracked(granted, plan.validator.login),
            }
            out.append(row)
            if status is InstalmentStatus.MANDATED:  # due: to the first batch that takes it
                batch = self.history.take(row, granted, pauses, ended.stamp if ended else None)
                if batch is not None:
                    self.mandated[row["id"]] = batch.created
                    continue
                # None did before the end (which cancels what is planned) or the suspension.
                status = InstalmentStatus.CANCELLED if ended else InstalmentStatus.PLANNED
                if plan.suspended_now:
                    status = InstalmentStatus.SUSPENDED
            event = {InstalmentStatus.CANCELLED: ended, InstalmentStatus.SUSPENDED: paused}.get(
                status
            )
            if event is not None:
                row["status"] = status.value
                row["updated_at"], row["updated_by"] = event.stamp, event.user.login
                row["version_id"] = 2
        self.rows["instalment"].extend(out)
        return out

    # Texts

    def _request_facts(self, plan: CasePlan) -> str:
        verb = "commençant" if plan.job_start > plan.request else "commencé"
        return (
            f"Demande du {format_date(plan.request)} pour un emploi "
            f"{of_noun(lower_first(plan.job.title))} chez {plan.job.employer}, {verb} le "
            f"{format_date(plan.job_start)}."
        )

    def _refusal(self, plan: CasePlan) -> str:
        person = plan.person
        previous = [
            PreviousCase(c.reference, c.final_state.value, c.job_start, c.end_on or c.complete_on)
            for c in person.cases
            if c.request < plan.request
        ]
        components = {req.component for req in plan.requests}
        result = check_eligibility(
            person.facts, plan.job_start, plan.request, plan.scale, previous, components
        )
        failed = " ".join(r.explanation for r in result.failed)
        return (
            f"{self._request_facts(plan)} {failed} Les conditions d'attribution du Pack sortie "
            f"RSA fixées par la {LEGAL_BASIS} ne sont donc pas remplies : la demande est refusée."
        )

    def _facts(self, plan: CasePlan) -> str:
        person, job = plan.person, plan.job
        who = f"{Civility(person.civility).label} {person.last_name}"
        fact = format_date(plan.fact_on)
        return {
            ExitReason.JOB_LOST: (
                f"Le contrat de travail de {who} chez {job.employer} a pris fin le {fact}."
            ),
            ExitReason.TRIAL_FAILED: (
                f"La période d'essai de {who} chez {job.employer} a été rompue le {fact}."
            ),
            ExitReason.MOVED_AWAY: (
                f"{who} a quitté l'Essonne le {fact} (nouvelle adresse hors du département)."
            ),
            ExitReason.RSA_CLOSED: (
                f"Le droit au RSA de {who} a été clos le {fact} par la "
                f"{person.paying_body} (information de l'organisme payeur)."
            ),
            ExitReason.PERSON_REQUEST: (
                f"Par courrier du {fact}, {who} a demandé qu'il soit mis fin au Pack sortie RSA."
            ),
        }[cast(ExitReason, plan.exit_reason)]

    def _grounds(self, plan: CasePlan) -> str:
        return (
            f"{self._facts(plan)} Il est envisagé de mettre fin au Pack sortie RSA avant son "
            f"terme ; la personne peut présenter ses observations jusqu'au "
            f"{format_date(plan.deadline)}."
        )

    def _motivation(self, plan: CasePlan, event: _Event) -> str:
        if event.decision is DecisionKind.REFUSAL:
            return self._refusal(plan)
        if event.decision is not DecisionKind.EARLY_END:
            return ""
        reason = cast(ExitReason, plan.exit_reason)
        why = {
            ExitReason.JOB_LOST: "La reprise d'emploi qui fondait l'attribution n'existe plus.",
            ExitReason.TRIAL_FAILED: "La reprise d'emploi qui fondait l'attribution n'existe plus.",
            ExitReason.MOVED_AWAY: (
                "Le Pack sortie RSA est une aide du Département de l'Essonne réservée aux "
                "personnes qui y résident."
            ),
            ExitReason.RSA_CLOSED: "Le Pack sortie RSA est réservé aux bénéficiaires du RSA.",
            ExitReason.PERSON_REQUEST: "Il est fait droit à cette demande.",
        }[reason]
        observed = ""
        if reason.needs_observations:
            observed = (
                f" La personne, invitée le {format_date(plan.notice_on)} à présenter ses "
                f"observations au plus tard le {format_date(plan.deadline)}, n'a pas fait "
                "valoir d'élément de nature à modifier cette appréciation."
            )
        return (
            f"{self._facts(plan)} {why}{observed} Il est mis fin au Pack sortie RSA à compter "
            f"du {format_date(plan.end_on)} ({LEGAL_BASIS}) ; les échéances restantes sont "
            "annulées."
        )

    # Audit trail

    def _audit(self, plan: CasePlan, events: list[_Event], instalments: list[dict]) -> None:
        ref = plan.reference
        state = CaseState.DRAFT
        total = sum(i.amount_cents for i in plan.schedule)
        # A suspension holds back the instalments no batch had taken yet; a resumption
        # gives them back.
        paused = next((cast(datetime, e.stamp) for e in events if e.action == "suspend"), None)
        taken = [self.mandated.get(i["id"]) for i in instalments]
        held = sum(1 for at in taken if paused is not None and (at is None or at > paused))
        for event in events:
            before: dict[str, Any] | None = {"state": state.value}
            entity, entity_id = "case", plan.id
            action, after = event.action, cast(dict[str, Any] | None, None)
            if action == "create":
                before = None
                after = {
                    "reference": ref,
                    "beneficiary_id": str(plan.person.id),
                    "referent_id": str(plan.referent.id),
                    "state": CaseState.DRAFT.value,
                    "request_date": plan.request.isoformat(),
                    "employer_name": plan.job.employer,
                    "job_title": plan.job.title,
                    "contract_type": plan.job.contract.value,
                    "job_start": plan.job_start.isoformat(),
                    "aids": [
                        f"{a.component.value}:{a.monthly_cents}x{a.months}" for a in plan.requests
                    ],
                }
                summary = ref
            elif action == "submit":
                state = CaseState.SUBMITTED
                summary = f"{ref} : demande soumise à validation"
            elif action == "grant":
                state = CaseState.GRANTED
                if plan.job_start <= event.day:
                    state = CaseState.IN_PROGRESS
                summary = f"{ref} : Pack accordé ({format_cents(total)}), décision {event.number}"
                late = GrantChecks([], earlier_years(plan.schedule)).charges()
                summary += "".join(f" ; {line}" for line in late)
            elif action == "refuse":
                state = CaseState.REFUSED
                summary = f"{ref} : refus, décision {event.number}"
            elif action == "start":
                state = CaseState.IN_PROGRESS
                summary = f"{ref} : début du suivi (emploi commencé)"
            elif action == "suspend":
                state = CaseState.SUSPENDED
                summary = (
                    f"{ref} : suspension ({plan.suspension_reason}), "
                    f"{held} échéance(s) suspendue(s)"
                )
            elif action == "resume":
                state = CaseState.IN_PROGRESS
                summary = f"{ref} : reprise, {held} échéance(s) rétablie(s)"
            elif action == "invite_observations":
                summary = (
                    f"{ref} : invitation à présenter des observations décidée et envoyée le "
                    f"{format_date(plan.notice_on)}, observations possibles jusqu'au "
                    f"{format_date(plan.deadline)} inclus"
                )
            elif action == "end_early":
                state = CaseState.ENDED_EARLY
                cancelled = sum(1 for i in instalments if i["status"] == "cancelled")
                label = cast(ExitReason, plan.exit_reason).label
                summary = f"{ref} : fin anticipée ({label}), {cancelled} échéance(s) annulée(s)"
            elif action == "complete":
                state = CaseState.COMPLETED
                summary = f"{ref} : fin du dispositif, " + (
                    "toujours en emploi" if plan.employed_at_exit else "n'est plus en emploi"
                )
            else:  # a meeting
                meeting = cast(MeetingPlan, event.meeting)
                entity, entity_id = "meeting", self._meeting(plan, meeting, event)
                before = None
                after = {
                    "case_id": str(plan.id),
                    "kind": meeting.kind.value,
                    "held_on": meeting.held_on.isoformat(),
                    "mode": meeting.mode.value,
                    "participants": "(texte modifié)",
                    "obstacles": ",".join(meeting.obstacles),
                    "job_situation": "(texte modifié)",
                    "notes": "(texte modifié)",
                    "next_steps": "(texte modifié)",
                    "next_meeting_on": meeting.next_meeting_on.isoformat()
                    if meeting.next_meeting_on
                    else None,
                    "author_id": str(plan.referent.id),
                }
                summary = f"{ref} : entretien du {format_date(meeting.held_on)}"
            if action not in ("create", "meeting"):
                after = {"state": state.value}
            self.rows["audit"].append(
                {
                    "id": self.world.new_id(),
                    "at": event.stamp,
                    "user_login": event.user.login,
                    "workstation": event.user.workstation,
                    "action": "create" if action == "meeting" else action,
                    "entity": entity,
                    "entity_id": str(entity_id),
                    "case_id": plan.id,
                    "summary": summary,
                    "before": json_text(before),
                    "after": json_text(after),
                }
            )

    def _meeting(self, plan: CasePlan, meeting: MeetingPlan, event: _Event) -> uuid.UUID:
        meeting_id = self.world.new_id()
        self.rows["meeting"].append(
            {
                "id": meeting_id,
                "case_id": plan.id,
                "kind": meeting.kind.value,
                "held_on": meeting.held_on,
                "mode": meeting.mode.value,
                "participants": meeting.participants,
                "obstacles": ",".join(meeting.obstacles),
                "job_situation": meeting.job_situation,
                "notes": meeting.notes,
                "next_steps": meeting.next_steps,
                "next_meeting_on": meeting.next_meeting_on,
                "author_id": plan.referent.id,
                **self._tracked(cast(datetime, event.stamp), plan.referent.login),
            }
        )
        return meeting_id

    # The beneficiaries

    def beneficiary_updates(self) -> list[dict[str, Any]]:
        out = []
        for person in self._people():
            latest = max(person.cases, key=lambda p: (p.job_start, cast(datetime, p.created)))
            contact = max(p.last_day for p in person.cases)
            if person.last_contact is not None:
                contact = max(contact, person.last_contact)
            last_case = max(person.cases, key=lambda p: p.last_day)
            updated, by = person.updated_at, person.updated_by
            moment = self.world.stamp(last_case.last_day)
            if moment > updated:
                updated, by = moment, last_case.referent.login
            out.append(
                {
                    "b_id": person.id,
                    "b_state": latest.final_state.value,
                    "b_contact": contact,
                    "b_iban": person.iban,
                    "b_bic": person.bic,
                    "b_closed": person.rsa_closed_on,
                    "b_updated_at": updated,
                    "b_updated_by": by,
                    "b_version": person.version_id + 1,
                }
            )
        return out
