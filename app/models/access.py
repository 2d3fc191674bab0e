"""The access log (RGPD, CNIL): who read, changed, exported, printed, imported or purged
what, when and from which workstation, in structured values.

Kept apart from the case data: no foreign key to the people or the cases (a purge
anonymises them, never this log), and ``details`` holds codes, ids and field names only,
never a person's name, IBAN or NIR.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class AccessLog(Base):
    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_user_at", "user_login", "at"),
        Index("ix_access_log_beneficiary_at", "beneficiary_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_login: Mapped[str] = mapped_column(String(120))
    user_name: Mapped[str] = mapped_column(String(300), default="")
    workstation: Mapped[str] = mapped_column(String(120), default="")
    # read, create, update, export, letter, import, purge, and the workflow's steps.
    action: Mapped[str] = mapped_column(String(40))
    beneficiary_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    details: Mapped[str] = mapped_column(Text, default="{}")  # JSON object
