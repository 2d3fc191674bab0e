"""« À faire » : what needs doing on the open cases of a référent (or of everybody, for a
validator): instalments coming, meetings due, trial periods ending, 6-month reviews,
decisions to take, invitations to send and observation delays that have run out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.models import Case, Instalment
from app.models.enums import CaseState, InstalmentStatus, MeetingKind
from app.services import clock
from app.services.actor import Actor
from app.services.schedule import six_month_end
from app.services.storage import Database
from app.services.text import format_cents, format_date

HORIZON_DAYS = 30
MEETING_EVERY_DAYS = 45  # without a planned date, a follow-up meeting every six weeks


class TodoKind(StrEnum):
    DECISION = "decision"
    INSTALMENT = "instalment"
    MEETING = "meeting"
    TRIAL_END = "trial_end"
    REVIEW = "review"
    OBSERVATIONS = "observations"
    NOTICE = "notice"
    TO_SETTLE = "to_settle"

    @property
    def label(self) -> str:
        return {
            "decision": "Décision à prendre",
            "instalment": "Échéance",
            "meeting": "Entretien",
            "trial_end": "Fin de période d'essai",
            "review": "Bilan à 6 mois",
            "observations": "Délai d'observations écoulé",
            "notice": "Invitation à envoyer",
            "to_settle": "Virement rejeté",
        }[self.value]


@dataclass(frozen=True)
class TodoItem:
    case_id: uuid.UUID
    reference: str
    person: str
    kind: TodoKind
    due: date
    text: str
    today: date = field(default_factory=clock.today)
    beneficiary_id: uuid.UUID | None = None

    @property
    def overdue(self) -> bool:
        return self.due < self.today


FOLLOWED = (CaseState.GRANTED.value, CaseState.IN_PROGRESS.value, CaseState.SUSPENDED.value)


def caseload(
    db: Database, actor: Actor, today: date | None = None, everyone: bool = False
) -> list[TodoItem]:
    today = today or clock.today()
    horizon = today + timedelta(days=HORIZON_DAYS)
    states = [*FOLLOWED, CaseState.SUBMITTED.value]
    rejected = Case.instalments.any(Instalment.status == InstalmentStatus.TO_SETTLE.value)
    query = (
        select(Case)
        .where(or_(Case.state.in_(states), rejected))
        .options(
            selectinload(Case.instalments),
            selectinload(Case.meetings),
            selectinload(Case.beneficiary),
        )
    )
    if not everyone:
        # A validator always sees the requests waiting for a decision, whoever follows them.
        mine = Case.referent_id == actor.user_id
        query = query.where(
            or_(mine, Case.state == CaseState.SUBMITTED.value) if actor.is_validator else mine
        )
    items: list[TodoItem] = []
    with db.read() as s:
        for case in s.scalars(query):
            person = f"{case.beneficiary.last_name.upper()} {case.beneficiary.first_name}"

            def add(
                kind: TodoKind, due: date, text: str, case: Case = case, person: str = person
            ) -> None:
                items.append(
                    TodoItem(
                        case.id, case.reference, person, kind, due, text, today, case.beneficiary_id
                    )
                )

            if case.state == CaseState.SUBMITTED.value:
                if actor.is_validator:
                    add(
                        TodoKind.DECISION,
                        case.submitted_on or case.request_date,
                        "Demande soumise : accorder ou refuser.",
                    )
                continue
            _rejected_transfers(case, add)
            if case.state in FOLLOWED:
                _follow_up_items(case, today, horizon, add)
    return sorted(items, key=lambda i: (i.due, i.reference))


def _rejected_transfers(case: Case, add) -> None:
    """Transfers the bank sent back (closed account, wrong IBAN): the référent checks the
    IBAN on the file; the next payment batch takes them again."""
    rejected = [i for i in case.instalments if i.status == InstalmentStatus.TO_SETTLE.value]
    for month in sorted({i.due_month for i in rejected}):
        amount = sum(i.amount_cents for i in rejected if i.due_month == month)
        add(
            TodoKind.TO_SETTLE,
            month,
            f"Virement de {format_cents(amount)} ({month.strftime('%m/%Y')}) rejeté par la "
            "banque : vérifiez l'IBAN de la fiche, il sera repris au prochain lot.",
        )


def _follow_up_items(case: Case, today: date, horizon: date, add) -> None:
    planned = [i for i in case.instalments if i.status == InstalmentStatus.PLANNED.value]
    months = sorted({i.due_month for i in planned if i.due_month <= horizon})
    for month in months:
        amount = sum(i.amount_cents for i in planned if i.due_month == month)
        add(
            TodoKind.INSTALMENT,
            month,
            f"{format_cents(amount)} à mandater ({month.strftime('%m/%Y')}).",
        )
    if case.trial_end and today - timedelta(days=7) <= case.trial_end <= horizon:
        add(
            TodoKind.TRIAL_END,
            case.trial_end,
            f"Fin de la période d'essai le {format_date(case.trial_end)} : faire le point.",
        )
    end = six_month_end(case.job_start)
    has_review = any(m.kind == MeetingKind.REVIEW_6M.value for m in case.meetings)
    if not has_review and end <= horizon:
        add(TodoKind.REVIEW, end, f"Bilan à 6 mois à faire (fin du suivi le {format_date(end)}).")
    if case.observations_invited_on and case.observations_sent_on is None:
        add(
            TodoKind.NOTICE,
            case.observations_invited_on,
            "Invitation à présenter des observations décidée le "
            f"{format_date(case.observations_invited_on)} et pas encore envoyée : produisez "
            "son courrier (le délai ne court qu'à partir de l'envoi).",
        )
    if case.observations_deadline and case.observations_deadline < today:
        add(
            TodoKind.OBSERVATIONS,
            case.observations_deadline,
            "Le délai d'observations est écoulé : décider de la suite du dossier.",
        )
    if case.state != CaseState.SUSPENDED.value and today <= end:
        last = max(case.meetings, key=lambda m: m.held_on, default=None)
        if last is not None and last.next_meeting_on:
            due = last.next_meeting_on
        else:
            due = (last.held_on if last else case.job_start) + timedelta(days=MEETING_EVERY_DAYS)
        if due <= horizon:
            add(
                TodoKind.MEETING,
                due,
                "Entretien de suivi prévu."
                if last and last.next_meeting_on
                else "Aucun entretien récent : en planifier un.",
            )
