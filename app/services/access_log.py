"""The access log (domain.md §5): who opened, changed, exported, printed, imported or purged
which person's data, when and from which workstation.

Structured values in their own table (``access_log``, :class:`app.models.AccessLog`), written
in the same transaction as the change they record (:func:`record`, called by
:func:`app.services.audit.record` for every change). ``details`` keeps codes, ids and field
names only: never a name, an IBAN or a NIR, so that the log survives the purge of the people
it mentions (it is never purged with them) and can be exported as it is.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.models import AccessLog, Beneficiary, Case
from app.services import clock
from app.services.actor import Actor
from app.services.edit_conflicts import BENEFICIARY_FIELDS, CASE_FIELDS, MEETING_FIELDS
from app.services.errors import NotAllowed, UserFacingError
from app.services.storage import Database
from app.services.text import fold, format_date

log = logging.getLogger(__name__)

ACTION_LABELS = {
    "read": "Consultation",
    "create": "Création",
    "update": "Modification",
    "delete": "Suppression",
    "export": "Export",
    "letter": "Courrier produit",
    "produce": "Courrier produit",
    "document": "Document",
    "payment_batch": "Lot de paiement créé",
    "payment_export": "Export de paiement",
    "payment_confirm": "Paiement confirmé",
    "import": "Import",
    "purge": "Anonymisation (purge)",
    "purge_dry_run": "Simulation de purge",
    "access_export": "Export du droit d'accès",
    "submit": "Soumission à validation",
    "grant": "Attribution",
    "refuse": "Refus",
    "start": "Début du suivi",
    "suspend": "Suspension",
    "resume": "Reprise",
    "invite_observations": "Invitation à présenter des observations",
    "end_early": "Fin anticipée",
    "complete": "Fin du dispositif",
}
ENTITY_LABELS = {
    "beneficiary": "fiche bénéficiaire",
    "case": "dossier",
    "meeting": "entretien",
    "document": "courrier",
    "decision": "décision",
    "payment_batch": "lot de paiement",
    "setting": "paramètre",
    "user": "utilisateur",
    "scale_version": "barème",
    "envelope": "enveloppe",
    "import": "import",
    "beneficiary_import": "fichier de bénéficiaires",
    "access_log": "journal des accès",
}
DETAIL_LABELS = {
    "fields": "champs",
    "kind": "nature",
    "format": "format",
    "count": "nombre",
    "file": "fichier",
    "persons": "personnes",
    "letters": "courriers archivés",
    "reason": "motif",
    "batch": "lot",
    "lines": "lignes",
    "created": "créés",
    "updated": "mis à jour",
    "unchanged": "inchangés",
    "rejected": "rejetés",
    "reference": "référence",
}
# The French names of the fields a change lists, per kind of record.
_FIELD_NAMES: dict[str, Mapping[str, str]] = {
    "beneficiary": BENEFICIARY_FIELDS,
    "case": {
        **CASE_FIELDS,
        "state": "État",
        "reference": "Référence",
        "beneficiary_id": "Bénéficiaire",
        "referent_id": "Référent",
        "office_id": "Bureau",
    },
    "meeting": MEETING_FIELDS,
}
SEARCH_LIMIT = 5_000
PERSON_MATCHES = 500


def entry_values(
    actor: Actor,
    action: str,
    *,
    beneficiary_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The columns of one entry (its id is the table's; its time the application's clock)."""
    return {
        "at": clock.now_utc(),
        "user_login": actor.login,
        "user_name": actor.name,
        "workstation": actor.workstation,
        "action": action,
        "beneficiary_id": beneficiary_id,
        "case_id": case_id,
        "details": json.dumps(details or {}, ensure_ascii=False, sort_keys=True),
    }


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    beneficiary_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """One entry, in the caller's transaction (written with what it records, or not at all)."""
    if beneficiary_id is None and case_id is not None:
        case = session.get(Case, case_id)  # in the identity map when the caller loaded it
        beneficiary_id = case.beneficiary_id if case is not None else None
    session.add(
        AccessLog(
            **entry_values(
                actor, action, beneficiary_id=beneficiary_id, case_id=case_id, details=details
            )
        )
    )


def record_alone(db: Database, actor: Actor, action: str, **values: Any) -> None:
    """An entry of its own transaction (an export, which writes a file, not the base)."""
    if db.read_only:
        log.info("Read-only base: access %s by %s not logged", action, actor.login)
        return
    with db.write() as s:
        record(s, actor, action, **values)


# --- reading -----------------------------------------------------------------------------
@dataclass(frozen=True)
class AccessFilter:
    person: str = ""  # name, allocataire number, case reference or id
    user: str = ""  # login (exact) or part of the name
    since: date | None = None
    until: date | None = None  # included


@dataclass(frozen=True)
class AccessEntry:
    id: int
    at: datetime
    user_login: str
    user_name: str
    workstation: str
    action: str
    beneficiary_id: uuid.UUID | None
    person: str
    case_reference: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def who(self) -> str:
        return f"{self.user_name} ({self.user_login})" if self.user_name else self.user_login

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def details_text(self) -> str:
        return details_text(self.details)

    @property
    def local_at(self) -> datetime:
        return local_time(self.at)


def local_time(at: datetime) -> datetime:
    """A stored time (UTC; naive when SQLite gave it back) on this workstation's clock."""
    from datetime import UTC

    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone()


def details_text(details: dict[str, Any]) -> str:
    parts = []
    entity = details.get("entity")
    if entity:
        parts.append(ENTITY_LABELS.get(str(entity), str(entity)))
    names = _FIELD_NAMES.get(str(entity), {})
    for key, value in details.items():
        if key in ("entity", "entity_id"):
            continue
        if key == "fields" and isinstance(value, list):
            value = [names.get(str(v), str(v)) for v in value]
        shown = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        parts.append(f"{DETAIL_LABELS.get(key, key)} : {shown}")
    return " ; ".join(parts)


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotAllowed("Seul un administrateur peut consulter le journal des accès.")


def _person_ids(s: Session, text: str) -> list[uuid.UUID] | None:
    """The people a filter text designates (None: no person filter)."""
    text = text.strip()
    if not text:
        return None
    try:
        return [uuid.UUID(text)]
    except ValueError:
        pass
    by_case = s.scalars(select(Case.beneficiary_id).where(Case.reference == text.upper())).all()
    if by_case:
        return list(by_case)
    by_number = s.scalars(
        select(Beneficiary.id).where(Beneficiary.allocataire_number == text).limit(PERSON_MATCHES)
    ).all()
    if by_number:
        return list(by_number)
    folded = fold(text)
    return list(
        s.scalars(
            select(Beneficiary.id)
            .where(Beneficiary.search_text.like(f"%{folded}%"))
            .limit(PERSON_MATCHES)
        ).all()
    )


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0)).astimezone()


def _conditions(s: Session, flt: AccessFilter) -> list[Any]:
    from datetime import UTC

    conditions: list[Any] = []
    people = _person_ids(s, flt.person)
    if people is not None:
        conditions.append(AccessLog.beneficiary_id.in_(people or [uuid.UUID(int=0)]))
    if flt.user.strip():
        who = flt.user.strip()
        conditions.append(
            or_(AccessLog.user_login == who, func.lower(AccessLog.user_name).contains(who.lower()))
        )
    # Stored in UTC (naive on SQLite): compare with UTC bounds of the local days.
    if flt.since:
        conditions.append(AccessLog.at >= _day_start(flt.since).astimezone(UTC))
    if flt.until:
        end = _day_start(flt.until + timedelta(days=1)).astimezone(UTC)
        conditions.append(AccessLog.at < end)
    return conditions


def _person_label(b: Beneficiary | None) -> str:
    if b is None:
        return ""
    if b.anonymised_at is not None:
        return "Personne anonymisée"
    return b.display_name


def _entries(s: Session, conditions: Iterable[Any], limit: int | None) -> list[AccessEntry]:
    query = (
        select(AccessLog, Beneficiary, Case.reference)
        .outerjoin(Beneficiary, Beneficiary.id == AccessLog.beneficiary_id)
        .outerjoin(Case, Case.id == AccessLog.case_id)
        .where(and_(True, *conditions))
        .order_by(AccessLog.at.desc(), AccessLog.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    out = []
    for entry, person, reference in s.execute(query).all():
        try:
            details = json.loads(entry.details or "{}")
        except ValueError:
            details = {}
        out.append(
            AccessEntry(
                entry.id,
                entry.at,
                entry.user_login,
                entry.user_name,
                entry.workstation,
                entry.action,
                entry.beneficiary_id,
                _person_label(person),
                reference or "",
                details if isinstance(details, dict) else {},
            )
        )
    return out


def search(
    db: Database, actor: Actor, flt: AccessFilter, limit: int | None = SEARCH_LIMIT
) -> list[AccessEntry]:
    """The entries a filter selects, newest first (administrators only)."""
    require_admin(actor)
    if flt.since and flt.until and flt.since > flt.until:
        raise UserFacingError("La période est à l'envers : la date de début suit la date de fin.")
    with db.read() as s:
        return _entries(s, _conditions(s, flt), limit)


def entries_of_person(s: Session, beneficiary_id: uuid.UUID) -> list[AccessEntry]:
    """Everything the log holds on one person (the right of access lists it)."""
    return _entries(s, [AccessLog.beneficiary_id == beneficiary_id], None)


def reads_of_case(s: Session, case_id: uuid.UUID) -> list[AccessLog]:
    return list(
        s.scalars(
            select(AccessLog)
            .where(AccessLog.case_id == case_id, AccessLog.action == "read")
            .order_by(AccessLog.at.desc())
        ).all()
    )


def logins(db: Database) -> list[str]:
    """Who appears in the log (the user filter's choices)."""
    return [str(r[0]) for r in db.rows("SELECT DISTINCT user_login FROM access_log ORDER BY 1")]


CSV_HEADER = [
    "Date",
    "Heure",
    "Utilisateur",
    "Nom de l'utilisateur",
    "Poste",
    "Action",
    "Personne",
    "Identifiant de la personne",
    "Dossier",
    "Détails",
]


def entries_csv(entries: Iterable[AccessEntry]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for e in entries:
        at = e.local_at
        writer.writerow(
            [
                format_date(at.date()),
                at.strftime("%H:%M:%S"),
                e.user_login,
                e.user_name,
                e.workstation,
                e.action_label,
                e.person,
                str(e.beneficiary_id or ""),
                e.case_reference,
                e.details_text,
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def export_csv(db: Database, actor: Actor, flt: AccessFilter, out: Path) -> int:
    """The selected entries as CSV (`;`, UTF-8 with BOM), written atomically; the export is
    itself logged. Returns the number of entries."""
    entries = search(db, actor, flt, limit=None)
    tmp = out.with_name(out.name + ".partiel")
    try:
        tmp.write_bytes(entries_csv(entries))
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        log.error("Access log export to %s failed: %s", out, exc)
        raise UserFacingError(
            f"Impossible d'écrire « {out} » (dossier inexistant, droits, disque plein ?).",
            detail=str(exc),
        ) from exc
    record_alone(
        db,
        actor,
        "export",
        details={"entity": "access_log", "count": len(entries), "file": out.name},
    )
    log.info("Access log: %d entries exported to %s by %s", len(entries), out, actor.login)
    return len(entries)
