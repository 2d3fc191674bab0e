"""Yearly envelopes: what is voted, what is committed, and the check made when granting."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.models.enums import InstalmentStatus
from app.services.actor import Actor
from app.services.errors import NotAllowed, ValidationError
from app.services.storage import Database
from app.services.text import format_cents

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# SQLAlchemy is imported in the functions that use it: the evaluation's read path
# (envelope_ledgers) goes without it, which keeps the « stats » command quick to start.


@dataclass(frozen=True)
class EnvelopeStatus:
    year: int
    amount_cents: int | None  # None: no envelope voted for that year
    committed_cents: int  # every instalment of that year not cancelled
    mandated_cents: int = 0  # in a payment batch sent to the finance office
    paid_cents: int = 0  # confirmed paid
    cancelled_cents: int = 0  # cancelled (an early end): back in the envelope

    @property
    def remaining_cents(self) -> int:
        return (self.amount_cents or 0) - self.committed_cents


def set_envelope(db: Database, actor: Actor, year: int, amount_cents: int, note: str = "") -> None:
    from sqlalchemy import select

    from app.models import Envelope
    from app.services import audit

    if not actor.is_admin:
        raise NotAllowed("Seul un administrateur peut fixer l'enveloppe annuelle.")
    if not 2017 <= year <= 2100:
        raise ValidationError({"year": f"Année {year} invalide (2017 à 2100)."})
    if amount_cents <= 0:
        raise ValidationError({"amount": "Le montant de l'enveloppe doit être positif."})
    with db.write() as s:
        committed = committed_cents(s, year)
        if amount_cents < committed:
            raise ValidationError(
                {
                    "amount": (
                        f"L'enveloppe {year} ne peut pas être inférieure aux aides déjà engagées "
                        f"({format_cents(committed)})."
                    )
                }
            )
        envelope = s.scalar(select(Envelope).where(Envelope.year == year))
        before = {"amount_cents": envelope.amount_cents} if envelope else None
        if envelope is None:
            envelope = Envelope(
                year=year, amount_cents=amount_cents, note=note, created_by=actor.login
            )
            s.add(envelope)
        else:
            envelope.amount_cents, envelope.note = amount_cents, note or envelope.note
        envelope.updated_by = actor.login
        s.flush()
        audit.record(
            s,
            actor,
            "update" if before else "create",
            "envelope",
            envelope.id,
            summary=f"Enveloppe {year}",
            before=before,
            after={"amount_cents": amount_cents},
        )


def committed_cents(session: Session, year: int) -> int:
    from sqlalchemy import func, select

    from app.models import Instalment

    return (
        session.scalar(
            select(func.coalesce(func.sum(Instalment.amount_cents), 0)).where(
                Instalment.envelope_year == year,
                Instalment.status != InstalmentStatus.CANCELLED.value,
            )
        )
        or 0
    )


def envelope_status(session: Session, year: int) -> EnvelopeStatus:
    """The year's ledger: voted, committed, and of the committed what is mandated and paid."""
    from sqlalchemy import func, select

    from app.models import Envelope, Instalment

    amount = session.scalar(select(Envelope.amount_cents).where(Envelope.year == year))
    by_status = dict(
        session.execute(
            select(Instalment.status, func.sum(Instalment.amount_cents))
            .where(Instalment.envelope_year == year)
            .group_by(Instalment.status)
        ).all()
    )
    return _ledger(year, amount, by_status)


def _ledger(year: int, amount: int | None, by_status: Mapping[str, int | None]) -> EnvelopeStatus:
    """A year's status from its voted amount and its instalments' totals per status:
    committed is every instalment not cancelled."""
    cancelled = InstalmentStatus.CANCELLED.value
    return EnvelopeStatus(
        year,
        amount,
        sum(int(v or 0) for k, v in by_status.items() if k != cancelled),
        mandated_cents=int(by_status.get(InstalmentStatus.MANDATED.value) or 0),
        paid_cents=int(by_status.get(InstalmentStatus.PAID.value) or 0),
        cancelled_cents=int(by_status.get(cancelled) or 0),
    )


def envelope_ledgers(db: Database, years: tuple[int, ...]) -> list[EnvelopeStatus]:
    """:func:`envelope_status` of each year, in plain SQL (:meth:`Database.rows`)."""
    if not years:
        return []
    marks = ", ".join(f":y{n}" for n in range(len(years)))
    params = {f"y{n}": y for n, y in enumerate(years)}
    voted = {
        int(year): int(cents)
        for year, cents in db.rows(
            f"SELECT year, amount_cents FROM envelope WHERE year IN ({marks})", params
        )
    }
    totals: dict[int, dict[str, int]] = {y: {} for y in years}
    for year, status, cents in db.rows(
        "SELECT envelope_year, status, sum(amount_cents) FROM instalment "
        f"WHERE envelope_year IN ({marks}) GROUP BY envelope_year, status",
        params,
    ):
        totals[int(year)][status] = int(cents or 0)
    return [_ledger(y, voted.get(y), totals[y]) for y in years]


def envelopes_overview(db: Database) -> list[EnvelopeStatus]:
    from sqlalchemy import select

    from app.models import Envelope

    with db.read() as s:
        years = s.scalars(select(Envelope.year).order_by(Envelope.year)).all()
        return [envelope_status(s, y) for y in years]


def check_room(session: Session, needs: Tally[int]) -> None:
    """Refuse (NotAllowed) when the new instalments of any year exceed what remains.

    Must run in the same write transaction (BEGIN IMMEDIATE / SERIALIZABLE) that then
    inserts the instalments, so that two validators cannot both take the last euros."""
    for year in sorted(needs):
        status = envelope_status(session, year)
        if status.amount_cents is None:
            raise NotAllowed(
                f"Aucune enveloppe n'est votée pour {year} : un administrateur doit la "
                "saisir dans les paramètres avant toute attribution."
            )
        if needs[year] > status.remaining_cents:
            raise NotAllowed(
                f"L'enveloppe {year} ne suffit pas : il reste "
                f"{format_cents(max(status.remaining_cents, 0))} pour "
                f"{format_cents(needs[year])} demandés. La décision n'a pas été enregistrée."
            )
