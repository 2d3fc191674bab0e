"""The « Documents » tab of a case: the letters produced for it (every version, the
superseded ones greyed) under the bar that produces, previews, prints and verifies them
(:class:`app.ui.documents_panel.DocumentsPanel`)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.services.actor import Actor
from app.services.case_view import CaseDetail, MeetingView
from app.services.storage import Database
from app.ui.case_widgets import RecordTableModel, make_table, muted
from app.ui.documents_panel import DocumentsPanel, document_columns


class DocumentsTab(QWidget):
    """``selected_meeting`` and ``reload`` are handed to the panel (see there)."""

    def __init__(
        self,
        db: Database,
        actor: Actor,
        *,
        selected_meeting: Callable[[], MeetingView | None],
        reload: Callable[[], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        self.documents_empty = muted("Aucun document")
        self.documents_empty.setObjectName("documentsEmpty")
        self.document_model = RecordTableModel(document_columns(), self)
        self.document_table = make_table(self.document_model, stretch=4, name="documentTable")
        self.documents_panel = DocumentsPanel(
            db,
            actor,
            self.document_table,
            self.document_model,
            selected_meeting=selected_meeting,
            reload=reload,
        )
        layout.addWidget(self.documents_panel)
        layout.addWidget(self.documents_empty)
        layout.addWidget(self.document_table, 1)
        layout.addStretch(0)  # takes the room while the table is hidden (no document yet)

    def show_case(self, d: CaseDetail) -> None:
        self.document_model.set_rows(d.documents)
        empty = not d.documents
        self.documents_empty.setVisible(empty)
        self.document_table.setVisible(not empty)
        self.documents_panel.refresh(d)
