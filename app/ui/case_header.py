"""The header of the case screen: the case's reference and state badge, the person (with a
button to open their file), who they are (birth and age, address, CAF number, orientation,
référent, household) and a notice saying where the case stands."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.services.case_view import CaseDetail
from app.ui.case_texts import birth_text, household_text, state_notice
from app.ui.case_widgets import (
    INFO_NOTICE,
    WARNING_NOTICE,
    StateBadge,
    key_value_grid,
    notice,
    value_label,
)


class CaseHeader(QFrame):
    openPersonRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseHeader")
        self.setStyleSheet(
            "QFrame#caseHeader { background: palette(base); border: 1px solid palette(mid);"
            " border-radius: 6px; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(6)
        top = QHBoxLayout()
        top.setSpacing(10)
        self.reference_label = QLabel()
        self.reference_label.setObjectName("referenceLabel")
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.reference_label.setFont(font)
        self.reference_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state_badge = StateBadge()
        self.person_label = QLabel()
        self.person_label.setObjectName("personLabel")
        person_font = QFont(self.font())
        person_font.setPointSizeF(person_font.pointSizeF() * 1.2)
        self.person_label.setFont(person_font)
        self.open_person_button = QPushButton("Ouvrir la fiche")
        self.open_person_button.setObjectName("openBeneficiaryButton")
        self.open_person_button.setToolTip("Ouvrir la fiche du bénéficiaire")
        self.open_person_button.setAutoDefault(False)
        self.open_person_button.clicked.connect(lambda: self.openPersonRequested.emit())
        top.addWidget(self.reference_label)
        top.addWidget(self.state_badge)
        top.addSpacing(16)
        top.addWidget(self.person_label)
        top.addWidget(self.open_person_button)
        top.addStretch(1)
        layout.addLayout(top)

        self.birth_label = value_label(name="birthLabel")
        self.address_label = value_label(name="addressLabel")
        self.allocataire_label = value_label(name="allocataireLabel")
        self.orientation_label = value_label(name="orientationLabel")
        self.referent_label = value_label(name="referentLabel")
        self.household_label = value_label(name="householdLabel")
        grid = key_value_grid(
            [
                ("Né(e) le", self.birth_label),
                ("Adresse", self.address_label),
                ("N° allocataire", self.allocataire_label),
                ("Orientation", self.orientation_label),
                ("Référent", self.referent_label),
                ("Foyer", self.household_label),
            ],
            columns=3,
        )
        layout.addLayout(grid)
        self.state_notice = notice()
        self.state_notice.setObjectName("stateNotice")
        layout.addWidget(self.state_notice)

    def show_case(self, d: CaseDetail, today: date | None) -> None:
        """Show ``d``; ``today`` gives the age (the clock's day when None)."""
        for widget in (self.state_badge, self.open_person_button):
            widget.setVisible(True)  # after a first failed load
        self.reference_label.setText(d.reference)
        self.state_badge.set_state(d.state)
        self.person_label.setText(d.person_name)
        self.birth_label.setText(birth_text(d.person_birth_date, today))
        self.address_label.setText(d.person_address or "—")
        self.allocataire_label.setText(d.allocataire or "—")
        self.orientation_label.setText(
            (d.orientation or "Non renseignée")
            + (" — accompagnement global" if d.global_support else "")
        )
        self.referent_label.setText(d.referent or "Non attribué")
        self.household_label.setText(household_text(d) or "Personne seule")
        text, warning = state_notice(d)
        self.state_notice.setText(text)
        self.state_notice.setStyleSheet(WARNING_NOTICE if warning else INFO_NOTICE)
        self.state_notice.setVisible(bool(text))

    def show_missing(self) -> None:
        """The case could not be read: say so, nothing else."""
        self.reference_label.setText("Dossier introuvable")
        self.state_badge.setVisible(False)
        self.open_person_button.setVisible(False)
        self.state_notice.setVisible(False)
