"""Payment batches: from the instalments that are due to the finance office, and back.

A batch (role finance, or administrator) takes the instalments due up to a month: planned
or « à régulariser », not yet in a batch, of a case that is not suspended (see
:data:`PAYING_CASES`). Each payee's current IBAN is copied into its transfers; a payee
without a valid IBAN is left out with the reason, never silently. The batch is numbered
``PAI-YYYY-NNN`` and locked in the same ``BEGIN IMMEDIATE`` transaction: its instalments
become *mandated*, so a batch made at the same moment on another station cannot take them.
Back from finance, the batch is confirmed paid on a date; transfers the bank rejected go
back to « à régulariser » (their batch cleared), for a later batch once the IBAN is right.
Every step is audited. Exports: :mod:`app.services.payment_export`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import Beneficiary, Case, Decision, Instalment, PaymentBatch
from app.models.enums import (
    BatchStatus,
    CaseState,
    Component,
    DecisionKind,
    InstalmentStatus,
    PayeeKind,
)
from app.services import audit, clock, validation
from app.services.actor import Actor
from app.services.errors import NotAllowed, UserFacingError, ValidationError
from app.services.numbering import batch_number, batch_order
from app.services.storage import Database
from app.services.text import format_cents, format_month

# A suspended case pays nothing; an ended one still pays what fell due before its end (its
# later instalments were cancelled when it ended), a rejected transfer once put right.
PAYING_CASES = (
    CaseState.GRANTED.value,
    CaseState.IN_PROGRESS.value,
    CaseState.COMPLETED.value,
    CaseState.ENDED_EARLY.value,
)
DUE = (InstalmentStatus.PLANNED.value, InstalmentStatus.TO_SETTLE.value)


@dataclass(frozen=True)
class Transfer:
    """One instalment in a batch (or about to be)."""

    instalment_id: uuid.UUID
    reference: str  # PAI-2026-001-0007 once in a batch, else ""
    due_month: date
    component: Component
    amount_cents: int
    payee_name: str
    payee_iban: str
    payee_bic: str
    beneficiary: str
    case_reference: str
    decision_number: str

    @property
    def remittance(self) -> str:
        """The bank's remittance text (≤ 140 characters, SEPA)."""
        text = (
            f"Pack sortie RSA {self.decision_number} {self.case_reference} "
            f"{format_month(self.due_month)} {self.component.label}"
        )
        return text[:140]


@dataclass(frozen=True)
class Excluded:
    payee_name: str
    case_reference: str
    amount_cents: int
    reason: str


@dataclass
class BatchPreview:
    until: date
    transfers: list[Transfer] = field(default_factory=list)
    excluded: list[Excluded] = field(default_factory=list)

    @property
    def total_cents(self) -> int:
        return sum(t.amount_cents for t in self.transfers)

    def payee_rows(self) -> list[tuple[str, int, int]]:
        """(« name (IBAN) », transfers, cents) per payee, by name."""
        rows: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for t in self.transfers:
            row = rows[f"{t.payee_name} ({validation.format_iban(t.payee_iban)})"]
            row[0] += 1
            row[1] += t.amount_cents
        return [(payee, n, cents) for payee, (n, cents) in sorted(rows.items())]

    def by_payee(self) -> dict[str, int]:
        return {payee: cents for payee, _n, cents in self.payee_rows()}

    def by_component(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for t in self.transfers:
            totals[t.component.label] += t.amount_cents
        return dict(totals)

    def as_text(self) -> str:
        out = [
            f"Échéances dues jusqu'à {format_month(self.until)} : {len(self.transfers)} "
            f"virement(s), {format_cents(self.total_cents)}"
        ]
        out += [f"  {payee} : {format_cents(c)}" for payee, c in self.by_payee().items()]
        out += [f"  {label} : {format_cents(c)}" for label, c in self.by_component().items()]
        if self.excluded:
            out.append("Écartées (à corriger avant un prochain lot) :")
            out += [
                f"  {e.case_reference} — {e.payee_name}, {format_cents(e.amount_cents)} : "
                f"{e.reason}"
                for e in self.excluded
            ]
        return "\n".join(out)


@dataclass(frozen=True)
class BatchInfo:
    id: uuid.UUID
    number: str
    status: BatchStatus
    total_cents: int
    transfers: list[Transfer]
    excluded: list[Excluded]
    created_on: date


class NothingDue(UserFacingError):
    """No instalment is due (or every due one was left out): no batch is made."""


def require_finance(actor: Actor, what: str) -> None:
    if not (actor.is_finance or actor.is_admin):
        raise NotAllowed(
            f"Seules les personnes des finances (ou un administrateur) peuvent {what}."
        )


# A transfer needs its case, person and aid line; the same order numbers a batch's transfers
# when it is made and every time it is read again.
_TRANSFER_LOADS = (
    selectinload(Instalment.case).selectinload(Case.beneficiary),
    selectinload(Instalment.aid_line),
)
TRANSFER_ORDER = ("due_month", "case_id", "component")  # instalment columns
MADE, CONFIRMED = "payment_batch", "payment_confirm"  # the audit actions of a batch
_TRANSFER_ORDER = tuple(getattr(Instalment, name) for name in TRANSFER_ORDER)


def transfer_reference(number: str, n: int) -> str:
    """The ``n``-th transfer of batch ``number`` (from 1), as in the exported file."""
    return f"{number}-{n:04d}"


def batch_event(
    number: str, total_cents: int, transfers: int, until: date, excluded: int = 0
) -> tuple[str, dict[str, Any]]:
    """The summary and the « after » of the audit event of a batch made."""
    summary = (
        f"Lot {number} : {transfers} virement(s), {format_cents(total_cents)}, "
        f"échéances jusqu'à {format_month(until)}"
        + (f" ; {excluded} écartée(s)" if excluded else "")
    )
    return summary, {"number": number, "total_cents": total_cents, "transfers": transfers}


def confirm_event(
    number: str, paid_on: date, paid: int, rejected: dict[str, str]
) -> tuple[str, dict[str, Any]]:
    """The summary and the « after » of the audit event of a batch confirmed paid;
    ``rejected``: the reason of each rejected transfer, by reference."""
    summary = f"Lot {number} payé le {paid_on.strftime('%d/%m/%Y')} : {paid} virement(s)" + (
        f", {len(rejected)} rejeté(s) à régulariser" if rejected else ""
    )
    return summary, {"paid_on": paid_on.isoformat(), "paid": paid, "rejected": rejected}


def _due_query(until: date):
    return (
        select(Instalment)
        .join(Case, Case.id == Instalment.case_id)
        .where(
            Instalment.status.in_(DUE),
            Instalment.batch_id.is_(None),
            Instalment.due_month <= until,
            Case.state.in_(PAYING_CASES),
        )
        .options(*_TRANSFER_LOADS)
        .order_by(*_TRANSFER_ORDER)
    )


def _grant_numbers(s: Session, rows: list[Instalment]) -> dict[uuid.UUID, str]:
    """The grant decision's number of each case of ``rows`` (for the remittance text)."""
    return {
        d.case_id: d.number
        for d in s.scalars(
            select(Decision).where(
                Decision.case_id.in_({i.case_id for i in rows}),
                Decision.kind == DecisionKind.GRANT.value,
            )
        )
    }


def _plan(s: Session, until: date) -> tuple[list[tuple[Instalment, Transfer]], list[Excluded]]:
    """The due instalments as transfers, with the payee's current IBAN, and those left out."""
    rows = list(s.scalars(_due_query(until)))
    grants = _grant_numbers(s, rows)
    planned: list[tuple[Instalment, Transfer]] = []
    excluded: list[Excluded] = []
    for inst in rows:
        case = inst.case
        person: Beneficiary = case.beneficiary
        third = (
            inst.aid_line.third_party if inst.payee_kind != PayeeKind.BENEFICIARY.value else None
        )
        name = third.name if third else f"{person.first_name} {person.last_name}".strip()
        iban = validation.compact(third.iban if third else person.iban)
        bic = (third.bic if third else "") or ""
        if not iban or (problem := validation.iban_error(iban)):
            reason = "pas d'IBAN" if not iban else problem
            excluded.append(Excluded(name, case.reference, inst.amount_cents, f"IBAN : {reason}"))
            continue
        planned.append(
            (
                inst,
                Transfer(
                    instalment_id=inst.id,
                    reference="",
                    due_month=inst.due_month,
                    component=Component(inst.component),
                    amount_cents=inst.amount_cents,
                    payee_name=name,
                    payee_iban=iban,
                    payee_bic=bic,
                    beneficiary=person.display_name,
                    case_reference=case.reference,
                    decision_number=grants.get(case.id, ""),
                ),
            )
        )
    return planned, excluded


def preview_batch(db: Database, until: date) -> BatchPreview:
    """What a batch up to ``until`` (a month: its first day) would pay; nothing written."""
    with db.read() as s:
        planned, excluded = _plan(s, until)
    return BatchPreview(until, [t for _, t in planned], excluded)


def create_batch(db: Database, actor: Actor, until: date) -> BatchInfo:
    """Create and lock a batch of what is due up to ``until``; one transaction."""
    require_finance(actor, "créer un lot de paiement")
    today = clock.today()
    with db.write() as s:
        planned, excluded = _plan(s, until)
        if not planned:
            raise NothingDue(f"Aucune échéance à payer jusqu'à {format_month(until)}.")
        number = batch_number(s, today.year)
        batch = PaymentBatch(
            number=number,
            status=BatchStatus.OPEN.value,
            total_cents=sum(t.amount_cents for _, t in planned),
            created_by=actor.login,
            updated_by=actor.login,
        )
        s.add(batch)
        s.flush()
        transfers = []
        for n, (inst, transfer) in enumerate(planned, start=1):
            inst.batch_id = batch.id
            inst.status = InstalmentStatus.MANDATED.value
            inst.payee_name = transfer.payee_name[:200]
            inst.payee_iban = transfer.payee_iban
            inst.updated_by = actor.login
            transfers.append(_referenced(transfer, number, n))
        summary, after = batch_event(
            number, batch.total_cents, len(transfers), until, len(excluded)
        )
        audit.record(s, actor, MADE, "payment_batch", batch.id, summary=summary, after=after)
        return BatchInfo(
            batch.id, number, BatchStatus.OPEN, batch.total_cents, transfers, excluded, today
        )


def _referenced(transfer: Transfer, number: str, n: int) -> Transfer:
    from dataclasses import replace

    return replace(transfer, reference=transfer_reference(number, n))


def load_batch(db: Database, number: str) -> BatchInfo:
    """A batch with its transfers, in their reference order."""
    with db.read() as s:
        batch = s.scalar(select(PaymentBatch).where(PaymentBatch.number == number.strip()))
        if batch is None:
            raise ValidationError({"batch": f"Le lot de paiement « {number} » n'existe pas."})
        rows = list(
            s.scalars(
                select(Instalment)
                .where(Instalment.batch_id == batch.id)
                .options(*_TRANSFER_LOADS)
                .order_by(*_TRANSFER_ORDER)
            )
        )
        grants = _grant_numbers(s, rows)
        transfers = [
            Transfer(
                instalment_id=i.id,
                reference=transfer_reference(batch.number, n),
                due_month=i.due_month,
                component=Component(i.component),
                amount_cents=i.amount_cents,
                payee_name=i.payee_name,
                payee_iban=i.payee_iban,
                payee_bic=(i.aid_line.third_party.bic if i.aid_line.third_party else "") or "",
                beneficiary=i.case.beneficiary.display_name,
                case_reference=i.case.reference,
                decision_number=grants.get(i.case_id, ""),
            )
            for n, i in enumerate(rows, start=1)
        ]
        return BatchInfo(
            batch.id,
            batch.number,
            BatchStatus(batch.status),
            batch.total_cents,
            transfers,
            [],
            batch.created_at.date(),
        )


@dataclass(frozen=True)
class Rejection:
    reference: str  # the transfer's reference, as in the exported file
    reason: str


def confirm_batch(
    db: Database,
    actor: Actor,
    number: str,
    paid_on: date,
    rejected: list[Rejection] | None = None,
) -> tuple[int, int]:
    """Finance paid the batch on ``paid_on``; the rejected transfers go back to « à
    régulariser ». Returns (paid, rejected) counts. One transaction."""
    require_finance(actor, "confirmer un lot de paiement")
    rejected = rejected or []
    info = load_batch(db, number)
    by_reference = {t.reference: t for t in info.transfers}
    unknown = [r.reference for r in rejected if r.reference not in by_reference]
    if unknown:
        listed = ", ".join(unknown[:10])
        raise ValidationError(
            {"rejected": f"Virements inconnus dans le lot {info.number} : {listed}."}
        )
    if paid_on > clock.today():
        raise ValidationError({"paid_on": "La date de paiement est dans le futur."})
    refused = {by_reference[r.reference].instalment_id: r.reason for r in rejected}
    with db.write() as s:
        batch = s.get(PaymentBatch, info.id)
        assert batch is not None
        if batch.status == BatchStatus.CONFIRMED.value:
            raise NotAllowed(f"Le lot {info.number} est déjà confirmé.")
        paid = 0
        for inst in s.scalars(select(Instalment).where(Instalment.batch_id == batch.id)):
            inst.updated_by = actor.login
            if inst.id in refused:
                inst.status = InstalmentStatus.TO_SETTLE.value
                inst.batch_id = None
            else:
                inst.status = InstalmentStatus.PAID.value
                inst.paid_on = paid_on
                paid += 1
        batch.status = BatchStatus.CONFIRMED.value
        batch.confirmed_on = paid_on
        batch.updated_by = actor.login
        summary, after = confirm_event(
            info.number, paid_on, paid, {r.reference: r.reason for r in rejected}
        )
        audit.record(s, actor, CONFIRMED, "payment_batch", batch.id, summary=summary, after=after)
    return paid, len(refused)


@dataclass(frozen=True)
class BatchRow:
    number: str
    status: BatchStatus
    created_on: date
    total_cents: int
    transfers: int
    confirmed_on: date | None


def list_batches(db: Database) -> list[BatchRow]:
    """Every batch, newest number first (a batch made today may carry an earlier hour than
    the demo's of the same day), with its number of transfers."""
    from sqlalchemy import func

    with db.read() as s:
        counts = dict(
            s.execute(
                select(Instalment.batch_id, func.count(Instalment.id))
                .where(Instalment.batch_id.is_not(None))
                .group_by(Instalment.batch_id)
            ).all()
        )
        batches = sorted(
            s.scalars(select(PaymentBatch)), key=lambda b: batch_order(b.number), reverse=True
        )
        return [
            BatchRow(
                b.number,
                BatchStatus(b.status),
                b.created_at.date(),
                b.total_cents,
                counts.get(b.id, 0),
                b.confirmed_on,
            )
            for b in batches
        ]
