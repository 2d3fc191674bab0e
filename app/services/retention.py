"""Retention (domain.md §5): people whose last contact is older than the setting
``retention_years`` (2 by default) are anonymised.

« Last contact » is judged from real events, never from ``updated_at``: the last meeting,
decision, instalment (paid, or due) and change recorded in the audit trail (of the person or
of one of their cases), or the person's creation when nothing else happened. A person with a
case still open (draft to suspended) or an instalment still to pay is never a candidate.

:func:`plan_purge` (the dry run) lists who would be anonymised and why; :func:`purge` does
it, after a backup of the base, in one transaction: killed half-way, the base is as before
(the journal is rolled back at next open). What is erased and what is kept is the table
:data:`CLASSIFICATION`, one entry per column of every personal table (a test fails when a
new column is not classified): names, birth date (the year is kept), address, phone,
email, allocataire number, NIR, IBAN, household, meeting notes and free texts are erased;
decisions, amounts, dates, office and outcome stay, for the statistics and the public
archives. The archived letters are kept (the default: decisions are administrative acts)
or deleted, per the setting ``anonymised_letters``; the report says which. The access log
is never purged with the people: it holds ids, codes and field names only.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, delete, or_, select, text, update
from sqlalchemy.orm import Session

from app.models import (
    AuditEvent,
    Base,
    Beneficiary,
    Case,
    Decision,
    Document,
    HouseholdMember,
    ImportUndo,
    Instalment,
    Meeting,
)
from app.models.enums import CaseState, InstalmentStatus, PayeeKind
from app.services import access_log, clock
from app.services.actor import Actor
from app.services.beneficiaries import search_columns_of
from app.services.errors import NotAllowed, UserFacingError
from app.services.settings import load_settings
from app.services.storage import Database
from app.services.text import format_date

log = logging.getLogger(__name__)

KEPT, ERASED, YEAR_KEPT, RECOMPUTED = "kept", "erased", "year kept", "recomputed"
# audit_event.before/after: the values of the erased columns are blanked, the rest kept.
REDACTED = "erased values blanked"

_TRACKED = {
    "id": KEPT,
    "version_id": KEPT,
    "created_at": KEPT,
    "created_by": KEPT,
    "updated_at": KEPT,
    "updated_by": KEPT,
}
CLASSIFICATION: dict[str, dict[str, str]] = {
    "beneficiary": {
        **_TRACKED,
        "civility": KEPT,
        "last_name": ERASED,
        "birth_name": ERASED,
        "first_name": ERASED,
        "birth_date": YEAR_KEPT,
        "address_line1": ERASED,
        "address_line2": ERASED,
        "postcode": ERASED,
        "commune": ERASED,
        "phone": ERASED,
        "email": ERASED,
        "paying_body": KEPT,
        "allocataire_number": ERASED,
        "nir": ERASED,
        "iban": ERASED,
        "bic": ERASED,
        "rsa_open_since": KEPT,
        "rsa_closed_on": KEPT,
        "orientation": KEPT,
        "orientation_date": KEPT,
        "global_support": KEPT,
        "support_contract": KEPT,
        "referent_id": KEPT,
        "office_id": KEPT,
        "current_case_state": KEPT,
        "last_contact_at": KEPT,
        "notes": ERASED,
        "search_text": RECOMPUTED,
        "sort_name": RECOMPUTED,
        "commune_key": RECOMPUTED,
        "anonymised_at": KEPT,
    },
    # The household: every row of the person is deleted.
    "household_member": {
        **_TRACKED,
        "beneficiary_id": ERASED,
        "relation": ERASED,
        "first_name": ERASED,
        "last_name": ERASED,
        "birth_date": ERASED,
    },
    "pack_case": {
        **_TRACKED,
        "reference": KEPT,
        "beneficiary_id": KEPT,
        "referent_id": KEPT,
        "office_id": KEPT,
        "scale_version_id": KEPT,
        "state": KEPT,
        "request_date": KEPT,
        "employer_name": ERASED,
        "employer_address": ERASED,
        "job_title": KEPT,
        "contract_type": KEPT,
        "job_start": KEPT,
        "trial_end": KEPT,
        "contract_end": KEPT,
        "weekly_hours": KEPT,
        "submitted_on": KEPT,
        "decided_on": KEPT,
        "end_date": KEPT,
        "exit_reason": KEPT,
        "employed_at_exit": KEPT,
        "suspended_since": KEPT,
        "observations_invited_on": KEPT,
        "observations_invited_by_id": KEPT,
        "observations_sent_on": KEPT,
        "observations_deadline": KEPT,
        "observations_grounds": ERASED,
        "notes": ERASED,
    },
    "decision": {
        **_TRACKED,
        "case_id": KEPT,
        "number": KEPT,
        "year": KEPT,
        "sequence": KEPT,
        "kind": KEPT,
        "decided_on": KEPT,
        "motivation": ERASED,
        "author_id": KEPT,
        "signer_name": KEPT,
        "signer_capacity": KEPT,
        "override_rules": KEPT,
        "override_motivation": ERASED,
    },
    "meeting": {
        **_TRACKED,
        "case_id": KEPT,
        "kind": KEPT,
        "held_on": KEPT,
        "mode": KEPT,
        "participants": ERASED,
        "obstacles": KEPT,
        "job_situation": ERASED,
        "notes": ERASED,
        "next_steps": ERASED,
        "next_meeting_on": KEPT,
        "author_id": KEPT,
    },
    # The payee's name and IBAN are erased when the payee is the person (a crèche stays).
    "instalment": {
        **_TRACKED,
        "case_id": KEPT,
        "aid_line_id": KEPT,
        "component": KEPT,
        "due_month": KEPT,
        "envelope_year": KEPT,
        "amount_cents": KEPT,
        "status": KEPT,
        "payee_kind": KEPT,
        "payee_name": ERASED,
        "payee_iban": ERASED,
        "batch_id": KEPT,
        "paid_on": KEPT,
    },
    "aid_line": {
        **_TRACKED,
        "case_id": KEPT,
        "component": KEPT,
        "monthly_cents": KEPT,
        "months": KEPT,
        "first_month": KEPT,
        "payee_kind": KEPT,
        "third_party_id": KEPT,
    },
    # The archived letters: their record stays; the file per ``anonymised_letters``.
    "document": {
        **_TRACKED,
        "case_id": KEPT,
        "decision_id": KEPT,
        "meeting_id": KEPT,
        "kind": KEPT,
        "reference": KEPT,
        "path": KEPT,
        "sha256": KEPT,
        "signed_by": KEPT,
        "signed_at": KEPT,
        "supersedes_id": KEPT,
        "superseded": KEPT,
    },
    "audit_event": {
        "id": KEPT,
        "at": KEPT,
        "user_login": KEPT,
        "workstation": KEPT,
        "action": KEPT,
        "entity": KEPT,
        "entity_id": KEPT,
        "case_id": KEPT,
        "summary": ERASED,
        "before": REDACTED,
        "after": REDACTED,
    },
    # What an import changed on the person (to undo it): deleted with the person's data.
    "import_undo": {
        "run_id": ERASED,
        "beneficiary_id": ERASED,
        "version_id": ERASED,
        "before": ERASED,
    },
}
ANONYMOUS_NAME = "ANONYME"
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


def erased_fields() -> set[str]:
    """The column names whose values an anonymisation blanks (in the audit trail too)."""
    return {
        name
        for table in ("beneficiary", "household_member", "pack_case", "decision", "meeting")
        for name, how in CLASSIFICATION[table].items()
        if how in (ERASED, YEAR_KEPT)
        and name not in ("beneficiary_id", "relation")  # ids and codes stay readable
    } | {"payee_name", "payee_iban", "household"}


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


def _plan(s: Session, today: date, years: int, letters: str) -> PurgePlan:
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
        plan = _plan(s, today or clock.today(), settings.retention_years, letters_policy(db))
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


# --- the report -----------------------------------------------------------------------------
def report_text(plan: PurgePlan, *, done: bool, backup: Path | None = None) -> str:
    """The report the administrator keeps. The dry run names the people (to check the list
    before); the purge's own report gives their ids only (their names are gone)."""
    title = "Purge des données personnelles" if done else "Simulation de purge (rien n'est modifié)"
    lines = [
        f"{title} — {format_date(plan.today)}",
        f"Règle : anonymiser les personnes sans contact depuis {plan.retention_years} an(s), "
        f"soit dont le dernier contact est antérieur au {format_date(plan.cutoff)} "
        "(dernier entretien, décision, échéance ou modification), sans dossier ni paiement "
        "en cours.",
        f"Personnes {'anonymisées' if done else 'à anonymiser'} : {len(plan.candidates)}",
        f"Personnes anciennes gardées (dossier ou paiement en cours) : {plan.kept_open}",
        f"{plan.letters_text} ({plan.documents} courrier(s)).",
        "Effacés : noms, date de naissance (l'année est gardée), adresse, téléphone, courriel, "
        "n° allocataire, NIR, IBAN, foyer, employeur, comptes rendus d'entretien, motivations "
        "et notes. Gardés : décisions (nature, numéro, dates), montants, échéances, bureau, "
        "issue du dossier.",
    ]
    if backup is not None:
        lines.append(f"Sauvegarde faite avant la purge : {backup}")
    lines.append("")
    if done:
        lines.append("Identifiant\tDossiers\tMotif")
        lines += [f"{c.id}\t{', '.join(c.cases) or '—'}\t{c.reason}" for c in plan.candidates]
    else:
        lines.append("Personne\tN° allocataire\tIdentifiant\tDossiers\tMotif")
        lines += [
            f"{c.name}\t{c.allocataire or '—'}\t{c.id}\t{', '.join(c.cases) or '—'}\t{c.reason}"
            for c in plan.candidates
        ]
    return "\n".join(lines) + "\n"


def write_report(path: Path, text: str) -> Path:
    tmp = path.with_name(path.name + ".partiel")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PurgeError(
            f"Impossible d'écrire le rapport « {path} » (dossier, droits, disque plein ?).",
            detail=str(exc),
        ) from exc
    return path


def default_report_path(db: Database, *, done: bool) -> Path:
    """Beside the base, in its « purges » folder (the administrator keeps them)."""
    base = db.path or Path.cwd() / "pack-sortie"
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    kind = "purge" if done else "simulation"
    return base.parent / "purges" / f"{base.stem}-{kind}-{stamp}.txt"


# --- the purge --------------------------------------------------------------------------------
@dataclass
class PurgeResult:
    plan: PurgePlan
    backup: Path | None
    deleted_files: list[str] = field(default_factory=list)
    report: Path | None = None


def purge(
    db: Database,
    actor: Actor,
    *,
    today: date | None = None,
    expected: int | None = None,
    backup: bool = True,
) -> PurgeResult:
    """Anonymise every candidate in one transaction, after a backup of the base.

    ``expected``: the number of people the dry run shown to the user listed; when the list
    changed in between, nothing is done (the user looks at the new dry run first)."""
    require_admin(actor)
    if db.read_only:
        raise PurgeError("La base est ouverte en lecture seule : la purge est impossible.")
    settings = load_settings(db)
    policy = letters_policy(db)
    day = today or clock.today()
    copy = None
    if backup and db.path is not None and db.dialect == "sqlite":
        from app.services.backups import BackupKind, make_backup

        copy = make_backup(db.path, BackupKind.PURGE)
    with db.write() as s:
        plan = _plan(s, day, settings.retention_years, policy)
        if expected is not None and expected != len(plan.candidates):
            raise PurgeError(
                f"La liste a changé depuis la simulation ({expected} personne(s) prévue(s), "
                f"{len(plan.candidates)} maintenant) : relancez la simulation."
            )
        files = _anonymise(s, actor, plan)
    result = PurgeResult(plan, copy)
    if policy == "delete":
        result.deleted_files = _delete_files(db, files)
    log.info(
        "Purge by %s: %d person(s) anonymised, letters %s, backup %s",
        actor.login,
        len(plan.candidates),
        policy,
        copy,
    )
    return result


def _anonymise(s: Session, actor: Actor, plan: PurgePlan) -> list[str]:
    """The updates, chunk by chunk, inside the caller's transaction; the archived letters'
    paths (deleted after the commit when the policy says so)."""
    now = clock.now_utc()
    ids = [c.id for c in plan.candidates]
    blank = search_columns_of(
        {
            "last_name": ANONYMOUS_NAME,
            "birth_name": "",
            "first_name": "",
            "commune": "",
            "postcode": "",
            "allocataire_number": None,
        }
    )
    blank["search_text"] = ""
    erased = erased_fields()
    paths: list[str] = []
    person_values: dict[str, Any] = {**erasure("beneficiary"), "anonymised_at": now, **blank}
    tracked = {"updated_by": actor.login}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        cases = list(s.scalars(select(Case.id).where(Case.beneficiary_id.in_(chunk))))
        births = s.execute(
            select(Beneficiary.id, Beneficiary.birth_date).where(
                Beneficiary.id.in_(chunk), Beneficiary.birth_date.is_not(None)
            )
        ).all()
        s.execute(
            update(Beneficiary)
            .where(Beneficiary.id.in_(chunk))
            .values(**person_values, **tracked, version_id=Beneficiary.version_id + 1)
            .execution_options(synchronize_session=False)
        )
        person_table: Table = Beneficiary.__table__  # type: ignore[assignment]
        if births:
            s.execute(
                update(person_table)
                .where(person_table.c.id == bindparam("b_id"))
                .values(birth_date=bindparam("b_birth")),
                [{"b_id": p, "b_birth": date(b.year, 1, 1)} for p, b in births if b is not None],
            )
        s.execute(delete(HouseholdMember).where(HouseholdMember.beneficiary_id.in_(chunk)))
        s.execute(delete(ImportUndo).where(ImportUndo.beneficiary_id.in_(chunk)))
        for case_chunk in (cases[n : n + CHUNK] for n in range(0, len(cases), CHUNK)):
            _anonymise_cases(s, case_chunk, tracked)
            paths += list(s.scalars(select(Document.path).where(Document.case_id.in_(case_chunk))))
        _redact_audit(s, chunk, cases, erased)
        for person in chunk:
            access_log.record(
                s,
                actor,
                "purge",
                beneficiary_id=person,
                details={"entity": "beneficiary", "letters": plan.letters},
            )
    return paths


def erasure(table: str) -> dict[str, Any]:
    """The values the columns classified « erased » of ``table`` get: NULL where the column
    allows it, else an empty text (the person's name: :data:`ANONYMOUS_NAME`)."""
    columns = Base.metadata.tables[table].columns
    values: dict[str, Any] = {
        name: None if columns[name].nullable else ""
        for name, how in CLASSIFICATION[table].items()
        if how == ERASED
    }
    if table == "beneficiary":
        values["last_name"] = ANONYMOUS_NAME
    return values


def _anonymise_cases(s: Session, cases: list[uuid.UUID], tracked: dict[str, Any]) -> None:
    for model, where in (
        (Case, Case.id.in_(cases)),
        (Decision, Decision.case_id.in_(cases)),
        (Meeting, Meeting.case_id.in_(cases)),
        (  # a third party (a crèche) keeps its name and IBAN
            Instalment,
            Instalment.case_id.in_(cases) & (Instalment.payee_kind == PayeeKind.BENEFICIARY.value),
        ),
    ):
        s.execute(
            update(model)
            .where(where)
            .values(
                **erasure(model.__tablename__),
                version_id=model.version_id + 1,
                **tracked,
            )
            .execution_options(synchronize_session=False)
        )


def _blank(text: str, erased: set[str]) -> str:
    if not text:
        return text
    try:
        values = json.loads(text)
    except ValueError:
        return ""
    if not isinstance(values, dict):
        return ""
    return json.dumps(
        {k: (None if k in erased else v) for k, v in values.items()}, ensure_ascii=False
    )


def _redact_audit(
    s: Session, people: list[uuid.UUID], cases: list[uuid.UUID], erased: set[str]
) -> None:
    """The audit trail of the person and their cases: summaries (they name the person) and
    the erased fields' values go; who did what when, and the other values, stay."""
    people_ids = [str(p) for p in people]
    conditions: list[Any] = [
        (AuditEvent.entity == "beneficiary") & AuditEvent.entity_id.in_(people_ids)
    ]
    if cases:
        conditions.append(AuditEvent.case_id.in_(cases))
    rows = s.execute(
        select(AuditEvent.id, AuditEvent.before, AuditEvent.after).where(or_(*conditions))
    ).all()
    if not rows:
        return
    table: Table = AuditEvent.__table__  # type: ignore[assignment]
    s.execute(
        update(table)
        .where(table.c.id == bindparam("e_id"))
        .values(summary="", before=bindparam("e_before"), after=bindparam("e_after")),
        [
            {"e_id": event, "e_before": _blank(b, erased), "e_after": _blank(a, erased)}
            for event, b, a in rows
        ],
    )


def _delete_files(db: Database, paths: list[str]) -> list[str]:
    """After the commit: the archived letters of the anonymised people (policy « delete »)."""
    root = db.documents_dir
    if root is None:
        return []
    deleted = []
    for relative in paths:
        target = root / relative
        try:
            target.unlink(missing_ok=True)
            deleted.append(relative)
        except OSError as exc:
            log.warning("Purge: could not delete archived letter %s: %s", target, exc)
    return deleted
