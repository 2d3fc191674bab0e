"""Every message box and file picker goes through these seams, so tests can replace them.

Tests patch the functions of this module (``monkeypatch.setattr(dialogs, "ask_yes_no", ...)``);
UI code therefore calls them as ``dialogs.ask_yes_no(...)``, never imports them by name.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.services.errors import UserFacingError

log = logging.getLogger(__name__)

TITLE = "Pack Sortie"


def show_info(parent: QWidget | None, text: str, title: str = TITLE) -> None:
    QMessageBox.information(parent, title, text)


def show_warning(parent: QWidget | None, text: str, title: str = TITLE) -> None:
    QMessageBox.warning(parent, title, text)


def ask_yes_no(parent: QWidget | None, text: str, title: str = TITLE) -> bool:
    answer = QMessageBox.question(parent, title, text)
    return answer == QMessageBox.StandardButton.Yes


def ask_retry(parent: QWidget | None, text: str, title: str = TITLE) -> bool:
    """Offer Réessayer / Annuler; True means retry."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
    retry = box.addButton("Réessayer", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Annuler", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return box.clickedButton() is retry


def ask_open_file(parent: QWidget | None, caption: str, filters: str, start: str = "") -> str:
    path, _ = QFileDialog.getOpenFileName(parent, caption, start, filters)
    return path


def ask_save_file(parent: QWidget | None, caption: str, filters: str, start: str = "") -> str:
    path, _ = QFileDialog.getSaveFileName(parent, caption, start, filters)
    return path


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """A user-facing error shows its French message; anything else is a bug: logged with
    its traceback, and the user gets a generic message pointing to the log."""
    if isinstance(exc, UserFacingError):
        log.warning("Shown to user: %s %s", exc, exc.detail)
        show_warning(parent, exc.message)
        return
    log.error("Unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    QMessageBox.critical(
        parent,
        TITLE,
        "Une erreur inattendue s'est produite. Votre travail enregistré n'est pas perdu.\n"
        "Le détail a été écrit dans le journal de l'application ; transmettez-le à votre "
        "administrateur si le problème se reproduit.",
    )
