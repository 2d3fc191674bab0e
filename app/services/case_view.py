"""What the case screen shows: one detached, fully loaded read model per case.

Opening a case is recorded in the access log (who read which case, when, from where); the
history shows the audit trail's changes as structured values, and the openings from the log.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.models import AuditEvent, Case, Document, User
from app.models.enums import (
    CaseState,
    Component,
    ContractType,
    DecisionKind,
    DocumentKind,
    InstalmentStatus,
    MeetingKind,
    MeetingMode,
    Orientation,
    PayeeKind,
    Relation,
    component_rank,
)
from app.services import access_log
from app.services.actor import Actor
from app.services.cases import case_scale, evaluate
from app.services.eligibility import Eligibility
from app.services.errors import NotAllowed
from app.services.schedule import six_month_end
from app.services.storage import Database
from app.services.visibility import require_read


class Action(StrEnum):
    EDIT = "edit"
    SUBMIT = "submit"
    GRANT = "grant"
    REFUSE = "refuse"
    START = "start"
    SUSPEND = "suspend"
    RESUME = "resume"
    INVITE_OBSERVATIONS = "invite_observations"
    END_EARLY = "end_early"
    COMPLETE = "complete"
    ADD_MEETING = "add_meeting"

    @property
    def label(self) -> str:
        return {
            "edit": "Modifier",
            "submit": "Soumettre à validation",
            "grant": "Accorder",
            "refuse": "Refuser",
            "start": "Démarrer le suivi",
            "suspend": "Suspendre",
            "resume": "Reprendre",
            "invite_observations": "Inviter à présenter des observations",
            "end_early": "Mettre fin avant terme",
            "complete": "Clore (fin du dispositif)",
            "add_meeting": "Nouvel entretien",
        }[self.value]


@dataclass(frozen=True)
class AidLineView:
    component: Component
    monthly_cents: int
    months: int
    payee: str

    @property
    def total_cents(self) -> int:
        return self.monthly_cents * self.months


@dataclass(frozen=True)
class InstalmentView:
    id: uuid.UUID
    component: Component
    due_month: date
    amount_cents: int
    status: InstalmentStatus
    payee: str


@dataclass(frozen=True)
class DecisionView:
    id: uuid.UUID
    number: str
    kind: DecisionKind
    decided_on: date
    motivation: str
    author: str
    statement: str = ""  # the validator's statement for a grant despite rules to check


@dataclass(frozen=True)
class MeetingView:
    id: uuid.UUID
    held_on: date
    kind: MeetingKind
    mode: MeetingMode
    participants: str
    obstacles: tuple[str, ...]
    job_situation: str
    notes: str
    next_steps: str
    next_meeting_on: date | None
    version_id: int


@dataclass(frozen=True)
class DocumentView:
    id: uuid.UUID
    kind: DocumentKind
    reference: str
    path: str
    created_at: datetime
    signed_by: str
    superseded: bool


@dataclass(frozen=True)
class FieldChange:
    """One field of an audit event: its value before (None: none) and after, as stored."""

    key: str
    before: Any
    after: Any


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    who: str
    workstation: str
    action: str
    summary: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class HouseholdView:
    relation: str
    name: str
    birth_date: date | None


@dataclass
class CaseDetail:
    id: uuid.UUID
    version_id: int
    reference: str
    state: CaseState
    beneficiary_id: uuid.UUID
    person_name: str
    person_birth_date: date | None
    person_address: str
    allocataire: str
    orientation: str
    global_support: bool
    referent: str
    household: list[HouseholdView]
    request_date: date
    employer_name: str
    employer_address: str
    job_title: str
    contract_type: str
    job_start: date
    trial_end: date | None
    contract_end: date | None
    weekly_hours: str
    six_month_end: date
    observations_invited_on: date | None  # decided by observations_invited_by
    observations_invited_by: str
    observations_sent_on: date | None  # its letter produced and sent
    observations_deadline: date | None
    end_date: date | None
    exit_reason: str
    employed_at_exit: bool | None
    scale_description: str
    eligibility: Eligibility
    aids: list[AidLineView]
    instalments: list[InstalmentView]
    decisions: list[DecisionView]
    meetings: list[MeetingView]
    documents: list[DocumentView]
    history: list[HistoryEntry]
    actions: list[Action] = field(default_factory=list)

    @property
    def total_cents(self) -> int:
        return sum(
            i.amount_cents for i in self.instalments if i.status is not InstalmentStatus.CANCELLED
        )

    def cents_with_status(self, *statuses: InstalmentStatus) -> int:
        return sum(i.amount_cents for i in self.instalments if i.status in statuses)


def allowed_actions(actor: Actor, state: CaseState, referent_id: uuid.UUID | None) -> list[Action]:
    if actor.user_id is None:
        return []
    own = actor.is_admin or actor.is_validator or referent_id in (None, actor.user_id)
    validator = actor.is_validator
    table = {
        CaseState.DRAFT: [(Action.EDIT, own), (Action.SUBMIT, own)],
        CaseState.SUBMITTED: [(Action.GRANT, validator), (Action.REFUSE, validator)],
        CaseState.GRANTED: [
            (Action.START, own),
            (Action.ADD_MEETING, own),
            (Action.SUSPEND, own),
            (Action.INVITE_OBSERVATIONS, validator),
            (Action.END_EARLY, validator),
        ],
        CaseState.IN_PROGRESS: [
            (Action.ADD_MEETING, own),
            (Action.SUSPEND, own),
            (Action.COMPLETE, own),
            (Action.INVITE_OBSERVATIONS, validator),
            (Action.END_EARLY, validator),
        ],
        CaseState.SUSPENDED: [
            (Action.ADD_MEETING, own),
            (Action.RESUME, own),
            (Action.INVITE_OBSERVATIONS, validator),
            (Action.END_EARLY, validator),
        ],
        CaseState.COMPLETED: [(Action.ADD_MEETING, own)],
        CaseState.ENDED_EARLY: [],
        CaseState.REFUSED: [],
    }
    return [action for action, ok in table[state] if ok]


def _payee(kind: str, name: str) -> str:
    return name if kind == PayeeKind.THIRD_PARTY.value else f"{name} (bénéficiaire)"


def load_case(
    db: Database, case_id: uuid.UUID, actor: Actor, *, log_access: bool = True
) -> CaseDetail:
    with db.write() if log_access and not db.read_only else db.read() as s:
        case = s.scalar(
            select(Case)
            .where(Case.id == case_id)
            .options(
                selectinload(Case.aid_lines),
                selectinload(Case.instalments),
                selectinload(Case.decisions),
                selectinload(Case.meetings),
            )
        )
        if case is None:
            raise NotAllowed("Ce dossier n'existe plus.")
        b = case.beneficiary
        require_read(actor, b)
        scale = case_scale(s, case)
        authors = {u.id: u.full_name for u in s.scalars(select(User))}
        referent = authors.get(case.referent_id, "") if case.referent_id else ""
        docs = s.scalars(
            select(Document).where(Document.case_id == case.id).order_by(Document.created_at.desc())
        ).all()
        events = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.case_id == case.id, AuditEvent.action != "read")
            .order_by(AuditEvent.at.desc())
        ).all()
        history = [
            HistoryEntry(
                e.at,
                e.user_login,
                e.workstation,
                e.action,
                e.summary,
                field_changes(e.before, e.after),
            )
            for e in events
        ] + [
            HistoryEntry(r.at, r.user_login, r.workstation, r.action, "", ())
            for r in access_log.reads_of_case(s, case.id)
        ]
        history.sort(key=lambda h: _aware(h.at), reverse=True)
        detail = CaseDetail(
            id=case.id,
            version_id=case.version_id,
            reference=case.reference,
            state=CaseState(case.state),
            beneficiary_id=b.id,
            person_name=f"{b.last_name.upper()} {b.first_name}",
            person_birth_date=b.birth_date,
            person_address=", ".join(
                x
                for x in (b.address_line1, b.address_line2, f"{b.postcode} {b.commune}".strip())
                if x
            ),
            allocataire=f"{b.paying_body} {b.allocataire_number}" if b.allocataire_number else "",
            orientation=Orientation(b.orientation).label if b.orientation else "",
            global_support=b.global_support,
            referent=referent,
            household=[
                HouseholdView(
                    Relation(m.relation).label,
                    f"{m.first_name} {m.last_name}".strip(),
                    m.birth_date,
                )
                for m in b.household
            ],
            request_date=case.request_date,
            employer_name=case.employer_name,
            employer_address=case.employer_address,
            job_title=case.job_title,
            contract_type=ContractType(case.contract_type).label if case.contract_type else "",
            job_start=case.job_start,
            trial_end=case.trial_end,
            contract_end=case.contract_end,
            weekly_hours=(
                f"{case.weekly_hours:.2f}".rstrip("0").rstrip(".").replace(".", ",") + " h"
            )
            if case.weekly_hours is not None
            else "",
            six_month_end=six_month_end(case.job_start, scale.max_months),
            observations_invited_on=case.observations_invited_on,
            observations_invited_by=(
                case.observations_invited_by.full_name if case.observations_invited_by else ""
            ),
            observations_sent_on=case.observations_sent_on,
            observations_deadline=case.observations_deadline,
            end_date=case.end_date,
            exit_reason=case.exit_reason,
            employed_at_exit=case.employed_at_exit,
            scale_description=scale.describe(),
            eligibility=evaluate(s, case),
            aids=[
                AidLineView(
                    Component(a.component),
                    a.monthly_cents,
                    a.months,
                    _payee(
                        a.payee_kind,
                        a.third_party.name if a.third_party else f"{b.first_name} {b.last_name}",
                    ),
                )
                for a in case.aid_lines
            ],
            instalments=[
                InstalmentView(
                    i.id,
                    Component(i.component),
                    i.due_month,
                    i.amount_cents,
                    InstalmentStatus(i.status),
                    _payee(i.payee_kind, i.payee_name),
                )
                for i in sorted(
                    case.instalments,
                    key=lambda i: (i.due_month, component_rank(i.component)),
                )
            ],
            decisions=[
                DecisionView(
                    d.id,
                    d.number,
                    DecisionKind(d.kind),
                    d.decided_on,
                    d.motivation,
                    authors.get(d.author_id, d.signer_name) if d.author_id else d.signer_name,
                    d.override_motivation,
                )
                for d in case.decisions
            ],
            meetings=[
                MeetingView(
                    m.id,
                    m.held_on,
                    MeetingKind(m.kind),
                    MeetingMode(m.mode),
                    m.participants,
                    tuple(x for x in m.obstacles.split(",") if x),
                    m.job_situation,
                    m.notes,
                    m.next_steps,
                    m.next_meeting_on,
                    m.version_id,
                )
                for m in case.meetings
            ],
            documents=[
                DocumentView(
                    d.id,
                    DocumentKind(d.kind),
                    d.reference,
                    d.path,
                    d.created_at,
                    d.signed_by,
                    d.superseded,
                )
                for d in docs
            ],
            history=history,
            actions=allowed_actions(actor, CaseState(case.state), case.referent_id),
        )
        if log_access and not db.read_only:
            access_log.record(
                s, actor, "read", beneficiary_id=b.id, case_id=case.id, details={"entity": "case"}
            )
        return detail


def field_changes(before: str, after: str) -> tuple[FieldChange, ...]:
    """The structured before/after of an audit event, one value per changed field."""
    if not after:
        return ()
    old = json.loads(before) if before else {}
    new = json.loads(after)
    return tuple(FieldChange(k, old.get(k), v) for k, v in new.items())


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


@dataclass(frozen=True)
class CaseSummary:
    id: uuid.UUID
    reference: str
    state: CaseState
    job_start: date
    employer_name: str
    total_cents: int


def cases_of_beneficiary(db: Database, beneficiary_id: uuid.UUID) -> list[CaseSummary]:
    with db.read() as s:
        cases = s.scalars(
            select(Case)
            .where(Case.beneficiary_id == beneficiary_id)
            .order_by(Case.job_start.desc())
            .options(selectinload(Case.instalments), selectinload(Case.aid_lines))
        ).all()
        return [
            CaseSummary(
                c.id,
                c.reference,
                CaseState(c.state),
                c.job_start,
                c.employer_name,
                sum(
                    i.amount_cents
                    for i in c.instalments
                    if i.status != InstalmentStatus.CANCELLED.value
                )
                or sum(a.monthly_cents * a.months for a in c.aid_lines),
            )
            for c in cases
        ]
