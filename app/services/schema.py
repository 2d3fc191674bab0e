"""Open a database safely: recognise it, back it up, migrate it, or refuse it untouched.

Refused (``DatabaseRefused``, file left as it was): a file that is not SQLite, a SQLite file
of another application (``PRAGMA application_id``), a corrupt file, a schema newer than
this version of the app. Accepted: an empty or new file (created and stamped), one of ours
at an older revision (backed up with SQLite's backup API, then upgraded), one at head.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app import SQLITE_APPLICATION_ID
from app.migrations.head import HEAD_REVISION
from app.resources import migrations_dir
from app.services.backups import BackupKind, make_backup
from app.services.errors import DatabaseRefused, DatabaseUnavailable
from app.services.sqlite_file import (
    QUICK_CHECK_S,
    WalMode,
    finish_interrupted_save,
    has_journal,
    interrupted_save_error,
    is_wal,
    quick_check_once,
    switch_to_rollback_journal,
)
from app.services.storage import (
    Database,
    StorageMode,
    is_network_path,
    server_engine,
    sqlite_engine,
)

log = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"


if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config() -> Config:
    """Alembic is imported only when a migration (or a revision lookup) is needed."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return cfg


def head_revision() -> str:
    return HEAD_REVISION


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


@dataclass(frozen=True)
class FileProbe:
    """What we found in a database file before touching it."""

    exists: bool
    empty: bool  # no tables at all: safe to initialise
    revision: str | None
    application_id: int


def probe_file(path: Path) -> FileProbe:
    """Read a file's identity without writing to it. Raises DatabaseRefused if foreign."""
    if not path.exists():
        return FileProbe(False, True, None, 0)
    if path.is_dir():
        raise DatabaseRefused(f"« {path} » est un dossier, pas une base de données.")
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_MAGIC))
    except PermissionError as exc:
        raise DatabaseUnavailable(f"Accès refusé au fichier « {path} ».", detail=str(exc)) from exc
    except OSError as exc:
        raise DatabaseUnavailable(
            f"Le fichier « {path} » est inaccessible.", detail=str(exc)
        ) from exc
    if not header:
        return FileProbe(True, True, None, 0)
    if header != SQLITE_MAGIC:
        raise DatabaseRefused(
            f"« {path.name} » n'est pas une base de données Pack Sortie "
            "(ce n'est pas un fichier SQLite). Le fichier n'a pas été modifié."
        )
    if has_journal(path) and _writable(path):
        finish_interrupted_save(path)
    try:
        conn = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True, timeout=10)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            revision = None
            if "alembic_version" in tables:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if interrupted := interrupted_save_error(path, exc):
            raise interrupted from exc
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            raise DatabaseUnavailable(
                "La base de données est verrouillée par un autre poste. Réessayez dans un instant.",
                detail=str(exc),
            ) from exc
        raise DatabaseRefused(
            f"« {path.name} » est endommagé ou illisible : il ne peut pas être ouvert. "
            "Le fichier n'a pas été modifié.",
            detail=str(exc),
        ) from exc
    if app_id not in (0, SQLITE_APPLICATION_ID) or (app_id == 0 and tables):
        raise DatabaseRefused(
            f"« {path.name} » est une base SQLite d'une autre application, "
            "pas une base Pack Sortie. Le fichier n'a pas été modifié."
        )
    return FileProbe(True, not tables, revision, app_id)


def _writable(path: Path) -> bool:
    # The journal (DELETE mode) is created beside the file: the folder must be writable too.
    folder_ok = os.access(path.parent, os.W_OK)
    return folder_ok and (not path.exists() or os.access(path, os.W_OK))


def open_sqlite(
    path: Path,
    *,
    create: bool = False,
    shared: bool | None = None,
    migrate: bool = True,
    switch_journal: bool = False,
    despite_others: bool = False,
) -> Database:
    """Open (and if needed create and migrate) a Pack Sortie SQLite file.

    An upgrade while other stations have the base open raises
    :class:`~app.services.presence.OthersConnected` unless ``despite_others``.

    A base in WAL mode raises :class:`WalMode` unless ``switch_journal`` (then it is put
    back in rollback-journal mode, which needs it to itself). A base whose quick check
    finds damaged pages opens read-only, ``Database.damage`` saying why."""
    path = Path(path).expanduser()
    probe = probe_file(path)
    if probe.exists and not probe.empty and is_wal(path):
        if not switch_journal:
            raise WalMode(path)
        switch_to_rollback_journal(path)
    if not probe.exists and not create:
        raise DatabaseUnavailable(f"La base de données « {path} » est introuvable.")
    if probe.exists and probe.empty and not create:
        raise DatabaseRefused(
            f"« {path.name} » est un fichier vide : ce n'est pas une base Pack Sortie. Une "
            "base se crée avec l'assistant de première ouverture (ou la commande demo). Le "
            "fichier n'a pas été modifié."
        )
    if probe.revision not in (None, HEAD_REVISION) and probe.revision not in known_revisions():
        raise DatabaseRefused(
            f"« {path.name} » a été créée par une version plus récente de Pack Sortie "
            f"(schéma {probe.revision}). Mettez à jour l'application sur ce poste. "
            "Le fichier n'a pas été modifié."
        )
    if not probe.exists:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailable(
                f"Impossible de créer le dossier « {path.parent} ».", detail=str(exc)
            ) from exc
    read_only = not _writable(path)
    mode = (
        StorageMode.SHARED
        if (shared if shared is not None else is_network_path(path))
        else (StorageMode.LOCAL)
    )
    damage = ""
    if probe.exists and not probe.empty:
        problems = quick_check_once(path, QUICK_CHECK_S[mode.value], _checked_memo())
        if problems:
            damage = "; ".join(problems[:3])
            log.error("Damaged pages in %s: opened read-only (%s)", path, damage)
            read_only = True
    needs_upgrade = probe.revision != head_revision()
    if needs_upgrade and damage:
        raise DatabaseRefused(
            f"« {path.name} » est endommagée et doit être mise à jour : elle ne peut pas être "
            "ouverte. Restaurez la dernière sauvegarde (menu Fichier ou commande restore).",
            detail=damage,
        )
    if needs_upgrade and read_only:
        raise DatabaseUnavailable(
            f"« {path.name} » doit être mise à jour mais le dossier est en lecture seule. "
            "Demandez l'accès en écriture à votre administrateur."
        )
    if needs_upgrade and not migrate:
        raise DatabaseRefused(f"« {path.name} » n'est pas à jour (schéma {probe.revision}).")
    if needs_upgrade and not probe.empty and not despite_others:
        from app.services.presence import refuse_if_others

        refuse_if_others(path, "La mise à jour de la base")
    db = Database(
        lambda: sqlite_engine(path, mode=mode, read_only=read_only),
        path=path,
        mode=mode,
        read_only=read_only,
        damage=damage,
    )
    if needs_upgrade:
        if not probe.empty:
            make_backup(path, BackupKind.UPGRADE, probe.revision)
        _upgrade(db, stamp_application_id=True)
    log.info("Opened %s (%s%s)", path, mode.value, ", read-only" if read_only else "")
    return db


def open_server(url: str, *, migrate: bool = True) -> Database:
    """Open a PostgreSQL database (multi-office deployments)."""
    engine = server_engine(url)
    db = Database(
        lambda: engine,
        path=None,
        mode=StorageMode.SERVER,
        read_only=False,
        dialect=engine.dialect.name,
    )
    try:
        with db.engine.connect() as conn:
            from alembic.runtime.migration import MigrationContext

            current = MigrationContext.configure(conn).get_current_revision()
        if current not in (None, HEAD_REVISION) and current not in known_revisions():
            raise DatabaseRefused(
                f"La base du serveur a été créée par une version plus récente (schéma {current})."
            )
        if current != head_revision() and migrate:
            _upgrade(db, stamp_application_id=False)
    except BaseException:
        db.dispose()  # a refused or unreachable base leaves no connection behind
        raise
    from app.services.settings import load_settings

    db.server_archive = lambda: load_settings(db).archive_folder
    return db


def _checked_memo() -> Path:
    from app.config import app_paths

    return app_paths().data_dir / "bases-verifiees.json"


def open_database(
    location: str | Path,
    *,
    create: bool = False,
    shared: bool | None = None,
    switch_journal: bool = False,
    despite_others: bool = False,
) -> Database:
    """A path opens SQLite; a ``postgresql://`` URL opens the server."""
    text = str(location)
    if "://" in text and not text.startswith("file:"):
        return open_server(text)
    return open_sqlite(
        Path(text),
        create=create,
        shared=shared,
        switch_journal=switch_journal,
        despite_others=despite_others,
    )


def _upgrade(db: Database, *, stamp_application_id: bool) -> None:
    from alembic import command

    from app.services.storage import translate_error

    cfg = alembic_config()
    sqlite = db.engine.dialect.name == "sqlite"
    try:
        with db.engine.execution_options(sqlite_begin="IMMEDIATE").connect() as conn:
            # A migration that rebuilds a table (SQLite's "batch" copy) drops the old one:
            # with foreign keys enforced that fails on any database holding rows. They are
            # switched off before the transaction (the pragma is ignored inside one) and
            # every reference is checked before the commit instead.
            raw = conn.connection.driver_connection if sqlite else None
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=OFF")
            try:
                with conn.begin():
                    if stamp_application_id:
                        conn.exec_driver_sql(f"PRAGMA application_id={SQLITE_APPLICATION_ID}")
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
                    if sqlite:
                        _refuse_broken_references(conn)
            finally:
                if raw is not None:
                    raw.execute("PRAGMA foreign_keys=ON")
    except Exception as exc:
        translated = translate_error(exc)
        if translated is not exc:
            raise translated from exc
        raise
    log.info("Schema of %s upgraded to %s", db.location, head_revision())


def _refuse_broken_references(conn) -> None:
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise DatabaseRefused(
            "La mise à jour de la base a été annulée : elle laisserait des références "
            "orphelines. La base est restée telle quelle.",
            detail=repr(broken[:5]),
        )


def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
