"""Institutions, offices, users (référents) and beneficiaries with their household."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Tracked


class Institution(Tracked, Base):
    __tablename__ = "institution"

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # InstitutionKind
    address: Mapped[str] = mapped_column(Text, default="")

    offices: Mapped[list[Office]] = relationship(back_populates="institution")


class Office(Tracked, Base):
    """A local office, e.g. a Maison départementale des solidarités, on a territory."""

    __tablename__ = "office"

    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institution.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    territory: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(30), default="")

    institution: Mapped[Institution] = relationship(back_populates="offices")


class User(Tracked, Base):
    """A person using the app: a référent, possibly also validator, finance or admin."""

    __tablename__ = "app_user"

    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    capacity: Mapped[str] = mapped_column(String(200), default="")  # e.g. "Assistante sociale"
    institution_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("institution.id"))
    office_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("office.id"), index=True)
    os_login: Mapped[str | None] = mapped_column(String(120), unique=True)
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    is_referent: Mapped[bool] = mapped_column(Boolean, default=True)
    is_validator: Mapped[bool] = mapped_column(Boolean, default=False)
    is_finance: Mapped[bool] = mapped_column(Boolean, default=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    institution: Mapped[Institution | None] = relationship()
    office: Mapped[Office | None] = relationship()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Beneficiary(Tracked, Base):
    __tablename__ = "beneficiary"
    __table_args__ = (
        UniqueConstraint("paying_body", "allocataire_number", name="uq_beneficiary_allocataire"),
        Index("ix_beneficiary_sort_name", "sort_name"),
    )

    civility: Mapped[str] = mapped_column(String(3), default="")  # Civility
    last_name: Mapped[str] = mapped_column(String(100))
    birth_name: Mapped[str] = mapped_column(String(100), default="")
    first_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date | None] = mapped_column(Date)
    address_line1: Mapped[str] = mapped_column(String(200), default="")
    address_line2: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    commune: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    paying_body: Mapped[str] = mapped_column(String(3), default="CAF")  # PayingBody
    allocataire_number: Mapped[str | None] = mapped_column(String(20), index=True)
    nir: Mapped[str | None] = mapped_column(String(15))  # only when the setting enables it
    iban: Mapped[str] = mapped_column(String(34), default="")
    bic: Mapped[str] = mapped_column(String(11), default="")
    rsa_open_since: Mapped[date | None] = mapped_column(Date)
    rsa_closed_on: Mapped[date | None] = mapped_column(Date)
    orientation: Mapped[str | None] = mapped_column(String(12))  # Orientation
    orientation_date: Mapped[date | None] = mapped_column(Date)
    global_support: Mapped[bool] = mapped_column(Boolean, default=False)
    support_contract: Mapped[str | None] = mapped_column(String(5))  # SupportContract
    referent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    office_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("office.id"), index=True)
    # Denormalised for the list: the state of the most recent case (CaseState), kept
    # up to date by the case services in the same transaction as the case change.
    current_case_state: Mapped[str | None] = mapped_column(String(12), index=True)
    last_contact_at: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Accent- and case-folded "last birth first commune number" for search (see services.text).
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Folded "last first" and commune, for ordering in French (É sorts with E).
    sort_name: Mapped[str] = mapped_column(String(210), default="")
    commune_key: Mapped[str] = mapped_column(String(120), default="", index=True)
    anonymised_at: Mapped[datetime | None] = mapped_column(index=True)

    referent: Mapped[User | None] = relationship()
    office: Mapped[Office | None] = relationship()
    household: Mapped[list[HouseholdMember]] = relationship(
        back_populates="beneficiary",
        cascade="all, delete-orphan",
        order_by="HouseholdMember.birth_date",
    )

    @property
    def display_name(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}".strip()


class HouseholdMember(Tracked, Base):
    __tablename__ = "household_member"

    beneficiary_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("beneficiary.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[str] = mapped_column(String(10))  # Relation
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)

    beneficiary: Mapped[Beneficiary] = relationship(back_populates="household")
