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

import json
import logging
import os
import sqlite3
from pathlib import Path

from app.services.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

READONLY_ROLLBACK = 776  # SQLITE_READONLY_ROLLBACK: a hot journal and no right to replay it
LOCK_WAIT_S = 15  # a live writer keeps its journal while it commits: wait for it


def journal_of(path: Path) -> Path:
    return path.with_name(path.name + "-journal")


JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")  # a rollback journal's header starts so


def has_journal(path: Path) -> bool:
    """Whether a save may have been interrupted: a journal with its header written. One
    whose header is still zero (a writer killed before changing the base) is not hot:
    SQLite ignores it, and so do we (no write lock taken for it at every open)."""
    try:
        with journal_of(path).open("rb") as fh:
            return fh.read(8) == JOURNAL_MAGIC
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


# --- A base another tool switched to WAL -------------------------------------------------
# The header's bytes 18-19 are 1 for a rollback journal, 2 for WAL. Pack Sortie never uses
# WAL: its shared-memory index does not work over SMB/NFS, and a station that cannot switch
# it back (another one has it open) fails every action as « occupée ».


def is_wal(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            header = fh.read(20)
    except OSError:
        return False
    return len(header) == 20 and (header[18] == 2 or header[19] == 2)


class WalMode(DatabaseUnavailable):
    """The base is in WAL mode: explained, and switched back on request."""

    def __init__(self, path: Path, detail: str = "") -> None:
        super().__init__(
            f"« {path.name} » a été passée en mode « WAL » par un autre outil (un logiciel "
            "de consultation de bases SQLite, par exemple). Ce mode ne fonctionne pas sur un "
            "dossier partagé : chaque enregistrement échouerait comme si la base était "
            "occupée. Pack Sortie peut la remettre en mode normal (journal classique) dès "
            "qu'aucun autre poste ni outil ne l'a ouverte (à l'ouverture dans l'application, "
            "ou commande « check --fix-journal »). Les données ne sont pas touchées.",
            detail=detail,
        )
        self.path = path


def switch_to_rollback_journal(path: Path) -> None:
    """Put a WAL base back in rollback-journal mode (its WAL content is checkpointed first).

    SQLite needs the base to itself for this: when another connection has it open, a
    French ``DatabaseUnavailable`` says so and nothing changes."""
    conn = sqlite3.connect(f"file:{path.as_posix()}?mode=rw", uri=True, timeout=3)
    try:
        mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    except sqlite3.OperationalError as exc:
        raise DatabaseUnavailable(
            f"« {path.name} » est encore ouverte sur un autre poste (ou dans un autre outil) : "
            "fermez-la partout, puis recommencez. Rien n'a été modifié.",
            detail=str(exc),
        ) from exc
    finally:
        conn.close()
    if str(mode).lower() != "delete":
        raise DatabaseUnavailable(
            f"Le mode de « {path.name} » n'a pas pu être changé (reste « {mode} »).",
        )
    log.warning("%s switched back from WAL to a rollback journal", path)


# --- Damaged pages -------------------------------------------------------------------------

QUICK_CHECK_S = {"local": 10.0, "shared": 3.0}  # bounded: a big base on a slow share


def quick_check(path: Path, budget_s: float) -> list[str] | None:
    """``PRAGMA quick_check`` within ``budget_s``: the problems found ([] when sound), or
    None when it could not finish in time (the base is then taken as sound, and logged)."""
    import time

    deadline = time.monotonic() + budget_s
    conn = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True, timeout=5)
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check(20)")]
    except sqlite3.OperationalError as exc:
        if "interrupt" in str(exc).lower():
            log.info("Quick check of %s stopped after %.1f s: not finished", path, budget_s)
            return None
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            return None
        return [str(exc)]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        conn.close()
    return [] if rows == ["ok"] else rows


def _fingerprint(path: Path) -> list[object]:
    """What changes whenever the file's bytes do: size, modification time, inode and the
    header's change counter (bumped by every commit in rollback-journal mode)."""
    st = path.stat()
    with path.open("rb") as f:
        f.seek(24)
        counter = f.read(4)
    return [st.st_size, st.st_mtime_ns, st.st_ino, counter.hex()]


def quick_check_once(path: Path, budget_s: float, memo: Path | None) -> list[str] | None:
    """:func:`quick_check`, skipped when this workstation found the very same file sound
    before (``memo``, a small JSON file in its data folder, remembers the fingerprint of
    the bases found sound): checking unchanged bytes again would find nothing new, and on
    a big base it is most of the time an opening takes. Any write, copy or restore changes
    the fingerprint and the next opening checks again; ``check`` always reads everything."""
    key = str(path.resolve())
    try:
        fingerprint = _fingerprint(path)
        known = json.loads(memo.read_text(encoding="utf-8")) if memo and memo.exists() else {}
    except (OSError, ValueError):
        fingerprint, known = None, {}
    if not isinstance(known, dict):
        known = {}
    if fingerprint is not None and known.get(key) == fingerprint:
        return []
    problems = quick_check(path, budget_s)
    if memo is None or fingerprint is None or problems is None:
        return problems
    known.pop(key, None)
    if not problems:
        known[key] = fingerprint
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        partial = memo.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(dict(list(known.items())[-50:])), encoding="utf-8")
        partial.replace(memo)
    except OSError as exc:  # a read-only profile: the next opening checks again
        log.info("Could not remember the check of %s: %s", path, exc)
    return problems
