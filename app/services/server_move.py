"""Moving an office's SQLite base onto the département's PostgreSQL server.

Every row of every modelled table is copied with its UUID, in one transaction on the
server (all or nothing), into a base that holds nothing yet but what the migrations seed
(the scale and the first envelopes, replaced by the office's own). The archived documents
(letters, payment files, reports) are copied into the server's archive folder, and the
server's settings then name that folder. Afterwards the two bases are compared: rows per
table, the sums of every amount column, and every archived document's SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, DateTime, Table, func, insert, select, text

from app.models import Base
from app.services.errors import UserFacingError
from app.services.storage import Database

log = logging.getLogger(__name__)

# Rows the migrations themselves write into a new base (app/migrations/versions/0003): the
# office's own replace them. Any other row makes the server base "not empty".
SEEDED_TABLES = frozenset({"envelope", "scale_version", "scale_component"})
IGNORED_TABLES = frozenset({"station_presence"})  # who is connected to the office's file
CHUNK = 5_000
MOVER = "move-to-server"  # who the settings row says changed it


class MoveRefused(UserFacingError):
    """The move cannot start (nothing has been written)."""


@dataclass(frozen=True)
class TableCheck:
    table: str
    source: int
    target: int


@dataclass(frozen=True)
class SumCheck:
    column: str  # table.column
    source: int
    target: int


@dataclass
class MoveReport:
    tables: list[TableCheck] = field(default_factory=list)
    sums: list[SumCheck] = field(default_factory=list)
    documents: int = 0  # archived documents whose SHA-256 was checked on the server side
    files: int = 0  # files copied into the server's archive folder
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def lines(self) -> Iterator[str]:
        """The report in French, one line a table, then the amounts and the documents."""
        for t in self.tables:
            mark = "ok" if t.source == t.target else "DIFFÉRENT"
            yield f"{t.table:<20} {t.source:>9} → {t.target:>9}  {mark}"
        for s in self.sums:
            mark = "ok" if s.source == s.target else "DIFFÉRENT"
            yield f"Σ {s.column:<34} {s.source:>14} → {s.target:>14}  {mark}"
        yield (
            f"Documents archivés vérifiés (SHA-256) : {self.documents} ; "
            f"fichiers copiés : {self.files}"
        )
        if self.ok:
            yield "Vérification : les deux bases sont identiques."
        else:
            yield from (f"ÉCART : {m}" for m in self.mismatches)


def copied_tables() -> list[Table]:
    """The tables copied, parents before children."""
    return [t for t in Base.metadata.sorted_tables if t.name not in IGNORED_TABLES]


def amount_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if c.name.endswith("_cents")]


def _refuse_if_not_empty(conn: Connection) -> None:
    for table in copied_tables():
        if table.name in SEEDED_TABLES:
            continue
        if conn.execute(select(func.count()).select_from(table)).scalar_one():
            raise MoveRefused(
                f"La base du serveur n'est pas vide (table « {table.name} ») : le transfert "
                "se fait vers une base neuve. Rien n'a été copié."
            )


def _as_utc(table: Table) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """SQLite keeps the UTC moments without their zone: they are given it back."""
    moments = [c.name for c in table.columns if isinstance(c.type, DateTime)]

    def fix(row: dict[str, Any]) -> dict[str, Any]:
        for name in moments:
            value = row[name]
            if isinstance(value, datetime) and value.tzinfo is None:
                row[name] = value.replace(tzinfo=UTC)
        return row

    return fix


def _copy_rows(
    source: Database, conn: Connection, progress: Callable[[str, int], None] | None
) -> None:
    for table in copied_tables():
        if table.name in SEEDED_TABLES:
            conn.execute(table.delete())
        fix = _as_utc(table)
        with source.engine.connect() as reader:
            result = reader.execute(select(table)).mappings()
            while chunk := result.fetchmany(CHUNK):
                conn.execute(insert(table), [fix(dict(row)) for row in chunk])
                if progress:
                    progress(table.name, len(chunk))
        for column in table.columns:
            if column.autoincrement is True and column.primary_key:
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                        f"coalesce((SELECT max({column.name}) FROM {table.name}), 0) + 1, false)"
                    )
                )


def _copy_files(source_dir: Path | None, target_dir: Path) -> int:
    """Every archived file, at the same place under the server's folder; never overwritten
    with other content."""
    if source_dir is None or not source_dir.is_dir():
        return 0
    copied = 0
    for path in sorted(p for p in source_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(source_dir)
        target = target_dir / relative
        if target.exists():
            if target.read_bytes() != path.read_bytes():
                raise MoveRefused(
                    f"Le dossier d'archives du serveur contient déjà « {relative} » avec un "
                    "autre contenu. Rien n'a été copié."
                )
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        copied += 1
    return copied


def _counts(db: Database) -> dict[str, tuple[int, dict[str, int]]]:
    found = {}
    with db.engine.connect() as conn:
        for table in copied_tables():
            count = conn.execute(select(func.count()).select_from(table)).scalar_one()
            sums = {
                name: int(
                    conn.execute(select(func.coalesce(func.sum(table.c[name]), 0))).scalar_one()
                )
                for name in amount_columns(table)
            }
            found[table.name] = (int(count), sums)
    return found


def _check_documents(source: Database, target_dir: Path, report: MoveReport) -> None:
    from app.models import Document

    with source.read() as s:
        documents = s.execute(select(Document.path, Document.sha256)).all()
    for relative, digest in documents:
        path = target_dir / relative
        if not path.is_file():
            report.mismatches.append(f"document absent du dossier du serveur : {relative}")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            report.mismatches.append(f"document différent (SHA-256) : {relative}")
        else:
            report.documents += 1


def verify(source: Database, target: Database, report: MoveReport) -> None:
    before, after = _counts(source), _counts(target)
    for name, (count, sums) in before.items():
        copied, copied_sums = after[name]
        report.tables.append(TableCheck(name, count, copied))
        if count != copied:
            report.mismatches.append(f"{name} : {count} lignes, {copied} sur le serveur")
        for column, total in sums.items():
            report.sums.append(SumCheck(f"{name}.{column}", total, copied_sums[column]))
            if total != copied_sums[column]:
                report.mismatches.append(f"{name}.{column} : somme différente")


def move_to_server(
    source: Database,
    target: Database,
    *,
    archive: Path | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> MoveReport:
    """Copy ``source`` (an office's SQLite base) into ``target`` (a new server base), its
    documents into ``archive`` (the server's shared folder), then compare the two."""
    if target.path is not None:
        raise MoveRefused(
            "La destination doit être une base PostgreSQL (URL postgresql+psycopg://…)."
        )
    source_docs = source.documents_dir
    has_files = source_docs is not None and source_docs.is_dir() and any(source_docs.rglob("*.*"))
    if has_files and archive is None:
        raise MoveRefused(
            "La base a des documents archivés : indiquez le dossier partagé du serveur qui les "
            "recevra (--archive). Rien n'a été copié."
        )
    with target.engine.connect() as conn:
        _refuse_if_not_empty(conn)
    report = MoveReport()
    if archive is not None:
        report.files = _copy_files(source_docs, archive)
    with target.write() as session:
        conn = session.connection()
        _refuse_if_not_empty(conn)  # again, inside the transaction that writes
        _copy_rows(source, conn, progress)
    log.info("Moved %s to %s", source.location, target.location)
    verify(source, target, report)
    if archive is not None:
        with target.write() as session:  # after the comparison, which it would upset
            _name_archive(session.connection(), archive)
        _check_documents(source, archive, report)
    return report


def _name_archive(conn: Connection, archive: Path) -> None:
    """The server's settings name its archive folder (the office's file had none)."""
    from app.models import Setting

    table = cast(Table, Setting.__table__)
    value = json.dumps(str(archive))
    done = conn.execute(
        table.update()
        .where(table.c.key == "archive_folder")
        .values(value=value, version_id=table.c.version_id + 1, updated_by=MOVER)
    )
    if not done.rowcount:
        conn.execute(insert(table).values(key="archive_folder", value=value, created_by=MOVER))
