"""The form of the beneficiary's file as the user sees it: identity, contact, RSA rights,
orientation, household and notes, the data in and out, and each field's check as it is
left (the service's rules, :func:`app.services.beneficiaries.validate`).

:class:`BeneficiaryFields` is the window without its loading and saving, which
:class:`app.ui.beneficiary_dialog.BeneficiaryDialog` adds. Every field is registered in
``_fields`` under the name of its :class:`BeneficiaryInput` attribute, the name the
service's messages use.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import Civility, Orientation, PayingBody, SupportContract
from app.services import beneficiaries, validation
from app.services.beneficiaries import BeneficiaryInput
from app.services.beneficiary_search import Lookups
from app.ui.date_field import DateField
from app.ui.form_errors import FormErrors
from app.ui.form_fields import (
    add_field,
    dialog_buttons,
    fields_state,
    form_box,
    line_edit,
    monospace,
    plain_scroll,
    select_data,
    set_value,
    value_of,
)
from app.ui.household_editor import HouseholdEditor, HouseholdRow
from app.ui.widgets import INVALID_STYLE, SUMMARY_STYLE, ValidatedField, combo

HEALTH_REMINDER = "Ne saisissez aucune donnée de santé."
REQUIRED = ("last_name", "first_name")
READ_ONLY_STYLE = "QLabel { background: #fff4d6; border: 1px solid #e6cf8b; padding: 6px; }"
REMINDER_STYLE = (
    "QLabel { background: #eef4fb; border: 1px solid #c5d7ec; border-radius: 4px;"
    " padding: 6px; color: #1d3b5c; }"
)
# Fields choosing an id (shown by its label); one no longer offered (inactive) shows this.
ID_CHOICES = {"referent_id": "(référent inactif)", "office_id": "(bureau supprimé)"}
OPTIONAL_CHOICES = ("orientation", "support_contract")


class _NotesEdit(QPlainTextEdit):
    """A notes box that asks for little height and takes whatever room is left (a tall
    size hint would make the form scroll for nothing)."""

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), 100)


class BeneficiaryFields(QDialog):
    """The file's fields and their messages; ``_build`` lays them out once the lookups
    (referents, offices) are known, ``_populate`` and ``_collect`` move the data."""

    def __init__(self, parent: QWidget | None = None, *, nir_enabled: bool = False) -> None:
        super().__init__(parent)
        self._nir_enabled = nir_enabled
        self.form_errors = FormErrors(
            order=self._field_order,
            place=self._place_error,
            widget_of=self._field_widget,
            scroll=lambda: self._scroll,
        )
        self._fields: dict[str, ValidatedField] = {}
        self._lookups = Lookups([], [], [])
        self._data = BeneficiaryInput()  # the version loaded, the base of the next save

    # --- building ------------------------------------------------------------------------
    def _build(self, read_only: bool) -> None:
        self.setStyleSheet(INVALID_STYLE + SUMMARY_STYLE)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 12, 12, 12)
        outer.setSpacing(8)

        if read_only:
            note = QLabel(
                "Cette base est ouverte en lecture seule : vous pouvez consulter la fiche "
                "mais pas l'enregistrer."
            )
            note.setWordWrap(True)
            note.setStyleSheet(READ_ONLY_STYLE)
            outer.addWidget(note)

        self._summary = self.form_errors.summary
        self._summary_label = self.form_errors.summary_label
        self._summary_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        outer.addWidget(self._summary)

        content = QWidget()
        grid = QGridLayout(content)
        grid.setContentsMargins(0, 0, 4, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(10)
        grid.addWidget(self._build_identity(), 0, 0)
        grid.addWidget(self._build_contact(), 1, 0)
        grid.addWidget(self._build_rights(), 0, 1)
        grid.addWidget(self._build_orientation(), 1, 1)
        grid.addWidget(self._build_household(), 2, 0, 1, 2)
        grid.addWidget(self._build_notes(), 3, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(3, 1)
        self._scroll = plain_scroll(content)
        outer.addWidget(self._scroll, 1)

        self.save_button = QPushButton("&Enregistrer")
        self.save_button.setObjectName("saveButton")
        self.save_button.setToolTip("Enregistrer la fiche (Ctrl+S)")
        self.save_button.setEnabled(not read_only)
        self.cancel_button = QPushButton("Annuler")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.reject)
        outer.addLayout(
            dialog_buttons(
                "* champ obligatoire  ·  Ctrl+S : enregistrer  ·  Échap : fermer",
                self.save_button,
                self.cancel_button,
            )
        )
        self._fix_tab_order()

    def _add[W: QWidget](
        self, form: QFormLayout, label: str, name: str, field: W, *, stretch: bool = True
    ) -> W:
        add_field(form, self._fields, label, name, field, stretch=stretch)
        if isinstance(field, (QLineEdit, DateField)):
            # A bound method (not a lambda): disconnected when the dialog is destroyed.
            field.editingFinished.connect(self._on_field_left)
        return field

    def _build_identity(self) -> QGroupBox:
        box, form = form_box("Identité")
        civilities = combo([("", "—"), *Civility.choices()], "civility")
        self.civility = self._add(form, "Civilité", "civility", civilities, stretch=False)
        self.last_name = self._add(form, "Nom *", "last_name", line_edit(100))
        self.birth_name = self._add(
            form, "Nom de naissance", "birth_name", line_edit(100, "Si différent du nom")
        )
        self.first_name = self._add(form, "Prénom *", "first_name", line_edit(100))
        self.birth_date = self._add(
            form, "Date de naissance", "birth_date", DateField(), stretch=False
        )
        return box

    def _build_contact(self) -> QGroupBox:
        box, form = form_box("Coordonnées")
        self.address_line1 = self._add(
            form, "Adresse", "address_line1", line_edit(200, "N° et voie")
        )
        self.address_line2 = self._add(
            form, "Complément", "address_line2", line_edit(200, "Bâtiment, étage, lieu-dit…")
        )
        postcode = line_edit(5)
        postcode.setFixedWidth(postcode.fontMetrics().horizontalAdvance("000000") + 16)
        self.postcode = self._add(form, "Code postal", "postcode", postcode, stretch=False)
        self.commune = self._add(form, "Commune", "commune", line_edit(120))
        self.phone = self._add(form, "Téléphone", "phone", line_edit(30, "06 12 34 56 78"))
        self.email = self._add(form, "E-mail", "email", line_edit(200))
        return box

    def _build_rights(self) -> QGroupBox:
        box, form = form_box("Droits RSA")
        bodies = combo(PayingBody.choices(), "paying_body")
        self.paying_body = self._add(form, "Organisme payeur", "paying_body", bodies, stretch=False)
        self.paying_body.currentIndexChanged.connect(self._on_paying_body_changed)
        self.allocataire_number = self._add(
            form, "N° allocataire", "allocataire_number", line_edit(20)
        )
        self.rsa_open_since = self._add(
            form, "Droit RSA ouvert depuis le", "rsa_open_since", DateField(), stretch=False
        )
        iban = line_edit(42, "FR76 0000 0000 0000 0000 0000 000")
        iban.setFont(monospace(iban))
        self.iban = self._add(form, "IBAN", "iban", iban)
        self.iban.editingFinished.connect(self._format_iban)
        self.iban.textChanged.connect(self._check_iban_as_typed)
        self.nir: QLineEdit | None = None
        if self._nir_enabled:
            nir = line_edit(21, "1 85 05 78 006 084 36")
            nir.setFont(monospace(nir))
            self.nir = self._add(form, "NIR (n° de sécurité sociale)", "nir", nir)
        self._on_paying_body_changed()
        return box

    def _build_orientation(self) -> QGroupBox:
        box, form = form_box("Orientation et accompagnement")
        self.orientation = self._add(
            form,
            "Orientation",
            "orientation",
            combo([("", "Non renseignée"), *Orientation.choices()], "orientation"),
        )
        self.orientation_date = self._add(
            form, "Date d'orientation", "orientation_date", DateField(), stretch=False
        )
        self.global_support = self._add(
            form, "Accompagnement global", "global_support", QCheckBox("Oui"), stretch=False
        )
        self.support_contract = self._add(
            form,
            "Contrat",
            "support_contract",
            combo([("", "Aucun"), *SupportContract.choices()], "support_contract"),
        )
        referents = [("", "Non attribué")] + [(str(c.id), c.label) for c in self._lookups.referents]
        self.referent = self._add(form, "Référent", "referent_id", combo(referents, "referent"))
        offices = [("", "Non renseigné")] + [(str(c.id), c.label) for c in self._lookups.offices]
        self.office = self._add(form, "Bureau", "office_id", combo(offices, "office"))
        return box

    def _build_notes(self) -> QGroupBox:
        box = QGroupBox("Notes")
        layout = QVBoxLayout(box)
        reminder = QLabel(
            f"<b>{HEALTH_REMINDER}</b> Notez des faits, de façon neutre : "
            "la personne peut demander à lire sa fiche."
        )
        reminder.setObjectName("healthReminder")
        reminder.setWordWrap(True)
        reminder.setStyleSheet(REMINDER_STYLE)
        layout.addWidget(reminder)
        self.notes = _NotesEdit()
        self.notes.setObjectName("notes")
        self.notes.setAccessibleName("Notes")
        self.notes.setAccessibleDescription(HEALTH_REMINDER)
        self.notes.setTabChangesFocus(True)
        self.notes.setMinimumHeight(80)
        self.notes.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._fields["notes"] = ValidatedField(self.notes)
        layout.addWidget(self._fields["notes"])
        return box

    def _fix_tab_order(self) -> None:
        """Tab follows the reading order: left column, right column, household, notes."""
        chain: list[QWidget] = []
        for name, holder in self._fields.items():
            if name == "notes":
                chain.extend(self.household.focus_widgets())
            field = holder.field
            chain.append(field.focusProxy() or field)
        chain.extend([self.save_button, self.cancel_button])
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # --- household -----------------------------------------------------------------------
    def _build_household(self) -> HouseholdEditor:
        self.household = HouseholdEditor()
        self.household.rowAdded.connect(self._on_member_added)
        self.household.rowRemoved.connect(self._on_member_removed)
        self.household.dateLeft.connect(self._live_check_household)
        self._household_rows = self.household.rows  # the live list (tests read it)
        self.add_member_button = self.household.add_button
        return self.household

    def _on_member_added(self, row: HouseholdRow) -> None:
        self._fix_tab_order()
        QTimer.singleShot(0, lambda: self._scroll.ensureWidgetVisible(row))

    def _on_member_removed(self) -> None:
        self.form_errors.forget("household.")
        self._fix_tab_order()

    # --- data in and out -----------------------------------------------------------------
    def _populate(self, data: BeneficiaryInput) -> None:
        """Show ``data``: each field from the attribute of its name, then the household."""
        for name, holder in self._fields.items():
            value = getattr(data, name)
            if name == "iban":
                value = validation.format_iban(value)
            if name in ID_CHOICES and isinstance(holder.field, QComboBox):
                self._select_id(holder.field, value, ID_CHOICES[name])
            else:
                set_value(holder.field, value)
        self.household.set_members(data.household)
        self._fix_tab_order()

    @staticmethod
    def _select_id(box: QComboBox, value: uuid.UUID | None, missing_label: str) -> None:
        """Select an id; one not offered any more (inactive) is kept rather than dropped."""
        text = str(value) if value else ""
        if text and box.findData(text) < 0:
            box.addItem(missing_label, text)
        select_data(box, text)

    def _collect(self) -> tuple[BeneficiaryInput, dict[str, str]]:
        """The form's content, and the errors found before asking the service (dates)."""
        household, local = self.household.members()
        values: dict[str, Any] = {}
        for name, holder in self._fields.items():
            field = holder.field
            if isinstance(field, DateField) and (message := field.error()):
                local[name] = message
            values[name] = value_of(field)
        for name in OPTIONAL_CHOICES:
            values[name] = values[name] or None
        for name in ID_CHOICES:
            values[name] = uuid.UUID(values[name]) if values[name] else None
        # NIR not enabled: whatever the file holds is kept as it is, never shown.
        values.setdefault("nir", self._data.nir)
        data = BeneficiaryInput(
            id=self._data.id, version_id=self._data.version_id, household=household, **values
        )
        return data, local

    def _state(self) -> tuple[Any, ...]:
        return fields_state(self._fields.values()), self.household.state()

    # --- checks and errors ---------------------------------------------------------------
    def _all_errors(self) -> dict[str, str]:
        data, local = self._collect()
        errors = beneficiaries.validate(data, nir_enabled=self._nir_enabled)
        errors.update(local)
        return errors

    def _on_field_left(self) -> None:
        sender = self.sender()
        if sender is not None and sender.objectName() in self._fields:
            self._live_check(sender.objectName())

    def _live_check(self, name: str) -> None:
        """As the user leaves a field: show (or clear) the service's message for it."""
        if not self.isVisible():
            return
        message = self._all_errors().get(name)
        if name in REQUIRED and not self.form_errors.save_attempted:
            message = None
        self.form_errors.set(name, message)

    def _live_check_household(self, row: HouseholdRow) -> None:
        key = self.household.key_of(row)
        if not self.isVisible() or key is None:
            return
        self.form_errors.set(key, self._all_errors().get(key))

    def _place_error(self, name: str, message: str | None) -> None:
        if name in self._fields:
            self._fields[name].set_error(message)
        elif (row := self.household.row_of(name)) is not None:
            row.set_error(message)

    def show_errors(self, errors: dict[str, str]) -> None:
        """Show every message next to its field and in the summary; focus the first."""
        self.form_errors.show(errors)

    def _field_order(self) -> list[str]:
        names = list(self._fields)
        notes_at = names.index("notes")
        return names[:notes_at] + self.household.keys() + names[notes_at:]

    def _field_widget(self, name: str) -> QWidget | None:
        if name in self._fields:
            return self._fields[name].field
        row = self.household.row_of(name)
        return row.birth_date if row is not None else None

    # --- field helpers -------------------------------------------------------------------
    def _format_iban(self) -> None:
        text = self.iban.text()
        formatted = validation.format_iban(text)
        if text.strip() and formatted != text:
            self.iban.setText(formatted)

    def _check_iban_as_typed(self, text: str) -> None:
        """Told as soon as the IBAN has its country's length (or passes it), not before."""
        typed = validation.compact(text)
        expected = validation.iban_registry_length(typed[:2]) if len(typed) >= 2 else None
        if not typed or (expected is not None and len(typed) < expected):
            self._fields["iban"].set_error(None)
            return
        if expected is None and typed[:2].isalpha():
            self._fields["iban"].set_error(validation.iban_country_error(typed[:2]))
            return
        self._fields["iban"].set_error(validation.iban_error(typed))

    def _on_paying_body_changed(self) -> None:
        if self.paying_body.currentData() == PayingBody.MSA.value:
            self.allocataire_number.setPlaceholderText("13 chiffres au plus")
        else:
            self.allocataire_number.setPlaceholderText(f"{validation.CAF_DIGITS} chiffres")
        if self.allocataire_number.text().strip():
            self._live_check("allocataire_number")
