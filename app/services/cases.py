"""Cases (dossiers): the draft a référent fills in, and the facts the rules need.

The workflow transitions (submit, grant, refuse, suspend, end…) live in
app.services.workflow; the read model shown by the case view in app.services.case_view.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from app.models import AidLine, Beneficiary, Case, ThirdParty
from app.models.enums import CaseState, Component, ContractType, PayeeKind, Relation
from app.services import audit, clock
from app.services.actor import Actor
from app.services.eligibility import (
    PENDING_STATES,
    Eligibility,
    PersonFacts,
    PreviousCase,
    check_eligibility,
)
from app.services.envelope import EnvelopeStatus, envelope_status
from app.services.errors import NotAllowed, ValidationError
from app.services.grant_checks import GrantChecks, grant_checks
from app.services.numbering import case_reference
from app.services.scale import ScaleRules, scale_by_id, scale_in_force
from app.services.schedule import (
    AidRequest,
    ScheduledInstalment,
    aid_errors,
    build_schedule,
    needs_by_year,
    six_month_end,
)
from app.services.storage import Database
from app.services.validation import (
    ADDRESS_MAX,
    LABEL_MAX,
    NOTES_MAX,
    compact,
    text_error,
)

MAX_WEEKLY_HOURS = Decimal(48)
# Free-text fields of the draft: (label, longest length, several lines allowed).
TEXT_FIELDS: dict[str, tuple[str, int, bool]] = {
    "employer_name": ("Employeur", LABEL_MAX, False),
    "employer_address": ("Adresse de l'employeur", ADDRESS_MAX, False),
    "job_title": ("Poste occupé", LABEL_MAX, False),
    "notes": ("Notes", NOTES_MAX, True),
}


@dataclass
class CaseInput:
    """What the référent records: the job and the aid asked for."""

    beneficiary_id: uuid.UUID
    job_start: date
    request_date: date
    id: uuid.UUID | None = None
    version_id: int | None = None
    employer_name: str = ""
    employer_address: str = ""
    job_title: str = ""
    contract_type: str = ContractType.CDI.value
    trial_end: date | None = None
    contract_end: date | None = None
    weekly_hours: Decimal | None = None
    aids: list[AidRequest] = field(default_factory=list)
    notes: str = ""


def require_user(actor: Actor) -> uuid.UUID:
    if actor.user_id is None:
        raise NotAllowed(
            f"L'identifiant « {actor.login} » n'est pas enregistré comme utilisateur de cette "
            "base : demandez à un administrateur de vous ajouter."
        )
    return actor.user_id


def require_caseload(actor: Actor, case: Case) -> None:
    """A référent changes the cases of their own caseload; validators and admins any case."""
    require_user(actor)
    if actor.is_admin or actor.is_validator or case.referent_id in (None, actor.user_id):
        return
    raise NotAllowed("Ce dossier est suivi par un autre référent : vous ne pouvez pas le modifier.")


def require_validator(actor: Actor) -> None:
    require_user(actor)
    if not actor.is_validator:
        raise NotAllowed("Seule une personne habilitée à valider peut prendre cette décision.")


def person_facts(b: Beneficiary) -> PersonFacts:
    return PersonFacts(
        rsa_open_since=b.rsa_open_since,
        rsa_closed_on=b.rsa_closed_on,
        orientation=b.orientation,
        orientation_date=b.orientation_date,
        global_support=b.global_support,
        children_birth_dates=tuple(
            m.birth_date for m in b.household if m.relation == Relation.CHILD.value
        ),
    )


def previous_cases(
    session: Session,
    beneficiary_id: uuid.UUID,
    exclude: uuid.UUID | None,
    *,
    before: date | None = None,
) -> list[PreviousCase]:
    """The person's other cases; with ``before``, only those whose job started by then (a
    decided case is judged as it was, not by the packs granted after it)."""
    rows = session.execute(
        select(Case.reference, Case.state, Case.job_start, Case.end_date).where(
            Case.beneficiary_id == beneficiary_id,
            Case.id != exclude if exclude else true(),
            Case.job_start <= before if before else true(),
        )
    ).all()
    return [PreviousCase(r[0], r[1], r[2], r[3]) for r in rows]


def sync_current_state(session: Session, beneficiary_id: uuid.UUID) -> None:
    """The list shows the state of the person's most recent case (denormalised column)."""
    session.flush()
    latest = session.scalar(
        select(Case.state)
        .where(Case.beneficiary_id == beneficiary_id)
        .order_by(Case.job_start.desc(), Case.created_at.desc())
        .limit(1)
    )
    person = session.get(Beneficiary, beneficiary_id)
    if person is not None:
        person.current_case_state = latest


def case_scale(session: Session, case: Case) -> ScaleRules:
    if case.scale_version_id is not None:
        return scale_by_id(session, case.scale_version_id)
    return scale_in_force(session, case.job_start)


def aid_requests(case: Case) -> list[AidRequest]:
    return [
        AidRequest(
            Component(line.component),
            line.monthly_cents,
            line.months,
            PayeeKind(line.payee_kind),
            line.third_party.name if line.third_party else "",
            line.third_party.iban if line.third_party else "",
        )
        for line in case.aid_lines
    ]


def evaluate(session: Session, case: Case) -> Eligibility:
    scale = case_scale(session, case)
    return check_eligibility(
        person_facts(case.beneficiary),
        case.job_start,
        case.request_date,
        scale,
        previous_cases(
            session,
            case.beneficiary_id,
            case.id,
            before=None if CaseState(case.state) in PENDING_STATES else case.job_start,
        ),
        {Component(line.component) for line in case.aid_lines},
    )


def case_errors(data: CaseInput, scale: ScaleRules) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, (label, limit, multiline) in TEXT_FIELDS.items():
        if msg := text_error(getattr(data, name), label, limit, multiline=multiline):
            errors[name] = msg
    if data.contract_type not in {c.value for c in ContractType}:
        errors["contract_type"] = "Type de contrat inconnu."
    if not data.employer_name.strip():
        errors["employer_name"] = "Le nom de l'employeur est obligatoire."
    if data.trial_end and data.trial_end < data.job_start:
        errors["trial_end"] = "La fin de la période d'essai précède le début de l'emploi."
    if data.contract_end and data.contract_end < data.job_start:
        errors["contract_end"] = "La fin du contrat précède le début de l'emploi."
    if data.contract_type == ContractType.CDI.value and data.contract_end:
        errors["contract_end"] = "Un CDI n'a pas de date de fin."
    hours = data.weekly_hours
    if hours is not None and not (hours.is_finite() and Decimal(0) < hours <= MAX_WEEKLY_HOURS):
        errors["weekly_hours"] = "La durée hebdomadaire doit être comprise entre 0 et 48 heures."
    if data.request_date > clock.today():
        errors["request_date"] = "La date de la demande est dans le futur."
    errors.update(aid_errors(data.aids, scale))
    for req in data.aids:
        if req.payee_kind is PayeeKind.THIRD_PARTY and (
            msg := text_error(req.payee_name, f"Tiers payé ({req.component.label})", LABEL_MAX)
        ):
            errors.setdefault(f"component.{req.component.value}.payee", msg)
    return errors


def save_draft(db: Database, actor: Actor, data: CaseInput) -> uuid.UUID:
    """Create or update a draft case; raises ValidationError with every problem found."""
    require_user(actor)
    with db.write() as s:
        scale = scale_in_force(s, data.job_start)
        errors = case_errors(data, scale)
        if errors:
            raise ValidationError(errors)
        person = s.get(Beneficiary, data.beneficiary_id)
        if person is None:
            raise ValidationError({"beneficiary_id": "Ce bénéficiaire n'existe plus."})
        if data.id is None:
            case = Case(
                reference=case_reference(s, data.request_date.year),
                beneficiary=person,
                referent_id=person.referent_id or actor.user_id,
                office_id=person.office_id,
                state=CaseState.DRAFT.value,
                created_by=actor.login,
            )
            s.add(case)
            before: dict = {}
        else:
            found = s.get(Case, data.id)
            if found is None:
                raise ValidationError({"id": "Ce dossier n'existe plus."})
            case = found
            require_caseload(actor, case)
            if case.state != CaseState.DRAFT.value:
                raise NotAllowed("Seul un dossier en brouillon peut être modifié.")
            if data.version_id is not None and data.version_id != case.version_id:
                from app.services.edit_conflicts import EditConflict, who

                by = who(s, case.updated_by)
                raise EditConflict("Ce dossier", case_input_of(case), by, case.updated_at)
            before = audit.snapshot(case)
        for name in (
            "request_date",
            "employer_name",
            "employer_address",
            "job_title",
            "contract_type",
            "job_start",
            "trial_end",
            "contract_end",
            "weekly_hours",
            "notes",
        ):
            value = getattr(data, name)
            setattr(case, name, value.strip() if isinstance(value, str) else value)
        case.scale_version_id = scale.id
        case.updated_by = actor.login
        case.aid_lines = [_aid_line(s, req, actor) for req in data.aids]
        s.flush()
        sync_current_state(s, person.id)
        old, new = audit.changes(before, audit.snapshot(case))
        new["aids"] = [f"{a.component.value}:{a.monthly_cents}x{a.months}" for a in data.aids]
        audit.record(
            s,
            actor,
            "update" if before else "create",
            "case",
            case.id,
            case_id=case.id,
            summary=case.reference,
            before=old,
            after=new,
        )
        return case.id


def _aid_line(session: Session, req: AidRequest, actor: Actor) -> AidLine:
    third_party = None
    if req.payee_kind is PayeeKind.THIRD_PARTY:
        iban = compact(req.payee_iban)
        third_party = session.scalar(
            select(ThirdParty).where(ThirdParty.iban == iban, ThirdParty.name == req.payee_name)
        ) or ThirdParty(name=req.payee_name.strip(), iban=iban, created_by=actor.login)
    return AidLine(
        component=req.component.value,
        monthly_cents=req.monthly_cents,
        months=req.months,
        payee_kind=req.payee_kind.value,
        third_party=third_party,
        created_by=actor.login,
        updated_by=actor.login,
    )


def preview_eligibility(db: Database, data: CaseInput) -> tuple[ScaleRules, Eligibility]:
    """The rules as they would judge this (unsaved) draft, for the editor's live panel."""
    with db.read() as s:
        person = s.get(Beneficiary, data.beneficiary_id)
        if person is None:
            raise ValidationError({"beneficiary_id": "Ce bénéficiaire n'existe plus."})
        scale = scale_in_force(s, data.job_start)
        result = check_eligibility(
            person_facts(person),
            data.job_start,
            data.request_date,
            scale,
            previous_cases(s, data.beneficiary_id, data.id),
            {a.component for a in data.aids},
        )
        return scale, result


def load_case_input(db: Database, case_id: uuid.UUID) -> CaseInput:
    """A draft's content for the editor."""
    with db.read() as s:
        case = s.get(Case, case_id)
        if case is None:
            raise ValidationError({"id": "Ce dossier n'existe plus."})
        return case_input_of(case)


def case_input_of(case: Case) -> CaseInput:
    """A stored draft as the editor's data, at its version."""
    return CaseInput(
        beneficiary_id=case.beneficiary_id,
        job_start=case.job_start,
        request_date=case.request_date,
        id=case.id,
        version_id=case.version_id,
        employer_name=case.employer_name,
        employer_address=case.employer_address,
        job_title=case.job_title,
        contract_type=case.contract_type,
        trial_end=case.trial_end,
        contract_end=case.contract_end,
        weekly_hours=case.weekly_hours,
        aids=aid_requests(case),
        notes=case.notes,
    )


@dataclass(frozen=True)
class GrantPreview:
    """What a validator sees before granting: the schedule, each year's envelope and what
    must be vouched for in writing."""

    schedule: list[ScheduledInstalment]
    envelopes: list[EnvelopeStatus]
    needs: dict[int, int]
    checks: GrantChecks

    @property
    def fits(self) -> bool:
        return all(
            e.amount_cents is not None and self.needs.get(e.year, 0) <= e.remaining_cents
            for e in self.envelopes
        )


def grant_preview(db: Database, case_id: uuid.UUID, on: date | None = None) -> GrantPreview:
    with db.read() as s:
        case = s.get(Case, case_id)
        if case is None:
            raise ValidationError({"id": "Ce dossier n'existe plus."})
        schedule = build_schedule(aid_requests(case), case.job_start, on or clock.today())
        needs = dict(needs_by_year(schedule))
        return GrantPreview(
            schedule,
            [envelope_status(s, y) for y in sorted(needs)],
            needs,
            grant_checks(
                evaluate(s, case),
                schedule,
                six_month_end(case.job_start, case_scale(s, case).max_months),
                on or clock.today(),
            ),
        )
