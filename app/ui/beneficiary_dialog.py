"""The beneficiary's file: identity, contact, RSA rights, orientation, household, notes.

Reading and saving go through app.services.beneficiaries (the read is recorded in the access
log). Input is checked by the service; its messages are shown next to each field and in a
summary at the top, and nothing is written until everything is right.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import Civility, Orientation, PayingBody, Relation, SupportContract
from app.services import beneficiaries, beneficiary_search, validation
from app.services.actor import Actor
from app.services.beneficiaries import BeneficiaryInput, HouseholdInput
from app.services.beneficiary_search import Lookups
from app.services.edit_conflicts import BENEFICIARY_FIELDS, EditConflict, field_changes, merge
from app.services.errors import ConflictError, DatabaseUnavailable, ValidationError
from app.services.storage import Database
from app.ui import db_wait, dialogs, edit_conflict_dialog
from app.ui.form_errors import FormErrors
from app.ui.widgets import (
    INVALID_STYLE,
    SUMMARY_STYLE,
    DateField,
    ErrorLabel,
    ValidatedField,
    combo,
    fit_to_screen,
    set_invalid,
)

log = logging.getLogger(__name__)

HEALTH_REMINDER = "Ne saisissez aucune donnée de santé."
REQUIRED = ("last_name", "first_name")
READ_ONLY_STYLE = "QLabel { background: #fff4d6; border: 1px solid #e6cf8b; padding: 6px; }"


def _select(combo: QComboBox, value: str) -> None:
    """Select the item whose data is ``value`` (or the first, the blank choice)."""
    for index in range(combo.count()):
        if combo.itemData(index) == value:
            combo.setCurrentIndex(index)
            return
    combo.setCurrentIndex(0)


def _id_text(value: uuid.UUID | None) -> str:
    return str(value) if value else ""


def _first_lower(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


class _NotesEdit(QPlainTextEdit):
    """A notes box that asks for little height and takes whatever room is left (a tall
    size hint would make the form scroll for nothing)."""

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), 100)


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
        grid.addWidget(self.relation, 0, 0)
        grid.addWidget(self.first_name, 0, 1)
        grid.addWidget(self.last_name, 0, 2)
        grid.addWidget(self.birth_date, 0, 3)
        grid.addWidget(self.remove_button, 0, 4)
        grid.addWidget(self.error_label, 1, 0, 1, 5)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)

    def _on_remove_clicked(self) -> None:
        self.removeRequested.emit(self)

    def _on_date_left(self) -> None:
        self.dateLeft.emit(self)

    def set_member(self, member: HouseholdInput) -> None:
        _select(self.relation, member.relation)
        self.first_name.setText(member.first_name)
        self.last_name.setText(member.last_name)
        self.birth_date.setValue(member.birth_date)

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


class BeneficiaryDialog(QDialog):
    """Create (``beneficiary_id`` None) or edit a beneficiary's file.

    After ``exec()`` returns Accepted, ``saved_id`` is the id of the saved beneficiary. If
    the file could not be loaded (database unavailable, person deleted), the user has been
    told, ``loaded`` is False and ``exec()`` returns Rejected at once.
    """

    def __init__(
        self,
        db: Database,
        actor: Actor,
        beneficiary_id: uuid.UUID | None,
        parent: QWidget | None = None,
        *,
        nir_enabled: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("beneficiaryDialog")
        self._db = db
        self._actor = actor
        self._nir_enabled = nir_enabled
        self.saved_id: uuid.UUID | None = None
        self.form_errors = FormErrors(
            order=self._field_order,
            place=self._place_error,
            widget_of=self._field_widget,
            scroll=lambda: self._scroll,
        )
        self._fields: dict[str, ValidatedField] = {}
        self._household_rows: list[HouseholdRow] = []
        self._lookups = Lookups([], [], [])

        data = self._fetch(beneficiary_id)
        self.loaded = data is not None
        self._data = data or BeneficiaryInput()

        self.setStyleSheet(INVALID_STYLE + SUMMARY_STYLE)
        self._build()
        self._populate(self._data)
        self._initial_state = self._state()
        self._update_title()
        fit_to_screen(self, 1040, 760)
        self.civility.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- loading -------------------------------------------------------------------------
    def _fetch(self, beneficiary_id: uuid.UUID | None) -> BeneficiaryInput | None:
        """Lookups and the file's data; None when the user gave up (already told why)."""
        owner = self.parentWidget()
        while True:
            try:
                lookups, data = db_wait.run_db(owner, lambda: self._read(beneficiary_id))
            except DatabaseUnavailable as exc:
                if dialogs.ask_retry(owner, exc.message):
                    continue
                return None
            except ValidationError as exc:  # e.g. deleted from another workstation
                dialogs.show_warning(owner, "\n".join(exc.errors.values()))
                return None
            except Exception as exc:
                dialogs.show_error(owner, exc)
                return None
            self._lookups = lookups
            return data

    def _read(self, beneficiary_id: uuid.UUID | None) -> tuple[Lookups, BeneficiaryInput]:
        lookups = beneficiary_search.lookups(self._db)
        if beneficiary_id is None:
            return lookups, BeneficiaryInput()
        return lookups, beneficiaries.load_beneficiary(self._db, beneficiary_id, self._actor)

    def exec(self) -> int:
        if not self.loaded:
            return int(QDialog.DialogCode.Rejected)
        return super().exec()

    def open(self) -> None:
        if not self.loaded:
            QTimer.singleShot(0, lambda: QDialog.done(self, QDialog.DialogCode.Rejected))
            return
        super().open()

    # --- building ------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 12, 12, 12)
        outer.setSpacing(8)

        if self._db.read_only:
            note = QLabel(
                "Cette base est ouverte en lecture seule : vous pouvez consulter la fiche "
                "mais pas l'enregistrer."
            )
            note.setWordWrap(True)
            note.setStyleSheet(READ_ONLY_STYLE)
            outer.addWidget(note)

        self._summary, self._summary_label = (
            self.form_errors.summary,
            self.form_errors.summary_label,
        )
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

        self._scroll = QScrollArea()
        self._scroll.setWidget(content)
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # not a Tab stop of its own
        outer.addWidget(self._scroll, 1)

        buttons = QHBoxLayout()
        hint = QLabel("* champ obligatoire  ·  Ctrl+S : enregistrer  ·  Échap : fermer")
        hint.setStyleSheet("color: palette(placeholder-text);")
        buttons.addWidget(hint)
        buttons.addStretch(1)
        self.save_button = QPushButton("&Enregistrer")
        self.save_button.setObjectName("saveButton")
        self.save_button.setToolTip("Enregistrer la fiche (Ctrl+S)")
        self.save_button.setEnabled(not self._db.read_only)
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton("Annuler")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.reject)
        # Enter in a field must not save a half-filled file by accident: no default button.
        for button in (self.save_button, self.cancel_button):
            button.setAutoDefault(False)
            button.setDefault(False)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        outer.addLayout(buttons)

        shortcut = QShortcut(QKeySequence.StandardKey.Save, self)
        shortcut.activated.connect(self._save_shortcut)
        self._fix_tab_order()

    def _form(self, title: str) -> tuple[QGroupBox, QFormLayout]:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setVerticalSpacing(6)
        return box, form

    def _add(
        self,
        form: QFormLayout,
        label: str,
        name: str,
        field: QWidget,
        *,
        stretch: bool = True,
    ) -> QWidget:
        field.setObjectName(name)
        field.setAccessibleName(label.rstrip(" *"))
        holder = ValidatedField(field, stretch=stretch)
        self._fields[name] = holder
        form.addRow(label, holder)
        label_widget = form.labelForField(holder)
        if isinstance(label_widget, QLabel):
            label_widget.setBuddy(field)
            # Level with the field's text, not centred on the field and its error message.
            label_widget.setFixedHeight(field.sizeHint().height())
            label_widget.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if isinstance(field, (QLineEdit, DateField)):
            # A bound method (not a lambda): disconnected when the dialog is destroyed.
            field.editingFinished.connect(self._on_field_left)
        return field

    @staticmethod
    def _line(max_length: int, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setMaxLength(max_length)
        if placeholder:
            edit.setPlaceholderText(placeholder)
        return edit

    def _build_identity(self) -> QGroupBox:
        box, form = self._form("Identité")
        self.civility = self._add(
            form,
            "Civilité",
            "civility",
            combo([("", "—"), *Civility.choices()], "civility"),
            stretch=False,
        )
        self.last_name = self._add(form, "Nom *", "last_name", self._line(100))
        self.birth_name = self._add(
            form, "Nom de naissance", "birth_name", self._line(100, "Si différent du nom")
        )
        self.first_name = self._add(form, "Prénom *", "first_name", self._line(100))
        self.birth_date = self._add(
            form, "Date de naissance", "birth_date", DateField(), stretch=False
        )
        return box

    def _build_contact(self) -> QGroupBox:
        box, form = self._form("Coordonnées")
        self.address_line1 = self._add(
            form, "Adresse", "address_line1", self._line(200, "N° et voie")
        )
        self.address_line2 = self._add(
            form,
            "Complément",
            "address_line2",
            self._line(200, "Bâtiment, étage, lieu-dit…"),
        )
        postcode = self._line(5)
        postcode.setFixedWidth(postcode.fontMetrics().horizontalAdvance("000000") + 16)
        self.postcode = self._add(form, "Code postal", "postcode", postcode, stretch=False)
        self.commune = self._add(form, "Commune", "commune", self._line(120))
        self.phone = self._add(form, "Téléphone", "phone", self._line(30, "06 12 34 56 78"))
        self.email = self._add(form, "E-mail", "email", self._line(200))
        return box

    def _build_rights(self) -> QGroupBox:
        box, form = self._form("Droits RSA")
        self.paying_body = self._add(
            form,
            "Organisme payeur",
            "paying_body",
            combo(PayingBody.choices(), "paying_body"),
            stretch=False,
        )
        self.paying_body.currentIndexChanged.connect(self._on_paying_body_changed)
        self.allocataire_number = self._add(
            form, "N° allocataire", "allocataire_number", self._line(20)
        )
        self.rsa_open_since = self._add(
            form, "Droit RSA ouvert depuis le", "rsa_open_since", DateField(), stretch=False
        )
        iban = self._line(42, "FR76 0000 0000 0000 0000 0000 000")
        iban.setFont(self._monospace(iban))
        self.iban = self._add(form, "IBAN", "iban", iban)
        self.iban.editingFinished.connect(self._format_iban)
        self.iban.textChanged.connect(self._check_iban_as_typed)
        self.nir: QLineEdit | None = None
        if self._nir_enabled:
            nir = self._line(21, "1 85 05 78 006 084 36")
            nir.setFont(self._monospace(nir))
            self.nir = self._add(form, "NIR (n° de sécurité sociale)", "nir", nir)
        self._on_paying_body_changed()
        return box

    @staticmethod
    def _monospace(widget: QWidget) -> QFont:
        font = widget.font()
        font.setFamilies(["Consolas", "DejaVu Sans Mono", "Courier New", "monospace"])
        return font

    def _build_orientation(self) -> QGroupBox:
        box, form = self._form("Orientation et accompagnement")
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

    def _build_household(self) -> QGroupBox:
        box = QGroupBox("Foyer")
        layout = QVBoxLayout(box)
        layout.setSpacing(4)
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
        self._household_header = QWidget()
        self._household_header.setLayout(header)
        layout.addWidget(self._household_header)
        self._household_empty = QLabel("Aucun membre du foyer n'est renseigné.")
        self._household_empty.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self._household_empty)
        self._household_box = QVBoxLayout()
        self._household_box.setSpacing(4)
        layout.addLayout(self._household_box)
        self.add_member_button = QPushButton("Ajouter une personne au foyer")
        self.add_member_button.setObjectName("addMemberButton")
        self.add_member_button.setAutoDefault(False)
        self.add_member_button.clicked.connect(self._on_add_member)
        row = QHBoxLayout()
        row.addWidget(self.add_member_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
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
        reminder.setStyleSheet(
            "QLabel { background: #eef4fb; border: 1px solid #c5d7ec; border-radius: 4px;"
            " padding: 6px; color: #1d3b5c; }"
        )
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

    # --- household -----------------------------------------------------------------------
    def _add_member_row(self, member: HouseholdInput | None = None) -> HouseholdRow:
        row = HouseholdRow()
        row.set_member(member or HouseholdInput())  # a new person: a child, by default
        row.removeRequested.connect(self._remove_member_row)
        row.dateLeft.connect(self._live_check_household)
        self._household_box.addWidget(row)
        row.show()  # now, not at the next event loop turn: Tab and focus can reach it
        self._household_rows.append(row)
        self._update_household_visibility()
        self._fix_tab_order()
        return row

    def _on_add_member(self) -> None:
        row = self._add_member_row()
        row.relation.setFocus(Qt.FocusReason.OtherFocusReason)
        QTimer.singleShot(0, lambda: self._scroll.ensureWidgetVisible(row))

    def _remove_member_row(self, row: HouseholdRow) -> None:
        index = self._household_rows.index(row)
        self._household_rows.remove(row)
        self._household_box.removeWidget(row)
        row.hide()
        row.deleteLater()
        # Household errors are numbered by row: they no longer match, drop them.
        for other in self._household_rows:
            other.set_error(None)
        self.form_errors.forget("household.")
        self._update_household_visibility()
        self._fix_tab_order()
        if self._household_rows:
            target = self._household_rows[min(index, len(self._household_rows) - 1)]
            target.remove_button.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.add_member_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _update_household_visibility(self) -> None:
        has_rows = bool(self._household_rows)
        self._household_header.setVisible(has_rows)
        self._household_empty.setVisible(not has_rows)

    # --- data in and out -----------------------------------------------------------------
    def _populate(self, data: BeneficiaryInput) -> None:
        _select(self.civility, data.civility)
        self.last_name.setText(data.last_name)
        self.birth_name.setText(data.birth_name)
        self.first_name.setText(data.first_name)
        self.birth_date.setValue(data.birth_date)
        self.address_line1.setText(data.address_line1)
        self.address_line2.setText(data.address_line2)
        self.postcode.setText(data.postcode)
        self.commune.setText(data.commune)
        self.phone.setText(data.phone)
        self.email.setText(data.email)
        _select(self.paying_body, data.paying_body)
        self.allocataire_number.setText(data.allocataire_number)
        self.rsa_open_since.setValue(data.rsa_open_since)
        self.iban.setText(validation.format_iban(data.iban))
        if self.nir is not None:
            self.nir.setText(data.nir)
        _select(self.orientation, data.orientation or "")
        self.orientation_date.setValue(data.orientation_date)
        self.global_support.setChecked(bool(data.global_support))
        _select(self.support_contract, data.support_contract or "")
        self._select_id(self.referent, data.referent_id, "(référent inactif)")
        self._select_id(self.office, data.office_id, "(bureau supprimé)")
        self.notes.setPlainText(data.notes)
        for row in list(self._household_rows):
            self._household_box.removeWidget(row)
            row.hide()
            row.deleteLater()
        self._household_rows.clear()
        for member in data.household:
            self._add_member_row(member)
        self._update_household_visibility()
        self._fix_tab_order()

    @staticmethod
    def _select_id(combo: QComboBox, value: uuid.UUID | None, missing_label: str) -> None:
        """Select an id; one not offered any more (inactive) is kept rather than dropped."""
        text = _id_text(value)
        if text and combo.findData(text) < 0:
            combo.addItem(missing_label, text)
        _select(combo, text)

    def _collect(self) -> tuple[BeneficiaryInput, dict[str, str]]:
        """The form's content, and the errors found before asking the service (dates)."""
        local: dict[str, str] = {}

        def date_of(name: str, field: DateField) -> Any:
            if message := field.error():
                local[name] = message
            return field.value()

        household = []
        for number, row in enumerate(self._household_rows, start=1):
            if row.is_blank():
                continue
            if message := row.birth_date.error():
                local[f"household.{number}"] = (
                    f"Membre du foyer n° {number} : {_first_lower(message)}"
                )
            household.append(
                HouseholdInput(
                    relation=row.relation.currentData(),
                    first_name=row.first_name.text(),
                    last_name=row.last_name.text(),
                    birth_date=row.birth_date.value(),
                )
            )
        referent = self.referent.currentData()
        office = self.office.currentData()
        data = BeneficiaryInput(
            id=self._data.id,
            version_id=self._data.version_id,
            civility=self.civility.currentData(),
            last_name=self.last_name.text(),
            birth_name=self.birth_name.text(),
            first_name=self.first_name.text(),
            birth_date=date_of("birth_date", self.birth_date),
            address_line1=self.address_line1.text(),
            address_line2=self.address_line2.text(),
            postcode=self.postcode.text(),
            commune=self.commune.text(),
            phone=self.phone.text(),
            email=self.email.text(),
            paying_body=self.paying_body.currentData(),
            allocataire_number=self.allocataire_number.text(),
            # NIR not enabled: whatever the file holds is kept as it is, never shown.
            nir=self.nir.text() if self.nir is not None else self._data.nir,
            iban=self.iban.text(),
            rsa_open_since=date_of("rsa_open_since", self.rsa_open_since),
            orientation=self.orientation.currentData() or None,
            orientation_date=date_of("orientation_date", self.orientation_date),
            global_support=self.global_support.isChecked(),
            support_contract=self.support_contract.currentData() or None,
            referent_id=uuid.UUID(referent) if referent else None,
            office_id=uuid.UUID(office) if office else None,
            notes=self.notes.toPlainText(),
            household=household,
        )
        return data, local

    def _state(self) -> tuple:
        values: list[Any] = []
        for holder in self._fields.values():
            field = holder.field
            if isinstance(field, QComboBox):
                values.append(field.currentData())
            elif isinstance(field, QCheckBox):
                values.append(field.isChecked())
            elif isinstance(field, QPlainTextEdit):
                values.append(field.toPlainText())
            elif isinstance(field, (QLineEdit, DateField)):
                values.append(field.text().strip())
        return tuple(values), tuple(row.state() for row in self._household_rows)

    def is_dirty(self) -> bool:
        return self._state() != self._initial_state

    def _update_title(self) -> None:
        if self._data.id is None:
            self.setWindowTitle("Nouveau bénéficiaire")
        else:
            name = f"{self._data.last_name.upper()} {self._data.first_name}".strip()
            self.setWindowTitle(f"Fiche de {name}")

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
        if not self.isVisible() or row not in self._household_rows:
            return
        key = f"household.{self._household_rows.index(row) + 1}"
        self.form_errors.set(key, self._all_errors().get(key))

    def _place_error(self, name: str, message: str | None) -> None:
        if name in self._fields:
            self._fields[name].set_error(message)
        elif name.startswith("household."):
            number = int(name.split(".", 1)[1])
            if 0 < number <= len(self._household_rows):
                self._household_rows[number - 1].set_error(message)

    def _clear_errors(self) -> None:
        self.form_errors.clear()

    def show_errors(self, errors: dict[str, str]) -> None:
        """Show every message next to its field and in the summary; focus the first."""
        self.form_errors.show(errors)

    def _field_order(self) -> list[str]:
        names = list(self._fields)
        notes_at = names.index("notes")
        household = [f"household.{n}" for n in range(1, len(self._household_rows) + 1)]
        return names[:notes_at] + household + names[notes_at:]

    def _field_widget(self, name: str) -> QWidget | None:
        if name in self._fields:
            return self._fields[name].field
        if name.startswith("household."):
            number = int(name.split(".", 1)[1])
            if 0 < number <= len(self._household_rows):
                return self._household_rows[number - 1].birth_date
        return None

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

    def _fix_tab_order(self) -> None:
        """Tab follows the reading order: left column, right column, household, notes."""
        chain: list[QWidget] = []
        for name, holder in self._fields.items():
            if name == "notes":
                for row in self._household_rows:
                    chain.extend(row.focus_widgets())
                chain.append(self.add_member_button)
            field = holder.field
            chain.append(field.focusProxy() or field)
        chain.extend([self.save_button, self.cancel_button])
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # --- actions -------------------------------------------------------------------------
    def _save_shortcut(self) -> None:
        if self.save_button.isEnabled():
            self.save()

    def save(self) -> None:
        """Enregistrer: check, then save through the service; close on success."""
        self.form_errors.save_attempted = True
        data, local = self._collect()
        if local:
            errors = beneficiaries.validate(data, nir_enabled=self._nir_enabled)
            errors.update(local)
            self.show_errors(errors)
            return
        while True:
            try:
                saved = db_wait.run_db(
                    self,
                    lambda: beneficiaries.save_beneficiary(
                        self._db, self._actor, data, nir_enabled=self._nir_enabled
                    ),
                )
            except ValidationError as exc:
                self.show_errors(exc.errors)
                return
            except ConflictError as exc:
                self._on_conflict(exc)
                return
            except DatabaseUnavailable as exc:
                if dialogs.ask_retry(self, exc.message):
                    continue
                return
            except Exception as exc:
                dialogs.show_error(self, exc)
                return
            break
        log.info("Beneficiary %s saved", saved)
        self.saved_id = saved
        self._clear_errors()
        self._initial_state = self._state()
        self.accept()

    def _on_conflict(self, exc: ConflictError) -> None:
        """Another station saved this file meanwhile: show what differs, then reload it,
        keep this entry over it, or go back to the form (nothing saved)."""
        if self._data.id is None or not isinstance(exc, EditConflict):
            dialogs.show_error(self, exc)
            return
        mine, _local = self._collect()
        lookups = [*self._lookups.referents, *self._lookups.offices]
        names = {key: c.label for c in lookups for key in (c.id, str(c.id))}
        changes = field_changes(self._data, exc.current, mine, BENEFICIARY_FIELDS, names)
        log.warning(
            "Edit conflict on beneficiary %s: %d fields differ", self._data.id, len(changes)
        )
        choice = edit_conflict_dialog.ask_conflict_choice(self, exc, changes)
        if choice == edit_conflict_dialog.RELOAD:
            self._show_version(exc.current)
        elif choice == edit_conflict_dialog.KEEP:
            merged = merge(self._data, exc.current, mine, BENEFICIARY_FIELDS)
            self._data = exc.current  # the version the next save is checked against
            self._populate(merged)
            self.save()

    def _show_version(self, data: BeneficiaryInput) -> None:
        self._data = data
        self._populate(data)
        self._clear_errors()
        self._initial_state = self._state()
        self._update_title()

    def reload(self) -> None:
        """Replace the form's content by the saved version of the file."""
        data = self._fetch(self._data.id)
        if data is None:
            return
        self._show_version(data)

    def reject(self) -> None:
        """Annuler, Échap or closing the window: confirm before losing changes."""
        if self.isVisible() and self.loaded and self.saved_id is None and self.is_dirty():
            leave = dialogs.ask_yes_no(
                self,
                "Fermer la fiche sans enregistrer ? Les modifications saisies seront perdues.",
                "Modifications non enregistrées",
            )
            if not leave:
                return
        super().reject()
