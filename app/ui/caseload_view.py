"""« À faire » : what needs doing on the open cases, from app.services.caseload.

One query per refresh; the filter by type and the counts are computed on the rows already
loaded. Double-click or Enter on a row asks to open its case (``openCaseRequested``).
"""

from __future__ import annotations

import html
import uuid
from collections import Counter
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services import caseload as caseload_service
from app.services import clock
from app.services.actor import Actor
from app.services.caseload import TodoItem, TodoKind
from app.services.storage import Database
from app.services.text import format_date
from app.ui import status
from app.ui.widgets import ERROR_COLOR, ActivatableTable, RowListModel, setup_row_table

EMPTY_HINT = "Rien à faire pour le moment."
NO_MATCH_HINT = "Rien de ce type à faire pour le moment."
ALL_KINDS = "Tous les types"
OVERDUE = "en retard"

COL_DUE, COL_KIND, COL_REFERENCE, COL_PERSON, COL_TEXT = range(5)
TODO_HEADERS = ("Échéance", "Type", "Dossier", "Bénéficiaire", "Détail")
_COLUMN_SAMPLES = {
    COL_DUE: "00/00/0000 · en retard",
    COL_KIND: "Délai d'observations écoulé",
    COL_REFERENCE: "DOS-2018-00001",
    COL_PERSON: "DA SILVA Marie-Christine",
}

# (singular, plural) of each kind for the summary line, e.g. "3 entretiens à planifier".
_COUNT_WORDS = {
    TodoKind.DECISION: ("décision à prendre", "décisions à prendre"),
    TodoKind.NOTICE: ("invitation à envoyer", "invitations à envoyer"),
    TodoKind.OBSERVATIONS: ("délai d'observations écoulé", "délais d'observations écoulés"),
    TodoKind.MEETING: ("entretien à planifier", "entretiens à planifier"),
    TodoKind.TRIAL_END: ("fin de période d'essai", "fins de période d'essai"),
    TodoKind.REVIEW: ("bilan à 6 mois", "bilans à 6 mois"),
    TodoKind.INSTALMENT: ("échéance", "échéances"),
    TodoKind.TO_SETTLE: ("virement rejeté", "virements rejetés"),
}
_KIND_ORDER = list(_COUNT_WORDS)


def count_summary(items: list[TodoItem]) -> str:
    """'3 entretiens à planifier · 2 échéances · 1 décision à prendre' (most frequent first)."""
    if not items:
        return EMPTY_HINT
    tally = Counter(item.kind for item in items)
    kinds = sorted(tally, key=lambda k: (-tally[k], _KIND_ORDER.index(k)))
    return " · ".join(f"{tally[k]} {_COUNT_WORDS[k][tally[k] > 1]}" for k in kinds)


def late_summary(items: list[TodoItem], today: date) -> str:
    """'dont 2 en retard', or '' when nothing is late."""
    late = sum(item.due < today for item in items)
    return f"dont {late} {OVERDUE}" if late else ""


class RowTable(ActivatableTable):
    """A read-only table of rows: Enter on a row asks to open it (like a double-click), and
    a shortened cell shows its full text on hover."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        setup_row_table(self)
        header = self.horizontalHeader()
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.doubleClicked.connect(lambda index: self.rowActivated.emit(index.row()))

    def select_row(self, row: int) -> None:
        index = self.model().index(row, 0)
        self.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.scrollTo(index)


class TodoTableModel(RowListModel):
    """The to-do rows shown (already filtered); ``data()`` never queries."""

    HEADERS = TODO_HEADERS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[TodoItem] = []
        self._today = clock.today()

    def set_rows(self, rows: list[TodoItem], today: date | None = None) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._today = today or clock.today()
        self.endResetModel()

    def item(self, row: int) -> TodoItem:
        return self._rows[row]

    def items(self) -> list[TodoItem]:
        return list(self._rows)

    def is_overdue(self, item: TodoItem) -> bool:
        return item.due < self._today

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == COL_DUE:
                text = format_date(item.due)
                return f"{text} · {OVERDUE}" if self.is_overdue(item) else text
            return (
                None,
                item.kind.label,
                item.reference,
                item.person,
                item.text,
            )[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == COL_DUE and self.is_overdue(item):
            return QBrush(QColor(ERROR_COLOR))
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_DUE and self.is_overdue(item):
            return f"Échéance dépassée depuis le {format_date(item.due)}"
        if role == Qt.ItemDataRole.AccessibleTextRole and column == COL_DUE:
            return self.data(index)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None


class CaseloadView(QWidget):
    """The « À faire » list of the actor (or of every case, for validators and admins)."""

    openCaseRequested = Signal(object)
    countChanged = Signal(int)

    def __init__(
        self,
        db: Database,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._fixed_today = today
        self._items: list[TodoItem] = []
        self.model = TodoTableModel(self)

        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("caseloadSummary")
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.summary_label.setWordWrap(True)
        font = self.summary_label.font()
        font.setBold(True)
        self.summary_label.setFont(font)

        self.kind_combo = QComboBox(self)
        self.kind_combo.setAccessibleName("Type de tâche")
        self.kind_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        kind_label = QLabel("&Type :", self)
        kind_label.setBuddy(self.kind_combo)

        self.everyone_check = QCheckBox("Tous les dossiers", self)
        self.everyone_check.setToolTip(
            "Afficher ce qui est à faire sur les dossiers de tous les référents, "
            "et pas seulement les vôtres"
        )
        self.everyone_check.setVisible(actor.is_validator or actor.is_admin)

        self.refresh_button = QPushButton("Act&ualiser", self)
        self.refresh_button.setAutoDefault(False)
        self.refresh_button.setToolTip("Relire les dossiers (F5)")
        self.refresh_button.setShortcut("F5")

        self.table = RowTable(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Liste des tâches à faire")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        metrics = header.fontMetrics()
        for column, sample in _COLUMN_SAMPLES.items():
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 24)

        self.hint = QLabel(self.table.viewport())
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.hint.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.hint.hide()
        self.table.viewport().installEventFilter(self)

        top = QHBoxLayout()
        top.setSpacing(10)
        top.addWidget(self.summary_label, 1)
        top.addWidget(kind_label)
        top.addWidget(self.kind_combo)
        top.addSpacing(6)
        top.addWidget(self.everyone_check)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

        self._fill_kinds()
        self.kind_combo.currentIndexChanged.connect(self._apply_filter)
        self.everyone_check.toggled.connect(lambda _on: self.refresh())
        self.refresh_button.clicked.connect(self.refresh)
        self.table.rowActivated.connect(self._open_row)
        self.refresh()

    # --- data ------------------------------------------------------------------------------

    @property
    def today(self) -> date:
        """The day items are judged against (overdue or not); fixed in tests."""
        return self._fixed_today or clock.today()

    @today.setter
    def today(self, value: date | None) -> None:
        self._fixed_today = value

    @property
    def items(self) -> list[TodoItem]:
        """Every item loaded, before the type filter."""
        return list(self._items)

    def current_kind(self) -> TodoKind | None:
        data = self.kind_combo.currentData()
        return TodoKind(data) if data else None

    def set_kind(self, kind: TodoKind | None) -> None:
        index = self.kind_combo.findData(kind.value if kind else None)
        self.kind_combo.setCurrentIndex(max(0, index))

    def refresh(self) -> bool:
        """Query again, keeping the selected row when it is still there."""
        everyone = self.everyone_check.isChecked() and not self.everyone_check.isHidden()
        today = self.today
        ok, found = status.attempt_db(
            self,
            lambda: caseload_service.caseload(self._db, self._actor, today, everyone=everyone),
        )
        if not ok or found is None:
            return False
        self._items = found
        self._fill_kinds()
        summary = html.escape(count_summary(found), quote=False)
        if late := late_summary(found, today):
            summary += (
                f' <span style="color: {ERROR_COLOR};">— {html.escape(late, quote=False)}</span>'
            )
        self.summary_label.setText(summary)
        self.summary_label.setAccessibleName(f"{count_summary(found)} {late}".strip())
        self._apply_filter()
        self.countChanged.emit(len(found))
        return True

    def _fill_kinds(self) -> None:
        current = self.kind_combo.currentData()
        tally = Counter(item.kind for item in self._items)
        self.kind_combo.blockSignals(True)
        try:
            self.kind_combo.clear()
            self.kind_combo.addItem(ALL_KINDS, None)
            for kind in TodoKind:
                count = tally.get(kind, 0)
                text = f"{kind.label} ({count})" if count else kind.label
                self.kind_combo.addItem(text, kind.value)
            self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(current)))
        finally:
            self.kind_combo.blockSignals(False)

    def _apply_filter(self) -> None:
        keep = self.selected_item()
        kind = self.current_kind()
        rows = [item for item in self._items if kind is None or item.kind is kind]
        self.model.set_rows(rows, self.today)
        if keep is not None and keep in rows:
            self.table.select_row(rows.index(keep))
        if rows:
            self.hint.hide()
        else:
            self.hint.setText(NO_MATCH_HINT if self._items else EMPTY_HINT)
            self._place_hint()
            self.hint.show()

    # --- selection -------------------------------------------------------------------------

    def selected_item(self) -> TodoItem | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row()):
            return None
        return self.model.item(index.row())

    def selected_case_id(self) -> uuid.UUID | None:
        item = self.selected_item()
        return item.case_id if item else None

    def focus_list(self) -> None:
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if self.model.rowCount() and self.selected_item() is None:
            self.table.select_row(0)

    def _open_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.openCaseRequested.emit(self.model.item(row).case_id)

    # --- layout ----------------------------------------------------------------------------

    def _place_hint(self) -> None:
        self.hint.setGeometry(self.table.viewport().rect().adjusted(16, 16, -16, -16))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._place_hint()
        return super().eventFilter(watched, event)
