"""The documents a case allows as it stands, as the documents panel offers them: one letter
per decision taken, the invitation to present observations while the case is open, the
selected follow-up meeting's notes and the 6-month review."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.models.enums import DecisionKind, DocumentKind, MeetingKind
from app.services.case_view import CaseDetail, MeetingView
from app.services.letter_content import DECISION_OF_KIND, OPEN_STATES
from app.services.text import format_date
from app.services.workflow import describe_notice

LETTER_OF_DECISION = {decision: letter for letter, decision in DECISION_OF_KIND.items()}


@dataclass(frozen=True)
class LetterChoice:
    kind: DocumentKind
    text: str
    meeting_id: uuid.UUID | None = None


def letter_choices(detail: CaseDetail, meeting: MeetingView | None = None) -> list[LetterChoice]:
    """The documents that make sense for the case as it is: one letter per decision taken,
    the invitation while the case is open, the selected follow-up meeting's notes, the
    6-month review."""
    choices: list[LetterChoice] = []
    latest = {}
    for decision in sorted(detail.decisions, key=lambda d: (d.decided_on, d.number)):
        latest[decision.kind] = decision
    order = [DecisionKind.GRANT, DecisionKind.REFUSAL]
    for kind in order:
        if kind in latest:
            d = latest[kind]
            letter = LETTER_OF_DECISION[kind]
            choices.append(LetterChoice(letter, f"{letter.label} (décision {d.number})"))
    if detail.observations_invited_on is not None and detail.state in OPEN_STATES:
        notice_kind = DocumentKind.OBSERVATIONS_NOTICE
        choices.append(
            LetterChoice(notice_kind, f"{notice_kind.label} ({describe_notice(detail)})")
        )
    for kind in (DecisionKind.EARLY_END, DecisionKind.COMPLETION):
        if kind in latest:
            d = latest[kind]
            letter = LETTER_OF_DECISION[kind]
            choices.append(LetterChoice(letter, f"{letter.label} (décision {d.number})"))
    follow_ups = sorted(
        (m for m in detail.meetings if m.kind is MeetingKind.FOLLOW_UP),
        key=lambda m: m.held_on,
        reverse=True,
    )
    chosen = meeting if meeting is not None and meeting.kind is MeetingKind.FOLLOW_UP else None
    chosen = chosen or (follow_ups[0] if follow_ups else None)
    if chosen is not None:
        notes = DocumentKind.MEETING_NOTES
        choices.append(
            LetterChoice(notes, f"{notes.label} du {format_date(chosen.held_on)}", chosen.id)
        )
    reviews = sorted(
        (m for m in detail.meetings if m.kind is MeetingKind.REVIEW_6M),
        key=lambda m: m.held_on,
        reverse=True,
    )
    if reviews:
        review = DocumentKind.REVIEW_6M
        choices.append(
            LetterChoice(
                review, f"{review.label} du {format_date(reviews[0].held_on)}", reviews[0].id
            )
        )
    return choices
