"""Small shared widgets: a French date entry that may stay empty, field error display.

``DateField`` exists because ``QDateEdit`` cannot be empty: most dates of a file (birth,
orientation, RSA right) are often unknown when the file is first created.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QEvent,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRegularExpression,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QHelpEvent,
    QIcon,
    QKeyEvent,
    QPainter,
    QPixmap,
    QRegularExpressionValidator,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QCalendarWidget,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QTableView,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from app.services import clock, validation
from app.services.text import format_date

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


def calendar_icon() -> QIcon:
    """A small calendar drawn at run time (no image file to ship)."""
    size = 16
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    ink = QColor("#44546a")
    painter.setPen(ink)
    painter.setBrush(QColor("white"))
    painter.drawRect(1, 2, 13, 12)
    painter.fillRect(1, 2, 14, 4, ink)
    painter.fillRect(4, 0, 2, 3, ink)
    painter.fillRect(10, 0, 2, 3, ink)
    for row in (8, 11):
        for col in (3, 6, 9, 12):
            painter.fillRect(col, row, 2, 2, ink)
    painter.end()
    return QIcon(pixmap)


class DateField(QWidget):
    """A French date entry (jj/mm/aaaa) that may stay empty, with a calendar popup.

    ``value()`` is the date, or None when empty or wrong; ``error()`` says in French what is
    wrong with the text (impossible date, bad format), or None. Typing ``31012024`` gives
    ``31/01/2024`` when the field is left. Alt+Bas or F4 opens the calendar.
    """

    editingFinished = Signal()
    textChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._edit = QLineEdit(self)
        self._edit.setPlaceholderText("jj/mm/aaaa")
        self._edit.setMaxLength(10)
        self._edit.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"[0-9/.\-]{0,10}"), self._edit)
        )
        # Room for "00/00/0000" plus the frame, whatever the font.
        width = self._edit.fontMetrics().horizontalAdvance("00/00/00000") + 16
        self._edit.setMinimumWidth(width)
        self._edit.setMaximumWidth(width + 20)
        self._edit.installEventFilter(self)
        self._button = QToolButton(self)
        self._button.setIcon(calendar_icon())
        self._button.setToolTip("Choisir dans le calendrier (Alt+Bas)")
        self._button.setAccessibleName("Ouvrir le calendrier")
        self._button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._button.clicked.connect(self.show_calendar)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self._edit)
        layout.addWidget(self._button)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.setFocusProxy(self._edit)
        self._edit.editingFinished.connect(self._on_editing_finished)
        self._edit.textChanged.connect(self.textChanged)
        self._menu: QMenu | None = None

    # --- value ---------------------------------------------------------------------------
    def lineEdit(self) -> QLineEdit:
        return self._edit

    def text(self) -> str:
        return self._edit.text()

    def setText(self, text: str) -> None:
        self._edit.setText(text)

    def clear(self) -> None:
        self._edit.clear()

    def isEmpty(self) -> bool:
        return not self._edit.text().strip()

    def value(self) -> date | None:
        if self.isEmpty():
            return None
        try:
            return validation.parse_date(self._normalised(self._edit.text()))
        except ValueError:
            return None

    def setValue(self, value: date | None) -> None:
        self._edit.setText(format_date(value))

    def error(self) -> str | None:
        if self.isEmpty():
            return None
        try:
            validation.parse_date(self._normalised(self._edit.text()))
        except ValueError as exc:
            return str(exc)
        return None

    def setAccessibleName(self, name: str) -> None:
        super().setAccessibleName(name)
        self._edit.setAccessibleName(name)

    @staticmethod
    def _normalised(text: str) -> str:
        raw = text.strip()
        if re.fullmatch(r"\d{8}", raw):  # 31012024 -> 31/01/2024
            return f"{raw[:2]}/{raw[2:4]}/{raw[4:]}"
        return raw

    def _on_editing_finished(self) -> None:
        value = self.value()
        if value is not None:
            formatted = format_date(value)
            if formatted != self._edit.text():
                self._edit.setText(formatted)
        self.editingFinished.emit()

    # --- calendar ------------------------------------------------------------------------
    def show_calendar(self) -> None:
        calendar = QCalendarWidget()
        calendar.setLocale(FRENCH)
        calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        calendar.setGridVisible(True)
        calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        current = self.value() or clock.today()
        calendar.setSelectedDate(QDate(current.year, current.month, current.day))
        menu = QMenu(self)
        action = QWidgetAction(menu)
        action.setDefaultWidget(calendar)
        menu.addAction(action)
        self._menu = menu

        def picked(qdate: QDate) -> None:
            self.setValue(date(qdate.year(), qdate.month(), qdate.day()))
            menu.close()
            self._edit.setFocus(Qt.FocusReason.PopupFocusReason)
            self.editingFinished.emit()

        calendar.activated.connect(picked)
        calendar.clicked.connect(picked)
        menu.aboutToShow.connect(lambda: calendar.setFocus())
        menu.popup(self._edit.mapToGlobal(self._edit.rect().bottomLeft()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._edit and isinstance(event, QKeyEvent):
            if event.type() != QEvent.Type.KeyPress:
                return super().eventFilter(watched, event)
            alt_down = event.key() == Qt.Key.Key_Down and bool(
                event.modifiers() & Qt.KeyboardModifier.AltModifier
            )
            if alt_down or event.key() == Qt.Key.Key_F4:
                self.show_calendar()
                return True
        return super().eventFilter(watched, event)


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
