"""« Barème »: the scale versions (aids, ceilings, eligible orientations); a change is a
new version from a date, past versions are read-only (scale.add_scale_version)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import Component, Orientation
from app.services import scale as scale_service
from app.services.actor import Actor
from app.services.dates import add_months, month_start
from app.services.scale import ComponentRule, ScaleRules
from app.services.storage import Database
from app.services.text import format_cents, format_date
from app.ui import dialogs, status
from app.ui.admin_forms import (
    SAVED_STYLE,
    beside,
    form_layout,
    note_label,
    save_row,
    spin_box,
    text_box,
)
from app.ui.date_field import DateField
from app.ui.status import attempt_inline
from app.ui.widgets import (
    ErrorLabel,
    cents_of,
    euro_field,
    set_invalid,
)

SCALE_NOTE = (
    "Les versions existantes du barème ne sont jamais modifiées : les dossiers déjà jugés "
    "gardent leur barème. Une nouvelle version s'applique aux emplois commençant à partir de "
    "sa date d'effet, qui doit être aujourd'hui ou une date future, postérieure à la "
    "dernière version."
)


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
        self.saved_id: uuid.UUID | None = None

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
        self.legal_basis = text_box("legal_basis", 2)
        self.legal_basis.setMaximumHeight(self.legal_basis.minimumHeight())
        self.legal_basis.setPlaceholderText("Délibération, règlement départemental…")

        self.components: dict[Component, _ComponentRow] = {}
        aids = QGridLayout()
        aids.setHorizontalSpacing(8)
        aids.setVerticalSpacing(4)
        for place, caption in enumerate(("", "Par mois", "Durée", "Au plus")):
            head = QLabel(caption)
            head.setStyleSheet("color: palette(placeholder-text);")
            aids.addWidget(head, 0, place)
        for row, component in enumerate(Component, start=1):
            included = QCheckBox(component.label)
            included.setObjectName(f"included_{component.value}")
            monthly = euro_field(f"monthly_{component.value}", 10_000.0, "1 000,00 €")
            monthly.setAccessibleName(f"{component.label} : montant mensuel")
            months = spin_box(1, 24, " mois", f"months_{component.value}")
            months.setAccessibleName(f"{component.label} : nombre de mois")
            total = QLabel()
            total.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            total.setMinimumWidth(total.fontMetrics().horizontalAdvance("1 350,00 €") + 4)
            line = _ComponentRow(component, included, monthly, months, total, False)
            self.components[component] = line
            included.toggled.connect(self._update_totals)
            monthly.valueChanged.connect(self._update_totals)
            months.valueChanged.connect(self._update_totals)
            aids.addWidget(included, row, 0)
            aids.addWidget(monthly, row, 1)
            aids.addWidget(months, row, 2)
            aids.addWidget(total, row, 3)
        aids.setColumnStretch(4, 1)
        self.sum_label = QLabel()
        self.sum_label.setStyleSheet("color: palette(placeholder-text);")
        aids.addWidget(self.sum_label, len(Component) + 1, 0, 1, 5)

        self.max_total = euro_field("max_total_cents")
        self.max_months = spin_box(1, 36, " mois", "max_months")
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
        self.request_delay = spin_box(1, 24, " mois", "request_delay_months")
        self.between_packs = spin_box(0, 120, " mois", "min_months_between_packs")
        self.child_max_age = spin_box(1, 18, " ans", "child_max_age")

        form = form_layout()
        form.setVerticalSpacing(6)
        date_holder = QWidget()
        date_column = QVBoxLayout(date_holder)
        date_column.setContentsMargins(0, 0, 0, 0)
        date_column.setSpacing(2)
        date_column.addWidget(beside(self.effective_from, "aujourd'hui ou plus tard"))
        date_column.addWidget(self.effective_error)
        form.addRow("Date d'effet", date_holder)
        form.addRow("Libellé", self.label)
        form.addRow("Base légale", self.legal_basis)
        form.addRow("Aides", aids)
        form.addRow("Plafond par personne", self.max_total)
        form.addRow("Durée maximale", beside(self.max_months, "de suivi et d'aides"))
        form.addRow("Orientations éligibles", orientation_box)
        form.addRow("Délai de demande", beside(self.request_delay, "après le début de l'emploi"))
        form.addRow(
            "Entre deux packs", beside(self.between_packs, "au moins, pour une même personne")
        )
        form.addRow("Âge limite de l'enfant", beside(self.child_max_age, "pour la garde d'enfant"))

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
        column.addWidget(note_label(SCALE_NOTE))
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
        box_layout.addLayout(save_row(self.save_button, self.saved_label, self.error_label))
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
        found_ok, scales = status.attempt_db(self, lambda: scale_service.list_scales(self._db))
        if found_ok and scales is not None:
            self.set_scales(scales)
        self.saved_label.setText(
            f"Version du {format_date(rules.effective_from)} ajoutée : elle s'appliquera aux "
            "emplois commençant à partir de cette date."
        )
        self.label.clear()
        self.effective_from.setValue(self.default_date())
        return True
