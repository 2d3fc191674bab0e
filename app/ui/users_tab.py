"""Administration › Utilisateurs: who uses the base, their roles, institution and office.

The list on the left, the selected user's form on the right; saved through
app.services.users.save_user (administrators only, French messages beside the form)."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services import users as user_service
from app.services.actor import Actor
from app.services.beneficiary_search import Lookups, lookups
from app.services.storage import Database
from app.services.users import ROLE_LABELS, UserInput, UserRow
from app.ui import status
from app.ui.caseload_view import RowTable
from app.ui.status import attempt_inline
from app.ui.widgets import ErrorLabel, RowListModel, combo

HEADERS = ("Nom", "Identifiant", "Qualité", "Institution", "Bureau", "Rôles", "Actif")
VISIBILITY_NOTE = (
    "Un référent lit les dossiers de son institution (tous ses bureaux), ceux qu'il suit "
    "ailleurs et ceux qu'aucun bureau n'a encore pris. Les valideurs, les finances et les "
    "administrateurs lisent tous les dossiers. Un référent sans institution lit tous les "
    "dossiers : renseignez l'institution de chacun."
)


class UserModel(RowListModel):
    HEADERS = HEADERS

    _rows: list[UserRow]

    def row_of(self, user_id: Any) -> int:
        return next((n for n, r in enumerate(self._rows) if r.data.id == user_id), -1)

    def cells(self, r: UserRow) -> tuple[str, ...]:
        return (
            r.name,
            r.data.os_login,
            r.data.capacity,
            r.institution,
            r.office,
            r.roles,
            "Oui" if r.data.active else "Non",
        )


class UsersTab(QWidget):
    def __init__(self, db: Database, actor: Actor, editable: bool) -> None:
        super().__init__()
        self._db = db
        self._actor = actor
        self._editing = UserInput()
        self.model = UserModel(self)
        ok, found = status.attempt_db(self, lambda: (user_service.list_users(db), lookups(db)))
        rows, choices = found if ok and found else ([], Lookups([], [], []))
        self.model.set_rows(rows)

        self.table = RowTable()
        self.table.setObjectName("userTable")
        self.table.setModel(self.model)
        self.table.setAccessibleName("Utilisateurs")
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._fill_from_row(current.row())
        )

        self.fields: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for name, label in (
            ("first_name", "Prénom"),
            ("last_name", "Nom *"),
            ("os_login", "Identifiant de session *"),
            ("capacity", "Qualité (sous la signature)"),
            ("email", "E-mail"),
            ("phone", "Téléphone"),
        ):
            edit = QLineEdit()
            edit.setObjectName(name)
            self.fields[name] = edit
            form.addRow(label, edit)
        self.institution = combo(
            [("", "Non renseignée")] + [(str(c.id), c.label) for c in choices.institutions],
            "institution",
        )
        self.office = combo(
            [("", "Non renseigné")] + [(str(c.id), c.label) for c in choices.offices], "office"
        )
        form.addRow("Institution", self.institution)
        form.addRow("Bureau", self.office)
        self.roles: dict[str, QCheckBox] = {}
        role_row = QHBoxLayout()
        for key, label in ROLE_LABELS.items():
            check = QCheckBox(label)
            check.setObjectName(key)
            self.roles[key] = check
            role_row.addWidget(check)
        form.addRow("Rôles", role_row)
        self.active = QCheckBox("Actif (peut ouvrir la base)")
        self.active.setObjectName("active")
        form.addRow("", self.active)
        group = QGroupBox("Utilisateur")
        group.setLayout(form)

        self.new_button = QPushButton("&Nouvel utilisateur")
        self.new_button.setAutoDefault(False)
        self.new_button.clicked.connect(self.new_user)
        self.save_button = QPushButton("&Enregistrer l'utilisateur")
        self.save_button.setObjectName("saveUser")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        for button in (self.new_button, self.save_button):
            button.setEnabled(editable)
        self.saved_label = QLabel()
        self.saved_label.setStyleSheet("color: #1e6b34;")
        self.error_label = ErrorLabel()
        note = QLabel(VISIBILITY_NOTE)
        note.setObjectName("note")
        note.setWordWrap(True)

        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        column = QVBoxLayout()
        column.addWidget(group)
        column.addLayout(buttons)
        column.addWidget(self.saved_label)
        column.addWidget(self.error_label)
        column.addWidget(note)
        column.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setSpacing(12)
        layout.addWidget(self.table, 3)
        layout.addLayout(column, 2)
        if rows:
            self.table.select_row(0)
        else:
            self.new_user()

    def _fill_from_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self._show(self.model.row(row).data)

    def _show(self, data: UserInput) -> None:
        self._editing = data
        for name, edit in self.fields.items():
            edit.setText(getattr(data, name))
        for box, value in ((self.institution, data.institution_id), (self.office, data.office_id)):
            box.setCurrentIndex(max(box.findData(str(value) if value else ""), 0))
        for key, check in self.roles.items():
            check.setChecked(getattr(data, key))
        self.active.setChecked(data.active)
        self.error_label.set_message(None)

    def new_user(self) -> None:
        self.table.clearSelection()
        self._show(UserInput())
        self.saved_label.clear()
        self.fields["first_name"].setFocus()

    def collect(self) -> UserInput:
        data = UserInput(id=self._editing.id, version_id=self._editing.version_id)
        for name, edit in self.fields.items():
            setattr(data, name, edit.text())
        for attr, box in (("institution_id", self.institution), ("office_id", self.office)):
            value = box.currentData()
            setattr(data, attr, _uuid(value) if value else None)
        for key, check in self.roles.items():
            setattr(data, key, check.isChecked())
        data.active = self.active.isChecked()
        return data

    def save(self) -> bool:
        self.saved_label.clear()
        data = self.collect()
        ok, saved, errors = attempt_inline(
            self, lambda: user_service.save_user(self._db, self._actor, data)
        )
        if not ok:
            self.error_label.set_message("\n".join(errors.values()) if errors else None)
            return False
        self.error_label.set_message(None)
        found_ok, rows = status.attempt_db(self, lambda: user_service.list_users(self._db))
        if found_ok and rows is not None:
            self.model.set_rows(rows)
            row = self.model.row_of(saved)
            if row >= 0:
                self.table.select_row(row)
        self.saved_label.setText(f"Utilisateur enregistré : {data.first_name} {data.last_name}.")
        return True


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)
