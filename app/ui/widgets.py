"""Small shared widgets: field error display and summaries, row tables and their model,
euro fields. The date entry is in ``date_field``."""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QHelpEvent,
    QKeyEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QHeaderView,
    QLabel,
    QLayout,
    QSizePolicy,
    QTableView,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

ERROR_COLOR = "#b3261e"
SUMMARY_TITLE = "Certaines informations sont à corriger :"
SUMMARY_STYLE = """
QFrame#errorSummary {
    background: #fdecea;
    border: 1px solid #f1b0ab;
    border-radius: 4px;
}
QFrame#errorSummary QLabel { color: #5f1412; }
"""
FRENCH = QLocale(QLocale.Language.French, QLocale.Country.France)

# Applied once on a dialog: fields flagged with set_invalid() get a red border.
INVALID_STYLE = f"""
QLineEdit[invalid="true"], QPlainTextEdit[invalid="true"] {{
    border: 1px solid {ERROR_COLOR};
    border-radius: 3px;
    padding: 2px;
    background: #fffafa;
}}
QComboBox[invalid="true"] {{
    border: 1px solid {ERROR_COLOR};
    border-radius: 3px;
    padding: 2px 6px;
}}
"""


@contextmanager
def busy_cursor() -> Iterator[None]:
    """Hourglass while the GUI thread waits on the database (short calls only)."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """Flag a field for the ``INVALID_STYLE`` red border (re-polished to take effect)."""
    target = widget.focusProxy() or widget
    if bool(target.property("invalid")) == invalid:
        return
    target.setProperty("invalid", invalid)
    style = target.style()
    style.unpolish(target)
    style.polish(target)
    target.update()


class ErrorLabel(QLabel):
    """A red message shown under a field; hidden while empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet(f"color: {ERROR_COLOR};")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setVisible(False)

    def set_message(self, message: str | None) -> None:
        self.setText(message or "")
        # isHidden(): the explicit state, true even while the parent is not shown yet.
        self.setHidden(not message)


class ValidatedField(QWidget):
    """A field with its error message right under it (for a QFormLayout field column)."""

    def __init__(self, field: QWidget, parent: QWidget | None = None, *, stretch: bool = True):
        super().__init__(parent)
        self.field = field
        self.error_label = ErrorLabel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        if stretch:
            layout.addWidget(field)
        else:
            layout.addWidget(field, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.error_label)
        self.setFocusProxy(field)

    def set_error(self, message: str | None) -> None:
        self.error_label.set_message(message)
        set_invalid(self.field, bool(message))
        target = self.field.focusProxy() or self.field
        target.setToolTip(message or "")
        target.setAccessibleDescription(message or "")

    @property
    def error(self) -> str:
        return self.error_label.text()


def setup_row_table(table: QTableView) -> None:
    """The look and behaviour every read-only table of rows shares: whole rows selected one
    at a time, no editing, no grid, no row numbers, Tab leaves the table (arrows move in it)."""
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setCornerButtonEnabled(False)
    table.setTabKeyNavigation(False)
    vertical = table.verticalHeader()
    vertical.hide()
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(table.fontMetrics().height() + 10)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setMinimumSectionSize(60)


class ActivatableTable(QTableView):
    """A table where Enter on a row asks to open it (``rowActivated``) and a shortened cell
    shows its full text on hover."""

    rowActivated = Signal(int)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self.indexAt(event.pos())
            text = index.data() if index.isValid() else None
            if text and self.fontMetrics().horizontalAdvance(text) + 12 > self.columnWidth(
                index.column()
            ):
                QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.rowActivated.emit(self.currentIndex().row())
            event.accept()
            return
        super().keyPressEvent(event)


_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class RowListModel(QAbstractTableModel):
    """A flat table model over a Python list ``_rows``, with one column per ``HEADERS``.

    A model declares its columns: ``cells(row)`` gives each column's text, answered for the
    ``TEXT_ROLES``; the ``RIGHT_ALIGNED`` columns (amounts, counts) are aligned right, title
    included; ``extra(row, column, role)`` answers any other role (a colour, a tooltip)."""

    HEADERS: tuple[str, ...] = ()
    TEXT_ROLES: frozenset[int] = frozenset({Qt.ItemDataRole.DisplayRole})
    RIGHT_ALIGNED: frozenset[int] = frozenset()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """The column titles (``HEADERS``), aligned like their column."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in self.RIGHT_ALIGNED:
            return _RIGHT
        return None

    def cells(self, row: Any) -> Sequence[Any]:
        """The text of each column for ``row`` (a model that overrides ``data`` needs none)."""
        raise NotImplementedError

    def extra(self, row: Any, column: int, role: int) -> Any:
        """What ``row`` shows in ``column`` for a role other than its text (None: nothing)."""
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if role in self.TEXT_ROLES:
            return self.cells(row)[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.RIGHT_ALIGNED:
            return _RIGHT
        return self.extra(row, column, role)

    def set_rows(self, rows: Any) -> None:  # Any: subclasses narrow it to their row type
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, row: int) -> Any:
        return self._rows[row]


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Resize ``window`` to ``width`` × ``height``, or less on a small screen."""
    screen = window.screen() or QApplication.primaryScreen()
    if screen is not None:
        available = screen.availableGeometry()
        width = min(width, int(available.width() * 0.95))
        height = min(height, int(available.height() * 0.92))
    window.resize(width, height)


def combo(items: list[tuple[str, str]], name: str) -> QComboBox:
    """A combo box named ``name`` listing ``(value, label)`` items, the value as item data."""
    box = QComboBox()
    box.setObjectName(name)
    for value, label in items:
        box.addItem(label, value)
    return box


def error_summary(on_link: Any) -> tuple[QFrame, QLabel]:
    """The hidden « to correct » frame above a form and its rich-text label; clicking a
    message's link calls ``on_link`` with the field name."""
    frame = QFrame()
    frame.setObjectName("errorSummary")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(10, 8, 10, 8)
    label = QLabel()
    label.setObjectName("errorSummaryText")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.linkActivated.connect(on_link)
    layout.addWidget(label)
    frame.setVisible(False)
    return frame, label


def summary_item(name: str, message: str) -> str:
    """One message of the summary, a link to its field."""
    return (
        f'<li><a href="{html.escape(name)}" style="color:#5f1412;">{html.escape(message)}</a></li>'
    )


def summary_html(items: str) -> str:
    """The summary's text: its title over the ``<li>`` items."""
    return (
        f"<b>{html.escape(SUMMARY_TITLE)}</b>"
        f"<ul style='margin-top:2px; margin-bottom:0; margin-left:-16px;'>{items}</ul>"
    )


class _FirstPaint(QObject):
    def __init__(self, widget: QWidget, callback: Any) -> None:
        super().__init__(widget)
        self._callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._callback)
            self.deleteLater()
        return False


def after_first_paint(widget: QWidget, callback: Any) -> None:
    """Call ``callback`` once ``widget`` has been painted for the first time (a zero timer
    could run before the first paint, which the window system schedules on its own)."""
    _FirstPaint(widget, callback)


def euro_field(name: str, high: float = 100_000.0, sample: str = "100 000,00 €") -> QDoubleSpinBox:
    """An amount in euros (French decimal comma, no arrows), as wide as ``sample``."""
    spin = QDoubleSpinBox()
    spin.setObjectName(name)
    spin.setLocale(FRENCH)
    spin.setDecimals(2)
    spin.setRange(0.0, high)
    spin.setSingleStep(5.0)
    spin.setSuffix(" €")
    spin.setGroupSeparatorShown(True)
    spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
    spin.setAlignment(Qt.AlignmentFlag.AlignRight)
    spin.setMinimumWidth(spin.fontMetrics().horizontalAdvance(sample) + 20)
    spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return spin


def cents_of(spin: QDoubleSpinBox) -> int:
    """The amount of a :func:`euro_field`, in integer cents."""
    return round(spin.value() * 100)


def clear_layout(layout: QLayout) -> None:
    """Take every item out of ``layout``; its widgets are hidden at once and deleted later
    (before a layout is filled again, e.g. rows rebuilt for another scale)."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.hide()
            widget.deleteLater()
