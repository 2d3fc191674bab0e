"""The date field of every form, typed (jj/mm/aaaa) or picked from a calendar.

``DateField`` exists because ``QDateEdit`` cannot be empty: most dates of a file (birth,
orientation, RSA right) are often unknown when the file is first created.
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QDate, QEvent, QObject, QRegularExpression, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QKeyEvent, QPainter, QPixmap, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from app.services import clock, validation
from app.services.text import format_date
from app.ui.widgets import FRENCH


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
