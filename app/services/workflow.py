"""Case transitions: draft → submitted → granted/refused → in progress (⇄ suspended) →
completed or ended early. Each transition is one call and one transaction, refused with a
French message when the state, the motivation, the user's rights or the envelope forbid it,
and recorded in the audit trail with the state before and after.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Case, Decision, Instalment
from app.models.enums import CaseState, DecisionKind, ExitReason, InstalmentStatus, PayeeKind
from app.services import audit, clock
from app.services.actor import Actor
from app.services.cases import (
    aid_requests,
    case_scale,
    evaluate,
    require_caseload,
    require_validator,
    sync_current_state,
)
from app.services.eligibility import RuleStatus
from app.services.envelope import check_room
from app.services.errors import NotAllowed, ValidationError
from app.services.grant_checks import MIN_STATEMENT, grant_checks
from app.services.numbering import decision_number
from app.services.schedule import aid_errors, build_schedule, needs_by_year, six_month_end
from app.services.storage import Database
from app.services.text import format_cents, format_date
from app.services.validation import MOTIVATION_MAX, motivation_error, text_error

MIN_MOTIVATION = 30  # characters: a motivation states facts and rules, not a word
# ExitReason, imported above, lives in app.models.enums (the evaluation reads it without the
# ORM); the screens still import it from here.


class StatementNeeded(NotAllowed):
    """A grant that needs the validator's written statement (app.services.grant_checks)."""


@dataclass(frozen=True)
class DecisionInfo:
    number: str
    kind: DecisionKind
    decided_on: date


def _load(session: Session, case_id: uuid.UUID) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotAllowed("Ce dossier n'existe plus.")
    return case


def _expect(case: Case, *states: CaseState) -> None:
    if case.state not in {s.value for s in states}:
        allowed = ", ".join(s.label.lower() for s in states)
        raise NotAllowed(
            f"Le dossier {case.reference} est « {CaseState(case.state).label.lower()} » : "
            f"cette action n'est possible que s'il est {allowed}."
        )


def _motivation(text: str) -> str:
    message = text_error(text, "Motivation", MOTIVATION_MAX, multiline=True)
    if message := message or motivation_error(text, MIN_MOTIVATION):
        raise ValidationError({"motivation": message})
    return text.strip()


def _transition(
    db: Database,
    actor: Actor,
    case_id: uuid.UUID,
    action: str,
    change: Callable[[Session, Case], str],
    after: dict[str, object] | None = None,
) -> None:
    """Run ``change`` in one write transaction and audit the state before and after
    (with what ``change`` put in ``after``). On a server, a transaction undone by a
    concurrent one is run again (``after`` emptied first; the callers read the decision
    the last run made)."""

    def run(s: Session) -> None:
        if after is not None:
            after.clear()
        case = _load(s, case_id)
        require_caseload(actor, case)
        before = {"state": case.state}
        summary = change(s, case)
        case.updated_by = actor.login
        sync_current_state(s, case.beneficiary_id)
        audit.record(
            s,
            actor,
            action,
            "case",
            case.id,
            case_id=case.id,
            summary=f"{case.reference} : {summary}",
            before=before,
            after={"state": case.state, **(after or {})},
        )

    db.write_retrying(run)


def _decide(
    session: Session, actor: Actor, case: Case, kind: DecisionKind, on: date, motivation: str = ""
) -> Decision:
    number, seq = decision_number(session, on.year)
    decision = Decision(
        case=case,
        number=number,
        year=on.year,
        sequence=seq,
        kind=kind.value,
        decided_on=on,
        motivation=motivation,
        author_id=actor.user_id,
        signer_name=actor.name,
        signer_capacity=actor.capacity,
        created_by=actor.login,
        updated_by=actor.login,
    )
    session.add(decision)
    case.decided_on = on
    return decision


def submit(db: Database, actor: Actor, case_id: uuid.UUID, on: date | None = None) -> None:
    def change(s: Session, case: Case) -> str:
        _expect(case, CaseState.DRAFT)
        errors = aid_errors(aid_requests(case), case_scale(s, case))
        if errors:
            raise ValidationError(errors)
        case.state = CaseState.SUBMITTED.value
        case.submitted_on = on or clock.today()
        return "demande soumise à validation"

    _transition(db, actor, case_id, "submit", change)


def grant(
    db: Database,
    actor: Actor,
    case_id: uuid.UUID,
    on: date | None = None,
    *,
    statement: str = "",
) -> DecisionInfo:
    """Grant within the envelope: the check and the writes share one BEGIN IMMEDIATE.

    Rules left « à vérifier » or a late catch-up charged to a later year's envelope need
    the validator's motivated ``statement`` (app.services.grant_checks), stored on the
    decision and printed in the audit trail."""
    require_validator(actor)
    on = on or clock.today()
    result: list[Decision] = []
    audited: dict[str, object] = {}

    def change(s: Session, case: Case) -> str:
        _expect(case, CaseState.SUBMITTED)
        eligibility = evaluate(s, case)
        if eligibility.status is RuleStatus.FAILED:
            reasons = " ; ".join(r.explanation for r in eligibility.failed)
            raise NotAllowed(
                f"Conditions non remplies, le Pack ne peut pas être accordé : "
                f"{reasons} Motivez un refus."
            )
        requests, scale = aid_requests(case), case_scale(s, case)
        errors = aid_errors(requests, scale)
        if errors:
            raise ValidationError(errors)
        schedule = build_schedule(requests, case.job_start, on)
        checks = grant_checks(
            eligibility, schedule, six_month_end(case.job_start, scale.max_months), on
        )
        vouched = statement.strip()
        if checks.needs_statement and (
            message := text_error(vouched, "Attestation", MOTIVATION_MAX, multiline=True)
        ):
            raise ValidationError({"statement": message})
        if checks.needs_statement and motivation_error(vouched, MIN_STATEMENT):
            raise StatementNeeded(checks.request())
        check_room(s, needs_by_year(schedule))
        person = case.beneficiary
        lines = {line.component: line for line in case.aid_lines}
        for item in schedule:
            line = lines[item.component.value]
            third = line.third_party if line.payee_kind == PayeeKind.THIRD_PARTY.value else None
            s.add(
                Instalment(
                    case=case,
                    aid_line=line,
                    component=item.component.value,
                    due_month=item.due_month,
                    envelope_year=item.envelope_year,
                    amount_cents=item.amount_cents,
                    status=InstalmentStatus.PLANNED.value,
                    payee_kind=line.payee_kind,
                    payee_name=third.name if third else f"{person.first_name} {person.last_name}",
                    payee_iban=third.iban if third else person.iban,
                    created_by=actor.login,
                    updated_by=actor.login,
                )
            )
        decision = _decide(s, actor, case, DecisionKind.GRANT, on)
        result.append(decision)
        case.state = CaseState.GRANTED.value
        if case.job_start <= on:
            case.state = CaseState.IN_PROGRESS.value
        total = sum(i.amount_cents for i in schedule)
        summary = f"Pack accordé ({format_cents(total)}), décision {decision.number}"
        if checks.earlier_years:
            audited["late_charges"] = checks.charges()
            summary += " ; " + " ".join(checks.charges())
        if checks.needs_statement:
            decision.override_rules = "\n".join(checks.points())
            decision.override_motivation = vouched
            audited.update(override_rules=checks.points(), override_motivation=vouched)
            summary += (
                " ; le valideur atteste : « "
                + vouched
                + " » (points vérifiés : "
                + " ; ".join(checks.points())
                + ")"
            )
        return summary

    _transition(db, actor, case_id, "grant", change, audited)
    return DecisionInfo(result[-1].number, DecisionKind.GRANT, on)


def refuse(
    db: Database, actor: Actor, case_id: uuid.UUID, motivation: str, on: date | None = None
) -> DecisionInfo:
    require_validator(actor)
    text = _motivation(motivation)
    on = on or clock.today()
    result: list[Decision] = []

    def change(s: Session, case: Case) -> str:
        _expect(case, CaseState.SUBMITTED)
        result.append(_decide(s, actor, case, DecisionKind.REFUSAL, on, text))
        case.state = CaseState.REFUSED.value
        return f"refus, décision {result[-1].number}"

    _transition(db, actor, case_id, "refuse", change)
    return DecisionInfo(result[-1].number, DecisionKind.REFUSAL, on)


def start_follow_up(db: Database, actor: Actor, case_id: uuid.UUID, on: date | None = None) -> None:
    on = on or clock.today()

    def change(s: Session, case: Case) -> str:
        _expect(case, CaseState.GRANTED)
        if case.job_start > on:
            raise NotAllowed(f"L'emploi ne commence que le {format_date(case.job_start)}.")
        case.state = CaseState.IN_PROGRESS.value
        return "début du suivi"

    _transition(db, actor, case_id, "start", change)


def _set_instalments(case: Case, old: InstalmentStatus, new: InstalmentStatus) -> int:
    changed = 0
    for inst in case.instalments:
        if inst.status == old.value:
            inst.status = new.value
            changed += 1
    return changed


def suspend(
    db: Database, actor: Actor, case_id: uuid.UUID, reason: str, on: date | None = None
) -> None:
    if not reason.strip():
        raise ValidationError({"reason": "Indiquez le motif de la suspension."})

    def change(s: Session, case: Case) -> str:
        _expect(case, CaseState.GRANTED, CaseState.IN_PROGRESS)
        n = _set_instalments(case, InstalmentStatus.PLANNED, InstalmentStatus.SUSPENDED)
        case.state = CaseState.SUSPENDED.value
        case.suspended_since = on or clock.today()
        return f"suspension ({reason.strip()}), {n} échéance(s) suspendue(s)"

    _transition(db, actor, case_id, "suspend", change)


def resume(db: Database, actor: Actor, case_id: uuid.UUID, on: date | None = None) -> None:
    def change(s: Session, case: Case) -> str:
        _expect(case, CaseState.SUSPENDED)
        n = _set_instalments(case, InstalmentStatus.SUSPENDED, InstalmentStatus.PLANNED)
        case.state = CaseState.IN_PROGRESS.value
        case.suspended_since = None
        return f"reprise, {n} échéance(s) rétablie(s)"

    _transition(db, actor, case_id, "resume", change)


def invite_observations(
    db: Database, actor: Actor, case_id: uuid.UUID, grounds: str, on: date | None = None
) -> None:
    """Decide to invite the person to give observations before an early end.

    The invitation is the validator's act, recorded with its author; the delay only starts
    when its letter is produced and sent (app.services.documents records the sending and
    the deadline). A new invitation replaces the previous one and waits for its own letter.
    """
    require_validator(actor)
    text = _motivation(grounds)
    on = on or clock.today()

    def change(s: Session, case: Case) -> str:
        _expect(case, CaseState.GRANTED, CaseState.IN_PROGRESS, CaseState.SUSPENDED)
        case.observations_invited_on = on
        case.observations_invited_by_id = actor.user_id
        case.observations_sent_on = None
        case.observations_deadline = None
        case.observations_grounds = text
        return "invitation à présenter des observations décidée (courrier à envoyer)"

    _transition(db, actor, case_id, "invite_observations", change)


class NoticeDates(Protocol):
    """The invitation's dates, as a case (or its read model) holds them."""

    @property
    def observations_invited_on(self) -> date | None: ...
    @property
    def observations_sent_on(self) -> date | None: ...
    @property
    def observations_deadline(self) -> date | None: ...


def describe_notice(case: NoticeDates) -> str:
    """Where the invitation stands, in a few words ("" when there is none)."""
    if case.observations_invited_on is None:
        return ""
    if case.observations_sent_on is None or case.observations_deadline is None:
        return (
            f"invitation décidée le {format_date(case.observations_invited_on)}, courrier à envoyer"
        )
    return (
        f"courrier envoyé le {format_date(case.observations_sent_on)}, délai jusqu'au "
        f"{format_date(case.observations_deadline)} inclus"
    )


def observations_obstacle(case: NoticeDates, on: date) -> str | None:
    """Why an early end that needs a prior notice cannot be decided on ``on`` (or None)."""
    if case.observations_invited_on is None:
        return (
            "Avant une fin anticipée, la personne doit être invitée à présenter ses "
            "observations (courrier préalable)."
        )
    if case.observations_sent_on is None or case.observations_deadline is None:
        return (
            "L'invitation à présenter des observations n'a pas encore été envoyée : "
            "produisez son courrier ; le délai ne court qu'à partir de son envoi."
        )
    if on <= case.observations_deadline:
        return (
            "Le délai laissé pour présenter des observations (courrier du "
            f"{format_date(case.observations_sent_on)}) court jusqu'au "
            f"{format_date(case.observations_deadline)} inclus."
        )
    return None


def end_early(
    db: Database,
    actor: Actor,
    case_id: uuid.UUID,
    reason: ExitReason,
    motivation: str,
    on: date | None = None,
) -> DecisionInfo:
    require_validator(actor)
    text = _motivation(motivation)
    on = on or clock.today()
    result: list[Decision] = []

    def change(s: Session, case: Case) -> str:
        _expect(case, CaseState.GRANTED, CaseState.IN_PROGRESS, CaseState.SUSPENDED)
        if reason.needs_observations and (obstacle := observations_obstacle(case, on)):
            raise NotAllowed(obstacle)
        cancelled = 0
        for inst in case.instalments:
            if inst.status in (InstalmentStatus.PLANNED.value, InstalmentStatus.SUSPENDED.value):
                inst.status = InstalmentStatus.CANCELLED.value
                cancelled += 1
        result.append(_decide(s, actor, case, DecisionKind.EARLY_END, on, text))
        case.state = CaseState.ENDED_EARLY.value
        case.end_date, case.exit_reason, case.employed_at_exit = on, reason.value, False
        return f"fin anticipée ({reason.label}), {cancelled} échéance(s) annulée(s)"

    _transition(db, actor, case_id, "end_early", change)
    return DecisionInfo(result[-1].number, DecisionKind.EARLY_END, on)


def complete(
    db: Database, actor: Actor, case_id: uuid.UUID, employed_at_exit: bool, on: date | None = None
) -> DecisionInfo:
    on = on or clock.today()
    result: list[Decision] = []

    def change(s: Session, case: Case) -> str:
        _expect(case, CaseState.IN_PROGRESS)
        end = six_month_end(case.job_start, case_scale(s, case).max_months)
        if on < end:
            raise NotAllowed(f"Les six mois de suivi s'achèvent le {format_date(end)}.")
        result.append(_decide(s, actor, case, DecisionKind.COMPLETION, on))
        case.state = CaseState.COMPLETED.value
        case.end_date, case.employed_at_exit = on, employed_at_exit
        case.exit_reason = "completed"
        return "fin du dispositif, " + (
            "toujours en emploi" if employed_at_exit else "n'est plus en emploi"
        )

    _transition(db, actor, case_id, "complete", change)
    return DecisionInfo(result[-1].number, DecisionKind.COMPLETION, on)


def refresh_states(db: Database, actor: Actor, today: date | None = None) -> int:
    """Granted cases whose job has started move to "en cours" (run at start-up)."""
    today = today or clock.today()
    if db.read_only:
        return 0
    with db.write() as s:
        cases = s.scalars(
            select(Case).where(Case.state == CaseState.GRANTED.value, Case.job_start <= today)
        ).all()
        for case in cases:
            case.state = CaseState.IN_PROGRESS.value
            sync_current_state(s, case.beneficiary_id)
            audit.record(
                s,
                actor,
                "start",
                "case",
                case.id,
                case_id=case.id,
                summary=f"{case.reference} : début du suivi (emploi commencé)",
                before={"state": CaseState.GRANTED.value},
                after={"state": case.state},
            )
        return len(cases)
