"""The « Documents » tab of a case: produce the letters the case's state calls for (signed
electronically, or printed for a hand signature), preview, print, open the archive folder,
verify a signature.

The panel sits above the documents table of the tab (:mod:`app.ui.case_tabs.documents_tab`)
and drives it. It knows the case it is shown (:meth:`DocumentsPanel.refresh`), asks the
meetings tab for the selected meeting and the case screen for a reload through the callables
it is given, and says a new document by ``caseChanged`` and ``produced``: it knows no screen.
After producing, the case is reloaded and the new document selected. Every service call goes
through :func:`app.ui.status.attempt` (French messages, retry offer).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QMenu, QPushButton, QTableView, QVBoxLayout, QWidget

from app.models.enums import DocumentKind
from app.services import documents
from app.services.actor import Actor
from app.services.case_letters import LetterChoice, letter_choices
from app.services.case_view import CaseDetail, DocumentView, MeetingView
from app.services.documents import ArchiveUnavailable, ProducedDocument
from app.services.letter_content import Letter
from app.services.storage import Database
from app.ui import dialogs, status
from app.ui.case_widgets import (
    CENTER,
    INFO_NOTICE,
    OK_NOTICE,
    PRIMARY_BUTTON,
    Column,
    RecordTableModel,
    notice,
    select_row,
    selected_row,
)
from app.ui.pdf_preview import PdfPreview, print_file
from app.ui.signer_setup import HAND, SignerSession, signer_session_of
from app.ui.workers import run_with_progress

if TYPE_CHECKING:
    from app.ui.verify_dialog import Verification

log = logging.getLogger(__name__)

HAND_SIGNATURE = "signature manuscrite"
SUPERSEDED_COLOUR = QColor("#9aa0a6")
SIGNATURE_CHOICES = ["Signer électroniquement", "Imprimer pour signature manuscrite"]
_VERSION = re.compile(r"-v(\d+)\.pdf$")


# --- the documents table -----------------------------------------------------------------------
def version_of(doc: DocumentView) -> int | None:
    """The version archived in the file name (``…-v2.pdf``)."""
    match = _VERSION.search(doc.path)
    return int(match.group(1)) if match else None


def _grey(doc: DocumentView) -> QColor | None:
    return SUPERSEDED_COLOUR if doc.superseded else None


def _version_text(doc: DocumentView) -> str:
    version = version_of(doc)
    text = str(version) if version is not None else "—"
    return f"{text} (remplacée)" if doc.superseded else text


def document_columns() -> list[Column]:
    """Kind, reference, version, date, signature; a superseded version is greyed."""
    return [
        Column("Document", lambda d: d.kind.label, colour=_grey),
        Column("Référence", lambda d: d.reference, colour=_grey),
        Column("Version", _version_text, CENTER, colour=_grey),
        Column("Date", lambda d: d.created_at.strftime("%d/%m/%Y %H:%M"), colour=_grey),
        Column("Signature", lambda d: d.signed_by or HAND_SIGNATURE, colour=_grey),
    ]


# --- the panel ---------------------------------------------------------------------------------
class DocumentsPanel(QWidget):
    """Buttons of the Documents tab (see module docstring): ``table`` shows ``model``, the
    case's documents; ``selected_meeting`` is the meeting a report would be about;
    ``reload`` reads the case again (and calls :meth:`refresh`)."""

    produced = Signal(object)  # ProducedDocument
    caseChanged = Signal(object)  # uuid.UUID of the case, after a document was produced

    def __init__(
        self,
        db: Database,
        actor: Actor,
        table: QTableView,
        model: RecordTableModel,
        *,
        selected_meeting: Callable[[], MeetingView | None],
        reload: Callable[[], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("documentsPanel")
        self._db = db
        self._actor = actor
        self._table = table
        self._model = model
        self._selected_meeting = selected_meeting
        self._reload = reload
        self._detail: CaseDetail | None = None
        self._own_session: SignerSession | None = None
        self.preview: PdfPreview | None = None
        self.last_produced: ProducedDocument | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.produce_button = QPushButton("Produire le courrier…")
        self.produce_button.setObjectName("produceButton")
        self.produce_button.setStyleSheet(PRIMARY_BUTTON)
        self.produce_button.setAutoDefault(False)
        self.produce_menu = QMenu(self.produce_button)
        self.produce_menu.setObjectName("produceMenu")
        self.produce_menu.aboutToShow.connect(self._fill_menu)
        self.produce_button.setMenu(self.produce_menu)
        self.preview_button = self._button("Aperçu", "previewButton", self.preview_selected)
        self.print_button = self._button("Imprimer…", "printDocumentButton", self.print_selected)
        self.folder_button = self._button(
            "Ouvrir le dossier", "openFolderButton", self.open_folder_selected
        )
        self.verify_button = self._button(
            "Vérifier la signature", "verifyButton", self.verify_selected
        )
        bar.addWidget(self.produce_button)
        bar.addSpacing(12)
        for button in (self.preview_button, self.print_button, self.folder_button):
            bar.addWidget(button)
        bar.addStretch(1)
        bar.addWidget(self.verify_button)
        layout.addLayout(bar)
        self.result_label = notice("", OK_NOTICE)
        self.result_label.setObjectName("documentResult")
        self.result_label.setVisible(False)
        layout.addWidget(self.result_label)

        table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        table.doubleClicked.connect(lambda _index: self.preview_selected())
        self._update_buttons()

    def _button(self, text: str, name: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.setStyleSheet("QPushButton { padding: 5px 12px; }")
        button.clicked.connect(lambda _checked=False: slot())
        return button

    # --- state ---------------------------------------------------------------------------
    @property
    def session(self) -> SignerSession:
        """The main window's signer session (a panel of its own outside a main window)."""
        session = signer_session_of(self)
        if session is not None:
            return session
        if self._own_session is None:
            self._own_session = SignerSession()
        return self._own_session

    @session.setter
    def session(self, value: SignerSession) -> None:
        self._own_session = value

    def refresh(self, detail: CaseDetail) -> None:
        """After the case is (re)loaded: what may be produced, what is selected."""
        self._detail = detail
        self._fill_menu()
        self._update_buttons()

    def choices(self) -> list[LetterChoice]:
        detail = self._detail
        return letter_choices(detail, self._selected_meeting()) if detail is not None else []

    def _fill_menu(self) -> None:
        self.produce_menu.clear()
        choices = self.choices()
        for choice in choices:
            action = self.produce_menu.addAction(choice.text)
            action.setObjectName(f"produce_{choice.kind.value}")
            action.triggered.connect(
                lambda _checked=False, c=choice: self.produce(c.kind, c.meeting_id)
            )
        read_only = self._db.read_only
        self.produce_button.setEnabled(bool(choices) and not read_only)
        if read_only:
            tip = "Base ouverte en lecture seule : aucun document ne peut être produit."
        elif not choices:
            tip = "Aucun courrier à produire : aucune décision ni entretien sur ce dossier."
        else:
            tip = "Produire et archiver un courrier de ce dossier"
        self.produce_button.setToolTip(tip)

    def selected_document(self) -> DocumentView | None:
        row = selected_row(self._table)
        return self._model.row_object(row) if row >= 0 else None

    def _update_buttons(self) -> None:
        doc = self.selected_document()
        for button in (self.preview_button, self.print_button, self.folder_button):
            button.setEnabled(doc is not None)
        self.verify_button.setEnabled(doc is not None)
        self.verify_button.setToolTip(
            "Vérifier la signature électronique et l'empreinte archivée"
            if doc is None or doc.signed_by
            else "Document non signé électroniquement : vérifier qu'il est conforme à l'archive"
        )

    def select_document(self, document_id: uuid.UUID) -> bool:
        row = self._model.row_of(document_id)
        select_row(self._table, row)
        self._update_buttons()
        return row >= 0

    # --- producing -----------------------------------------------------------------------
    def produce(
        self, kind: DocumentKind, meeting_id: uuid.UUID | None = None
    ) -> ProducedDocument | None:
        """Render (checks the letter can be produced), ask how it is signed, produce and
        archive it, reload the case and select the new document."""
        detail = self._detail
        if detail is None or self._db.read_only:
            return None
        case_id = detail.id

        def render() -> tuple[Letter, bytes, object]:
            return documents.render(self._db, case_id, kind, electronic=True, meeting_id=meeting_id)

        ok, rendered = status.attempt_db(self, render)
        if not ok or rendered is None:
            return None
        letter = rendered[0]
        configured = bool(self.session.configured_path)
        choice = dialogs.ask_choice(
            self,
            f"{kind.label} — dossier {detail.reference}\n\nComment ce document sera-t-il signé ?",
            SIGNATURE_CHOICES,
            title="Produire le courrier",
            default=0 if configured else 1,
        )
        if choice < 0:
            return None
        signer = None
        if choice == 0:
            actor = self._actor
            author = not letter.signer_name or documents.same_person(
                letter.signer_name, actor.display
            )
            if not author and not actor.is_validator:
                dialogs.show_warning(
                    self,
                    f"Ce courrier est établi au nom de {letter.signer_name} : seul l'auteur ou "
                    "un valideur ayant délégation peut le signer électroniquement. Produisez-le "
                    "pour signature à la main, ou demandez à son auteur de le produire.",
                )
                return None
            if not author and not dialogs.ask_yes_no(
                self,
                f"Ce courrier est établi au nom de {letter.signer_name}.\n"
                f"Le signer vous-même, par délégation ? Il portera alors votre nom et votre "
                f"qualité ({actor.display}), et l'archive indiquera que vous signez pour "
                f"{letter.signer_name}.",
            ):
                return None
            capacity = letter.signer_capacity if author else ""
            resolved = self.session.resolve(self, self._db, actor, capacity=capacity)
            if resolved is None:
                return None
            signer = None if resolved == HAND else resolved

        def job(
            _progress: Callable[[int, int], None], _cancelled: Callable[[], bool]
        ) -> ProducedDocument:
            return documents.produce_document(
                self._db, self._actor, case_id, kind, signer=signer, meeting_id=meeting_id
            )

        ok, produced = status.attempt(
            self,
            lambda: run_with_progress(
                self, f"Production du document « {kind.label} »…", job, cancellable=False
            ),
        )
        if not ok or produced is None:
            return None
        self.last_produced = produced
        log.info("Produced %s v%s for case %s", kind.value, produced.version, detail.reference)
        self._reload()
        self.select_document(produced.id)
        self._show_result(produced)
        self.caseChanged.emit(case_id)
        self.produced.emit(produced)
        if signer is None:
            self.print_selected()  # printed now, to be signed by hand
        return produced

    def _show_result(self, produced: ProducedDocument) -> None:
        what = f"{produced.kind.label}, version {produced.version}, archivée"
        if produced.signed_by:
            text = f"{what} : signée électroniquement par {produced.signed_by} ({produced.level})."
            style = OK_NOTICE
        else:
            text = f"{what} : à imprimer et à signer à la main (« Imprimer… »)."
            style = INFO_NOTICE
        self.result_label.setText(text)
        self.result_label.setStyleSheet(style)
        self.result_label.setVisible(True)

    # --- the selected document -----------------------------------------------------------
    def document_path(self, doc: DocumentView) -> Path:
        """Where the archived file is; ArchiveUnavailable (retryable) when it cannot be
        reached (share disconnected, file moved)."""
        path = documents.documents_root(self._db) / doc.path
        if not path.is_file():
            raise ArchiveUnavailable(
                f"Le document archivé est introuvable : {path}\n"
                "Le dossier des archives est peut-être déconnecté (partage réseau)."
            )
        return path

    def _selected_path(self) -> Path | None:
        doc = self.selected_document()
        if doc is None:
            return None
        ok, path = status.attempt_db(self, lambda: self.document_path(doc))
        return path if ok else None

    def preview_selected(self) -> PdfPreview | None:
        path = self._selected_path()
        if path is None:
            return None
        if self.preview is None:
            self.preview = PdfPreview(self.window())
            self.preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.preview.destroyed.connect(self._forget_preview)
        if not self.preview.open_file(path):
            return None
        self.preview.show()
        self.preview.raise_()
        self.preview.activateWindow()
        return self.preview

    def _forget_preview(self) -> None:
        self.preview = None

    def print_selected(self) -> int:
        path = self._selected_path()
        return print_file(self, path) if path is not None else 0

    def open_folder_selected(self) -> bool:
        path = self._selected_path()
        if path is None:
            return False
        if dialogs.open_folder(self, path.parent):
            return True
        dialogs.show_warning(self, f"Le dossier n'a pas pu être ouvert :\n{path.parent}")
        return False

    def verify_selected(self) -> Verification | None:
        from app.ui.verify_dialog import verify_file

        path = self._selected_path()
        return verify_file(self, self._db, path) if path is not None else None
