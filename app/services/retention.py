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

This module is the purge itself (the anonymising updates) and the public face of the
others: the classification in ``retention_classification``, the dry run (who is due and
why) in ``retention_plan``, the administrator's report in ``retention_report``.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, delete, or_, select, update
from sqlalchemy.orm import Session

from app.models import (
    AuditEvent,
    Beneficiary,
    Case,
    Decision,
    Document,
    HouseholdMember,
    ImportUndo,
    Instalment,
    Meeting,
)
from app.models.enums import PayeeKind
from app.services import access_log, clock
from app.services.actor import Actor
from app.services.beneficiaries import search_columns_of
from app.services.retention_classification import (
    ANONYMOUS_NAME,
    CLASSIFICATION,
    ERASED,
    KEPT,
    RECOMPUTED,
    REDACTED,
    YEAR_KEPT,
    erased_fields,
    erasure,
)
from app.services.retention_plan import (
    CHUNK,
    EVENT_LABELS,
    LETTER_POLICIES,
    OPEN_CASE_STATES,
    UNPAID,
    Candidate,
    PurgeError,
    PurgePlan,
    build_plan,
    last_contacts,
    letters_policy,
    plan_purge,
    require_admin,
)
from app.services.retention_report import default_report_path, report_text, write_report
from app.services.settings import load_settings
from app.services.storage import Database

__all__ = [
    "ANONYMOUS_NAME",
    "CHUNK",
    "CLASSIFICATION",
    "ERASED",
    "EVENT_LABELS",
    "KEPT",
    "LETTER_POLICIES",
    "OPEN_CASE_STATES",
    "RECOMPUTED",
    "REDACTED",
    "UNPAID",
    "YEAR_KEPT",
    "Candidate",
    "PurgeError",
    "PurgePlan",
    "PurgeResult",
    "default_report_path",
    "erased_fields",
    "erasure",
    "last_contacts",
    "letters_policy",
    "plan_purge",
    "purge",
    "report_text",
    "require_admin",
    "write_report",
]

log = logging.getLogger(__name__)


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
        plan = build_plan(s, day, settings.retention_years, policy)
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
