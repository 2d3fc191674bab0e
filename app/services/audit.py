"""Audit trail: one append-only event per read or change of personal data, written in the
same transaction as the change it records."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from app.models import AuditEvent
from app.services.actor import Actor

_SKIPPED = {
    "search_text",
    "commune_key",
    "sort_name",
    "version_id",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
}


def snapshot(obj: Any) -> dict[str, Any]:
    """The column values of an ORM object, JSON-ready (for before/after)."""
    out: dict[str, Any] = {}
    for attr in inspect(obj).mapper.column_attrs:
        if attr.key in _SKIPPED:
            continue
        value = getattr(obj, attr.key)
        if isinstance(value, (date, datetime)):
            value = value.isoformat()
        elif isinstance(value, (uuid.UUID, Decimal)):
            value = str(value)
        out[attr.key] = value
    return out


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    """Only the keys whose value changed, on each side."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: uuid.UUID | str = "",
    *,
    case_id: uuid.UUID | None = None,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(
            user_login=actor.login,
            workstation=actor.workstation,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            case_id=case_id,
            summary=summary,
            before=json.dumps(before, ensure_ascii=False) if before else "",
            after=json.dumps(after, ensure_ascii=False) if after else "",
        )
    )
