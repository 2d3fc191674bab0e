"""Who else has the base open: each running station keeps a row in ``station_presence``.

A station joins when it opens the base, beats every minute and leaves when it closes; a
station that stopped without closing (crash, power cut, cable pulled) is forgotten once its
last beat is older than :data:`STALE_S`. Restoring a backup and upgrading the schema are
refused while other stations are there: they would go on writing into a file replaced
under them. Times are epoch seconds from :mod:`app.services.clock` (UTC, so time zones and
daylight saving do not matter; stations whose clocks disagree by minutes would not).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app import __version__
from app.services import clock
from app.services.actor import Actor
from app.services.errors import DatabaseUnavailable, UserFacingError
from app.services.storage import Database

log = logging.getLogger(__name__)

BEAT_S = 60  # how often a station says it is still there
STALE_S = 180  # a station silent for longer stopped without closing
FORGOTTEN_S = 86_400  # stale rows older than this are deleted when a station joins
_READ_TIMEOUT_S = 3.0

_OTHERS = (
    "SELECT token, workstation, user_login, user_name, started_at, seen_at "
    "FROM station_presence WHERE seen_at >= :since AND token <> :own ORDER BY workstation"
)


@dataclass(frozen=True)
class Station:
    """Another station seen on the base."""

    token: str
    workstation: str
    user_login: str
    user_name: str
    started_at: int
    seen_at: int

    @property
    def label(self) -> str:
        """« POSTE-12 (Marie Dupont, depuis 09:12) »."""
        since = datetime.fromtimestamp(self.started_at).astimezone().strftime("%H:%M")
        return f"{self.workstation} ({self.user_name or self.user_login}, depuis {since})"


class OthersConnected(DatabaseUnavailable):
    """Other stations have the base open, so it cannot be replaced or upgraded now."""

    def __init__(self, what: str, stations: list[Station]):
        names = "\n".join(f"  • {s.label}" for s in stations)
        super().__init__(
            f"{what} est impossible tant que d'autres postes ont la base ouverte :\n{names}\n"
            "Demandez-leur de fermer Pack Sortie, puis réessayez. Un poste arrêté sans "
            f"fermer l'application disparaît de cette liste après {STALE_S // 60} minutes.",
            detail=", ".join(s.token for s in stations),
        )
        self.what = what
        self.stations = stations


def _now() -> int:
    return int(clock.now_utc().timestamp())


def new_token() -> str:
    return uuid.uuid4().hex


def join(db: Database, actor: Actor, token: str) -> None:
    """Say this station has the base open (and forget stations long gone)."""
    from sqlalchemy import text

    now = _now()
    with db.write() as session:
        session.execute(
            text("DELETE FROM station_presence WHERE seen_at < :old OR token = :token"),
            {"old": now - FORGOTTEN_S, "token": token},
        )
        session.execute(
            text(
                "INSERT INTO station_presence (token, workstation, user_login, user_name, "
                "app_version, started_at, seen_at) VALUES (:token, :workstation, :login, "
                ":name, :version, :now, :now)"
            ),
            {
                "token": token,
                "workstation": actor.workstation[:120],
                "login": actor.login[:120],
                "name": actor.name[:300],
                "version": __version__,
                "now": now,
            },
        )


def beat(db: Database, actor: Actor, token: str) -> None:
    """Still here (joins again if the row went away, e.g. the base was restored)."""
    from sqlalchemy import text

    with db.write() as session:
        done = session.execute(
            text("UPDATE station_presence SET seen_at = :now WHERE token = :token"),
            {"now": _now(), "token": token},
        )
        missing = done.rowcount == 0  # type: ignore[attr-defined]
    if missing:
        join(db, actor, token)


def leave(db: Database, token: str) -> None:
    from sqlalchemy import text

    with db.write() as session:
        session.execute(text("DELETE FROM station_presence WHERE token = :token"), {"token": token})


def others(db: Database, token: str = "") -> list[Station]:
    """The other stations seen within :data:`STALE_S`."""
    rows = db.rows(_OTHERS, {"since": _now() - STALE_S, "own": token})
    return [Station(*row) for row in rows]


def others_on_file(path: Path, token: str = "") -> list[Station]:
    """The same, read straight from a SQLite file that is not open (restore, upgrade).

    A base older than the presence table has no stations to show."""
    try:
        conn = sqlite3.connect(
            f"file:{Path(path).as_posix()}?mode=ro", uri=True, timeout=_READ_TIMEOUT_S
        )
    except sqlite3.Error as exc:
        raise DatabaseUnavailable(
            f"Impossible de lire « {Path(path).name} ».", detail=str(exc)
        ) from exc
    try:
        rows = conn.execute(_OTHERS, {"since": _now() - STALE_S, "own": token}).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise DatabaseUnavailable(
            "La base est occupée par un autre poste : impossible de savoir qui l'a ouverte. "
            "Réessayez dans un instant.",
            detail=str(exc),
        ) from exc
    except sqlite3.DatabaseError as exc:  # damaged: its stations are read-only, not beating
        log.warning("Presence unreadable in %s: %s", path, exc)
        return []
    finally:
        conn.close()
    return [Station(*row) for row in rows]


def refuse_if_others(path: Path, what: str, token: str = "") -> None:
    """Raise :class:`OthersConnected` when other stations have ``path`` open."""
    stations = others_on_file(path, token)
    if stations:
        log.warning("%s refused: %d other station(s) on %s", what, len(stations), path)
        raise OthersConnected(what, stations)


class Heartbeat:
    """This station's presence on an open base, kept in a background thread.

    ``others`` is the latest list of the other stations (read at each beat), for the
    status bar; nothing here ever raises into the caller: a beat that fails (base busy,
    share gone) is logged and tried again at the next one."""

    def __init__(self, db: Database, actor: Actor, *, period_s: float = BEAT_S):
        self.db = db
        self.actor = actor
        self.token = new_token()
        self.period_s = period_s
        self.others: list[Station] | None = None  # None until the first beat is done
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return not (self.db.read_only or self.db.damage)

    def start(self) -> None:
        if not self.enabled or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="presence", daemon=True)
        self._thread.start()
        self.db.before_dispose(self.stop)  # never left beating on a closed base

    def _run(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                (join if first else beat)(self.db, self.actor, self.token)
                first = False
                self.others = others(self.db, self.token)
            except UserFacingError as exc:
                log.info("Presence beat skipped: %s %s", exc, exc.detail)
            except Exception:
                log.exception("Presence beat failed")
            self._stop.wait(self.period_s)

    def stop(self, timeout_s: float = 5.0) -> None:
        """Leave the base (before it is closed or replaced)."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout_s)
        self._thread = None
        try:
            leave(self.db, self.token)
        except UserFacingError as exc:  # the row goes stale in a few minutes instead
            log.info("Presence not cleared: %s %s", exc, exc.detail)
        except Exception:
            log.exception("Presence not cleared")
        self.others = None
