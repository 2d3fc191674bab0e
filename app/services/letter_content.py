"""What a letter says, assembled from the database: the filled template and every mandatory
mention (domain.md §4), ready for app.services.letter_pdf to lay out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Case, Decision, Meeting, Office, User
from app.models.enums import (
    CaseState,
    Civility,
    Component,
    DecisionKind,
    DocumentKind,
    InstalmentStatus,
    MeetingKind,
    MeetingMode,
    PayeeKind,
    component_rank,
)
from app.services import clock
from app.services.cases import aid_requests
from app.services.errors import NotAllowed
from app.services.grant_checks import catch_up_note
from app.services.letter_text import fill, template_for
from app.services.meetings import Obstacle
from app.services.schedule import build_schedule, six_month_end
from app.services.settings import OfficeSettings
from app.services.text import format_cents, format_date

DECISION_OF_KIND = {
    DocumentKind.GRANT_LETTER: DecisionKind.GRANT,
    DocumentKind.REFUSAL_LETTER: DecisionKind.REFUSAL,
    DocumentKind.EARLY_END_LETTER: DecisionKind.EARLY_END,
    DocumentKind.COMPLETION_LETTER: DecisionKind.COMPLETION,
}
SUBJECTS = {
    DocumentKind.GRANT_LETTER: "Attribution du Pack sortie RSA",
    DocumentKind.REFUSAL_LETTER: "Refus du Pack sortie RSA",
    DocumentKind.OBSERVATIONS_NOTICE: "Fin anticipée envisagée du Pack sortie RSA — "
    "invitation à présenter vos observations",
    DocumentKind.EARLY_END_LETTER: "Fin anticipée du Pack sortie RSA",
    DocumentKind.COMPLETION_LETTER: "Fin du Pack sortie RSA",
    DocumentKind.MEETING_NOTES: "Compte rendu d'entretien de suivi",
    DocumentKind.REVIEW_6M: "Bilan à six mois du Pack sortie RSA",
}
MOTIVATED = {
    DocumentKind.REFUSAL_LETTER,
    DocumentKind.EARLY_END_LETTER,
    DocumentKind.OBSERVATIONS_NOTICE,
}
LETTER_KINDS = [*DECISION_OF_KIND, DocumentKind.OBSERVATIONS_NOTICE]
NOTE_KINDS = [DocumentKind.MEETING_NOTES, DocumentKind.REVIEW_6M]


class MissingMotivation(NotAllowed):
    """CRPA L211-2 and L211-5: no refusal or early end without its facts and rules."""


@dataclass
class ScheduleRow:
    month: date
    component: str
    amount_cents: int
    payee: str
    status: str


@dataclass
class Letter:
    kind: DocumentKind
    subject: str
    case_reference: str
    decision_number: str
    issued_on: date
    city: str
    department: str
    department_address: str
    office_name: str
    office_address: str
    office_phone: str
    logo_path: str
    followed_by: str
    recipient: list[str]
    body: str
    legal_basis: str
    signer_name: str
    signer_capacity: str
    delegation_line: str
    appeal_routes: str = ""
    motivation_title: str = ""
    motivation: str = ""
    schedule: list[ScheduleRow] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    is_correspondence: bool = True  # sent to the person (address window, salutation)
    reply_by: date | None = None  # a notice: the last day for observations it gives
    schedule_note: str = ""  # under the schedule: aid paid late for months already past

    @property
    def reference_line(self) -> str:
        parts = [f"Dossier {self.case_reference}"]
        if self.decision_number:
            parts.append(f"décision n° {self.decision_number}")
        return " — ".join(parts)

    @property
    def schedule_total_cents(self) -> int:
        return sum(r.amount_cents for r in self.schedule if r.status != "cancelled")


def _salutation(civility: str) -> tuple[str, str]:
    if civility == Civility.MRS.value:
        return "Madame,", "Madame"
    if civility == Civility.MR.value:
        return "Monsieur,", "Monsieur"
    return "Madame, Monsieur,", ""


def _latest_decision(case: Case, kind: DecisionKind) -> Decision | None:
    decisions = [d for d in case.decisions if d.kind == kind.value]
    return max(decisions, key=lambda d: (d.decided_on, d.sequence), default=None)


def build_letter(
    session: Session,
    settings: OfficeSettings,
    case_id: uuid.UUID,
    kind: DocumentKind,
    *,
    meeting_id: uuid.UUID | None = None,
    issued_on: date | None = None,
) -> Letter:
    case = session.get(Case, case_id)
    if case is None:
        raise NotAllowed("Ce dossier n'existe plus.")
    person = case.beneficiary
    office = session.get(Office, case.office_id) if case.office_id else None
    referent = session.get(User, case.referent_id) if case.referent_id else None
    decision = None
    if kind in DECISION_OF_KIND:
        decision = _latest_decision(case, DECISION_OF_KIND[kind])
        if decision is None:
            raise NotAllowed(
                f"Aucune décision « {DECISION_OF_KIND[kind].label.lower()} » "
                f"n'a été prise sur le dossier {case.reference} : le courrier "
                "ne peut pas être produit."
            )
    meeting = None
    if kind in NOTE_KINDS:
        meeting = _meeting_for(session, case, kind, meeting_id)
    inviter = _inviter(session, case) if kind is DocumentKind.OBSERVATIONS_NOTICE else None
    # A decision letter bears the decision's date; meeting notes the meeting's day (they
    # record it, they notify nothing); a notice the day it is produced and sent.
    if issued_on is None:
        issued_on = (
            meeting.held_on
            if meeting is not None
            else decision.decided_on
            if decision
            else clock.today()
        )
    # A notice gives the whole delay from the day it is produced and sent.
    reply_by = issued_on + timedelta(days=settings.observations_delay_days) if inviter else None
    formule, civilite = _salutation(person.civility)
    paid_or_due = sum(
        i.amount_cents for i in case.instalments if i.status != InstalmentStatus.CANCELLED.value
    )
    referent_name = referent.full_name if referent else "votre référent(e)"
    values = {
        "formule": formule,
        "civilite": civilite,
        "prenom": person.first_name,
        "nom": person.last_name,
        "employeur": case.employer_name,
        "poste": case.job_title,
        "date_debut_emploi": format_date(case.job_start),
        "date_demande": format_date(case.request_date),
        "date_decision": format_date(decision.decided_on) if decision else "",
        "numero_decision": decision.number if decision else "",
        "reference": case.reference,
        "montant_total": format_cents(paid_or_due),
        "montant_verse": format_cents(
            sum(
                i.amount_cents
                for i in case.instalments
                if i.status
                in (
                    InstalmentStatus.PAID.value,
                    InstalmentStatus.MANDATED.value,
                    InstalmentStatus.PLANNED.value,
                    InstalmentStatus.TO_SETTLE.value,  # rejected by the bank, paid again
                )
            )
        ),
        "date_fin_suivi": format_date(six_month_end(case.job_start)),
        "date_fin": format_date(case.end_date) if case.end_date else "",
        "date_limite_observations": format_date(reply_by or case.observations_deadline),
        "referent": referent_name,
        "date_entretien": format_date(meeting.held_on) if meeting else "",
    }
    author = session.get(User, decision.author_id) if decision and decision.author_id else None
    signer = (
        author
        or inviter
        or (session.get(User, meeting.author_id) if meeting and meeting.author_id else None)
        or referent
    )
    letter = Letter(
        kind=kind,
        subject=SUBJECTS[kind],
        case_reference=case.reference,
        decision_number=decision.number if decision else "",
        issued_on=issued_on,
        city=settings.signature_city,
        department=settings.department_name,
        department_address=settings.department_address,
        office_name=office.name if office else "",
        office_address=office.address if office else "",
        office_phone=office.phone if office else "",
        logo_path=settings.logo_path,
        followed_by=(
            f"{referent.full_name}" + (f", {referent.capacity}" if referent.capacity else "")
        )
        if referent
        else "",
        recipient=[
            line
            for line in (
                f"{civilite} {person.first_name} {person.last_name.upper()}".strip(),
                person.address_line1,
                person.address_line2,
                f"{person.postcode} {person.commune.upper()}".strip(),
            )
            if line
        ],
        body=fill(template_for(kind, settings.letter_templates), values),
        legal_basis=settings.legal_basis,
        signer_name=signer.full_name if signer else (decision.signer_name if decision else ""),
        signer_capacity=signer.capacity if signer else "",
        delegation_line=settings.delegation_line if decision or kind in MOTIVATED else "",
        appeal_routes=settings.appeal_routes if decision else "",
        is_correspondence=kind not in NOTE_KINDS,
        reply_by=reply_by,
    )
    if kind is DocumentKind.GRANT_LETTER and decision is not None:
        letter.schedule = _schedule(case)
        granted = build_schedule(aid_requests(case), case.job_start, decision.decided_on)
        letter.schedule_note = catch_up_note(granted, case.request_date, decision.decided_on)
    if kind in MOTIVATED:
        text = (
            case.observations_grounds
            if kind is DocumentKind.OBSERVATIONS_NOTICE
            else (decision.motivation if decision else "")
        )
        if not (text or "").strip():
            raise MissingMotivation(
                "Ce courrier ne peut pas être produit : la motivation (les faits et les règles "
                "qui fondent la décision) est vide. Complétez-la d'abord."
            )
        letter.motivation_title = (
            "Motifs envisagés"
            if kind is DocumentKind.OBSERVATIONS_NOTICE
            else "Motifs de la décision"
        )
        letter.motivation = text.strip()
    if kind is DocumentKind.EARLY_END_LETTER:
        letter.schedule = _schedule(case)
    if meeting is not None:
        letter.facts = _meeting_facts(meeting)
        letter.delegation_line = ""
    return letter


OPEN_STATES = {CaseState.GRANTED.value, CaseState.IN_PROGRESS.value, CaseState.SUSPENDED.value}


def _inviter(session: Session, case: Case) -> User:
    """The validator whose act the invitation is: the notice is signed in their name."""
    if case.observations_invited_on is None:
        raise NotAllowed(
            f"Aucune invitation à présenter des observations n'a été décidée sur le dossier "
            f"{case.reference} : le courrier ne peut pas être produit."
        )
    if case.state not in OPEN_STATES:
        raise NotAllowed(
            f"Le dossier {case.reference} est clos : aucune invitation ne peut plus être "
            "envoyée"
            + (
                f" (celle du {format_date(case.observations_sent_on)} est dans ses documents "
                "archivés)."
                if case.observations_sent_on
                else "."
            )
        )
    inviter = (
        session.get(User, case.observations_invited_by_id)
        if case.observations_invited_by_id
        else None
    )
    if inviter is None:
        raise NotAllowed(
            "L'auteur de l'invitation à présenter des observations n'est pas connu : un "
            "valideur doit l'enregistrer à nouveau (Inviter à présenter des observations)."
        )
    return inviter


def _meeting_for(
    session: Session, case: Case, kind: DocumentKind, meeting_id: uuid.UUID | None
) -> Meeting:
    if meeting_id is not None:
        meeting = session.get(Meeting, meeting_id)
        if meeting is None or meeting.case_id != case.id:
            raise NotAllowed("Cet entretien n'existe plus.")
        return meeting
    wanted = MeetingKind.REVIEW_6M if kind is DocumentKind.REVIEW_6M else MeetingKind.FOLLOW_UP
    meeting = session.scalar(
        select(Meeting)
        .where(Meeting.case_id == case.id, Meeting.kind == wanted.value)
        .order_by(Meeting.held_on.desc())
        .limit(1)
    )
    if meeting is None:
        raise NotAllowed("Aucun entretien de ce type n'est enregistré sur ce dossier.")
    return meeting


def _schedule(case: Case) -> list[ScheduleRow]:
    return [
        ScheduleRow(
            i.due_month,
            Component(i.component).label,
            i.amount_cents,
            i.payee_name + (" (tiers)" if i.payee_kind == PayeeKind.THIRD_PARTY.value else ""),
            i.status,
        )
        for i in sorted(case.instalments, key=lambda i: (i.due_month, component_rank(i.component)))
    ]


def _meeting_facts(m: Meeting) -> list[tuple[str, str]]:
    obstacles = ", ".join(Obstacle(o).label for o in m.obstacles.split(",") if o)
    facts = [
        ("Date", format_date(m.held_on)),
        ("Type", MeetingKind(m.kind).label),
        ("Modalité", MeetingMode(m.mode).label),
        ("Participants", m.participants or "—"),
        ("Freins abordés", obstacles or "—"),
        ("Situation dans l'emploi", m.job_situation or "—"),
        ("Compte rendu", m.notes or "—"),
        ("Suites à donner", m.next_steps or "—"),
    ]
    if m.next_meeting_on:
        facts.append(("Prochain entretien", format_date(m.next_meeting_on)))
    return facts
