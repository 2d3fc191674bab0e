"""Pieces shared by the case screen, the case editor and the decision dialogs: the colours
and notices, the state badge, a thin table model over precomputed rows, and the seam
through which every modal dialog is run (the eligibility panel is in
:mod:`app.ui.eligibility_panel`).

Tests replace :func:`exec_dialog` (``monkeypatch.setattr(case_widgets, "exec_dialog", …)``)
to drive a dialog instead of blocking on it; callers therefore write
``case_widgets.exec_dialog(dialog)``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProxyStyle,
    QStyle,
    QStyledItemDelegate,
    QStyleOption,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QWidget,
)

from app.models.enums import CaseState
from app.services.text import format_month

# Background, text colour.
STATE_COLOURS: dict[CaseState, tuple[str, str]] = {
    CaseState.DRAFT: ("#eceff1", "#37474f"),
    CaseState.SUBMITTED: ("#e3f2fd", "#0d47a1"),
    CaseState.GRANTED: ("#e0f2f1", "#00695c"),
    CaseState.IN_PROGRESS: ("#e8f5e9", "#1b5e20"),
    CaseState.SUSPENDED: ("#fff3e0", "#a64b00"),
    CaseState.COMPLETED: ("#ede7f6", "#4527a0"),
    CaseState.ENDED_EARLY: ("#efebe9", "#5d4037"),
    CaseState.REFUSED: ("#ffebee", "#b71c1c"),
}
MUTED_STYLE = "color: palette(placeholder-text);"
NOTICE_STYLE = (
    "QLabel {{ background: {bg}; border: 1px solid {border}; border-radius: 4px;"
    " padding: 6px 8px; color: {fg}; }}"
)
INFO_NOTICE = NOTICE_STYLE.format(bg="#eef4fb", border="#c5d7ec", fg="#1d3b5c")
WARNING_NOTICE = NOTICE_STYLE.format(bg="#fff4e0", border="#f0c987", fg="#6b3d00")
ERROR_NOTICE = NOTICE_STYLE.format(bg="#fdecea", border="#f1b0ab", fg="#5f1412")
OK_NOTICE = NOTICE_STYLE.format(bg="#edf7ee", border="#b5dcb8", fg="#1b4d20")
PRIMARY_BUTTON = (
    "QPushButton { background: #1d5fa8; color: white; border: 1px solid #174c86;"
    " border-radius: 4px; padding: 5px 14px; font-weight: bold; }"
    "QPushButton:hover { background: #174c86; }"
    "QPushButton:focus { border: 2px solid #0b2f57; }"
    "QPushButton:disabled { background: #b8c6d6; color: #eef2f6; border-color: #a9b8c8; }"
)


def exec_dialog(dialog: QDialog) -> bool:
    """Run a modal dialog; True when it was accepted (the seam tests replace)."""
    return dialog.exec() == QDialog.DialogCode.Accepted


month_label = format_month


def muted(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setStyleSheet(MUTED_STYLE)
    label.setWordWrap(True)
    return label


def notice(text: str = "", style: str = INFO_NOTICE) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(style)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def section_title(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class CompactTextEdit(QPlainTextEdit):
    """A text box that asks for ``lines`` lines of height and tabs out instead of in."""

    def __init__(self, lines: int = 3, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        height = self.fontMetrics().lineSpacing() * lines + 14
        self.setMinimumHeight(height)
        self.setFixedHeight(height)


# --- state badge -------------------------------------------------------------------------
class StateBadge(QLabel):
    """The case state as a rounded coloured label ("En cours", "Refusé"…)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stateBadge")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state: CaseState | None = None

    def set_state(self, state: CaseState) -> None:
        self.state = state
        bg, fg = STATE_COLOURS[state]
        self.setText(state.label)
        self.setAccessibleName(f"État du dossier : {state.label}")
        self.setStyleSheet(
            f"QLabel#stateBadge {{ background: {bg}; color: {fg}; border: 1px solid {fg};"
            " border-radius: 10px; padding: 2px 12px; font-weight: bold; }"
        )


# --- tabs whose accented capitals are not clipped ----------------------------------------------
class _SteadyTabStyle(QProxyStyle):
    """Fusion moves unselected tabs 2 px down and clips the top of « É » (« Échéances »):
    keep every tab label at the same height."""

    def pixelMetric(
        self,
        metric: QStyle.PixelMetric,
        option: QStyleOption | None = None,
        widget: QWidget | None = None,
    ) -> int:
        if metric == QStyle.PixelMetric.PM_TabBarTabShiftVertical:
            return 0
        return super().pixelMetric(metric, option, widget)


def steady_tabs(tabs: QTabWidget) -> None:
    """Apply :class:`_SteadyTabStyle` to a tab widget's bar (kept alive by the widget)."""
    app_style = QApplication.style()
    style = _SteadyTabStyle(app_style.name() if app_style is not None else "Fusion")
    style.setParent(tabs)
    tabs.tabBar().setStyle(style)


# --- a thin table model ---------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[Any], str]
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    colour: Callable[[Any], QColor | None] | None = None
    bold: Callable[[Any], bool] | None = None


RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter


class RecordTableModel(QAbstractTableModel):
    """Rows of plain objects shown through ``Column`` getters. Every cell is computed once in
    :meth:`set_rows`; ``data()`` only looks it up (no query, no formatting on paint)."""

    ID_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, columns: Sequence[Column], parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[Any] = []
        self._cells: list[list[str]] = []
        self._colours: list[list[QColor | None]] = []
        self._bold: list[list[bool]] = []
        self._ids: list[Any] = []
        self._bold_font = QFont()
        self._bold_font.setBold(True)

    def set_rows(self, rows: Sequence[Any], ids: Sequence[Any] | None = None) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._cells = [[c.text(r) for c in self._columns] for r in self._rows]
        self._colours = [
            [c.colour(r) if c.colour else None for c in self._columns] for r in self._rows
        ]
        self._bold = [[bool(c.bold(r)) if c.bold else False for c in self._columns] for r in rows]
        self._ids = list(ids) if ids is not None else [getattr(r, "id", None) for r in rows]
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if not (0 <= row < len(self._rows) and 0 <= col < len(self._columns)):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._cells[row][col]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(self._columns[col].align)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colours[row][col]
        if role == Qt.ItemDataRole.FontRole:
            return self._bold_font if self._bold[row][col] else None
        if role == self.ID_ROLE:
            return self._ids[row]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].title
        if role == Qt.ItemDataRole.TextAlignmentRole:  # numbers: header over the digits
            return int(self._columns[section].align)
        return None

    # --- lookups -------------------------------------------------------------------------
    def row_object(self, row: int) -> Any:
        return self._rows[row]

    def id_at(self, row: int) -> Any:
        return self._ids[row]

    def row_of(self, item_id: uuid.UUID | None) -> int:
        try:
            return self._ids.index(item_id)
        except ValueError:
            return -1

    def text(self, row: int, column: int) -> str:
        return self._cells[row][column]


class _RoomyDelegate(QStyledItemDelegate):
    """Columns sized to their content, with some air between them."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width() + 14, hint.height())


def make_table(model: RecordTableModel, stretch: int | None = None, name: str = "") -> QTableView:
    """A read-only, row-selecting table, sized to its content with one stretching column."""
    table = QTableView()
    if name:
        table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setItemDelegate(_RoomyDelegate(table))
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    else:
        header.setStretchLastSection(True)
    return table


def select_row(table: QTableView, row: int) -> None:
    if row < 0:
        table.clearSelection()
        return
    index = table.model().index(row, 0)
    table.selectRow(row)
    table.scrollTo(index)


def selected_row(table: QTableView) -> int:
    rows = table.selectionModel().selectedRows() if table.selectionModel() else []
    return rows[0].row() if rows else -1


def key_value_grid(pairs: Sequence[tuple[str, QWidget]], columns: int = 1) -> QGridLayout:
    """Label : value pairs laid out in ``columns`` column pairs, labels right-aligned."""
    grid = QGridLayout()
    grid.setHorizontalSpacing(10)
    grid.setVerticalSpacing(6)
    rows = (len(pairs) + columns - 1) // columns
    for index, (label, widget) in enumerate(pairs):
        col, row = divmod(index, rows)
        caption = QLabel(f"{label} :")
        caption.setStyleSheet(MUTED_STYLE)
        caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        grid.addWidget(caption, row, col * 2)
        grid.addWidget(widget, row, col * 2 + 1)
        grid.setColumnStretch(col * 2 + 1, 1)
    return grid


def value_label(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text or "—")
    if name:
        label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return label


def hline() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


def button_row(*widgets: QWidget, stretch_first: bool = True) -> QHBoxLayout:
    row = QHBoxLayout()
    if stretch_first:
        row.addStretch(1)
    for widget in widgets:
        row.addWidget(widget)
    return row
