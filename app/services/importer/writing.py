"""Writing a planned import in short transactions, all or nothing.

The importer plans the lines outside any write transaction (:mod:`app.services.importer`);
here what it plans is written in chunks, each its own short ``BEGIN IMMEDIATE`` transaction
(sized to hold the base about :data:`LOCK_S`), so that other stations save between two
chunks instead of waiting for the whole file. The writing runs in a thread of its own,
while the next lines are planned and their rows bound (SQLite releases Python's lock while
it works: the two go on at once). All or nothing all the same: an ``import_run`` row is written
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
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import Dialect, Table, and_, delete, select, update
from sqlalchemy.orm import Session

from app.models import AuditEvent, Beneficiary, Case, ImportRun, ImportUndo
from app.services import clock
from app.services.actor import Actor
from app.services.audit import event_values
from app.services.bulk_sql import Prepared, execute, matching, prepare_insert, prepare_update
from app.services.storage import Database

log = logging.getLogger(__name__)

_BENEFICIARY = cast(Table, Beneficiary.__table__)
_UNDO = cast(Table, ImportUndo.__table__)
_AUDIT = cast(Table, AuditEvent.__table__)

APPLY_CHUNK = 1_500  # people in the first write transaction; the next ones aim at LOCK_S
LOCK_S = 0.25  # how long one write transaction should hold the base
# Bounds of a chunk: a bigger one may cost much more now and then (the search index merges
# its segments), and another station would wait for it.
MIN_CHUNK, MAX_CHUNK = 200, 3_000
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
    work: Iterable[list[Creation | Change]],
    finish: Callable[[Session, Plan], None],
    cancelled: Callable[[], bool] | None = None,
    cancel_error: Callable[[], Exception] | None = None,
) -> None:
    """Write what ``work`` yields (the import's planning, chunk after chunk) while it is
    being planned; ``finish(session, plan)`` adds the file's own records to the last
    transaction. On cancellation (or any error) what was written is undone and the error
    raised."""
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

    def check_cancel() -> None:
        if cancelled is not None and cancelled() and cancel_error is not None:
            raise cancel_error()

    writer = _Writer(db, run_id, plan)
    dialect = db.engine.dialect
    try:
        pending: list[Creation | Change] = []
        for items in work:
            pending.extend(items)
            while len(pending) >= writer.size:
                check_cancel()
                size = writer.size
                writer.send(_bind(dialect, actor, run_id, pending[:size]))
                del pending[:size]
        check_cancel()
        if pending:
            writer.send(_bind(dialect, actor, run_id, pending))
        writer.finish()
        check_cancel()
        with db.write() as s:
            finish(s, plan)
            s.execute(delete(ImportUndo).where(ImportUndo.run_id == run_id))
            s.execute(update(ImportRun).where(ImportRun.id == run_id).values(status=DONE))
    except BaseException:
        writer.stop()
        undo_run(db, run_id)
        raise


class _Writer:
    """Writes the bound chunks in a thread of its own, one transaction each then a pause,
    while the caller plans and binds the next one (SQLite works without Python's lock).
    The chunk size follows the time a transaction took, aiming at :data:`LOCK_S`."""

    def __init__(self, db: Database, run_id: uuid.UUID, plan: Plan) -> None:
        self._db, self._run_id, self._plan = db, run_id, plan
        self.size = APPLY_CHUNK
        self._error: BaseException | None = None
        self._stopping = False
        self._queue: queue.Queue[_Bound | None] = queue.Queue(maxsize=1)
        self._thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (chunk := self._queue.get()) is not None:
            if self._error is not None or self._stopping:
                continue  # drained: the caller is told at its next call
            try:
                started = time.perf_counter()
                with self._db.write() as s:
                    _write_chunk(s, self._run_id, self._plan, chunk)
                self.size = _next_size(self.size, chunk.count, time.perf_counter() - started)
                _PAUSE.wait(PAUSE_S)  # not time.sleep: libfaketime (CI's dates) breaks it
            except BaseException as exc:  # handed to the caller's thread
                self._error = exc

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def send(self, chunk: _Bound) -> None:
        self._raise()
        self._queue.put(chunk)

    def finish(self) -> None:
        """Wait for the chunks sent; raise the error one of them met."""
        self._queue.put(None)
        self._thread.join()
        self._raise()

    def stop(self) -> None:
        """Drop the chunks not written yet and wait for the one being written."""
        self._stopping = True
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()


def _next_size(size: int, count: int, held_s: float) -> int:
    if held_s <= 0:  # a clock that does not move (faked): keep the size
        return size
    aimed = count * LOCK_S / held_s
    return max(MIN_CHUNK, min(MAX_CHUNK, int((size + aimed) / 2)))


@dataclass
class _Bound:
    """A chunk's rows, bound before the write lock is taken (:mod:`app.services.bulk_sql`);
    ``undo`` and ``audit`` hold one row per creation, then one per change."""

    creations: list[Creation]
    changes: list[Change]
    people: Prepared  # one row per creation
    updates: list[tuple[list[int], Prepared]]  # per set of columns: the changes it holds
    undo: Prepared
    audit: Prepared

    @property
    def count(self) -> int:
        return len(self.creations) + len(self.changes)


def _bind(
    dialect: Dialect, actor: Actor, run_id: uuid.UUID, items: list[Creation | Change]
) -> _Bound:
    creations = [i for i in items if isinstance(i, Creation)]
    changes = [i for i in items if isinstance(i, Change)]
    undo: list[dict] = []
    audit: list[dict] = []
    for c in creations:
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
    groups: dict[tuple[str, ...], list[int]] = {}
    for n, ch in enumerate(changes):
        groups.setdefault(tuple(sorted(ch.values)), []).append(n)
        undo.append(
            {
                "run_id": run_id,
                "beneficiary_id": ch.beneficiary_id,
                "version_id": ch.version_id + 1,
                "before": json.dumps(ch.values_before, default=str),
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
    updates = [
        (
            group,
            prepare_update(
                dialect,
                _BENEFICIARY,
                "id",
                [
                    changes[n].values
                    | {"id": changes[n].beneficiary_id, "version_id": changes[n].version_id + 1}
                    for n in group
                ],
            ),
        )
        for group in groups.values()
    ]
    return _Bound(
        creations,
        changes,
        prepare_insert(dialect, _BENEFICIARY, [c.values for c in creations]),
        updates,
        prepare_insert(dialect, _UNDO, undo),
        prepare_insert(dialect, _AUDIT, audit),
    )


def _write_chunk(s: Session, run_id: uuid.UUID, plan: Plan, chunk: _Bound) -> None:
    """Under the write lock: check again what the plan assumed, then send the rows."""
    taken = _numbers_taken(s, chunk.creations)
    current = _versions(s, [ch.beneficiary_id for ch in chunk.changes])
    created = [_key(c) not in taken for c in chunk.creations]
    changed = [current.get(ch.beneficiary_id) == ch.version_id for ch in chunk.changes]
    plan.lost += [
        (c.line, _TAKEN) for c, ok in zip(chunk.creations, created, strict=True) if not ok
    ]
    plan.lost += [
        (ch.line, _CHANGED) for ch, ok in zip(chunk.changes, changed, strict=True) if not ok
    ]
    kept = created + changed
    everything = all(kept)
    execute(s, chunk.people if everything else chunk.people.only(created))
    for group, prepared in chunk.updates:
        execute(s, prepared if everything else prepared.only([changed[n] for n in group]))
    execute(s, chunk.undo if everything else chunk.undo.only(kept))
    execute(s, chunk.audit if everything else chunk.audit.only(kept))
    s.execute(update(ImportRun).where(ImportRun.id == run_id).values(seen_at=_epoch()))


def _versions(s: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    return dict(matching(s, _BENEFICIARY.c.id, ids, _BENEFICIARY.c.version_id))


_TAKEN = (
    "Ce numéro allocataire a été créé sur un autre poste pendant l'import : réimportez le fichier."
)
_CHANGED = (
    "Ce bénéficiaire a été modifié sur un autre poste pendant l'import : ligne non "
    "appliquée, réimportez le fichier."
)


def _key(c: Creation) -> tuple[str, str]:
    return (c.values["paying_body"], c.values["allocataire_number"] or "")


def _numbers_taken(s: Session, creations: list[Creation]) -> set[tuple[str, str]]:
    """The creations' (paying body, number) pairs that exist already (by the number's
    index; the pairs are told apart here)."""
    numbers = {c.values["allocataire_number"] for c in creations} - {None, ""}
    column = _BENEFICIARY.c
    found = matching(s, column.allocataire_number, numbers, column.paying_body)
    return {(body, number) for number, body in found} & {_key(c) for c in creations}


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
