"""Copies of a SQLite base beside it, and restoring one.

Backups go to ``<stem>-sauvegardes/`` next to the base, written with SQLite's online backup
API (a consistent copy even while other stations work), first under a temporary name and
checked, then renamed: a half-written copy is never taken for a backup. File names carry the
moment, the kind and the schema revision: ``base-20261203-181500-quotidienne-rev0005.sqlite``.
Each kind keeps its own newest copies (:data:`KEPT`).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from app.services import clock
from app.services.errors import DatabaseRefused, DatabaseUnavailable
from app.services.sqlite_file import finish_interrupted_save, has_journal

log = logging.getLogger(__name__)


class BackupKind(StrEnum):
    DAILY = "quotidienne"
    MANUAL = "manuelle"
    UPGRADE = "avant-mise-a-jour"
    RESTORE = "avant-restauration"
    PURGE = "avant-purge"

    @property
    def label(self) -> str:
        return {
            "quotidienne": "quotidienne",
            "manuelle": "manuelle",
            "avant-mise-a-jour": "avant mise à jour",
            "avant-restauration": "avant restauration",
            "avant-purge": "avant purge des données personnelles",
        }[self.value]


KEPT = {
    BackupKind.DAILY: 7,
    BackupKind.MANUAL: 10,
    BackupKind.UPGRADE: 5,
    BackupKind.RESTORE: 5,
    BackupKind.PURGE: 5,
}


@dataclass(frozen=True)
class Backup:
    path: Path
    taken_at: datetime
    kind: BackupKind
    revision: str | None
    size: int

    @property
    def label(self) -> str:
        return (
            f"{self.taken_at:%d/%m/%Y %H:%M} — {self.kind.label} "
            f"({self.size / 1_000_000:.1f} Mo)".replace(".", ",")
        )


def backup_folder(path: Path) -> Path:
    return path.parent / f"{path.stem}-sauvegardes"


_NAME = re.compile(r"-(\d{8}-\d{6})(?:-([a-z-]+?))?-rev(\w+)$")


def _parse(path: Path, stem: str) -> Backup | None:
    """A backup's facts from its name (older names had no kind: upgrade copies)."""
    match = _NAME.fullmatch(path.stem[len(stem) :]) if path.stem.startswith(stem) else None
    if match is None:
        return None
    stamp, kind_text, revision = match.groups()
    try:
        taken_at = datetime.strptime(stamp, "%Y%m%d-%H%M%S")
        kind = BackupKind(kind_text) if kind_text else BackupKind.UPGRADE
        size = path.stat().st_size
    except (ValueError, OSError):
        return None
    return Backup(path, taken_at, kind, None if revision == "none" else revision, size)


def list_backups(path: Path) -> list[Backup]:
    """The base's backups, newest first."""
    folder = backup_folder(path)
    if not folder.is_dir():
        return []
    found = [b for f in folder.glob(f"{path.stem}-*.sqlite") if (b := _parse(f, path.stem))]
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def make_backup(path: Path, kind: BackupKind, revision: str | None = None) -> Path:
    """Copy the base into its backup folder; the copy is checked before it counts."""
    folder = backup_folder(path)
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise DatabaseUnavailable(
            f"Impossible de créer le dossier des sauvegardes « {folder} ».", detail=str(exc)
        ) from exc
    if revision is None:
        revision = _revision_of(path)
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    target = folder / f"{path.stem}-{stamp}-{kind.value}-rev{revision or 'none'}.sqlite"
    # Its own partial file: stations opening in the same second each make their copy.
    partial = target.with_name(f"{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.partiel")
    try:
        _copy(path, partial)
        _verify(partial)
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        log.error("Backup of %s failed: %s", path, exc)
        raise DatabaseUnavailable(
            f"La sauvegarde de « {path.name} » n'a pas pu être faite (espace disque, droits "
            "sur le dossier, base occupée ?). La base n'a pas été modifiée.",
            detail=str(exc),
        ) from exc
    _rotate(path, kind)
    log.info("Backup (%s) of %s written to %s", kind.value, path, target)
    return target


def daily_backup(path: Path) -> Path | None:
    """Today's automatic copy, unless one exists already (then None)."""
    today = clock.today()
    if any(b.kind is BackupKind.DAILY and b.taken_at.date() == today for b in list_backups(path)):
        return None
    return make_backup(path, BackupKind.DAILY)


def restore_backup(path: Path, source: Path, *, token: str = "") -> Path:
    """Replace the base's content by the backup ``source``; returns the safety copy made of
    the base first (kind « avant restauration »), or the base's raw copy when it was too
    damaged for the backup API. The source must be a sound Pack Sortie base of a schema
    this version knows (an older one is upgraded at the next opening). Refused while
    stations other than ``token`` (this one's presence) have the base open."""
    from app.services.presence import refuse_if_others
    from app.services.schema import known_revisions, probe_file

    source = Path(source)
    if source.resolve() == path.resolve():
        raise DatabaseRefused("La sauvegarde choisie est la base elle-même.")
    probe = probe_file(source)  # refuses a foreign, non-SQLite or unreadable file
    if not probe.exists or probe.empty:
        raise DatabaseRefused(f"« {source.name} » n'est pas une sauvegarde Pack Sortie.")
    if probe.revision is not None and probe.revision not in known_revisions():
        raise DatabaseRefused(
            f"« {source.name} » vient d'une version plus récente de Pack Sortie "
            f"(schéma {probe.revision}) : elle ne peut pas être restaurée ici."
        )
    try:
        _verify(source)
    except sqlite3.Error as exc:
        raise DatabaseRefused(
            f"La sauvegarde « {source.name} » est elle-même endommagée : choisissez-en une autre.",
            detail=str(exc),
        ) from exc
    _refuse_foreign_target(path)
    refuse_if_others(path, "La restauration", token)
    if has_journal(path):
        finish_interrupted_save(path)
    safety = _safety_copy(path)
    try:
        _copy(source, path)
    except sqlite3.DatabaseError as exc:  # the base's own pages are too damaged to lock
        log.warning("Backup API could not write into %s (%s): file replaced", path, exc)
        if has_journal(path):
            raise DatabaseUnavailable(
                "Un enregistrement interrompu empêche la restauration : réessayez.",
                detail=str(exc),
            ) from exc
        staged = path.with_name(path.name + ".restauration")
        shutil.copyfile(source, staged)
        os.replace(staged, path)
    log.warning("%s restored from %s (safety copy: %s)", path, source, safety)
    return safety


def _refuse_foreign_target(path: Path) -> None:
    """Only a Pack Sortie base (even damaged) is overwritten, never another file."""
    from app import SQLITE_APPLICATION_ID
    from app.services.schema import SQLITE_MAGIC

    try:
        with path.open("rb") as fh:
            header = fh.read(72)
    except OSError as exc:
        raise DatabaseUnavailable(f"« {path} » est inaccessible.", detail=str(exc)) from exc
    app_id = int.from_bytes(header[68:72], "big") if len(header) == 72 else -1
    if not header.startswith(SQLITE_MAGIC) or app_id != SQLITE_APPLICATION_ID:
        raise DatabaseRefused(
            f"« {path.name} » n'est pas une base Pack Sortie : elle n'a pas été remplacée."
        )


def _safety_copy(path: Path) -> Path:
    try:
        return make_backup(path, BackupKind.RESTORE)
    except DatabaseUnavailable:
        # A base too damaged for the backup API is copied as it is: nothing is lost.
        folder = backup_folder(path)
        stamp = clock.now().strftime("%Y%m%d-%H%M%S")
        raw = folder / f"{path.stem}-{stamp}-endommagee.sqlite.brut"
        shutil.copyfile(path, raw)
        return raw


def _copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source.as_posix()}?mode=ro", uri=True, timeout=15)
    dst = sqlite3.connect(target, timeout=15)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _verify(path: Path) -> None:
    conn = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
    finally:
        conn.close()
    if rows != ["ok"]:
        raise sqlite3.DatabaseError("; ".join(rows))


def _revision_of(path: Path) -> str | None:
    conn = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True, timeout=15)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return row[0] if row else None


def _rotate(path: Path, kind: BackupKind) -> None:
    same = [b for b in list_backups(path) if b.kind is kind]
    for stale in same[KEPT[kind] :]:
        stale.path.unlink(missing_ok=True)
