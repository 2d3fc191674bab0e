"""The administration tabs' shared pieces: notes, number and text boxes, forms, the save row."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.ui.widgets import (
    FRENCH,
    ErrorLabel,
)

NOTE_STYLE = "QLabel#note { background: #eef4fb; border: 1px solid #b8cfe8; padding: 8px; }"


WARNING_STYLE = "QLabel#warning { background: #fff4d6; border: 1px solid #e6cf8b; padding: 8px; }"


SAVED_STYLE = "color: #1e6b34;"


READ_ONLY_NOTE = "Cette base est ouverte en lecture seule : les paramètres sont consultables."


NOT_ADMIN_NOTE = "Seul un administrateur peut modifier ces paramètres : ils sont consultables."


def note_label(text: str, name: str = "note") -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def spin_box(low: int, high: int, suffix: str, name: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setRange(low, high)
    spin.setSuffix(suffix)
    spin.setLocale(FRENCH)
    spin.setMinimumWidth(spin.fontMetrics().horizontalAdvance(f"000{suffix}") + 36)
    spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return spin


def text_box(name: str, lines: int) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setObjectName(name)
    edit.setTabChangesFocus(True)
    height = edit.fontMetrics().lineSpacing() * lines + 14
    edit.setMinimumHeight(height)
    edit.setMaximumHeight(height + edit.fontMetrics().lineSpacing() * 2)
    return edit


def form_layout() -> QFormLayout:
    form = QFormLayout()
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    form.setVerticalSpacing(8)
    return form


def beside(field: QWidget, hint: str) -> QWidget:
    """A field with a short grey explanation on its right."""
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(field)
    label = QLabel(hint)
    label.setStyleSheet("color: palette(placeholder-text);")
    label.setWordWrap(True)
    row.addWidget(label, 1)
    holder.setFocusProxy(field)
    return holder


def save_row(button: QPushButton, saved: QLabel, errors: ErrorLabel) -> QVBoxLayout:
    row = QHBoxLayout()
    row.addWidget(saved, 1)
    row.addWidget(button)
    box = QVBoxLayout()
    box.setSpacing(4)
    box.addWidget(errors)
    box.addLayout(row)
    return box
