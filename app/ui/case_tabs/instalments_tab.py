"""The « Échéances » tab of a case: one line per instalment (month, aid, amount, status,
payee). The selected instalment is said by ``instalmentSelected`` (for the timeline);
:meth:`InstalmentsTab.select` selects one without saying it back."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QItemSelection, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.services.case_view import CaseDetail, InstalmentView
from app.services.text import format_cents
from app.ui.case_tabs import QuietSelection
from app.ui.case_widgets import (
    RIGHT,
    Column,
    RecordTableModel,
    make_table,
    month_label,
    muted,
    selected_row,
)
from app.ui.timeline import STATUS_COLOURS


def _status_colour(inst: InstalmentView) -> QColor:
    return STATUS_COLOURS[inst.status].darker(135)


class InstalmentsTab(QWidget):
    instalmentSelected = Signal(object)  # uuid.UUID | None, selected by the user

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        self.instalments_empty = muted(
            "Aucune échéance : le calendrier des paiements est établi à l'attribution."
        )
        layout.addWidget(self.instalments_empty)
        self.instalment_model = RecordTableModel(
            [
                Column("Mois", lambda i: month_label(i.due_month)),
                Column("Aide", lambda i: i.component.label),
                Column("Montant", lambda i: format_cents(i.amount_cents), RIGHT),
                Column(
                    "Statut", lambda i: i.status.label, colour=_status_colour, bold=lambda i: True
                ),
                Column("Payé à", lambda i: i.payee),
            ],
            self,
        )
        self.instalment_table = make_table(self.instalment_model, stretch=4, name="instalmentTable")
        self.instalment_table.selectionModel().selectionChanged.connect(self._on_selected)
        self._selection = QuietSelection(self.instalment_table)
        layout.addWidget(self.instalment_table, 1)

    def show_case(self, d: CaseDetail) -> None:
        self.instalment_model.set_rows(d.instalments)
        empty = not d.instalments
        self.instalments_empty.setVisible(empty)
        self.instalment_table.setVisible(not empty)

    def selected_id(self) -> uuid.UUID | None:
        row = selected_row(self.instalment_table)
        return self.instalment_model.id_at(row) if row >= 0 else None

    def select(self, instalment_id: uuid.UUID) -> bool:
        """Select the instalment (not said by ``instalmentSelected``); False when it is not
        in the table."""
        row = self.instalment_model.row_of(instalment_id)
        if row < 0:
            return False
        self._selection.select(row)
        return True

    def _on_selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        if not self._selection.quiet:
            self.instalmentSelected.emit(self.selected_id())
