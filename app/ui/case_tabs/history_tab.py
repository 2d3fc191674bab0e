"""The « Historique » tab of a case: who did what and when, with the changes in French;
the consultations of the case are hidden unless asked for."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QCheckBox, QVBoxLayout, QWidget

from app.services import access_log
from app.services.case_view import CaseDetail, HistoryEntry
from app.ui.case_texts import describe_changes
from app.ui.case_widgets import Column, RecordTableModel, make_table

ACTION_LABELS = access_log.ACTION_LABELS  # the history's actions: the access log's words


class HistoryTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._history: Sequence[HistoryEntry] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        self.show_reads = QCheckBox("Afficher les consultations du dossier")
        self.show_reads.setObjectName("showReads")
        self.show_reads.toggled.connect(lambda _on: self._fill())
        layout.addWidget(self.show_reads)
        self.history_model = RecordTableModel(
            [
                Column("Date", lambda h: h.at.strftime("%d/%m/%Y %H:%M")),
                Column("Qui", lambda h: h.who),
                Column("Poste", lambda h: h.workstation),
                Column("Action", lambda h: ACTION_LABELS.get(h.action, "Autre action")),
                Column("Résumé", lambda h: h.summary),
                Column("Modifications", lambda h: describe_changes(h.changes)),
            ],
            self,
        )
        self.history_table = make_table(self.history_model, stretch=5, name="historyTable")
        layout.addWidget(self.history_table, 1)

    def show_case(self, d: CaseDetail) -> None:
        self._history = d.history
        self._fill()

    def _fill(self) -> None:
        if self._history is None:
            return
        shown = self.show_reads.isChecked()
        entries = [h for h in self._history if shown or h.action != "read"]
        self.history_model.set_rows(entries, ids=list(range(len(entries))))
