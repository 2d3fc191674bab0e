"""Administration: the département's settings, the yearly envelopes, the scale (barème), the
letter templates and the users (``app.ui.users_tab``).

Each tab is saved on its own through its service (settings.save_settings,
envelope.set_envelope, scale.add_scale_version, users.save_user); the services check the
rights and the values, their French messages are shown beside the form. Past scale
versions are read-only: a change of the scale is a new version from today or a later date.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import Component, Orientation
from app.services import clock
from app.services import envelope as envelope_service
from app.services import scale as scale_service
from app.services import settings as settings_service
from app.services.actor import Actor
from app.services.dates import add_months, month_start
from app.services.envelope import EnvelopeStatus
from app.services.scale import ComponentRule, ScaleRules
from app.services.settings import OfficeSettings
from app.services.storage import Database
from app.services.text import format_cents, format_date, parse_amount_cents
from app.ui import dialogs, status
from app.ui.access_log_tab import AccessLogTab
from app.ui.caseload_view import RowTable
from app.ui.letter_templates_tab import LetterTemplatesTab
from app.ui.retention_tab import RetentionTab
from app.ui.rsa_rates_editor import RsaRatesEditor
from app.ui.status import attempt_inline
from app.ui.users_tab import UsersTab
from app.ui.widgets import (
    ERROR_COLOR,
    FRENCH,
    INVALID_STYLE,
    DateField,
    ErrorLabel,
    RowListModel,
    busy_cursor,
    cents_of,
    combo,
    euro_field,
    fit_to_screen,
    set_invalid,
)

log = logging.getLogger(__name__)

NOTE_STYLE = "QLabel#note { background: #eef4fb; border: 1px solid #b8cfe8; padding: 8px; }"
WARNING_STYLE = "QLabel#warning { background: #fff4d6; border: 1px solid #e6cf8b; padding: 8px; }"
SAVED_STYLE = "color: #1e6b34;"
CNIL_WARNING = (
    "Attention : l'usage du NIR (numéro de sécurité sociale) est strictement encadré par la "
    "CNIL. N'activez sa saisie que si un texte l'autorise pour ce traitement et après avis "
    "du délégué à la protection des données. Sans cela, laissez cette case décochée."
)
SCALE_NOTE = (
    "Les versions existantes du barème ne sont jamais modifiées : les dossiers déjà jugés "
    "gardent leur barème. Une nouvelle version s'applique aux emplois commençant à partir de "
    "sa date d'effet, qui doit être aujourd'hui ou une date future, postérieure à la "
    "dernière version."
)
READ_ONLY_NOTE = "Cette base est ouverte en lecture seule : les paramètres sont consultables."
NOT_ADMIN_NOTE = "Seul un administrateur peut modifier ces paramètres : ils sont consultables."
AMOUNT_ERROR = "Montant invalide : saisissez un montant en euros, par exemple 200 000,00."
REQUIRED_TEXTS = {
    "department_name": "Le nom du département est obligatoire.",
    "department_address": "L'adresse du département est obligatoire.",
    "president_title": "L'autorité signataire est obligatoire.",
    "legal_basis": "La base légale est obligatoire.",
    "appeal_routes": "Les voies et délais de recours sont obligatoires.",
}


def _note(text: str, name: str = "note") -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def _spin(low: int, high: int, suffix: str, name: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setRange(low, high)
    spin.setSuffix(suffix)
    spin.setLocale(FRENCH)
    spin.setMinimumWidth(spin.fontMetrics().horizontalAdvance(f"000{suffix}") + 36)
    spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return spin


def _text_box(name: str, lines: int) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setObjectName(name)
    edit.setTabChangesFocus(True)
    height = edit.fontMetrics().lineSpacing() * lines + 14
    edit.setMinimumHeight(height)
    edit.setMaximumHeight(height + edit.fontMetrics().lineSpacing() * 2)
    return edit


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    form.setVerticalSpacing(8)
    return form


def _beside(field: QWidget, hint: str) -> QWidget:
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


def _save_row(button: QPushButton, saved: QLabel, errors: ErrorLabel) -> QVBoxLayout:
    row = QHBoxLayout()
    row.addWidget(saved, 1)
    row.addWidget(button)
    box = QVBoxLayout()
    box.setSpacing(4)
    box.addWidget(errors)
    box.addLayout(row)
    return box


# --- « Département et courriers » ------------------------------------------------------------


HEALTH_WORDS_TIP = (
    "Un mot par ligne (accents et majuscules indifférents) : un compte rendu d'entretien qui "
    "en contient un n'est enregistré qu'après un avertissement (pas de données de santé)."
)


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
        self.department_address = _text_box("department_address", 3)
        self.president_title = QLineEdit()
        self.president_title.setMaxLength(200)
        self.legal_basis = _text_box("legal_basis", 2)
        self.appeal_routes = _text_box("appeal_routes", 6)
        self.appeal_routes.setMaximumHeight(16_777_215)

        self.observations_delay_days = _spin(1, 90, " jours", "observations_delay_days")
        self.retention_years = _spin(1, 10, " ans", "retention_years")
        self.access_log_months = _spin(6, 120, " mois", "access_log_months")
        self.yearly_target = _spin(0, 100_000, " personnes", "yearly_target")
        self.rsa_rates = RsaRatesEditor()
        self.caf_number_digits = _spin(5, 12, " chiffres", "caf_number_digits")
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
        self.trusted_certificates = _text_box("trusted_certificates", 3)
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
        self.payment_csv_columns = _text_box("payment_csv_columns", 3)
        self.payment_csv_columns.setPlaceholderText(
            "Toutes les colonnes, dans l'ordre habituel. Sinon, une par ligne, « clé » ou "
            "« clé = Titre » : reference, payee, iban, bic, amount, remittance, component, "
            "beneficiary, case, decision, month"
        )
        self.anonymised_letters = combo(
            [("keep", "conservés (actes administratifs)"), ("delete", "supprimés")],
            "anonymised_letters",
        )
        self.health_words = _text_box("health_words", 3)
        self.health_words.setToolTip(HEALTH_WORDS_TIP)
        self.nir_enabled = QCheckBox("Autoriser la saisie du NIR dans les fiches")
        self.nir_enabled.setObjectName("nir_enabled")
        self.nir_warning = _note(CNIL_WARNING, "warning")

        letters = QGroupBox("Courriers")
        form = _form()
        form.addRow("Département", self.department_name)
        form.addRow("Adresse (en-tête)", self.department_address)
        form.addRow("Autorité signataire", self.president_title)
        form.addRow("Base légale", self.legal_basis)
        form.addRow("Voies et délais de recours", self.appeal_routes)
        form.addRow("Autorités de signature", self.trusted_certificates)
        letters.setLayout(form)

        rules = QGroupBox("Délais, conservation et saisie")
        form = _form()
        form.addRow(
            "Délai d'observations",
            _beside(self.observations_delay_days, "avant une fin anticipée"),
        )
        form.addRow(
            "Conservation du suivi", _beside(self.retention_years, "après le dernier contact")
        )
        form.addRow("Journal des accès", _beside(self.access_log_months, "6 mois au minimum"))
        form.addRow("Courriers des anonymisés", self.anonymised_letters)
        form.addRow("Mots évoquant la santé", self.health_words)
        form.addRow("Objectif annuel", _beside(self.yearly_target, "aidées par an"))
        form.addRow("RSA moyen versé", self.rsa_rates)
        form.addRow("N° allocataire CAF", _beside(self.caf_number_digits, ""))
        form.addRow("NIR", self.nir_enabled)
        form.addRow("", self.nir_warning)
        rules.setLayout(form)
        payer = QGroupBox("Paiements : compte payeur (SEPA) et fichier des finances")
        form = _form()
        form.addRow("Titulaire", self.debtor_name)
        form.addRow("IBAN", self.debtor_iban)
        form.addRow("BIC", self.debtor_bic)
        form.addRow("Colonnes du fichier CSV", self.payment_csv_columns)
        payer.setLayout(form)

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
        layout.addLayout(_save_row(self.save_button, self.saved_label, self.error_label))

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
        texts = {
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


# --- « Enveloppes » --------------------------------------------------------------------------

COL_YEAR, COL_VOTED, COL_COMMITTED, COL_REMAINING, COL_MANDATED, COL_PAID, COL_CANCELLED = range(7)
ENVELOPE_HEADERS = ("Année", "Montant voté", "Engagé", "Reste", "Mandaté", "Payé", "Annulé")


class EnvelopeModel(RowListModel):
    HEADERS = ENVELOPE_HEADERS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[EnvelopeStatus] = []

    def set_rows(self, rows: list[EnvelopeStatus]) -> None:
        self.beginResetModel()
        self._rows = sorted(rows, key=lambda r: r.year, reverse=True)
        self.endResetModel()

    def row(self, row: int) -> EnvelopeStatus:
        return self._rows[row]

    def row_of(self, year: int) -> int:
        return next((n for n, r in enumerate(self._rows) if r.year == year), -1)

    RIGHT_ALIGNED = frozenset(range(COL_VOTED, len(ENVELOPE_HEADERS)))

    def cells(self, r: EnvelopeStatus) -> tuple[str, ...]:
        return (
            str(r.year),
            format_cents(r.amount_cents) if r.amount_cents is not None else "Non votée",
            format_cents(r.committed_cents),
            format_cents(r.remaining_cents),
            format_cents(r.mandated_cents),
            format_cents(r.paid_cents),
            format_cents(r.cancelled_cents),
        )

    def extra(self, r: EnvelopeStatus, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and column == COL_REMAINING:
            return QBrush(QColor(ERROR_COLOR)) if r.remaining_cents < 0 else None
        return None


class EnvelopesTab(QWidget):
    """The envelopes voted per year, what is committed on each, and a form to set one."""

    def __init__(
        self,
        db: Database,
        actor: Actor,
        rows: list[EnvelopeStatus],
        editable: bool,
        today: date,
    ) -> None:
        super().__init__()
        self._db = db
        self._actor = actor
        self.model = EnvelopeModel(self)
        self.model.set_rows(rows)

        self.table = RowTable()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Enveloppes annuelles")
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_YEAR, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(COL_YEAR, header.fontMetrics().horizontalAdvance("Année") + 40)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._fill_from_row(current.row())
        )

        self.year = _spin(2017, 2100, "", "year")
        self.year.setGroupSeparatorShown(False)
        self.year.setValue(today.year)
        self.amount = QLineEdit()
        self.amount.setObjectName("amount")
        self.amount.setPlaceholderText("200 000,00")
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.amount.setMaximumWidth(self.amount.fontMetrics().horizontalAdvance("0" * 16) + 16)
        self.amount.returnPressed.connect(self.save)
        self.year.valueChanged.connect(self._fill_for_year)

        self.save_button = QPushButton("&Enregistrer l'enveloppe")
        self.save_button.setAutoDefault(False)
        self.save_button.setEnabled(editable)
        self.save_button.clicked.connect(self.save)
        self.saved_label = QLabel()
        self.saved_label.setStyleSheet(SAVED_STYLE)
        self.saved_label.setWordWrap(True)
        self.error_label = ErrorLabel()

        box = QGroupBox("Voter ou modifier une enveloppe")
        form = _form()
        form.addRow("Année", self.year)
        form.addRow("Montant voté", _beside(self.amount, "€"))
        box.setLayout(form)
        explanation = _note(
            "L'engagé comprend toutes les échéances de l'année qui ne sont pas annulées "
            "(prévues, mandatées ou payées). Une enveloppe ne peut pas être inférieure à ce "
            "qui est déjà engagé ; une attribution qui la dépasserait est refusée."
        )
        form_column = QVBoxLayout()
        form_column.addWidget(box)
        form_column.addWidget(explanation)
        form_column.addLayout(_save_row(self.save_button, self.saved_label, self.error_label))
        form_column.addStretch(1)

        layout = QHBoxLayout(self)
        layout.setSpacing(12)
        layout.addWidget(self.table, 3)
        layout.addLayout(form_column, 2)
        self._fill_for_year(self.year.value())

    def _fill_from_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.year.setValue(self.model.row(row).year)
            self._fill_for_year(self.year.value())

    def _fill_for_year(self, year: int) -> None:
        row = self.model.row_of(year)
        amount = self.model.row(row).amount_cents if row >= 0 else None
        self.amount.setText(format_cents(amount).replace("\u00a0€", "") if amount else "")

    def reload(self) -> bool:
        ok, rows = status.attempt(self, lambda: envelope_service.envelopes_overview(self._db))
        if not ok or rows is None:
            return False
        self.model.set_rows(rows)
        return True

    def save(self) -> bool:
        self.saved_label.clear()
        year = self.year.value()
        try:
            cents = parse_amount_cents(self.amount.text())
        except ValueError:
            self._show_error(AMOUNT_ERROR)
            return False
        ok, _, errors = attempt_inline(
            self, lambda: envelope_service.set_envelope(self._db, self._actor, year, cents)
        )
        if not ok:
            self._show_error("\n".join(errors.values()) if errors else None)
            return False
        self._show_error(None)
        self.reload()
        row = self.model.row_of(year)
        if row >= 0:
            self.table.select_row(row)
        self.saved_label.setText(f"Enveloppe {year} enregistrée : {format_cents(cents)}.")
        return True

    def _show_error(self, message: str | None) -> None:
        self.error_label.set_message(message)
        set_invalid(self.amount, bool(message))


# --- « Barème » ------------------------------------------------------------------------------

ORIENTATION_CHOICES = (
    (Orientation.SOCIAL, "Sociale"),
    (Orientation.EMPLOYMENT, "Emploi (toutes les personnes)"),
    (Orientation.SOCIO_PRO, "Socio-professionnelle"),
)


def describe_scale(rules: ScaleRules, today: date, in_force: bool) -> str:
    """The full reading of one version, in French (plain text)."""
    when = "en vigueur" if in_force else ("à venir" if rules.effective_from > today else "")
    head = f"Applicable aux emplois commençant à partir du {format_date(rules.effective_from)}"
    lines = [rules.label, head + (f" ({when})." if when else ".")]
    if rules.legal_basis:
        lines.append(f"Base légale : {rules.legal_basis}")
    lines.append("")
    lines.append("Aides :")
    for rule in rules.components.values():
        line = (
            f"  • {rule.component.label} : {format_cents(rule.monthly_cents)} × {rule.months} "
            f"mois, soit {format_cents(rule.max_cents)} au plus"
        )
        if rule.requires_child:
            line += f" (enfant de moins de {rules.child_max_age} ans)"
        lines.append(line)
    lines.append(
        f"Plafond par personne : {format_cents(rules.max_total_cents)} ; "
        f"durée maximale : {rules.max_months} mois."
    )
    eligible = [
        label.split(" (")[0].lower()
        for value, label in ORIENTATION_CHOICES
        if value.value in rules.eligible_orientations
    ]
    if rules.employment_with_global_support and Orientation.EMPLOYMENT not in (
        rules.eligible_orientations
    ):
        eligible.append("emploi avec accompagnement global")
    lines.append(f"Orientations éligibles : {', '.join(eligible) or 'aucune'}.")
    lines.append(
        f"Demande dans les {rules.request_delay_months} mois suivant le début de l'emploi ; "
        f"pas d'autre Pack sortie dans les {rules.min_months_between_packs} mois précédents."
    )
    return "\n".join(lines)


@dataclass
class _ComponentRow:
    component: Component
    included: QCheckBox
    monthly: QDoubleSpinBox
    months: QSpinBox
    total: QLabel
    requires_child: bool


class ScaleTab(QWidget):
    """The versions (read-only) and the form of a new version, pre-filled from the latest."""

    def __init__(
        self,
        db: Database,
        actor: Actor,
        scales: list[ScaleRules],
        editable: bool,
        today: date,
    ) -> None:
        super().__init__()
        self._db = db
        self._actor = actor
        self._today = today
        self._scales: list[ScaleRules] = []
        self.saved_id = None

        self.versions = QListWidget()
        self.versions.setAccessibleName("Versions du barème")
        self.versions.setWordWrap(True)
        self.versions.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.versions.setSpacing(2)
        self.versions.currentRowChanged.connect(self._show_version)
        self.description = QLabel()
        self.description.setObjectName("scaleDescription")
        self.description.setWordWrap(True)
        self.description.setTextFormat(Qt.TextFormat.PlainText)
        self.description.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.description.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.description.setMargin(8)
        description_scroll = QScrollArea()
        description_scroll.setWidget(self.description)
        description_scroll.setWidgetResizable(True)

        versions_box = QGroupBox("Versions (consultation seule)")
        left = QVBoxLayout(versions_box)
        left.addWidget(self.versions, 1)
        left.addWidget(description_scroll, 2)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(versions_box)
        splitter.addWidget(self._build_form(editable))
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([400, 660])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self.set_scales(scales)
        self.prefill()

    # --- building ------------------------------------------------------------------------

    def _build_form(self, editable: bool) -> QWidget:
        self.effective_from = DateField()
        self.effective_from.setObjectName("effective_from")
        self.effective_from.setAccessibleName("Date d'effet")
        self.effective_error = ErrorLabel()
        self.label = QLineEdit()
        self.label.setObjectName("label")
        self.label.setMaxLength(200)
        self.label.setPlaceholderText("Ex. : Revalorisation votée le 12/05/2026")
        self.legal_basis = _text_box("legal_basis", 2)
        self.legal_basis.setMaximumHeight(self.legal_basis.minimumHeight())
        self.legal_basis.setPlaceholderText("Délibération, règlement départemental…")

        self.components: dict[Component, _ComponentRow] = {}
        aids = QGridLayout()
        aids.setHorizontalSpacing(8)
        aids.setVerticalSpacing(4)
        for column, caption in enumerate(("", "Par mois", "Durée", "Au plus")):
            head = QLabel(caption)
            head.setStyleSheet("color: palette(placeholder-text);")
            aids.addWidget(head, 0, column)
        for row, component in enumerate(Component, start=1):
            included = QCheckBox(component.label)
            included.setObjectName(f"included_{component.value}")
            monthly = euro_field(f"monthly_{component.value}", 10_000.0, "1 000,00 €")
            monthly.setAccessibleName(f"{component.label} : montant mensuel")
            months = _spin(1, 24, " mois", f"months_{component.value}")
            months.setAccessibleName(f"{component.label} : nombre de mois")
            total = QLabel()
            total.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            total.setMinimumWidth(total.fontMetrics().horizontalAdvance("1 350,00 €") + 4)
            line = _ComponentRow(component, included, monthly, months, total, False)
            self.components[component] = line
            for widget in (included, monthly, months):
                signal = widget.toggled if widget is included else widget.valueChanged
                signal.connect(self._update_totals)
            aids.addWidget(included, row, 0)
            aids.addWidget(monthly, row, 1)
            aids.addWidget(months, row, 2)
            aids.addWidget(total, row, 3)
        aids.setColumnStretch(4, 1)
        self.sum_label = QLabel()
        self.sum_label.setStyleSheet("color: palette(placeholder-text);")
        aids.addWidget(self.sum_label, len(Component) + 1, 0, 1, 5)

        self.max_total = euro_field("max_total_cents")
        self.max_months = _spin(1, 36, " mois", "max_months")
        self.orientations: dict[Orientation, QCheckBox] = {}
        orientation_box = QVBoxLayout()
        orientation_box.setSpacing(2)
        for value, caption in ORIENTATION_CHOICES:
            check = QCheckBox(caption)
            check.setObjectName(f"orientation_{value.value}")
            self.orientations[value] = check
            orientation_box.addWidget(check)
        self.employment_global = QCheckBox("Emploi, si accompagnement global")
        self.employment_global.setObjectName("employment_with_global_support")
        orientation_box.addWidget(self.employment_global)
        self.request_delay = _spin(1, 24, " mois", "request_delay_months")
        self.between_packs = _spin(0, 120, " mois", "min_months_between_packs")
        self.child_max_age = _spin(1, 18, " ans", "child_max_age")

        form = _form()
        form.setVerticalSpacing(6)
        date_holder = QWidget()
        date_column = QVBoxLayout(date_holder)
        date_column.setContentsMargins(0, 0, 0, 0)
        date_column.setSpacing(2)
        date_column.addWidget(_beside(self.effective_from, "aujourd'hui ou plus tard"))
        date_column.addWidget(self.effective_error)
        form.addRow("Date d'effet", date_holder)
        form.addRow("Libellé", self.label)
        form.addRow("Base légale", self.legal_basis)
        form.addRow("Aides", aids)
        form.addRow("Plafond par personne", self.max_total)
        form.addRow("Durée maximale", _beside(self.max_months, "de suivi et d'aides"))
        form.addRow("Orientations éligibles", orientation_box)
        form.addRow("Délai de demande", _beside(self.request_delay, "après le début de l'emploi"))
        form.addRow(
            "Entre deux packs", _beside(self.between_packs, "au moins, pour une même personne")
        )
        form.addRow("Âge limite de l'enfant", _beside(self.child_max_age, "pour la garde d'enfant"))

        self.save_button = QPushButton("&Ajouter cette version")
        self.save_button.setAutoDefault(False)
        self.save_button.setEnabled(editable)
        self.save_button.clicked.connect(self.save)
        self.saved_label = QLabel()
        self.saved_label.setStyleSheet(SAVED_STYLE)
        self.saved_label.setWordWrap(True)
        self.error_label = ErrorLabel()

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 6, 0)
        column.addWidget(_note(SCALE_NOTE))
        column.addLayout(form)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)

        box = QGroupBox("Nouvelle version")
        box_layout = QVBoxLayout(box)
        box_layout.addWidget(scroll, 1)
        # Outside the scroll area: the button and the messages are always in sight.
        box_layout.addLayout(_save_row(self.save_button, self.saved_label, self.error_label))
        return box

    # --- versions ------------------------------------------------------------------------

    def _in_force_index(self) -> int:
        current = [n for n, s in enumerate(self._scales) if s.effective_from <= self._today]
        return current[-1] if current else -1

    def set_scales(self, scales: list[ScaleRules]) -> None:
        self._scales = sorted(scales, key=lambda s: s.effective_from)
        in_force = self._in_force_index()
        self.versions.clear()
        for n, rules in enumerate(self._scales):
            tag = ""
            if n == in_force:
                tag = " — en vigueur"
            elif rules.effective_from > self._today:
                tag = " — à venir"
            item = QListWidgetItem(f"{format_date(rules.effective_from)}{tag}\n{rules.label}")
            if n == in_force:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
            self.versions.addItem(item)
        if self._scales:
            self.versions.setCurrentRow(len(self._scales) - 1)
        else:
            self.description.setText("Aucun barème n'est enregistré.")

    def _show_version(self, row: int) -> None:
        if 0 <= row < len(self._scales):
            self.description.setText(
                describe_scale(self._scales[row], self._today, row == self._in_force_index())
            )

    def latest(self) -> ScaleRules | None:
        return self._scales[-1] if self._scales else None

    # --- the form ------------------------------------------------------------------------

    def default_date(self) -> date:
        """The first day of next month (or the day after the latest version, if later)."""
        first = add_months(month_start(self._today), 1)
        latest = self.latest()
        if latest is not None and latest.effective_from >= first:
            first = add_months(month_start(latest.effective_from), 1)
        return first

    def prefill(self) -> None:
        latest = self.latest()
        self.effective_from.setValue(self.default_date())
        self.label.clear()
        self.legal_basis.setPlainText(latest.legal_basis if latest else "")
        for component, line in self.components.items():
            rule = latest.components.get(component) if latest else None
            line.included.setChecked(rule is not None)
            line.monthly.setValue((rule.monthly_cents if rule else 0) / 100)
            line.months.setValue(rule.months if rule else 1)
            line.requires_child = rule.requires_child if rule else component is Component.CHILDCARE
        self.max_total.setValue((latest.max_total_cents if latest else 0) / 100)
        self.max_months.setValue(latest.max_months if latest else 6)
        eligible = latest.eligible_orientations if latest else frozenset({"social"})
        for value, check in self.orientations.items():
            check.setChecked(value.value in eligible)
        self.employment_global.setChecked(bool(latest and latest.employment_with_global_support))
        self.request_delay.setValue(latest.request_delay_months if latest else 3)
        self.between_packs.setValue(latest.min_months_between_packs if latest else 24)
        self.child_max_age.setValue(latest.child_max_age if latest else 12)
        self._update_totals()

    def _update_totals(self) -> None:
        total = 0
        for line in self.components.values():
            on = line.included.isChecked()
            line.monthly.setEnabled(on)
            line.months.setEnabled(on)
            cents = cents_of(line.monthly) * line.months.value()
            line.total.setText(format_cents(cents) if on else "")
            total += cents if on else 0
        self.sum_label.setText(f"Total des aides choisies : {format_cents(total)}")

    def collect(self) -> ScaleRules | None:
        """The new version, or None when the date is unreadable (shown beside it)."""
        when = self.effective_from.value()
        date_error = self.effective_from.error() or (
            "La date d'effet est obligatoire." if when is None else None
        )
        self._show_date_error(date_error)
        if when is None:
            return None
        return ScaleRules(
            id=None,
            effective_from=when,
            label=self.label.text().strip(),
            legal_basis=self.legal_basis.toPlainText().strip(),
            max_total_cents=cents_of(self.max_total),
            max_months=self.max_months.value(),
            eligible_orientations=frozenset(
                value.value for value, check in self.orientations.items() if check.isChecked()
            ),
            employment_with_global_support=self.employment_global.isChecked(),
            request_delay_months=self.request_delay.value(),
            min_months_between_packs=self.between_packs.value(),
            child_max_age=self.child_max_age.value(),
            components={
                c: ComponentRule(
                    c, cents_of(line.monthly), line.months.value(), line.requires_child
                )
                for c, line in self.components.items()
                if line.included.isChecked()
            },
        )

    def _show_date_error(self, message: str | None) -> None:
        self.effective_error.set_message(message)
        set_invalid(self.effective_from.lineEdit(), bool(message))

    def save(self) -> bool:
        self.saved_label.clear()
        self.error_label.set_message(None)
        rules = self.collect()
        if rules is None:
            return False
        local = {}
        if not rules.label:
            local["label"] = "Le libellé de la version est obligatoire."
        if not rules.eligible_orientations:
            # "Emploi, si accompagnement global" is a flag beside the orientations: alone, it
            # leaves none eligible, which the service refuses with a vaguer message.
            local["eligible_orientations"] = (
                "Cochez au moins une orientation éligible (sociale, emploi ou "
                "socio-professionnelle)."
            )
        set_invalid(self.label, "label" in local)
        if local:
            self.error_label.set_message("\n".join(local.values()))
            return False
        if not dialogs.ask_yes_no(
            self,
            f"Ajouter la version « {rules.label} » du barème, applicable aux emplois "
            f"commençant à partir du {format_date(rules.effective_from)} ?\n\n"
            "Une fois ajoutée, elle ne pourra plus être modifiée.",
        ):
            return False
        ok, new_id, errors = attempt_inline(
            self,
            lambda: scale_service.add_scale_version(
                self._db, self._actor, rules, today=self._today
            ),
        )
        if not ok:
            self._show_date_error(errors.pop("effective_from", None))
            self.error_label.set_message("\n".join(errors.values()) if errors else None)
            return False
        self.saved_id = new_id
        found_ok, scales = status.attempt(self, lambda: scale_service.list_scales(self._db))
        if found_ok and scales is not None:
            self.set_scales(scales)
        self.saved_label.setText(
            f"Version du {format_date(rules.effective_from)} ajoutée : elle s'appliquera aux "
            "emplois commençant à partir de cette date."
        )
        self.label.clear()
        self.effective_from.setValue(self.default_date())
        return True


# --- the dialog ------------------------------------------------------------------------------


@dataclass
class _Initial:
    settings: OfficeSettings
    envelopes: list[EnvelopeStatus]
    scales: list[ScaleRules]


class AdminDialog(QDialog):
    """Administration of the database's settings. ``loaded`` is False when they could not be
    read (the user was told) and ``exec()`` then returns Rejected at once."""

    def __init__(
        self,
        db: Database,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("adminDialog")
        self.setWindowTitle("Paramètres — Pack Sortie")
        self._db = db
        self._actor = actor
        today = today or clock.today()
        self.editable = actor.is_admin and not db.read_only

        ok, initial = status.attempt(parent, self._fetch)
        self.loaded = ok and initial is not None
        if initial is None:
            initial = _Initial(OfficeSettings(), [], [])

        self.setStyleSheet(INVALID_STYLE + NOTE_STYLE + WARNING_STYLE)
        self.settings_tab = SettingsTab(db, actor, initial.settings, self.editable)
        self.envelopes_tab = EnvelopesTab(db, actor, initial.envelopes, self.editable, today)
        self.scale_tab = ScaleTab(db, actor, initial.scales, self.editable, today)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.settings_tab, "&Département et courriers")
        self.tabs.addTab(self.envelopes_tab, "En&veloppes")
        self.tabs.addTab(self.scale_tab, "&Barème")
        self.templates_tab = LetterTemplatesTab(
            db, actor, initial.settings.letter_templates, self.editable
        )
        self.tabs.addTab(self.templates_tab, "&Modèles de courriers")
        self.users_tab = UsersTab(db, actor, self.editable)
        self.tabs.addTab(self.users_tab, "&Utilisateurs")
        if actor.is_admin:  # personal data: the access log and the purge are the admin's
            self.access_log_tab = AccessLogTab(db, actor)
            self.tabs.addTab(self.access_log_tab, "&Journal des accès")
            self.retention_tab = RetentionTab(db, actor, self.editable)
            self.tabs.addTab(self.retention_tab, "&Conservation")

        layout = QVBoxLayout(self)
        if not self.editable:
            notice = _note(READ_ONLY_NOTE if db.read_only else NOT_ADMIN_NOTE, "warning")
            layout.addWidget(notice)
        layout.addWidget(self.tabs, 1)
        self.close_button = QPushButton("Fermer")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        layout.addLayout(bottom)
        fit_to_screen(self, 1080, 720)

    def _fetch(self) -> _Initial:
        with busy_cursor():
            return _Initial(
                settings_service.load_settings(self._db),
                envelope_service.envelopes_overview(self._db),
                scale_service.list_scales(self._db),
            )

    def exec(self) -> int:
        if not self.loaded:
            return int(QDialog.DialogCode.Rejected)
        return super().exec()

    def reject(self) -> None:
        for tab in (self.settings_tab, self.templates_tab):
            if tab.is_dirty() and not dialogs.ask_yes_no(
                self,
                "Des modifications n'ont pas été enregistrées.\nFermer sans enregistrer ?",
            ):
                self.tabs.setCurrentWidget(tab)
                return
        super().reject()
