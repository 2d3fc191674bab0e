"""The motivation box of a motivated decision (refusal, observations, early end, the
validator's statement): a plain text with a live counter against the service's minimum."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from app.services.validation import motivation_error
from app.services.workflow import MIN_MOTIVATION
from app.ui.widgets import ERROR_COLOR


def characters(count: int) -> str:
    """French plural: 0 and 1 take the singular."""
    return f"{count} caractère" + ("s" if count > 1 else "")


class MotivationEdit(QWidget):
    """A motivation box with a live counter against the minimum the service requires."""

    changed = Signal()

    def __init__(self, placeholder: str = "", lines: int = 7, parent: QWidget | None = None):
        super().__init__(parent)
        self.edit = QPlainTextEdit()
        self.edit.setObjectName("motivation")
        self.edit.setTabChangesFocus(True)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setMinimumHeight(self.edit.fontMetrics().lineSpacing() * lines + 14)
        self.counter = QLabel()
        self.counter.setObjectName("motivationCounter")
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.counter)
        self.setFocusProxy(self.edit)
        self.edit.textChanged.connect(self._on_changed)
        self._on_changed()

    def text(self) -> str:
        return self.edit.toPlainText()

    def setPlainText(self, text: str) -> None:
        self.edit.setPlainText(text)

    def length(self) -> int:
        return len(self.text().strip())

    def is_enough(self) -> bool:
        return motivation_error(self.text(), MIN_MOTIVATION) is None

    def insert(self, text: str) -> None:
        """Add ``text`` where the cursor is, on its own paragraph."""
        cursor = self.edit.textCursor()
        before = self.text()[: cursor.position()]
        if before and not before.endswith("\n"):
            text = "\n" + text
        cursor.insertText(text)
        self.edit.setTextCursor(cursor)
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_changed(self) -> None:
        n = self.length()
        if n >= MIN_MOTIVATION:
            self.counter.setText(characters(n))
            self.counter.setStyleSheet("color: #2e7d32;")
        else:
            self.counter.setText(f"{characters(n)} — {MIN_MOTIVATION} au moins")
            self.counter.setStyleSheet(f"color: {ERROR_COLOR};")
        self.changed.emit()
