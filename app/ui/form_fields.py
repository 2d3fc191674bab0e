"""Building blocks of the record forms (the beneficiary's file, the case draft): a titled
section of labelled fields each with its error line, plain line edits, the hint and button
row at the bottom, a frameless scroll area, and reading or filling a field of any kind."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QWidget,
)

from app.ui.date_field import DateField
from app.ui.widgets import ValidatedField

MONOSPACE_FAMILIES = ["Consolas", "DejaVu Sans Mono", "Courier New", "monospace"]
HINT_STYLE = "color: palette(placeholder-text);"


def select_data(combo: QComboBox, value: object) -> None:
    """Select the item whose data is ``value`` (or the first, the blank choice)."""
    for index in range(combo.count()):
        if combo.itemData(index) == value:
            combo.setCurrentIndex(index)
            return
    combo.setCurrentIndex(0)


def form_box(title: str) -> tuple[QGroupBox, QFormLayout]:
    """A titled section whose labels stand right of their fields, level with them."""
    box = QGroupBox(title)
    form = QFormLayout(box)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    form.setVerticalSpacing(6)
    return box, form


def add_field[W: QWidget](
    form: QFormLayout,
    fields: dict[str, ValidatedField],
    label: str,
    name: str,
    field: W,
    *,
    stretch: bool = True,
) -> W:
    """Add ``field`` (named ``name``) under ``label`` with its error line; registered in
    ``fields`` by name, the name the service's messages use."""
    field.setObjectName(name)
    field.setAccessibleName(label.rstrip(" *"))
    holder = ValidatedField(field, stretch=stretch)
    fields[name] = holder
    form.addRow(label, holder)
    caption = form.labelForField(holder)
    if isinstance(caption, QLabel):
        caption.setBuddy(field)
        if not isinstance(field, QPlainTextEdit):
            # Level with the field's text, not centred on the field and its error message.
            caption.setFixedHeight(field.sizeHint().height())
            caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return field


def line_edit(max_length: int, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setMaxLength(max_length)
    if placeholder:
        edit.setPlaceholderText(placeholder)
    return edit


def monospace(widget: QWidget) -> QFont:
    """``widget``'s font in a fixed width (an IBAN, a NIR: easier to read and compare)."""
    font = widget.font()
    font.setFamilies(MONOSPACE_FAMILIES)
    return font


def plain_scroll(content: QWidget) -> QScrollArea:
    """A frameless scroll area around ``content``, not a Tab stop of its own."""
    scroll = QScrollArea()
    scroll.setWidget(content)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return scroll


def dialog_buttons(hint: str, *buttons: QPushButton) -> QHBoxLayout:
    """The bottom row of a form: the keys' hint on the left, the buttons on the right. None
    is a default button: Enter in a field must not save a half-filled form by accident."""
    row = QHBoxLayout()
    label = QLabel(hint)
    label.setStyleSheet(HINT_STYLE)
    row.addWidget(label)
    row.addStretch(1)
    for button in buttons:
        button.setAutoDefault(False)
        button.setDefault(False)
        row.addWidget(button)
    return row


def set_value(field: QWidget, value: Any) -> None:
    """Show ``value`` in a field of any kind (text, date, choice, tick box, notes)."""
    if isinstance(field, QComboBox):
        select_data(field, value)
    elif isinstance(field, QCheckBox):
        field.setChecked(bool(value))
    elif isinstance(field, QPlainTextEdit):
        field.setPlainText(value)
    elif isinstance(field, DateField):
        field.setValue(value)
    elif isinstance(field, QLineEdit):
        field.setText(value)


def value_of(field: QWidget) -> Any:
    """What a field holds: its text, its date (None when empty or wrong), the chosen item's
    data, whether it is ticked."""
    if isinstance(field, QComboBox):
        return field.currentData()
    if isinstance(field, QCheckBox):
        return field.isChecked()
    if isinstance(field, QPlainTextEdit):
        return field.toPlainText()
    if isinstance(field, DateField):
        return field.value()
    if isinstance(field, QLineEdit):
        return field.text()
    return None


def fields_state(fields: Iterable[ValidatedField]) -> tuple[Any, ...]:
    """What the fields show, to compare with an earlier state (unsaved changes?)."""
    values: list[Any] = []
    for holder in fields:
        field = holder.field
        if isinstance(field, QComboBox):
            values.append(field.currentData())
        elif isinstance(field, QCheckBox):
            values.append(field.isChecked())
        elif isinstance(field, QPlainTextEdit):
            values.append(field.toPlainText())
        elif isinstance(field, (QLineEdit, DateField)):
            values.append(field.text().strip())
    return tuple(values)
