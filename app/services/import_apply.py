"""Writing a planned import in short transactions, all or nothing.

The importer plans every line outside any write transaction (:mod:`app.services.importer`);
here the plan is written in chunks of :data:`APPLY_CHUNK` people, each its own short
``BEGIN IMMEDIATE`` transaction, so that other stations save between two chunks instead of
waiting for the whole file. All or nothing all the same: an ``import_run`` row is written
first and, with each chunk, one ``import_undo`` row per person (its id for a creation, the
fields it overwrote for an update). The last transaction marks the run done and drops its
undo rows. A cancelled import is undone at once; an import cut off by a crash is undone
by the next import on any station (:func:`undo_abandoned`). Undoing never overwrites a
change made since by someone else: such a person is kept and the log says so.

Each chunk checks again what the plan assumed: a person updated meanwhile on another
station (``version_id`` moved) or an allocataire number created meanwhile makes that line
a rejected one (« modifié sur un autre poste pendant l'import »), never a silent overwrite.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, and_, delete, select, tuple_, update
from sqlalchemy.orm import Session

from app.models import AuditEvent, Beneficiary, Case, ImportRun, ImportUndo
from app.services import clock
from app.services.actor import Actor
from app.services.audit import event_values
from app.services.bulk_sql import insert_rows, update_rows
from app.services.storage import Database

log = logging.getLogger(__name__)

_BENEFICIARY = cast(Table, Beneficiary.__table__)
_UNDO = cast(Table, ImportUndo.__table__)
_AUDIT = cast(Table, AuditEvent.__table__)

APPLY_CHUNK = 1_500  # people per write transaction: 0.3 to 0.6 s of lock at 50 000 lines
# After each chunk the base is left free this long: a station waiting for it polls every
# 100 ms (SQLite's busy handler), and gets its turn instead of waiting for the whole file.
PAUSE_S = 0.11
_PAUSE = threading.Event()  # never set: only waited on
ABANDONED_S = 300  # a run « applying » that has not moved for this long was cut off

APPLYING, DONE, UNDONE = "applying", "done", "undone"


@dataclass
class Creation:
    line: int
    values: dict[str, Any]  # beneficiary columns (search columns included)
    summary: str
    audit_after: dict[str, Any]


@dataclass
class Change:
    line: int
    beneficiary_id: uuid.UUID
    version_id: int  # as planned; the update applies only if it still is
    values: dict[str, Any]  # the columns to set (search columns included)
    values_before: dict[str, Any]  # their stored values, for an undo
    summary: str
    audit_before: dict[str, Any]
    audit_after: dict[str, Any]


@dataclass
class Plan:
    """What an import writes; ``lost`` collects the lines overtaken by another station."""

    file_name: str
    lines: int
    creations: list[Creation] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    lost: list[tuple[int, str]] = field(default_factory=list)


def _epoch() -> int:
    return int(clock.now_utc().timestamp())


def apply(
    db: Database,
    actor: Actor,
    plan: Plan,
    *,
    finish: Callable[[Session, Plan], None],
    cancelled: Callable[[], bool] | None = None,
    cancel_error: Callable[[], Exception] | None = None,
) -> None:
    """Write ``plan`` chunk by chunk; ``finish(session, plan)`` adds the file's own records
    to the last transaction. On cancellation (or any error) what was written is undone and
    the error raised."""
    run_id = uuid.uuid4()
    with db.write() as s:
        now = _epoch()
        s.add(
            ImportRun(
                id=run_id,
                file_name=plan.file_name[:300],
                user_login=actor.login,
                workstation=actor.workstation,
                status=APPLYING,
                lines=plan.lines,
                started_at=now,
                seen_at=now,
            )
        )
    try:
        work: list[Creation | Change] = [*plan.creations, *plan.changes]
        for start in range(0, len(work), APPLY_CHUNK):
            if cancelled is not None and cancelled() and cancel_error is not None:
                raise cancel_error()
            with db.write() as s:
                _write_chunk(s, actor, run_id, plan, work[start : start + APPLY_CHUNK])
            _PAUSE.wait(PAUSE_S)  # not time.sleep: libfaketime (CI's dates) breaks it
        if cancelled is not None and cancelled() and cancel_error is not None:
            raise cancel_error()
        with db.write() as s:
            finish(s, plan)
            s.execute(delete(ImportUndo).where(ImportUndo.run_id == run_id))
            s.execute(update(ImportRun).where(ImportRun.id == run_id).values(status=DONE))
    except BaseException:
        undo_run(db, run_id)
        raise


def _write_chunk(
    s: Session, actor: Actor, run_id: uuid.UUID, plan: Plan, items: list[Creation | Change]
) -> None:
    creations = [i for i in items if isinstance(i, Creation)]
    changes = [i for i in items if isinstance(i, Change)]
    taken = _numbers_taken(s, creations)
    current = _versions(s, [ch.beneficiary_id for ch in changes])
    audit: list[dict] = []
    undo: list[dict] = []
    rows: list[dict] = []
    for c in creations:
        if (c.values["paying_body"], c.values["allocataire_number"]) in taken:
            plan.lost.append((c.line, _TAKEN))
            continue
        rows.append(c.values)
        undo.append(
            {"run_id": run_id, "beneficiary_id": c.values["id"], "version_id": 1, "before": ""}
        )
        audit.append(
            event_values(
                actor,
                "create",
                "beneficiary",
                c.values["id"],
                summary=c.summary,
                after=c.audit_after,
            )
        )
    insert_rows(s, _BENEFICIARY, rows)
    by_columns: dict[tuple[str, ...], list[dict]] = {}
    for ch in changes:
        if current.get(ch.beneficiary_id) != ch.version_id:
            plan.lost.append((ch.line, _CHANGED))
            continue
        values = ch.values | {"id": ch.beneficiary_id, "version_id": ch.version_id + 1}
        by_columns.setdefault(tuple(sorted(ch.values)), []).append(values)
        before = json.dumps(ch.values_before, default=str)
        undo.append(
            {
                "run_id": run_id,
                "beneficiary_id": ch.beneficiary_id,
                "version_id": ch.version_id + 1,
                "before": before,
            }
        )
        audit.append(
            event_values(
                actor,
                "update",
                "beneficiary",
                ch.beneficiary_id,
                summary=ch.summary,
                before=ch.audit_before,
                after=ch.audit_after,
            )
        )
    for same_columns in by_columns.values():  # versions checked above, under this lock
        update_rows(s, _BENEFICIARY, "id", same_columns)
    insert_rows(s, _UNDO, undo)
    insert_rows(s, _AUDIT, audit)
    s.execute(update(ImportRun).where(ImportRun.id == run_id).values(seen_at=_epoch()))


def _versions(s: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not ids:
        return {}
    found = s.execute(select(Beneficiary.id, Beneficiary.version_id).where(Beneficiary.id.in_(ids)))
    return {bid: version for bid, version in found}


_TAKEN = (
    "Ce numéro allocataire a été créé sur un autre poste pendant l'import : réimportez le fichier."
)
_CHANGED = (
    "Ce bénéficiaire a été modifié sur un autre poste pendant l'import : ligne non "
    "appliquée, réimportez le fichier."
)


def _numbers_taken(s: Session, creations: list[Creation]) -> set[tuple[str, str]]:
    keys = {
        (c.values["paying_body"], c.values["allocataire_number"])
        for c in creations
        if c.values.get("allocataire_number")
    }
    if not keys:
        return set()
    found = s.execute(
        select(Beneficiary.paying_body, Beneficiary.allocataire_number).where(
            tuple_(Beneficiary.paying_body, Beneficiary.allocataire_number).in_(list(keys))
        )
    )
    return {(body, number or "") for body, number in found}


def undo_run(db: Database, run_id: uuid.UUID) -> None:
    """Take back what a run wrote, chunk by chunk (resumable: undo rows go as they are
    processed); people changed since by someone else, or given a case, are kept."""
    kept = 0
    while True:
        with db.write() as s:
            undo = list(
                s.scalars(select(ImportUndo).where(ImportUndo.run_id == run_id).limit(APPLY_CHUNK))
            )
            if not undo:
                s.execute(update(ImportRun).where(ImportRun.id == run_id).values(status=UNDONE))
                break
            kept += _undo_chunk(s, undo)
            s.execute(
                delete(ImportUndo).where(
                    ImportUndo.run_id == run_id,
                    ImportUndo.beneficiary_id.in_([u.beneficiary_id for u in undo]),
                )
            )
    log.warning("Import run %s undone (%d kept: changed since or given a case)", run_id, kept)


def _undo_chunk(s: Session, undo: list[ImportUndo]) -> int:
    table = _BENEFICIARY
    kept = 0
    with_case = set(
        s.scalars(
            select(Case.beneficiary_id).where(
                Case.beneficiary_id.in_([u.beneficiary_id for u in undo if not u.before])
            )
        )
    )
    for u in undo:
        same = and_(table.c.id == u.beneficiary_id, table.c.version_id == u.version_id)
        if not u.before:
            if u.beneficiary_id in with_case:
                kept += 1
                continue
            done = s.execute(delete(table).where(same))
        else:
            values = _decode_before(json.loads(u.before))
            restored = update(table).where(same).values(**values, version_id=u.version_id + 1)
            done = s.execute(restored)
        if done.rowcount == 0:  # type: ignore[attr-defined]
            kept += 1
    return kept


def _decode_before(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in values.items():
        column = _BENEFICIARY.c[name]
        if value is not None and column.type.python_type is date:
            value = date.fromisoformat(value)
        out[name] = value
    return out


def undo_abandoned(db: Database) -> int:
    """Undo the runs a crash left « applying » (any station's, once they stopped moving)."""
    with db.read() as s:
        stale = list(
            s.scalars(
                select(ImportRun.id).where(
                    ImportRun.status == APPLYING, ImportRun.seen_at < _epoch() - ABANDONED_S
                )
            )
        )
    for run_id in stale:
        log.warning("Import run %s was cut off: undoing it", run_id)
        undo_run(db, run_id)
    return len(stale)
