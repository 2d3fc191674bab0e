"""« Département et courriers »: the département's settings (letters, delays and
retention, payments), saved through settings.save_settings."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services import settings as settings_service
from app.services.actor import Actor
from app.services.settings import OfficeSettings
from app.services.storage import Database
from app.ui.admin_forms import (
    SAVED_STYLE,
    beside,
    form_layout,
    note_label,
    save_row,
    spin_box,
    text_box,
)
from app.ui.rsa_rates_editor import RsaRatesEditor
from app.ui.status import attempt_inline
from app.ui.widgets import (
    ErrorLabel,
    combo,
    set_invalid,
)

CNIL_WARNING = (
    "Attention : l'usage du NIR (numéro de sécurité sociale) est strictement encadré par la "
    "CNIL. N'activez sa saisie que si un texte l'autorise pour ce traitement et après avis "
    "du délégué à la protection des données. Sans cela, laissez cette case décochée."
)


REQUIRED_TEXTS = {
    "department_name": "Le nom du département est obligatoire.",
    "department_address": "L'adresse du département est obligatoire.",
    "president_title": "L'autorité signataire est obligatoire.",
    "legal_basis": "La base légale est obligatoire.",
    "appeal_routes": "Les voies et délais de recours sont obligatoires.",
}


HEALTH_WORDS_TIP = (
    "Un mot par ligne (accents et majuscules indifférents) : un compte rendu d'entretien qui "
    "en contient un n'est enregistré qu'après un avertissement (pas de données de santé)."
)


def _form_box(title: str, rows: list[tuple[str, QWidget]]) -> QGroupBox:
    """A titled group of labelled rows."""
    box = QGroupBox(title)
    form = form_layout()
    for label, field in rows:
        form.addRow(label, field)
    box.setLayout(form)
    return box


class SettingsTab(QWidget):
    """The OfficeSettings fields; « Enregistrer les paramètres » saves them all."""

    def __init__(
        self, db: Database, actor: Actor, settings: OfficeSettings, editable: bool
    ) -> None:
        super().__init__()
        self._db = db
        self._actor = actor
        self._settings = settings

        self.department_name = QLineEdit()
        self.department_name.setMaxLength(200)
        self.department_address = text_box("department_address", 3)
        self.president_title = QLineEdit()
        self.president_title.setMaxLength(200)
        self.legal_basis = text_box("legal_basis", 2)
        self.appeal_routes = text_box("appeal_routes", 6)
        self.appeal_routes.setMaximumHeight(16_777_215)

        self.observations_delay_days = spin_box(1, 90, " jours", "observations_delay_days")
        self.retention_years = spin_box(1, 10, " ans", "retention_years")
        self.access_log_months = spin_box(6, 120, " mois", "access_log_months")
        self.yearly_target = spin_box(0, 100_000, " personnes", "yearly_target")
        self.rsa_rates = RsaRatesEditor()
        self.caf_number_digits = spin_box(5, 12, " chiffres", "caf_number_digits")
        spins = (
            self.observations_delay_days,
            self.retention_years,
            self.access_log_months,
            self.yearly_target,
            self.caf_number_digits,
        )
        width = self.yearly_target.fontMetrics().horizontalAdvance("10 000 personnes") + 36
        for spin in spins:
            spin.setFixedWidth(width)
        self.trusted_certificates = text_box("trusted_certificates", 3)
        self.trusted_certificates.setPlaceholderText(
            "Certificats des autorités reconnues (format PEM : -----BEGIN CERTIFICATE-----…),"
            " pour vérifier les signatures des courriers"
        )
        self.debtor_name = QLineEdit()
        self.debtor_name.setPlaceholderText("le nom du département")
        self.debtor_iban = QLineEdit()
        self.debtor_iban.setPlaceholderText("FR76 …")
        self.debtor_bic = QLineEdit()
        self.debtor_bic.setMaxLength(11)
        self.payment_csv_columns = text_box("payment_csv_columns", 3)
        self.payment_csv_columns.setPlaceholderText(
            "Toutes les colonnes, dans l'ordre habituel. Sinon, une par ligne, « clé » ou "
            "« clé = Titre » : reference, payee, iban, bic, amount, remittance, component, "
            "beneficiary, case, decision, month"
        )
        self.anonymised_letters = combo(
            [("keep", "conservés (actes administratifs)"), ("delete", "supprimés")],
            "anonymised_letters",
        )
        self.health_words = text_box("health_words", 3)
        self.health_words.setToolTip(HEALTH_WORDS_TIP)
        self.nir_enabled = QCheckBox("Autoriser la saisie du NIR dans les fiches")
        self.nir_enabled.setObjectName("nir_enabled")
        self.nir_warning = note_label(CNIL_WARNING, "warning")

        letters = _form_box(
            "Courriers",
            [
                ("Département", self.department_name),
                ("Adresse (en-tête)", self.department_address),
                ("Autorité signataire", self.president_title),
                ("Base légale", self.legal_basis),
                ("Voies et délais de recours", self.appeal_routes),
                ("Autorités de signature", self.trusted_certificates),
            ],
        )
        rules = _form_box(
            "Délais, conservation et saisie",
            [
                (
                    "Délai d'observations",
                    beside(self.observations_delay_days, "avant une fin anticipée"),
                ),
                (
                    "Conservation du suivi",
                    beside(self.retention_years, "après le dernier contact"),
                ),
                ("Journal des accès", beside(self.access_log_months, "6 mois au minimum")),
                ("Courriers des anonymisés", self.anonymised_letters),
                ("Mots évoquant la santé", self.health_words),
                ("Objectif annuel", beside(self.yearly_target, "aidées par an")),
                ("RSA moyen versé", self.rsa_rates),
                ("N° allocataire CAF", beside(self.caf_number_digits, "")),
                ("NIR", self.nir_enabled),
                ("", self.nir_warning),
            ],
        )
        payer = _form_box(
            "Paiements : compte payeur (SEPA) et fichier des finances",
            [
                ("Titulaire", self.debtor_name),
                ("IBAN", self.debtor_iban),
                ("BIC", self.debtor_bic),
                ("Colonnes du fichier CSV", self.payment_csv_columns),
            ],
        )

        self.save_button = QPushButton("&Enregistrer les paramètres")
        self.save_button.setAutoDefault(False)
        self.save_button.setEnabled(editable)
        self.save_button.clicked.connect(self.save)
        self.saved_label = QLabel()
        self.saved_label.setStyleSheet(SAVED_STYLE)
        self.error_label = ErrorLabel()

        columns = QHBoxLayout()
        columns.setSpacing(12)
        columns.addWidget(letters, 5)
        right = QVBoxLayout()
        right.addWidget(rules)
        right.addWidget(payer)
        right.addStretch(1)
        columns.addLayout(right, 4)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addLayout(save_row(self.save_button, self.saved_label, self.error_label))

        self._populate(settings)
        self._initial = self.state()
        self.nir_enabled.toggled.connect(self._show_nir_warning)
        self._show_nir_warning(self.nir_enabled.isChecked())

    def _texts(self) -> dict[str, QLineEdit | QPlainTextEdit]:
        return {
            "department_name": self.department_name,
            "department_address": self.department_address,
            "president_title": self.president_title,
            "legal_basis": self.legal_basis,
            "appeal_routes": self.appeal_routes,
            "debtor_name": self.debtor_name,
            "debtor_iban": self.debtor_iban,
            "debtor_bic": self.debtor_bic,
            "payment_csv_columns": self.payment_csv_columns,
            "health_words": self.health_words,
        }

    def _populate(self, s: OfficeSettings) -> None:
        for name, edit in self._texts().items():
            if isinstance(edit, QLineEdit):
                edit.setText(getattr(s, name))
                edit.setCursorPosition(0)
            else:
                edit.setPlainText(getattr(s, name))
        self.observations_delay_days.setValue(s.observations_delay_days)
        self.retention_years.setValue(s.retention_years)
        self.access_log_months.setValue(s.access_log_months)
        self.yearly_target.setValue(s.yearly_target)
        self.rsa_rates.set_rates(s.average_rsa_rates)
        self.caf_number_digits.setValue(s.caf_number_digits)
        self.nir_enabled.setChecked(s.nir_enabled)
        self.anonymised_letters.setCurrentIndex(
            max(self.anonymised_letters.findData(s.anonymised_letters), 0)
        )
        self.trusted_certificates.setPlainText(s.trusted_certificates)

    def collect(self) -> OfficeSettings:
        # str values only, but typed as Any: unpacked into replace() beside other fields
        texts: dict[str, Any] = {
            name: (edit.text() if isinstance(edit, QLineEdit) else edit.toPlainText()).strip()
            for name, edit in self._texts().items()
        }
        return replace(
            self._settings,
            **texts,
            observations_delay_days=self.observations_delay_days.value(),
            retention_years=self.retention_years.value(),
            access_log_months=self.access_log_months.value(),
            yearly_target=self.yearly_target.value(),
            average_rsa_rates=self.rsa_rates.rates(),
            caf_number_digits=self.caf_number_digits.value(),
            nir_enabled=self.nir_enabled.isChecked(),
            anonymised_letters=self.anonymised_letters.currentData(),
            trusted_certificates=self.trusted_certificates.toPlainText().strip(),
        )

    def state(self) -> tuple:
        new = self.collect()
        return tuple(getattr(new, f.name) for f in fields(OfficeSettings))

    def is_dirty(self) -> bool:
        return self.state() != self._initial

    def _show_nir_warning(self, on: bool) -> None:
        self.nir_warning.setVisible(on)

    def save(self) -> bool:
        self.saved_label.clear()
        # The letter templates are saved by their own tab: keep what is stored.
        stored = settings_service.load_settings(self._db).letter_templates
        new = replace(self.collect(), letter_templates=stored)
        errors = {}
        for name, edit in self._texts().items():
            missing = name in REQUIRED_TEXTS and not getattr(new, name)
            set_invalid(edit, missing)
            if missing:
                errors[name] = REQUIRED_TEXTS[name]
        if errors:
            self.error_label.set_message("\n".join(errors.values()))
            return False
        ok, _, errors = attempt_inline(
            self, lambda: settings_service.save_settings(self._db, self._actor, new)
        )
        self.error_label.set_message("\n".join(errors.values()) if errors else None)
        if not ok:
            return False
        self._settings = new
        self._initial = self.state()
        self.saved_label.setText("Paramètres enregistrés.")
        return True
