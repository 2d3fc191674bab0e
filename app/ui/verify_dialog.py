"""Check a signed PDF: who signed, is it intact, is it the archived file (French report).

The file is compared with the fingerprint archived for it: by its place in the archive
folder, otherwise by its own fingerprint (a copy sent by e-mail, a download). Offline: no
certificate is fetched; ``app.services.pdf_verify`` (pyHanko) is imported on first use.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services import documents
from app.services.storage import Database
from app.ui import case_widgets, dialogs, status
from app.ui.case_widgets import (
    ERROR_NOTICE,
    OK_NOTICE,
    PRIMARY_BUTTON,
    WARNING_NOTICE,
    muted,
    notice,
)
from app.ui.widgets import busy_cursor

if TYPE_CHECKING:
    from app.services.pdf_verify import VerificationReport

log = logging.getLogger(__name__)

PDF_FILTER = "Documents PDF (*.pdf);;Tous les fichiers (*)"


@dataclasses.dataclass(frozen=True)
class Verification:
    """The report of one file and what the archive says of it (French)."""

    path: Path
    report: VerificationReport
    archive_note: str

    @property
    def ok(self) -> bool:
        return self.report.ok

    @property
    def hand_signed_copy(self) -> bool:
        """An unsigned letter identical to the archive: printed for a hand signature."""
        return self.report.unsigned and self.report.matches_archive is True

    @property
    def verdict(self) -> str:
        if self.hand_signed_copy:
            return (
                "Résultat : document sans signature électronique (signature manuscrite), "
                "conforme à l'archive."
            )
        return self.report.verdict

    @property
    def text(self) -> str:
        return "\n".join([f"Fichier : {self.path}", self.archive_note, "", self.report.as_text()])


def verify(db: Database, path: Path) -> Verification:
    """verify_pdf against the archived fingerprint (found by path, else by content)."""
    from app.services.pdf_verify import parse_trust_roots, verify_pdf
    from app.services.settings import load_settings

    with busy_cursor():
        roots = parse_trust_roots(load_settings(db).trusted_certificates)
        archived = documents.archived_sha256(db, path)
        report = verify_pdf(path, trust_roots=roots, archived_sha256=archived)
        if archived is not None:
            note = (
                "Document des archives de cette base : son empreinte est celle enregistrée "
                "lors de sa production."
                if report.matches_archive
                else "ATTENTION : ce fichier des archives a été modifié depuis sa production "
                "(son empreinte n'est plus celle enregistrée)."
            )
            return Verification(path, report, note)
        found = documents.find_by_sha256(db, report.sha256) if report.sha256 else None
    if found is not None:
        report = dataclasses.replace(report, archived_sha256=found.sha256)
        note = f"Copie identique au document archivé « {found.path} »."
    else:
        note = (
            "Ce fichier ne correspond à aucun document archivé dans cette base "
            "(copie modifiée, ou document produit ailleurs)."
        )
    return Verification(path, report, note)


class VerifyDialog(QDialog):
    """The verdict in colour, what the archive says, then the detailed report."""

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verifyDialog")
        self.setWindowTitle("Vérification d'un PDF signé")
        self.setMinimumSize(720, 460)
        self._db = db
        self.verification: Verification | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(10)
        top = QHBoxLayout()
        self.file_label = QLabel()
        self.file_label.setObjectName("fileLabel")
        self.file_label.setWordWrap(True)
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.choose_button = QPushButton("Vérifier un autre fichier…")
        self.choose_button.setObjectName("chooseFile")
        self.choose_button.setAutoDefault(False)
        self.choose_button.clicked.connect(self.choose)
        top.addWidget(self.file_label, 1)
        top.addWidget(self.choose_button)
        layout.addLayout(top)
        self.verdict_label = notice()
        self.verdict_label.setObjectName("verdictLabel")
        font = QFont(self.verdict_label.font())
        font.setBold(True)
        self.verdict_label.setFont(font)
        layout.addWidget(self.verdict_label)
        self.archive_label = muted()
        self.archive_label.setObjectName("archiveLabel")
        layout.addWidget(self.archive_label)
        self.report_text = QPlainTextEdit()
        self.report_text.setObjectName("reportText")
        self.report_text.setReadOnly(True)
        self.report_text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        layout.addWidget(self.report_text, 1)
        buttons = QHBoxLayout()
        self.copy_button = QPushButton("Copier le rapport")
        self.copy_button.setObjectName("copyReport")
        self.copy_button.setAutoDefault(False)
        self.copy_button.clicked.connect(self.copy_report)
        self.close_button = QPushButton("Fermer")
        self.close_button.setDefault(True)
        self.close_button.setStyleSheet(PRIMARY_BUTTON)
        self.close_button.clicked.connect(self.accept)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

    @property
    def verdict_ok(self) -> bool:
        return self.verification is not None and self.verification.ok

    def check(self, path: str | Path) -> Verification | None:
        """Verify ``path`` and show the result; None when the database could not be read."""
        path = Path(path)
        ok, result = status.attempt_db(self.parentWidget() or self, lambda: verify(self._db, path))
        if not ok or result is None:
            return None
        self.verification = result
        self.file_label.setText(f"Fichier : {path}")
        self.verdict_label.setText(result.verdict)
        if result.ok:
            style = OK_NOTICE
        elif result.hand_signed_copy:
            style = WARNING_NOTICE
        else:
            style = ERROR_NOTICE
        self.verdict_label.setStyleSheet(style)
        self.archive_label.setText(result.archive_note)
        self.report_text.setPlainText(result.report.as_text())
        log.info("Verified %s: %s", path, result.verdict)
        return result

    def choose(self) -> Verification | None:
        chosen = ask_pdf(self)
        return self.check(chosen) if chosen else None

    def copy_report(self) -> None:
        if self.verification is not None:
            QGuiApplication.clipboard().setText(self.verification.text)


def ask_pdf(parent: QWidget | None) -> str:
    return dialogs.ask_open_file(parent, "Vérifier un PDF signé", PDF_FILTER)


def verify_file(
    parent: QWidget | None, db: Database, path: str | Path | None = None
) -> Verification | None:
    """Menu « Vérifier un PDF signé… »: pick a file (unless given), show the report."""
    chosen = str(path) if path else ask_pdf(parent)
    if not chosen:
        return None
    dialog = VerifyDialog(db, parent)
    try:
        result = dialog.check(chosen)
        if result is None:
            return None
        case_widgets.exec_dialog(dialog)
        return dialog.verification
    finally:
        dialog.deleteLater()
