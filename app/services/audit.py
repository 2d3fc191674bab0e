"""Audit trail: one append-only event per change of personal data, written in the same
transaction as the change it records, with its entry in the access log
(:mod:`app.services.access_log`; the reads are logged there only)."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from app.models import AuditEvent
from app.services import access_log
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


def json_ready(value: Any) -> Any:
    """A column value as the before/after JSON keeps it (dates ISO, ids and decimals text)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    return value


def snapshot(obj: Any) -> dict[str, Any]:
    """The column values of an ORM object, JSON-ready (for before/after)."""
    return {
        attr.key: json_ready(getattr(obj, attr.key))
        for attr in inspect(obj).mapper.column_attrs
        if attr.key not in _SKIPPED
    }


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    """Only the keys whose value changed, on each side."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def event_values(
    actor: Actor,
    action: str,
    entity: str,
    entity_id: uuid.UUID | str = "",
    *,
    case_id: uuid.UUID | None = None,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The columns of one audit event (its id and time are the table's defaults)."""
    return {
        "user_login": actor.login,
        "workstation": actor.workstation,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "case_id": case_id,
        "summary": summary,
        "before": json.dumps(before, ensure_ascii=False) if before else "",
        "after": json.dumps(after, ensure_ascii=False) if after else "",
    }


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
    values = event_values(
        actor,
        action,
        entity,
        entity_id,
        case_id=case_id,
        summary=summary,
        before=before,
        after=after,
    )
    session.add(AuditEvent(**values))
    access_log.record(
        session,
        actor,
        action,
        beneficiary_id=_uuid_or_none(entity_id) if entity == "beneficiary" else None,
        case_id=case_id,
        details=access_details(entity, entity_id, before, after),
    )


def _uuid_or_none(value: uuid.UUID | str) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def access_details(
    entity: str,
    entity_id: uuid.UUID | str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    """What the access log keeps of a change: the record and the names of the fields it
    changed, never their values (a name, an IBAN or a NIR stays out of the log)."""
    details: dict[str, Any] = {"entity": entity, "entity_id": str(entity_id)}
    if entity in _COUNTED:
        details |= {k: v for k, v in (after or {}).items() if k in _SAFE_VALUES}
        return details
    fields = sorted(set(before or {}) | set(after or {}))
    if fields:
        details["fields"] = fields
    return details


# Records that are no person's: what an import or a batch counted goes into the access log.
_COUNTED = {"beneficiary_import", "payment_batch"}
_SAFE_VALUES = {"file", "lines", "created", "updated", "unchanged", "rejected", "number"}
