"""Follow-up meetings during the six months, and the 6-month review.

Notes are factual and neutral; health data has no place in them (CNIL): the UI reminds the
user, and :func:`health_words` flags words that suggest health information before saving.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sqlalchemy import select, true

from app.models import Beneficiary, Case, Meeting
from app.models.enums import CaseState, MeetingKind, MeetingMode
from app.services import audit, clock
from app.services.actor import Actor
from app.services.cases import require_caseload
from app.services.errors import NotAllowed, ValidationError
from app.services.storage import Database
from app.services.text import fold, format_date
from app.services.validation import MEETING_TEXT_MAX, PARTICIPANTS_MAX, text_error


class Obstacle(StrEnum):
    TRANSPORT = "transport"
    CHILDCARE = "garde_enfant"
    BUDGET = "budget"
    HOUSING = "logement"
    MOBILITY = "mobilite"
    EMPLOYER = "relation_employeur"
    SCHEDULE = "horaires"
    ADMIN = "demarches"
    TRAINING = "formation"
    OTHER = "autre"

    @property
    def label(self) -> str:
        return {
            "transport": "Transport",
            "garde_enfant": "Garde d'enfant",
            "budget": "Budget",
            "logement": "Logement",
            "mobilite": "Mobilité",
            "relation_employeur": "Relation avec l'employeur",
            "horaires": "Horaires de travail",
            "demarches": "Démarches administratives",
            "formation": "Formation",
            "autre": "Autre",
        }[self.value]


OPEN_STATES = {
    CaseState.GRANTED,
    CaseState.IN_PROGRESS,
    CaseState.SUSPENDED,
    CaseState.COMPLETED,
    CaseState.ENDED_EARLY,
}
PRIVATE_TEXT = ("participants", "job_situation", "notes", "next_steps")
# The report's texts: (label, longest length, several lines allowed).
TEXT_FIELDS: dict[str, tuple[str, int, bool]] = {
    "participants": ("Participants", PARTICIPANTS_MAX, False),
    "job_situation": ("Situation dans l'emploi", MEETING_TEXT_MAX, True),
    "notes": ("Compte rendu", MEETING_TEXT_MAX, True),
    "next_steps": ("Suites à donner", MEETING_TEXT_MAX, True),
}
HEALTH_REMINDER = (
    "Rappel : n'inscrivez aucune donnée de santé (maladie, traitement, handicap, "
    "grossesse…) dans ce compte rendu ; restez factuel et neutre."
)


def health_patterns(words: str) -> list[re.Pattern[str]]:
    """The settings' list (one a line, « * » at the end for the longer words), folded."""
    patterns = []
    for line in words.splitlines():
        entry = line.strip()
        stem = fold(entry.rstrip("*")).strip()
        if not stem:
            continue
        tail = r"\w*" if entry.endswith("*") else ""
        patterns.append(re.compile(rf"\b{re.escape(stem)}{tail}\b"))
    return patterns


def health_words(*texts: str, words: str | None = None) -> list[str]:
    """Words that look like health information, to warn the user (never to block), from
    the settings' list ``words`` (``health_words``; its default when None)."""
    from app.services.settings import DEFAULT_HEALTH_WORDS

    patterns = health_patterns(DEFAULT_HEALTH_WORDS if words is None else words)
    found: list[str] = []
    for text in texts:
        folded = fold(text)
        hits = sorted(
            (m.start(), m.group(0)) for pattern in patterns for m in pattern.finditer(folded)
        )
        for _start, word in hits:
            if word not in found:
                found.append(word)
    return found


@dataclass
class MeetingInput:
    case_id: uuid.UUID
    held_on: date
    mode: str = MeetingMode.INTERVIEW.value
    kind: str = MeetingKind.FOLLOW_UP.value
    participants: str = ""
    obstacles: list[str] = field(default_factory=list)
    job_situation: str = ""
    notes: str = ""
    next_steps: str = ""
    next_meeting_on: date | None = None
    id: uuid.UUID | None = None
    version_id: int | None = None


def meeting_input_of(m: Meeting) -> MeetingInput:
    """A stored meeting as the form's data, at its version."""
    return MeetingInput(
        case_id=m.case_id,
        held_on=m.held_on,
        mode=m.mode,
        kind=m.kind,
        participants=m.participants,
        obstacles=[o for o in m.obstacles.split(",") if o],
        job_situation=m.job_situation,
        notes=m.notes,
        next_steps=m.next_steps,
        next_meeting_on=m.next_meeting_on,
        id=m.id,
        version_id=m.version_id,
    )


def meeting_errors(data: MeetingInput, case: Case, today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.mode not in {m.value for m in MeetingMode}:
        errors["mode"] = "Mode d'entretien inconnu."
    if data.kind not in {k.value for k in MeetingKind}:
        errors["kind"] = "Type d'entretien inconnu."
    if data.held_on > today:
        errors["held_on"] = "Un entretien ne peut pas être enregistré avant d'avoir eu lieu."
    if data.held_on < case.request_date and data.held_on < case.job_start:
        errors["held_on"] = (
            f"L'entretien précède la demande ({format_date(case.request_date)}) "
            "et le début de l'emploi."
        )
    if data.next_meeting_on is not None and data.next_meeting_on <= data.held_on:
        errors["next_meeting_on"] = "Le prochain entretien doit suivre celui-ci."
    unknown = set(data.obstacles) - {o.value for o in Obstacle}
    if unknown:
        errors["obstacles"] = "Frein inconnu : " + ", ".join(sorted(unknown))
    if not (data.notes.strip() or data.job_situation.strip() or data.next_steps.strip()):
        errors["notes"] = "Le compte rendu est vide : décrivez au moins la situation ou les suites."
    for name, (label, limit, multiline) in TEXT_FIELDS.items():
        if msg := text_error(getattr(data, name), label, limit, multiline=multiline):
            errors[name] = msg
    return errors


def save_meeting(
    db: Database, actor: Actor, data: MeetingInput, today: date | None = None
) -> uuid.UUID:
    today = today or clock.today()
    with db.write() as s:
        case = s.get(Case, data.case_id)
        if case is None:
            raise NotAllowed("Ce dossier n'existe plus.")
        require_caseload(actor, case)
        if CaseState(case.state) not in OPEN_STATES:
            raise NotAllowed("Les entretiens de suivi s'enregistrent sur un dossier accordé.")
        errors = meeting_errors(data, case, today)
        if data.kind == MeetingKind.REVIEW_6M.value:
            other = s.scalar(
                select(Meeting.id).where(
                    Meeting.case_id == case.id,
                    Meeting.kind == MeetingKind.REVIEW_6M.value,
                    Meeting.id != data.id if data.id else true(),
                )
            )
            if other:
                errors["kind"] = "Le bilan à 6 mois de ce dossier est déjà enregistré."
        if errors:
            raise ValidationError(errors)
        if data.id is None:
            meeting = Meeting(case_id=case.id, created_by=actor.login, author_id=actor.user_id)
            s.add(meeting)
            before: dict = {}
        else:
            found = s.get(Meeting, data.id)
            if found is None or found.case_id != case.id:
                raise NotAllowed("Cet entretien n'existe plus.")
            meeting = found
            if data.version_id is not None and data.version_id != meeting.version_id:
                from app.services.edit_conflicts import EditConflict, who

                by = who(s, meeting.updated_by)
                raise EditConflict(
                    "Cet entretien", meeting_input_of(meeting), by, meeting.updated_at
                )
            before = audit.snapshot(meeting)
        meeting.held_on, meeting.mode, meeting.kind = data.held_on, data.mode, data.kind
        meeting.participants = data.participants.strip()
        meeting.obstacles = ",".join(data.obstacles)
        meeting.job_situation = data.job_situation.strip()
        meeting.notes = data.notes.strip()
        meeting.next_steps = data.next_steps.strip()
        meeting.next_meeting_on = data.next_meeting_on
        meeting.updated_by = actor.login
        person = s.get(Beneficiary, case.beneficiary_id)
        if person is not None and (person.last_contact_at or date.min) < data.held_on:
            person.last_contact_at = data.held_on
        s.flush()
        old, new = audit.changes(before, audit.snapshot(meeting))
        for text_field in PRIVATE_TEXT:  # the trail says what changed, not the notes again
            for side in (old, new):
                if text_field in side:
                    side[text_field] = "(texte modifié)"
        audit.record(
            s,
            actor,
            "update" if before else "create",
            "meeting",
            meeting.id,
            case_id=case.id,
            summary=f"{case.reference} : entretien du {format_date(data.held_on)}",
            before=old,
            after=new,
        )
        return meeting.id
