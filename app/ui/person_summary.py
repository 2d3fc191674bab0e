"""The readable summary of a person in their file: identity, contact details, RSA rights,
orientation and support, household and notes, in titled blocks whose values can be
selected (to copy a phone number). It shows what it is given and never reads the base."""

from __future__ import annotations

import uuid
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import Civility, Orientation, PayingBody, Relation, SupportContract
from app.services.beneficiaries import BeneficiaryInput
from app.services.beneficiary_search import Choice, Lookups
from app.services.text import format_date
from app.ui.beneficiary_texts import age_text, enum_label, last_contact_text, member_text

NONE = "—"
CAPTION_STYLE = "color: palette(placeholder-text);"


class SummarySection(QGroupBox):
    """A titled block of caption/value rows; values are selectable (to copy a phone number)."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.grid = QGridLayout(self)
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(5)
        self.grid.setColumnStretch(1, 1)
        self.values: dict[str, QLabel] = {}

    def add(self, caption: str, name: str) -> QLabel:
        label = QLabel(caption)
        label.setStyleSheet(CAPTION_STYLE)
        value = QLabel()
        value.setObjectName(name)
        value.setTextFormat(Qt.TextFormat.PlainText)
        value.setWordWrap(True)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        value.setAccessibleName(caption)
        value.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        label.setBuddy(value)
        row = len(self.values)
        top = Qt.AlignmentFlag.AlignTop
        self.grid.addWidget(label, row, 0, top | Qt.AlignmentFlag.AlignLeft)
        self.grid.addWidget(value, row, 1, top)
        self.grid.setRowStretch(row + 1, 1)  # the rows stay packed at the top
        self.grid.setRowStretch(row, 0)
        self.values[name] = value
        return value

    def add_rows(self, rows: tuple[tuple[str, str], ...]) -> None:
        """``(caption, name)`` rows, in order."""
        for caption, name in rows:
            self.add(caption, name)


def _text_box(title: str, name: str) -> tuple[QGroupBox, QLabel]:
    """A titled block holding one selectable plain text."""
    box = QGroupBox(title)
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    QVBoxLayout(box).addWidget(label)
    return box, label


def _name_of(choices: list[Choice], value: uuid.UUID | None) -> str:
    if value is None:
        return ""
    return next((c.label for c in choices if c.id == value), "Inconnu ou inactif")


class PersonSummary(QScrollArea):
    """The person's blocks, in a scroll area (see module docstring)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.identity = SummarySection("Identité")
        self.identity.add_rows(
            (
                ("Civilité", "civility"),
                ("Nom", "last_name"),
                ("Nom de naissance", "birth_name"),
                ("Prénom", "first_name"),
                ("Date de naissance", "birth_date"),
            )
        )
        self.contact = SummarySection("Coordonnées")
        self.contact.add_rows(
            (("Adresse", "address"), ("Téléphone", "phone"), ("Courriel", "email"))
        )
        self.rights = SummarySection("Droits RSA")
        self.rights.add_rows(
            (
                ("Organisme payeur", "paying_body"),
                ("N° allocataire", "allocataire_number"),
                ("Droit RSA ouvert depuis le", "rsa_open_since"),
            )
        )
        self.support = SummarySection("Orientation et accompagnement")
        self.support.add_rows(
            (
                ("Orientation", "orientation"),
                ("Date d'orientation", "orientation_date"),
                ("Accompagnement global", "global_support"),
                ("Contrat", "support_contract"),
                ("Référent", "referent"),
                ("Bureau", "office"),
                ("Dernier contact", "last_contact"),
            )
        )
        self.household_box, self.household_label = _text_box("Foyer", "household")
        self.notes_box, self.notes_label = _text_box("Notes", "notes")
        self.notes_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

        content = QWidget()
        grid = QGridLayout(content)
        grid.setContentsMargins(0, 0, 6, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(10)
        grid.addWidget(self.identity, 0, 0)
        grid.addWidget(self.rights, 0, 1)
        grid.addWidget(self.contact, 1, 0)
        grid.addWidget(self.support, 1, 1, 2, 1)
        grid.addWidget(self.household_box, 2, 0)
        grid.addWidget(self.notes_box, 3, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(4, 1)

        self.setWidget(content)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)

    def show_last_contact(self, day: date | None, today: date) -> None:
        self.support.values["last_contact"].setText(last_contact_text(day, today))

    def show_person(
        self, d: BeneficiaryInput, lookups: Lookups, last_contact: date | None, today: date
    ) -> None:
        birth = format_date(d.birth_date)
        if birth and (age := age_text(d.birth_date, today)):
            birth = f"{birth} ({age})"
        address = "\n".join(
            x for x in (d.address_line1, d.address_line2, f"{d.postcode} {d.commune}".strip()) if x
        )
        values = {
            "civility": enum_label(Civility, d.civility),
            "last_name": d.last_name.upper(),
            "birth_name": d.birth_name.upper(),
            "first_name": d.first_name,
            "birth_date": birth,
            "address": address,
            "phone": d.phone,
            "email": d.email,
            "paying_body": enum_label(PayingBody, d.paying_body),
            "allocataire_number": d.allocataire_number,
            "rsa_open_since": format_date(d.rsa_open_since),
            "orientation": enum_label(Orientation, d.orientation),
            "orientation_date": format_date(d.orientation_date),
            "global_support": "Oui" if d.global_support else "Non",
            "support_contract": enum_label(SupportContract, d.support_contract),
            "referent": _name_of(lookups.referents, d.referent_id),
            "office": _name_of(lookups.offices, d.office_id),
        }
        for section in (self.identity, self.contact, self.rights, self.support):
            for name, label in section.values.items():
                if name in values:
                    label.setText(values[name] or NONE)
        self.show_last_contact(last_contact, today)

        members = sorted(
            d.household,
            key=lambda m: (m.relation != Relation.PARTNER.value, m.birth_date or date.max),
        )
        self.household_label.setText(
            "\n".join(member_text(m, today) for m in members)
            or "Aucun membre du foyer enregistré (personne seule)."
        )
        self.notes_label.setText(d.notes.strip() or "Aucune note.")
        self.notes_label.setForegroundRole(
            QPalette.ColorRole.WindowText if d.notes.strip() else QPalette.ColorRole.PlaceholderText
        )
