"""Generated documents, payment batches, audit events, settings, counters, presence and
import runs."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Tracked, UuidPk, utcnow


class Document(Tracked, Base):
    """An archived PDF; never overwritten: a new version supersedes the old one."""

    __tablename__ = "document"

    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pack_case.id"), index=True)
    decision_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("decision.id"))
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("meeting.id"))
    kind: Mapped[str] = mapped_column(String(30))  # DocumentKind
    reference: Mapped[str] = mapped_column(String(40), default="")
    path: Mapped[str] = mapped_column(Text)  # relative to the documents folder
    sha256: Mapped[str] = mapped_column(String(64))
    signed_by: Mapped[str] = mapped_column(String(300), default="")
    signed_at: Mapped[datetime | None] = mapped_column()
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("document.id"))
    superseded: Mapped[bool] = mapped_column(default=False)


class PaymentBatch(Tracked, Base):
    __tablename__ = "payment_batch"

    number: Mapped[str] = mapped_column(String(30), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="open")  # BatchStatus
    exported_at: Mapped[datetime | None] = mapped_column()
    confirmed_on: Mapped[date | None] = mapped_column(Date)
    total_cents: Mapped[int] = mapped_column(Integer, default=0)
    file_sha256: Mapped[str] = mapped_column(String(64), default="")


class AuditEvent(UuidPk, Base):
    """Who did what to which record, when and from which workstation (append-only)."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity", "entity", "entity_id"),)

    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_login: Mapped[str] = mapped_column(String(120))
    workstation: Mapped[str] = mapped_column(String(120), default="")
    action: Mapped[str] = mapped_column(String(40))  # create, update, read, grant, import…
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(36), default="")
    case_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[str] = mapped_column(Text, default="")  # JSON
    after: Mapped[str] = mapped_column(Text, default="")  # JSON


class Setting(Tracked, Base):
    """An administrator setting; ``value`` is JSON."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(80), unique=True)
    value: Mapped[str] = mapped_column(Text, default="null")


class Counter(Base):
    """Sequential numbers (decisions per year, batches), bumped inside write transactions."""

    __tablename__ = "counter"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class StationPresence(Base):
    """A workstation that has the base open, with its last heartbeat (epoch seconds, UTC).

    Not audited, not versioned: each station writes only its own row, a closed station
    deletes it and a crashed one goes stale (``app.services.presence``)."""

    __tablename__ = "station_presence"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    workstation: Mapped[str] = mapped_column(String(120))
    user_login: Mapped[str] = mapped_column(String(120))
    user_name: Mapped[str] = mapped_column(String(300), default="")
    app_version: Mapped[str] = mapped_column(String(20), default="")
    started_at: Mapped[int] = mapped_column(Integer)
    seen_at: Mapped[int] = mapped_column(Integer, index=True)


class ImportRun(Base):
    """An import being applied in short transactions (``app.services.importer.writing``).

    ``status``: applying, done, undone. ``seen_at`` (epoch seconds) moves at each chunk:
    a run still « applying » long after it is the remains of a crash, undone at next import."""

    __tablename__ = "import_run"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    file_name: Mapped[str] = mapped_column(String(300))
    user_login: Mapped[str] = mapped_column(String(120))
    workstation: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(12))
    lines: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[int] = mapped_column(Integer)
    seen_at: Mapped[int] = mapped_column(Integer)


class ImportUndo(Base):
    """What one line of a run changed: ``before`` is empty for a person it created, else the
    JSON of the fields it overwrote; ``version_id`` the version it left the row at."""

    __tablename__ = "import_undo"

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("import_run.id"), primary_key=True)
    beneficiary_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(Integer)
    before: Mapped[str] = mapped_column(Text)
