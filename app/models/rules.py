"""Rules as data: scale (barème) versions with effective dates and yearly envelopes."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Tracked


class ScaleVersion(Tracked, Base):
    """A version of the scale voted by the département; never edited once in force."""

    __tablename__ = "scale_version"

    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    label: Mapped[str] = mapped_column(String(200))
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    max_total_cents: Mapped[int] = mapped_column(Integer)
    max_months: Mapped[int] = mapped_column(Integer)
    # Comma-separated Orientation codes eligible without condition.
    eligible_orientations: Mapped[str] = mapped_column(String(60), default="social")
    # Orientation "emploi" is eligible when the person is in accompagnement global.
    employment_with_global_support: Mapped[bool] = mapped_column(Boolean, default=False)
    request_delay_months: Mapped[int] = mapped_column(Integer, default=3)
    min_months_between_packs: Mapped[int] = mapped_column(Integer, default=24)
    # Childcare needs a child of the household younger than this at the job start.
    child_max_age: Mapped[int] = mapped_column(Integer, default=12)

    components: Mapped[list[ScaleComponent]] = relationship(
        back_populates="scale_version", cascade="all, delete-orphan"
    )


class ScaleComponent(Tracked, Base):
    __tablename__ = "scale_component"
    __table_args__ = (UniqueConstraint("scale_version_id", "component", name="uq_scale_component"),)

    scale_version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("scale_version.id", ondelete="CASCADE"), index=True
    )
    component: Mapped[str] = mapped_column(String(12))  # Component
    monthly_cents: Mapped[int] = mapped_column(Integer)
    months: Mapped[int] = mapped_column(Integer)
    requires_child: Mapped[bool] = mapped_column(Boolean, default=False)

    scale_version: Mapped[ScaleVersion] = relationship(back_populates="components")


class Envelope(Tracked, Base):
    """The annual budget voted for the Pack sortie."""

    __tablename__ = "envelope"

    year: Mapped[int] = mapped_column(Integer, unique=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
