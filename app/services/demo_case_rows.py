"""The demo's planned cases made rows, ready for Core bulk inserts
(:func:`app.services.demo_cases.add_cases` writes them): the cases numbered (references,
decision numbers, counters), their third parties, aid lines, instalments (taken by the
payment batches of :mod:`app.services.demo_payments`), decisions, and the audit events and
meetings of their history (:mod:`app.services.demo_case_history`); the decisions' texts
come from :mod:`app.services.demo_case_texts`."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from typing import TYPE_CHECKING, Any, cast

from app.models.enums import CaseState, Component, DecisionKind, InstalmentStatus
from app.services import demo_data as data
from app.services.actor import Actor
from app.services.demo_case_history import Event, case_events, history_rows
from app.services.demo_case_plans import CasePlan, PersonPlan, bank_account, draw_bank
from app.services.demo_case_texts import motivation, observation_grounds
from app.services.demo_payments import Pause, PaymentHistory
from app.services.demo_world import DEMO_CREATOR, tracked
from app.services.workflow import ExitReason

if TYPE_CHECKING:
    from app.services.demo_cases import Planner


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

    def build(self) -> None:
        world, rng = self.world, self.rng
        plans = sorted(self.p.plans, key=lambda p: (p.request, p.seq))
        events: dict[int, list[Event]] = {}
        for plan in plans:
            plan.id = world.new_id()
            timeline = case_events(plan)
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
                    **tracked(created, DEMO_CREATOR),
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

    def _case(self, plan: CasePlan, events: list[Event]) -> None:
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
                "observations_grounds": observation_grounds(plan) if noticed else "",
                "notes": "",
                **tracked(
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
        audit, meetings = history_rows(self.world, plan, events, instalments, self.mandated)
        self.rows["audit"].extend(audit)
        self.rows["meeting"].extend(meetings)
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
                    "motivation": motivation(plan, cast(DecisionKind, event.decision)),
                    "author_id": event.user.id,
                    "signer_name": event.user.name,
                    "signer_capacity": event.user.capacity,
                    **tracked(cast(datetime, event.stamp), event.user.login),
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
                **tracked(cast(datetime, plan.created), plan.referent.login),
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
        self, plan: CasePlan, lines: dict[Component, dict[str, Any]], events: list[Event]
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
                **tracked(granted, plan.validator.login),
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
