"""Start-up on the département's server: connect, and when the server is silent or refuses
the login, say so in French and offer « Réessayer », « Ouvrir une base locale… » (the
first-run wizard) or « Quitter », never a traceback.

A password neither typed this session nor remembered in the keyring is asked first, with
the connection dialog filled with the profile; a refused login asks it again on
« Réessayer »."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QWidget

from app.config import Paths, load_config, save_config
from app.services import server_connection
from app.services.actor import Actor, current_actor
from app.services.errors import DatabaseUnavailable, LoginRefused, UserFacingError
from app.services.server_connection import ServerProfile
from app.services.storage import Database
from app.ui import dialogs, server_dialog, workers
from app.ui.server_dialog import FailureChoice

log = logging.getLogger(__name__)

NO_PASSWORD = "Le mot de passe du serveur du Département n'a pas été saisi."
NOT_OPENED = "La base du serveur du Département n'a pas pu être ouverte."


def open_server_at_startup(
    parent: QWidget | None, location: str, paths: Paths
) -> tuple[Database, Actor] | FailureChoice:
    """The server base and who acts on it, or what the user chose instead
    (``FailureChoice.LOCAL``: show the wizard; ``FailureChoice.QUIT``)."""
    parsed = server_connection.parse_location(location)
    if parsed is None:
        raise ValueError("not a server location")  # the caller checked
    profile, password = parsed
    need_password = password is None and server_connection.known_password(profile) is None
    while True:
        failure: UserFacingError = DatabaseUnavailable(NO_PASSWORD)
        if need_password and (chosen := ask_password(parent, profile, paths)) is not None:
            profile, password, need_password = chosen, None, False
        if not need_password:
            try:
                return _open(parent, profile, password, paths)
            except UserFacingError as exc:
                failure = exc
            except Exception as exc:  # a bug: logged with its traceback, told plainly
                dialogs.show_error(parent, exc)
                failure = DatabaseUnavailable(NOT_OPENED)
        log.warning("Server base not opened at start-up: %s %s", failure, failure.detail)
        choice = server_dialog.ask_after_failure(parent, failure)
        if choice is not FailureChoice.RETRY:
            return choice
        need_password = need_password or isinstance(failure, LoginRefused)


def ask_password(
    parent: QWidget | None, profile: ServerProfile, paths: Paths
) -> ServerProfile | None:
    """The connection dialog, filled with ``profile``, for its password (tested, kept)."""
    config = load_config(paths)
    config.server = profile.as_config()
    return server_dialog.ask_server_connection(
        parent,
        config,
        paths,
        reason=f"Saisissez le mot de passe de « {profile.user} » pour ouvrir la base "
        f"« {profile.database} » du serveur du Département ({profile.where}).",
    )


def _open(
    parent: QWidget | None, profile: ServerProfile, password: str | None, paths: Paths
) -> tuple[Database, Actor]:
    def job(_progress: object, _cancelled: object) -> tuple[Database, Actor]:
        db = server_connection.connect(profile, password)
        try:
            return db, current_actor(db)
        except BaseException:
            db.dispose()
            raise

    opened: tuple[Database, Actor] = workers.run_with_progress(
        parent,
        f"Connexion au serveur du Département ({profile.where})…",
        job,
        cancellable=False,
    )
    config = load_config(paths)
    config.remember(profile.location, None)
    config.server = profile.as_config()
    try:
        save_config(config, paths)
    except OSError as exc:
        log.warning("Workstation config not saved: %s", exc)
    return opened
