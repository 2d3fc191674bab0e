"""A demo case's history: its events (the transitions and meetings up to the demo's today,
in order) and the rows they leave, one audit event each as the workflow records them, and
the meetings. :class:`app.services.demo_case_rows.CaseRows` numbers the events and writes
the rows with the case's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from app.models.enums import CaseState, DecisionKind
from app.services.demo_case_plans import CASE_ACTIONS, CasePlan, MeetingPlan, UserPlan, json_text
from app.services.demo_world import World, tracked
from app.services.grant_checks import GrantChecks, earlier_years
from app.services.text import format_cents, format_date
from app.services.workflow import ExitReason


@dataclass
class Event:
    day: date
    action: str
    user: UserPlan
    stamp: datetime | None = None
    meeting: MeetingPlan | None = None
    decision: DecisionKind | None = None
    number: str = ""
    sequence: int = 0


def case_events(plan: CasePlan) -> list[Event]:
    """The transitions and meetings of a case up to the demo's today, in order."""
    ref, val = plan.referent, plan.validator
    out = [Event(plan.request, "create", ref)]
    if plan.on(plan.submit_on):
        out.append(Event(cast(date, plan.submit_on), "submit", ref))
    if plan.on(plan.decide_on):
        decided = cast(date, plan.decide_on)
        if plan.granted:
            out.append(Event(decided, "grant", val, decision=DecisionKind.GRANT))
            if plan.on(plan.job_start) and plan.job_start > decided:
                out.append(Event(plan.job_start, "start", ref))
        else:
            out.append(Event(decided, "refuse", val, decision=DecisionKind.REFUSAL))
    for day, action, user in (
        (plan.suspend_on, "suspend", ref),
        (plan.resume_on, "resume", ref),
        (plan.notice_on, "invite_observations", val),
    ):
        if plan.on(day):
            out.append(Event(cast(date, day), action, user))
    if plan.on(plan.end_on):
        out.append(
            Event(cast(date, plan.end_on), "end_early", val, decision=DecisionKind.EARLY_END)
        )
    if plan.on(plan.complete_on):
        out.append(
            Event(cast(date, plan.complete_on), "complete", val, decision=DecisionKind.COMPLETION)
        )
    out.extend(Event(m.held_on, "meeting", ref, meeting=m) for m in plan.meetings)
    out.sort(key=lambda e: (e.day, CASE_ACTIONS.index(e.action)))
    return out


def history_rows(
    world: World,
    plan: CasePlan,
    events: list[Event],
    instalments: list[dict[str, Any]],
    mandated: dict[uuid.UUID, datetime],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The audit events and the meetings of ``plan``'s ``events``; ``mandated``: when a
    batch took each instalment it took."""
    audit: list[dict[str, Any]] = []
    meetings: list[dict[str, Any]] = []
    ref = plan.reference
    state = CaseState.DRAFT
    total = sum(i.amount_cents for i in plan.schedule)
    # A suspension holds back the instalments no batch had taken yet; a resumption
    # gives them back.
    paused = next((cast(datetime, e.stamp) for e in events if e.action == "suspend"), None)
    taken = [mandated.get(i["id"]) for i in instalments]
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
                f"{ref} : suspension ({plan.suspension_reason}), {held} échéance(s) suspendue(s)"
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
            meetings.append(_meeting_row(world, plan, meeting, event))
            entity, entity_id = "meeting", meetings[-1]["id"]
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
        audit.append(
            {
                "id": world.new_id(),
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
    return audit, meetings


def _meeting_row(
    world: World, plan: CasePlan, meeting: MeetingPlan, event: Event
) -> dict[str, Any]:
    return {
        "id": world.new_id(),
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
        **tracked(cast(datetime, event.stamp), plan.referent.login),
    }
