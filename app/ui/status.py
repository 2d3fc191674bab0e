"""What the user is told about the state of work: status-bar texts, and user-facing errors
with the offer to retry (through the :mod:`app.ui.dialogs` seams)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from app.services.errors import UserFacingError, ValidationError
from app.services.storage import Database, StorageMode
from app.ui import db_wait, dialogs

log = logging.getLogger(__name__)


def count_text(count: int) -> str:
    """30000 -> '30 000 bénéficiaires' (narrow no-break space), 1 -> '1 bénéficiaire'."""
    if count == 0:
        return "Aucun bénéficiaire"
    grouped = f"{count:,}".replace(",", "\u202f")
    return f"{grouped} bénéficiaire{'s' if count > 1 else ''}"


def _kind(db: Database, demo_path: Path | None) -> str:
    if demo_path is not None and db.path is not None and db.path == demo_path:
        return "Base de démonstration (données fictives)"
    if db.mode is StorageMode.SERVER:
        return "Base sur serveur"
    return f"Base {db.mode.label}"


def _state(db: Database, sep: str) -> str:
    if db.damage:
        return f"{sep}endommagée, lecture seule"
    return f"{sep}lecture seule" if db.read_only else ""


def mode_text(db: Database, demo_path: Path | None = None) -> str:
    """'Base partagée', 'Base locale, lecture seule', 'Base de démonstration (…)'..."""
    return _kind(db, demo_path) + _state(db, ", ")


def database_text(db: Database, demo_path: Path | None = None) -> str:
    """The status bar's database part: 'Base partagée : \\\\serveur\\pack\\base.sqlite'."""
    return f"{_kind(db, demo_path)} : {db.location}{_state(db, ' — ')}"


def database_name(db: Database) -> str:
    """The short name shown in the window title: the file name, or the server URL."""
    return db.path.name if db.path is not None else db.location


def offer_retry(parent: QWidget | None, exc: UserFacingError) -> bool:
    """Show a user-facing error; True when it is retryable and the user chose Réessayer."""
    if exc.retryable:
        log.warning("Retryable error shown to user: %s %s", exc, exc.detail)
        return dialogs.ask_retry(parent, exc.message)
    dialogs.show_error(parent, exc)
    return False


def attempt[T](parent: QWidget | None, action: Callable[[], T]) -> tuple[bool, T | None]:
    """Run ``action``; on a user-facing error show it, and run again while the user asks to
    retry. Returns ``(True, result)`` or ``(False, None)``. Bugs propagate (excepthook)."""
    while True:
        try:
            return True, action()
        except UserFacingError as exc:
            if not offer_retry(parent, exc):
                return False, None


def attempt_db[T](parent: QWidget | None, action: Callable[[], T]) -> tuple[bool, T | None]:
    """:func:`attempt` for database work: ``action`` runs off the GUI thread
    (:func:`app.ui.db_wait.run_db`), so it must not touch widgets."""
    return attempt(parent, lambda: db_wait.run_db(parent, action))


def attempt_inline[T](
    parent: QWidget, action: Callable[[], T]
) -> tuple[bool, T | None, dict[str, str]]:
    """Run a save off the GUI thread: ``(True, result, {})``; on bad input
    ``(False, None, errors)`` to show beside the form; other user-facing errors are shown
    (with a retry when it may help)."""
    while True:
        try:
            return True, db_wait.run_db(parent, action), {}
        except ValidationError as exc:
            return False, None, exc.errors
        except UserFacingError as exc:
            if not offer_retry(parent, exc):
                return False, None, {}
