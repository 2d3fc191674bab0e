"""Every message box and file picker goes through these seams, so tests can replace them.

Tests patch the functions of this module (``monkeypatch.setattr(dialogs, "ask_yes_no", ...)``);
UI code therefore calls them as ``dialogs.ask_yes_no(...)``, never imports them by name.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

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


def ask_choice(
    parent: QWidget | None,
    text: str,
    choices: Sequence[str],
    title: str = TITLE,
    default: int = 0,
) -> int:
    """One button per choice, plus « Annuler »; the index chosen, or -1 when cancelled."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    buttons = [box.addButton(choice, QMessageBox.ButtonRole.AcceptRole) for choice in choices]
    cancel = box.addButton("Annuler", QMessageBox.ButtonRole.RejectRole)
    if 0 <= default < len(buttons):
        box.setDefaultButton(buttons[default])
    box.setEscapeButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    return next((i for i, b in enumerate(buttons) if b is clicked), -1)


def ask_passphrase(parent: QWidget | None, text: str, title: str = TITLE) -> str | None:
    """The passphrase typed (hidden), or None when cancelled. Never logged, never stored."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(text)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    dialog.setOkButtonText("Valider")
    dialog.setCancelButtonText("Annuler")
    dialog.setMinimumWidth(460)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.textValue()
    finally:
        dialog.setTextValue("")
        dialog.deleteLater()


def open_folder(parent: QWidget | None, folder: Path) -> bool:
    """Show ``folder`` in the file manager (Explorer on Windows); False when it failed."""
    del parent
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def print_document(parent: QWidget | None, printer: QPrinter) -> bool:
    """The system print dialog for ``printer``; True when the user chose to print."""
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Imprimer")
    try:
        return dialog.exec() == QDialog.DialogCode.Accepted
    finally:
        dialog.deleteLater()


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
