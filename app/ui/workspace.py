"""Opening a base for the window: the start-up's path and the Fichier menu's (another base,
a restore): the WAL and « other stations connected » questions, who is acting, the case
states brought up to date, the location remembered. Shared by :mod:`app.ui.application`
and :mod:`app.ui.main_window`, so that neither imports the other."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from app.config import Paths, load_config, save_config
from app.services import actor as actor_service
from app.services import schema
from app.services.actor import Actor
from app.services.errors import UserFacingError
from app.services.presence import OthersConnected
from app.services.sqlite_file import WalMode
from app.services.storage import Database
from app.ui import db_wait, dialogs, status

if TYPE_CHECKING:
    from app.services.server_connection import ServerProfile

log = logging.getLogger(__name__)


def open_workspace(
    parent: QWidget | None,
    location: str,
    *,
    create: bool = False,
    shared: bool | None = None,
    remember: bool = True,
    paths: Paths | None = None,
    refresh_states: bool = True,
) -> tuple[Database, Actor] | None:
    """Open a database and find who is acting; show the error (offering to retry) and
    return None on failure. On success the workstation remembers the location.
    ``refresh_states``: bring the case states up to date now (else the caller does it)."""

    def attempt_open() -> tuple[Database, Actor]:
        options: dict[str, bool] = {}
        while True:
            try:
                db = db_wait.run_db(
                    parent, lambda: open_location(location, create, shared, options)
                )
                break
            except WalMode as exc:
                question = exc.message + "\n\nRemettre la base en mode normal maintenant ?"
                if not dialogs.ask_yes_no(parent, question):
                    raise UserFacingError(exc.message) from exc
                options["switch_journal"] = True
            except OthersConnected as exc:
                if not exc.what.startswith("La mise à jour") or not dialogs.ask_yes_no(
                    parent,
                    exc.message + "\n\nCes postes utilisent une version plus ancienne : "
                    "s'ils enregistrent encore après la mise à jour, leur travail peut être "
                    "refusé. Mettre à jour quand même ?",
                ):
                    raise
                options["despite_others"] = True
        try:
            return db, actor_service.current_actor(db)
        except BaseException:
            db.dispose()
            raise

    ok, opened = status.attempt(parent, attempt_open)
    if not ok or opened is None:
        return None
    if refresh_states:
        refresh_case_states(parent, *opened)
    if remember:
        config = load_config(paths)
        config.remember(opened[0].location, shared)
        if server := _server(location):
            config.server = server[0].as_config()
        try:
            save_config(config, paths)
        except OSError as exc:  # the work can go on; only the next start will ask again
            log.warning("Workstation config not saved: %s", exc)
    return opened


def open_location(
    location: str, create: bool, shared: bool | None, options: dict[str, bool]
) -> Database:
    """A file through :func:`schema.open_database`; the département's server through
    :func:`server_connection.connect` (its password from this session or the keyring,
    every failure told in French)."""
    if server := _server(location):
        from app.services import server_connection

        return server_connection.connect(*server)
    return schema.open_database(location, create=create, shared=shared, **options)


def _server(location: str) -> tuple[ServerProfile, str | None] | None:
    if "://" not in location:
        return None  # a file: no server module (nor SQLAlchemy) loaded before the window
    from app.services.server_connection import parse_location

    return parse_location(location)


def refresh_case_states(parent: QWidget | None, db: Database, actor: Actor) -> int:
    """Move the granted cases whose job has started to "en cours" (once per opening).

    Nothing on a read-only database. A failure is shown (a busy database may be retried)
    but never stops the start: the states are brought up to date at the next opening."""
    if db.read_only:
        return 0
    from app.services import workflow

    while True:
        try:
            moved = db_wait.run_db(parent, lambda: workflow.refresh_states(db, actor))
            break
        except UserFacingError as exc:
            if not status.offer_retry(parent, exc):
                return 0
        except Exception as exc:
            dialogs.show_error(parent, exc)
            return 0
    if moved:
        log.info("%d granted case(s) moved to in progress at opening", moved)
    return moved
