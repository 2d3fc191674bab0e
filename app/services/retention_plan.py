"""Who a retention purge would anonymise today, and why: the dry run (:func:`plan_purge`).

« Last contact » is judged from real events (:func:`last_contacts`), never from
``updated_at``; a person with a case still open or an instalment still to pay is kept. The
purge itself (:mod:`app.services.retention`) recomputes the same plan inside its
transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models import Case, Document
from app.models.enums import CaseState, InstalmentStatus
from app.services import access_log, clock
from app.services.actor import Actor
from app.services.errors import NotAllowed, UserFacingError
from app.services.settings import load_settings
from app.services.storage import Database
from app.services.text import format_date

OPEN_CASE_STATES = (
    CaseState.DRAFT.value,
    CaseState.SUBMITTED.value,
    CaseState.GRANTED.value,
    CaseState.IN_PROGRESS.value,
    CaseState.SUSPENDED.value,
)
UNPAID = (
    InstalmentStatus.PLANNED.value,
    InstalmentStatus.MANDATED.value,
    InstalmentStatus.TO_SETTLE.value,
    InstalmentStatus.SUSPENDED.value,
)
EVENT_LABELS = {
    "meeting": "entretien",
    "decision": "décision",
    "instalment": "échéance",
    "change": "modification",
    "created": "création de la fiche",
}
LETTER_POLICIES = {"keep": "conservés", "delete": "supprimés"}
CHUNK = 500


class PurgeError(UserFacingError):
    pass


@dataclass(frozen=True)
class Candidate:
    id: uuid.UUID
    name: str
    allocataire: str
    last_contact: date
    event: str  # a key of EVENT_LABELS
    cases: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        return f"dernier contact le {format_date(self.last_contact)} ({EVENT_LABELS[self.event]})"


@dataclass
class PurgePlan:
    today: date
    cutoff: date  # last contact strictly before: anonymised
    retention_years: int
    letters: str  # keep | delete
    candidates: list[Candidate] = field(default_factory=list)
    kept_open: int = 0  # old enough, but a case or a payment is still open
    documents: int = 0  # archived letters of the candidates

    @property
    def letters_text(self) -> str:
        return f"Courriers archivés des personnes anonymisées : {LETTER_POLICIES[self.letters]}"


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotAllowed("Seul un administrateur peut purger les données personnelles.")


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _day_text(value: Any) -> str | None:
    """A stored date or time as « YYYY-MM-DD » (SQLite gives text: its first ten characters;
    a stored time is UTC, a day apart at most from the local one, nothing for a rule in
    years)."""
    if value is None:
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    return str(value)[:10]


def _key(value: Any) -> str:
    """A person's id as 32 hex digits, whatever the driver gave (text or UUID)."""
    return value.hex if isinstance(value, uuid.UUID) else str(value).replace("-", "")


# Plain SQL without type processing: 300 000 people and their events in a few seconds.
_LAST_EVENTS = (
    ("created", "SELECT id, created_at FROM beneficiary"),
    (
        "meeting",
        "SELECT c.beneficiary_id, max(m.held_on) FROM meeting m "
        "JOIN pack_case c ON c.id = m.case_id GROUP BY c.beneficiary_id",
    ),
    (
        "decision",
        "SELECT c.beneficiary_id, max(d.decided_on) FROM decision d "
        "JOIN pack_case c ON c.id = d.case_id GROUP BY c.beneficiary_id",
    ),
    (
        "instalment",
        "SELECT c.beneficiary_id, max(coalesce(i.paid_on, i.due_month)) FROM instalment i "
        "JOIN pack_case c ON c.id = i.case_id WHERE i.status <> 'cancelled' "
        "GROUP BY c.beneficiary_id",
    ),
    (
        "change",
        "SELECT c.beneficiary_id, max(a.at) FROM audit_event a "
        "JOIN pack_case c ON c.id = a.case_id WHERE a.action <> 'read' "
        "GROUP BY c.beneficiary_id",
    ),
    (
        "change",
        "SELECT entity_id, max(at) FROM audit_event "
        "WHERE entity = 'beneficiary' AND action <> 'read' GROUP BY entity_id",
    ),
)


def last_contacts(s: Session) -> dict[str, tuple[str, str]]:
    """Per person (32 hex digits), the day of the last real event (« YYYY-MM-DD ») and its
    kind (a key of :data:`EVENT_LABELS`)."""
    best: dict[str, tuple[str, str]] = {}
    for kind, sql in _LAST_EVENTS:
        for person, value in s.execute(text(sql)):
            day = _day_text(value)
            if person is None or day is None:
                continue
            key = _key(person)
            found = best.get(key)
            if found is None or found[0] < day:
                best[key] = (day, kind)
    return best


def _keys(s: Session, sql: str) -> set[str]:
    return {_key(row[0]) for row in s.execute(text(sql))}


def build_plan(s: Session, today: date, years: int, letters: str) -> PurgePlan:
    """Who is due on ``today`` (last contact more than ``years`` ago, nothing still open)."""
    cutoff = _years_before(today, years)
    plan = PurgePlan(today, cutoff, years, letters)
    limit = cutoff.isoformat()
    contacts = last_contacts(s)
    old = {p for p, (day, _kind) in contacts.items() if day < limit}
    old -= _keys(s, "SELECT id FROM beneficiary WHERE anonymised_at IS NOT NULL")
    open_states = ", ".join(f"'{state}'" for state in OPEN_CASE_STATES)
    unpaid = ", ".join(f"'{status}'" for status in UNPAID)
    still_open = _keys(
        s, f"SELECT beneficiary_id FROM pack_case WHERE state IN ({open_states})"
    ) | _keys(
        s,
        "SELECT c.beneficiary_id FROM instalment i JOIN pack_case c ON c.id = i.case_id "
        f"WHERE i.status IN ({unpaid})",
    )
    plan.kept_open = len(old & still_open)
    old -= still_open
    if not old:
        return plan
    references: dict[str, list[str]] = {}
    for person, reference in s.execute(
        text("SELECT beneficiary_id, reference FROM pack_case ORDER BY reference")
    ):
        key = _key(person)
        if key in old:
            references.setdefault(key, []).append(reference)
    rows = s.execute(
        text(
            "SELECT id, last_name, first_name, paying_body, allocataire_number "
            "FROM beneficiary ORDER BY sort_name"
        )
    )
    for person, last, first, body, number in rows:
        key = _key(person)
        if key in old:
            day, kind = contacts[key]
            plan.candidates.append(
                Candidate(
                    uuid.UUID(key),
                    f"{last.upper()} {first}".strip(),
                    f"{body} {number}" if number else "",
                    date.fromisoformat(day),
                    kind,
                    tuple(references.get(key, ())),
                )
            )
    plan.documents = len(_documents_of(s, [c for refs in references.values() for c in refs]))
    return plan


def _documents_of(s: Session, references: Sequence[str]) -> list[tuple[uuid.UUID, str]]:
    found: list[tuple[uuid.UUID, str]] = []
    for start in range(0, len(references), CHUNK):
        chunk = references[start : start + CHUNK]
        found += [
            (doc_id, path)
            for doc_id, path in s.execute(
                select(Document.id, Document.path)
                .join(Case, Case.id == Document.case_id)
                .where(Case.reference.in_(chunk))
            ).all()
        ]
    return found


def plan_purge(db: Database, actor: Actor, today: date | None = None) -> PurgePlan:
    """The dry run: who would be anonymised today and why (nothing written but its log)."""
    require_admin(actor)
    settings = load_settings(db)
    with db.read() as s:
        plan = build_plan(s, today or clock.today(), settings.retention_years, letters_policy(db))
    access_log.record_alone(
        db,
        actor,
        "purge_dry_run",
        details={"persons": len(plan.candidates), "letters": plan.letters},
    )
    return plan


def letters_policy(db: Database) -> str:
    policy = str(getattr(load_settings(db), "anonymised_letters", "keep"))
    return policy if policy in LETTER_POLICIES else "keep"
