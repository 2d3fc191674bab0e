"""Pieces shared by the case screen, the case editor and the decision dialogs: the state
badge, the eligibility panel (one line per rule with its painted icon), a thin table model
over precomputed rows, and the seam through which every modal dialog is run.

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
    QPointF,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen, QPixmap
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
    QVBoxLayout,
    QWidget,
)

from app.models.enums import CaseState
from app.services.eligibility import Eligibility, RuleStatus
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
RULE_COLOURS: dict[RuleStatus, QColor] = {
    RuleStatus.PASSED: QColor("#2e7d32"),
    RuleStatus.FAILED: QColor("#c62828"),
    RuleStatus.TO_CHECK: QColor("#e07b00"),
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


# --- rule icons and the eligibility panel -------------------------------------------------
def rule_pixmap(status: RuleStatus, size: int = 18) -> QPixmap:
    """A coloured disc with a white ✔, ✘ or ?, painted (no font glyph to rely on)."""
    ratio = 2  # drawn at twice the size: sharp on high-DPI screens
    pixmap = QPixmap(size * ratio, size * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(RULE_COLOURS[status])
    painter.drawEllipse(QRectF(0.5, 0.5, size - 1, size - 1))
    pen = QPen(QColor("white"), size / 7.5)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    s = size
    if status is RuleStatus.PASSED:
        path = QPainterPath(QPointF(s * 0.27, s * 0.52))
        path.lineTo(QPointF(s * 0.44, s * 0.69))
        path.lineTo(QPointF(s * 0.74, s * 0.34))
        painter.drawPath(path)
    elif status is RuleStatus.FAILED:
        painter.drawLine(QPointF(s * 0.32, s * 0.32), QPointF(s * 0.68, s * 0.68))
        painter.drawLine(QPointF(s * 0.68, s * 0.32), QPointF(s * 0.32, s * 0.68))
    else:
        font = QFont()
        font.setBold(True)
        font.setPixelSize(int(s * 0.75))
        painter.setFont(font)
        painter.setPen(QColor("white"))
        painter.drawText(QRectF(0, 0, s, s), Qt.AlignmentFlag.AlignCenter, "?")
    painter.end()
    return pixmap


@dataclass(frozen=True)
class RuleLine:
    code: str
    status: RuleStatus
    title: str
    explanation: str


class EligibilityPanel(QWidget):
    """The conditions of the Pack, explained: one line per rule (icon, title, explanation),
    the overall summary, and the scale the case is judged by."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("eligibilityPanel")
        self.setAccessibleName("Conditions d'attribution")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.summary = QLabel()
        self.summary.setObjectName("eligibilitySummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self._rules = QWidget()
        self._grid = QGridLayout(self._rules)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(8)
        self._grid.setColumnStretch(1, 1)
        layout.addWidget(self._rules)
        self.message = muted()
        self.message.setObjectName("eligibilityMessage")
        self.message.setVisible(False)
        layout.addWidget(self.message)
        self.scale_label = muted()
        self.scale_label.setObjectName("scaleDescription")
        self.scale_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.scale_label)
        layout.addStretch(1)
        self._lines: list[RuleLine] = []
        self.eligibility: Eligibility | None = None

    @property
    def lines(self) -> list[RuleLine]:
        return list(self._lines)

    def line(self, code: str) -> RuleLine | None:
        return next((x for x in self._lines if x.code == code), None)

    def _clear_rules(self) -> None:
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self._lines = []

    def set_eligibility(self, eligibility: Eligibility, scale_description: str = "") -> None:
        self.eligibility = eligibility
        self._clear_rules()
        for row, result in enumerate(eligibility.results):
            icon = QLabel()
            icon.setPixmap(rule_pixmap(result.status))
            icon.setObjectName(f"ruleIcon_{result.code}")
            icon.setToolTip(result.status.label)
            icon.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
            icon.setContentsMargins(0, 1, 0, 0)
            # The icon says passed / failed / to check by its shape and colour; the word is
            # added where the référent must act.
            verdict = (
                ""
                if result.status is RuleStatus.PASSED
                else f"&nbsp;— <span style='color:{RULE_COLOURS[result.status].name()};'>"
                f"{result.status.label.replace(' ', '&nbsp;')}</span>"
            )
            text = QLabel(
                f"<b>{_escape(result.title)}</b>{verdict}<br>{_escape(result.explanation)}"
            )
            text.setObjectName(f"rule_{result.code}")
            text.setTextFormat(Qt.TextFormat.RichText)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text.setAccessibleName(f"{result.title} : {result.status.label}. {result.explanation}")
            self._grid.addWidget(icon, row, 0)
            self._grid.addWidget(text, row, 1)
            self._lines.append(
                RuleLine(result.code, result.status, result.title, result.explanation)
            )
        status = eligibility.status
        colour = RULE_COLOURS[status].name()
        self.summary.setText(
            f"<span style='color:{colour}; font-weight:bold;'>{eligibility.summary()}</span>"
        )
        self.summary.setVisible(True)
        self._rules.setVisible(True)
        self.message.setVisible(False)
        self.scale_label.setText(scale_description)
        self.scale_label.setVisible(bool(scale_description))

    def set_message(self, text: str, scale_description: str = "") -> None:
        """No verdict to show (job start missing, preview impossible): say why."""
        self.eligibility = None
        self._clear_rules()
        self.summary.setVisible(False)
        self._rules.setVisible(False)
        self.message.setText(text)
        self.message.setVisible(True)
        self.scale_label.setText(scale_description)
        self.scale_label.setVisible(bool(scale_description))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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
