"""A Pack sortie case (dossier): job, aid lines, instalments, decisions and meetings."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Tracked
from app.models.people import Beneficiary, User


class Case(Tracked, Base):
    __tablename__ = "pack_case"

    reference: Mapped[str] = mapped_column(String(30), unique=True)
    beneficiary_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    referent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    office_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("office.id"), index=True)
    scale_version_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("scale_version.id"))
    state: Mapped[str] = mapped_column(String(12), index=True)  # CaseState
    request_date: Mapped[date] = mapped_column(Date)
    # The job
    employer_name: Mapped[str] = mapped_column(String(200), default="")
    employer_address: Mapped[str] = mapped_column(Text, default="")
    job_title: Mapped[str] = mapped_column(String(200), default="")
    contract_type: Mapped[str] = mapped_column(String(12), default="")  # ContractType
    job_start: Mapped[date] = mapped_column(Date)
    trial_end: Mapped[date | None] = mapped_column(Date)
    contract_end: Mapped[date | None] = mapped_column(Date)
    weekly_hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 2, asdecimal=True))
    # Life cycle
    submitted_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    exit_reason: Mapped[str] = mapped_column(String(40), default="")
    employed_at_exit: Mapped[bool | None] = mapped_column(Boolean)
    suspended_since: Mapped[date | None] = mapped_column(Date)
    # The invitation to present observations before an early end (CRPA L121-1, L122-1):
    # decided by a validator (invited_on, invited_by), then sent when its letter is
    # produced (sent_on); the delay runs from the sending (deadline = sent_on + delay).
    observations_invited_on: Mapped[date | None] = mapped_column(Date)
    observations_invited_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    observations_sent_on: Mapped[date | None] = mapped_column(Date)
    observations_deadline: Mapped[date | None] = mapped_column(Date)
    # The grounds given in the invitation (printed in its letter).
    observations_grounds: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    beneficiary: Mapped[Beneficiary] = relationship()
    referent: Mapped[User | None] = relationship(foreign_keys=[referent_id])
    observations_invited_by: Mapped[User | None] = relationship(
        foreign_keys=[observations_invited_by_id]
    )
    aid_lines: Mapped[list[AidLine]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="AidLine.component"
    )
    instalments: Mapped[list[Instalment]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Instalment.due_month"
    )
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Decision.decided_on"
    )
    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Meeting.held_on"
    )


class ThirdParty(Tracked, Base):
    """A payee other than the beneficiary: crèche, childminder, transport operator."""

    __tablename__ = "third_party"

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str] = mapped_column(String(11), default="")


class AidLine(Tracked, Base):
    """One component granted on a case: a monthly amount for a number of months."""

    __tablename__ = "aid_line"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pack_case.id", ondelete="CASCADE"), index=True
    )
    component: Mapped[str] = mapped_column(String(12))  # Component
    monthly_cents: Mapped[int] = mapped_column(Integer)
    months: Mapped[int] = mapped_column(Integer)
    first_month: Mapped[date | None] = mapped_column(Date)
    payee_kind: Mapped[str] = mapped_column(String(12), default="beneficiary")  # PayeeKind
    third_party_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("third_party.id"))

    case: Mapped[Case] = relationship(back_populates="aid_lines")
    third_party: Mapped[ThirdParty | None] = relationship()


class Instalment(Tracked, Base):
    """One monthly payment of one aid line, charged to the envelope of its due year."""

    __tablename__ = "instalment"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pack_case.id", ondelete="CASCADE"), index=True
    )
    aid_line_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("aid_line.id", ondelete="CASCADE"), index=True
    )
    component: Mapped[str] = mapped_column(String(12))
    due_month: Mapped[date] = mapped_column(Date, index=True)  # first day of the month
    envelope_year: Mapped[int] = mapped_column(Integer, index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), index=True)  # InstalmentStatus
    payee_kind: Mapped[str] = mapped_column(String(12), default="beneficiary")
    payee_name: Mapped[str] = mapped_column(String(200), default="")
    payee_iban: Mapped[str] = mapped_column(String(34), default="")
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payment_batch.id"), index=True)
    paid_on: Mapped[date | None] = mapped_column(Date)

    case: Mapped[Case] = relationship(back_populates="instalments")
    aid_line: Mapped[AidLine] = relationship()


class Decision(Tracked, Base):
    __tablename__ = "decision"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pack_case.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(30), unique=True)  # e.g. PSR-2026-0042
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))  # DecisionKind
    decided_on: Mapped[date] = mapped_column(Date)
    motivation: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    signer_name: Mapped[str] = mapped_column(String(200), default="")
    signer_capacity: Mapped[str] = mapped_column(String(300), default="")
    # A grant despite eligibility rules left « à vérifier »: the rules the validator
    # vouched for (their titles, one per line) and the validator's motivated statement.
    override_rules: Mapped[str] = mapped_column(Text, default="")
    override_motivation: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case] = relationship(back_populates="decisions")
    author: Mapped[User | None] = relationship()


class Meeting(Tracked, Base):
    """A follow-up meeting during the six months, or the 6-month review."""

    __tablename__ = "meeting"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pack_case.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(14), default="suivi")  # MeetingKind
    held_on: Mapped[date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(14))  # MeetingMode
    participants: Mapped[str] = mapped_column(Text, default="")
    obstacles: Mapped[str] = mapped_column(Text, default="")  # comma-separated codes
    job_situation: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    next_meeting_on: Mapped[date | None] = mapped_column(Date)
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))

    case: Mapped[Case] = relationship(back_populates="meetings")
