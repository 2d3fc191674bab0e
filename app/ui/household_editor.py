"""The « Foyer » section of the beneficiary's file: one row per member of the household
(link, first name, last name, birth date, remove), added and removed by the user.

Errors of a member are keyed ``household.N`` (N from 1, the row's place): the form places
them on the row's birth date, the only field checked."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import Relation
from app.services.beneficiaries import HouseholdInput
from app.ui.date_field import DateField
from app.ui.form_fields import HINT_STYLE, select_data
from app.ui.widgets import ErrorLabel, combo, set_invalid

PREFIX = "household."


def first_lower(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


class HouseholdRow(QWidget):
    """One member of the household: link, first name, last name, birth date, remove."""

    RELATION_WIDTH = 130
    REMOVE_WIDTH = 80

    removeRequested = Signal(object)
    dateLeft = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.relation = combo(Relation.choices(), "relation")
        self.relation.setFixedWidth(self.RELATION_WIDTH)
        self.relation.setAccessibleName("Lien avec le bénéficiaire")
        self.first_name = QLineEdit()
        self.first_name.setMaxLength(100)
        self.first_name.setAccessibleName("Prénom du membre du foyer")
        self.last_name = QLineEdit()
        self.last_name.setMaxLength(100)
        self.last_name.setAccessibleName("Nom du membre du foyer")
        self.birth_date = DateField()
        self.birth_date.setAccessibleName("Date de naissance du membre du foyer")
        self.remove_button = QPushButton("Retirer")
        self.remove_button.setAutoDefault(False)
        self.remove_button.setFixedWidth(self.REMOVE_WIDTH)
        self.remove_button.setToolTip("Retirer cette personne du foyer")
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.birth_date.editingFinished.connect(self._on_date_left)
        self.error_label = ErrorLabel()

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        for column, widget in enumerate(
            (self.relation, self.first_name, self.last_name, self.birth_date, self.remove_button)
        ):
            grid.addWidget(widget, 0, column)
        grid.addWidget(self.error_label, 1, 0, 1, 5)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)

    def _on_remove_clicked(self) -> None:
        self.removeRequested.emit(self)

    def _on_date_left(self) -> None:
        self.dateLeft.emit(self)

    def set_member(self, member: HouseholdInput) -> None:
        select_data(self.relation, member.relation)
        self.first_name.setText(member.first_name)
        self.last_name.setText(member.last_name)
        self.birth_date.setValue(member.birth_date)

    def member(self) -> HouseholdInput:
        return HouseholdInput(
            relation=self.relation.currentData(),
            first_name=self.first_name.text(),
            last_name=self.last_name.text(),
            birth_date=self.birth_date.value(),
        )

    def is_blank(self) -> bool:
        return (
            not self.first_name.text().strip()
            and not self.last_name.text().strip()
            and self.birth_date.isEmpty()
        )

    def state(self) -> tuple[str, str, str, str]:
        return (
            self.relation.currentData(),
            self.first_name.text(),
            self.last_name.text(),
            self.birth_date.text(),
        )

    def focus_widgets(self) -> list[QWidget]:
        return [
            self.relation,
            self.first_name,
            self.last_name,
            self.birth_date.lineEdit(),
            self.remove_button,
        ]

    def set_error(self, message: str | None) -> None:
        self.error_label.set_message(message)
        set_invalid(self.birth_date.lineEdit(), bool(message))


class HouseholdEditor(QGroupBox):
    """« Foyer »: the column titles (shown while there are rows), the rows, « Ajouter ».

    ``rows`` is the live list of rows (never replaced). ``rowAdded(row)`` and
    ``rowRemoved`` follow the user's « Ajouter » and « Retirer » (after a removal the
    numbered errors no longer match); ``dateLeft(row)`` as a birth date is left."""

    rowAdded = Signal(object)
    rowRemoved = Signal()
    dateLeft = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Foyer", parent)
        self.rows: list[HouseholdRow] = []
        layout = QVBoxLayout(self)
        layout.setSpacing(4)
        self._header = self._build_header()
        layout.addWidget(self._header)
        self._empty = QLabel("Aucun membre du foyer n'est renseigné.")
        self._empty.setStyleSheet(HINT_STYLE)
        layout.addWidget(self._empty)
        self._rows_box = QVBoxLayout()
        self._rows_box.setSpacing(4)
        layout.addLayout(self._rows_box)
        self.add_button = QPushButton("Ajouter une personne au foyer")
        self.add_button.setObjectName("addMemberButton")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self._on_add)
        line = QHBoxLayout()
        line.addWidget(self.add_button)
        line.addStretch(1)
        layout.addLayout(line)
        layout.addStretch(1)

    @staticmethod
    def _build_header() -> QWidget:
        header = QGridLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.setHorizontalSpacing(6)
        titles = ("Lien", "Prénom", "Nom", "Date de naissance", "")
        probe = DateField()
        widths = (
            HouseholdRow.RELATION_WIDTH,
            0,
            0,
            probe.sizeHint().width(),
            HouseholdRow.REMOVE_WIDTH,
        )
        probe.deleteLater()
        for column, (title, width) in enumerate(zip(titles, widths, strict=True)):
            label = QLabel(title)
            label.setStyleSheet("font-weight: bold;")
            if width:
                label.setFixedWidth(width)
            header.addWidget(label, 0, column)
        header.setColumnStretch(1, 1)
        header.setColumnStretch(2, 1)
        widget = QWidget()
        widget.setLayout(header)
        return widget

    # --- the members in and out ----------------------------------------------------------
    def set_members(self, members: list[HouseholdInput]) -> None:
        for row in list(self.rows):
            self._drop(row)
        for member in members:
            self._add_row(member)
        self._update_visibility()

    def members(self) -> tuple[list[HouseholdInput], dict[str, str]]:
        """The members typed (blank rows skipped), and the rows' date errors."""
        errors: dict[str, str] = {}
        members = []
        for number, row in enumerate(self.rows, start=1):
            if row.is_blank():
                continue
            if message := row.birth_date.error():
                errors[f"{PREFIX}{number}"] = (
                    f"Membre du foyer n° {number} : {first_lower(message)}"
                )
            members.append(row.member())
        return members, errors

    def state(self) -> tuple[tuple[str, str, str, str], ...]:
        return tuple(row.state() for row in self.rows)

    def focus_widgets(self) -> list[QWidget]:
        """The rows' fields then « Ajouter », in Tab order."""
        chain: list[QWidget] = []
        for row in self.rows:
            chain.extend(row.focus_widgets())
        chain.append(self.add_button)
        return chain

    # --- errors, by key ``household.N`` --------------------------------------------------
    def keys(self) -> list[str]:
        return [f"{PREFIX}{n}" for n in range(1, len(self.rows) + 1)]

    def key_of(self, row: HouseholdRow) -> str | None:
        return f"{PREFIX}{self.rows.index(row) + 1}" if row in self.rows else None

    def row_of(self, key: str) -> HouseholdRow | None:
        if not key.startswith(PREFIX):
            return None
        number = int(key.split(".", 1)[1])
        return self.rows[number - 1] if 0 < number <= len(self.rows) else None

    # --- adding and removing -------------------------------------------------------------
    def _add_row(self, member: HouseholdInput) -> HouseholdRow:
        row = HouseholdRow()
        row.set_member(member)
        row.removeRequested.connect(self._on_remove)
        row.dateLeft.connect(self.dateLeft)
        self._rows_box.addWidget(row)
        row.show()  # now, not at the next event loop turn: Tab and focus can reach it
        self.rows.append(row)
        return row

    def _drop(self, row: HouseholdRow) -> None:
        self.rows.remove(row)
        self._rows_box.removeWidget(row)
        row.hide()
        row.deleteLater()

    def _on_add(self) -> None:
        row = self._add_row(HouseholdInput())  # a new person: a child, by default
        self._update_visibility()
        self.rowAdded.emit(row)
        row.relation.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_remove(self, row: HouseholdRow) -> None:
        index = self.rows.index(row)
        self._drop(row)
        # Household errors are numbered by row: they no longer match, drop them.
        for other in self.rows:
            other.set_error(None)
        self._update_visibility()
        self.rowRemoved.emit()
        if self.rows:
            target = self.rows[min(index, len(self.rows) - 1)]
            target.remove_button.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.add_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _update_visibility(self) -> None:
        has_rows = bool(self.rows)
        self._header.setVisible(has_rows)
        self._empty.setVisible(not has_rows)
