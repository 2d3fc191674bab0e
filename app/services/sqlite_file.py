"""An interrupted save left on a SQLite file: its hot journal, finished before anything
reads the base.

A workstation killed in the middle of a save (power cut, crash, share dropped) leaves a
``-journal`` file beside the base holding the pages as they were before. SQLite restores
them at the next read-write open that takes the write lock; a read-only open cannot, and
fails. So every open first finishes such a save (when the folder is writable), and says so
in the log; a base with a hot journal is never called damaged, and the journal must never be
deleted by hand (that is what would really corrupt the base).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from app.services.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

READONLY_ROLLBACK = 776  # SQLITE_READONLY_ROLLBACK: a hot journal and no right to replay it
LOCK_WAIT_S = 15  # a live writer keeps its journal while it commits: wait for it


def journal_of(path: Path) -> Path:
    return path.with_name(path.name + "-journal")


def has_journal(path: Path) -> bool:
    journal = journal_of(path)
    try:
        return journal.stat().st_size > 0
    except OSError:
        return False


def finish_interrupted_save(path: Path) -> bool:
    """Roll back the journal a killed writer left (True when one was), under the write lock.

    A journal that belongs to a save in progress on another station is not touched: the
    write lock waits for that save to end. A base that stays locked is left for later."""
    if not has_journal(path):
        return False
    size = journal_of(path).stat().st_size
    conn = sqlite3.connect(
        f"file:{path.as_posix()}?mode=rw", uri=True, timeout=LOCK_WAIT_S, isolation_level=None
    )
    try:
        conn.execute("BEGIN IMMEDIATE")  # the shared lock it takes first replays a hot journal
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        log.warning("Journal of %s left as is (%s)", path, exc)
        return False
    finally:
        conn.close()
    if has_journal(path):
        return False
    log.warning(
        "Interrupted save on %s rolled back: its journal (%d bytes) restored the base as it was "
        "before that save",
        path,
        size,
    )
    return True


def interrupted_save_error(path: Path, exc: sqlite3.Error) -> DatabaseUnavailable | None:
    """The French message for a hot journal this station may not replay (or None)."""
    if getattr(exc, "sqlite_errorcode", None) != READONLY_ROLLBACK:
        return None
    return DatabaseUnavailable(
        f"Un enregistrement a été interrompu sur « {path.name} » (panne ou arrêt brutal d'un "
        "poste). La base n'est pas endommagée : elle sera remise en état automatiquement à la "
        "prochaine ouverture par un poste qui a le droit d'écrire dans le dossier. Ne "
        f"supprimez surtout pas le fichier « {journal_of(path).name} ».",
        detail=str(exc),
    )
