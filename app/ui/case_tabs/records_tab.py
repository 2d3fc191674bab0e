"""What the « Entretiens » and « Décisions » tabs share: a list of records, newest first,
with the selected one's full text below it, and a line saying when there is none."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QItemSelection
from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from app.ui.case_widgets import (
    Column,
    RecordTableModel,
    make_table,
    muted,
    select_row,
    selected_row,
)


class RecordsTab(QWidget):
    """The list (``model``, ``table``), the text of the selected record (``text``) and the
    line shown instead when there is none (``empty``). Subclasses may put a bar above the
    list (:meth:`_add_top`) and say how a record reads (:meth:`describe`, HTML)."""

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        empty_text: str,
        stretch: int,
        table_name: str,
        text_name: str,
        text_height: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        self._add_top(layout)
        self.empty = muted(empty_text)
        layout.addWidget(self.empty)
        self.model = RecordTableModel(columns, self)
        self.table = make_table(self.model, stretch=stretch, name=table_name)
        self.table.selectionModel().selectionChanged.connect(self._on_selected)
        layout.addWidget(self.table, 1)
        self.text = QTextBrowser()
        self.text.setObjectName(text_name)
        self.text.setMinimumHeight(text_height)
        layout.addWidget(self.text, 1)

    def _add_top(self, layout: QVBoxLayout) -> None:
        """Widgets above the list (none here)."""

    def describe(self, record: Any) -> str:
        """The full text of a record, in HTML."""
        raise NotImplementedError

    def set_records(self, records: Sequence[Any]) -> None:
        """Show ``records`` (in their order) and select the first one."""
        self.model.set_rows(records)
        empty = not records
        self.empty.setVisible(empty)
        self.table.setVisible(not empty)
        self.text.setVisible(not empty)
        self.text.setHtml("")
        if records:
            select_row(self.table, 0)

    def show_row(self, row: int) -> None:
        """The text of the record at ``row`` (none for -1)."""
        self.text.setHtml(self.describe(self.model.row_object(row)) if row >= 0 else "")

    def _on_selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self.show_row(selected_row(self.table))
