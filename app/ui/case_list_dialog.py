"""The cases behind a figure of the « Tableau de bord », in a dialog: double-click or Enter
on a row asks to open the case (``openCaseRequested``), as the « À faire » list does."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.services.charts import format_count
from app.services.evaluation import CaseRow
from app.services.text import format_date
from app.ui.case_widgets import MUTED_STYLE
from app.ui.widgets import ActivatableTable, RowListModel, fit_to_screen, setup_row_table

CASE_HEADERS = ("Dossier", "Bénéficiaire", "État", "Bureau", "Référent", "Dépôt", "Accord", "Fin")
COL_REFERENCE, COL_PERSON, COL_STATE, COL_OFFICE, COL_REFERENT = range(5)
COL_SUBMITTED, COL_GRANTED, COL_END = 5, 6, 7


class CaseRowModel(RowListModel):
    HEADERS = CASE_HEADERS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[CaseRow] = []

    TEXT_ROLES = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole})

    def cells(self, row: CaseRow) -> tuple[str, ...]:
        return (
            row.reference,
            row.beneficiary_name,
            row.state_label,
            row.office,
            row.referent,
            format_date(row.submitted_on),
            format_date(row.granted_on),
            format_date(row.end_date),
        )


class CaseListDialog(QDialog):
    """« Accords — année 2026 · Ensemble du département : 30 dossiers »."""

    openCaseRequested = Signal(uuid.UUID)

    def __init__(self, title: str, rows: list[CaseRow], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseListDialog")
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        heading = QLabel(f"<b>{title}</b>")
        heading.setTextFormat(Qt.TextFormat.RichText)
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.count_label = QLabel(
            f"{format_count(len(rows))} dossier{'s' if len(rows) > 1 else ''}"
            " — double-cliquez sur un dossier (ou Entrée) pour l'ouvrir."
            if rows
            else "Aucun dossier."
        )
        self.count_label.setStyleSheet(MUTED_STYLE)
        layout.addWidget(self.count_label)
        self.model = CaseRowModel(self)
        self.model.set_rows(rows)
        self.table = ActivatableTable(self)
        self.table.setObjectName("caseTable")
        setup_row_table(self.table)
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.table.rowActivated.connect(self.open_row)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(self)
        close = buttons.addButton("Fermer", QDialogButtonBox.ButtonRole.RejectRole)
        close.setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        fit_to_screen(self, 1200, 600)
        if rows:
            self.table.selectRow(0)

    def open_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.openCaseRequested.emit(self.model.row(row).case_id)
