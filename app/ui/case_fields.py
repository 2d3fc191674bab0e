"""The form of a case draft as the user sees it: the job (employer, contract, dates, hours,
notes), the aids asked for (:class:`app.ui.case_aids.AidsBox`), the conditions panel on the
right, and the data in and out (:class:`CaseInput`).

:class:`CaseFields` is the window without its behaviour: loading, the live eligibility
preview, the checks and the saving are added by :class:`app.ui.case_editor.CaseEditor`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import Component, ContractType
from app.services.cases import CaseInput
from app.services.schedule import AidRequest
from app.ui.case_aids import AidsBox, ComponentRow
from app.ui.case_widgets import ERROR_NOTICE, notice
from app.ui.date_field import DateField
from app.ui.eligibility_panel import EligibilityPanel
from app.ui.form_errors import FormErrors
from app.ui.form_fields import (
    add_field,
    dialog_buttons,
    fields_state,
    form_box,
    line_edit,
    plain_scroll,
    select_data,
)
from app.ui.widgets import INVALID_STYLE, SUMMARY_STYLE, ValidatedField, combo

DATES = ("job_start", "trial_end", "contract_end", "request_date")
# The job's fields before the weekly hours, in Tab order.
JOB_TAB = (
    "employer_name",
    "employer_address",
    "job_title",
    "contract_type",
    "job_start",
    "trial_end",
    "contract_end",
)


def parse_hours(text: str) -> Decimal:
    """'35' or '17,5' -> Decimal; ValueError (French) otherwise."""
    raw = text.strip().replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(
            "La durée hebdomadaire s'écrit en heures, par exemple 35 ou 17,5."
        ) from None
    return value


def hours_text(hours: Decimal | None) -> str:
    """17.50 -> '17,5'; None -> ''."""
    if hours is None:
        return ""
    return f"{hours:.2f}".rstrip("0").rstrip(".").replace(".", ",")


class CaseFields(QDialog):
    """The draft's fields, the aids and their messages' places; ``_build`` lays them out,
    ``_populate`` and ``collect`` move the data."""

    _data: CaseInput  # the draft loaded (set by the editor), the base of the next save

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fields: dict[str, ValidatedField] = {}
        self.form_errors = FormErrors(
            order=self._order,
            place=self._place_error,
            widget_of=self._field_widget,
            scroll=lambda: self._scroll,
        )
        # The aids of the draft shown, until the rows of its scale are built.
        self._pending_aids: dict[Component, AidRequest] | None = None

    @property
    def _rows(self) -> dict[Component, ComponentRow]:
        return self.aids.rows

    # --- building ------------------------------------------------------------------------
    def _build(self, read_only: bool) -> None:
        self.setStyleSheet(INVALID_STYLE + SUMMARY_STYLE)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 12, 12, 12)
        outer.setSpacing(8)
        self.person_label = QLabel()
        self.person_label.setObjectName("personLine")
        outer.addWidget(self.person_label)

        self._summary = self.form_errors.summary
        self._summary_label = self.form_errors.summary_label
        outer.addWidget(self._summary)

        self.banner = notice("", ERROR_NOTICE)
        self.banner.setObjectName("errorBanner")
        self.banner.setVisible(False)
        outer.addWidget(self.banner)

        content = QWidget()
        left = QVBoxLayout(content)
        left.setContentsMargins(0, 0, 6, 0)
        left.setSpacing(10)
        left.addWidget(self._build_job())
        left.addWidget(self._build_aids())
        left.addStretch(1)
        self._scroll = plain_scroll(content)

        conditions = QGroupBox("Conditions d'attribution")
        conditions_layout = QVBoxLayout(conditions)
        self.eligibility_panel = EligibilityPanel()
        conditions_layout.addWidget(plain_scroll(self.eligibility_panel))
        conditions.setMinimumWidth(340)
        conditions.setMaximumWidth(420)

        middle = QHBoxLayout()
        middle.setSpacing(12)
        middle.addWidget(self._scroll, 1)
        middle.addWidget(conditions)
        outer.addLayout(middle, 1)

        self.save_button = QPushButton("&Enregistrer")
        self.save_button.setObjectName("saveButton")
        self.save_button.setToolTip("Enregistrer le brouillon (Ctrl+S)")
        self.submit_button = QPushButton("Enregistrer et &soumettre")
        self.submit_button.setObjectName("submitButton")
        self.submit_button.setToolTip("Enregistrer puis soumettre la demande à validation")
        self.cancel_button = QPushButton("Annuler")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.reject)
        outer.addLayout(
            dialog_buttons(
                "* champ obligatoire  ·  Ctrl+S : enregistrer  ·  Échap : fermer",
                self.save_button,
                self.submit_button,
                self.cancel_button,
            )
        )
        self.save_button.setEnabled(not read_only)
        self.submit_button.setEnabled(not read_only)

    def _add[W: QWidget](
        self, form: QFormLayout, label: str, name: str, field: W, *, stretch: bool = True
    ) -> W:
        return add_field(form, self._fields, label, name, field, stretch=stretch)

    def _build_job(self) -> QGroupBox:
        box, form = form_box("Emploi")
        self.employer_name = self._add(form, "Employeur *", "employer_name", line_edit(200))
        self.employer_address = self._add(
            form, "Adresse de l'employeur", "employer_address", line_edit(300)
        )
        self.job_title = self._add(form, "Poste occupé", "job_title", line_edit(200))
        contracts = combo(ContractType.choices(), "contract_type")
        self.contract_type = self._add(
            form, "Type de contrat", "contract_type", contracts, stretch=False
        )
        self.job_start = self._add(
            form, "Début de l'emploi *", "job_start", DateField(), stretch=False
        )
        self.trial_end = self._add(
            form, "Fin de la période d'essai", "trial_end", DateField(), stretch=False
        )
        self.contract_end = self._add(
            form, "Fin du contrat", "contract_end", DateField(), stretch=False
        )
        self.weekly_hours = QLineEdit()
        self._add(form, "Durée hebdomadaire", "weekly_hours", self._hours_holder())
        self.weekly_hours.setObjectName("weekly_hours_edit")
        self.weekly_hours.setAccessibleName("Durée hebdomadaire")
        self.request_date = self._add(
            form, "Date de la demande *", "request_date", DateField(), stretch=False
        )
        notes = QPlainTextEdit()
        notes.setTabChangesFocus(True)
        notes.setPlaceholderText("Éléments utiles à la décision, de façon factuelle.")
        notes.setFixedHeight(notes.fontMetrics().lineSpacing() * 3 + 14)
        self.notes = self._add(form, "Notes", "notes", notes)
        self.contract_type.currentIndexChanged.connect(self._on_contract_changed)
        return box

    def _hours_holder(self) -> QWidget:
        """The weekly hours (two digits, a decimal comma) and their unit."""
        hours = self.weekly_hours
        hours.setMaxLength(5)
        hours.setPlaceholderText("35")
        hours.setAlignment(Qt.AlignmentFlag.AlignRight)
        hours.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"\d{0,2}([,.]\d{0,2})?"), hours)
        )
        hours.setFixedWidth(hours.fontMetrics().horizontalAdvance("00,00") + 24)
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(hours)
        row.addWidget(QLabel("heures par semaine"))
        row.addStretch(1)
        holder.setFocusProxy(hours)
        return holder

    def _build_aids(self) -> AidsBox:
        self.aids = AidsBox()
        self.scale_note = self.aids.scale_note
        self.components_error = self.aids.components_error
        self.total_label = self.aids.total_label
        self.total_error = self.aids.total_error
        return self.aids

    def _fix_tab_order(self) -> None:
        chain: list[QWidget] = []
        for name in JOB_TAB:
            field = self._fields[name].field
            chain.append(field.focusProxy() or field)
        chain += [self.weekly_hours, self.request_date.lineEdit(), self.notes]
        chain += self.aids.focus_widgets()
        chain += [self.save_button, self.submit_button, self.cancel_button]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _on_contract_changed(self) -> None:
        cdi = self.contract_type.currentData() == ContractType.CDI.value
        if cdi:
            self.contract_end.clear()
            self._fields["contract_end"].set_error(None)
        self.contract_end.setEnabled(not cdi)
        self.contract_end.setToolTip("Un CDI n'a pas de date de fin." if cdi else "")

    # --- data in and out -----------------------------------------------------------------
    def _populate(self, data: CaseInput, *, new: bool) -> None:
        self.employer_name.setText(data.employer_name)
        self.employer_address.setText(data.employer_address)
        self.job_title.setText(data.job_title)
        select_data(self.contract_type, data.contract_type)
        self.job_start.setValue(None if new else data.job_start)
        self.trial_end.setValue(data.trial_end)
        self.contract_end.setValue(data.contract_end)
        self.weekly_hours.setText(hours_text(data.weekly_hours))
        self.request_date.setValue(data.request_date)
        self.notes.setPlainText(data.notes)
        self._on_contract_changed()
        self._pending_aids = {a.component: a for a in data.aids}

    def aid_requests(self) -> list[AidRequest]:
        return self.aids.requests()

    def collect(self) -> tuple[CaseInput | None, dict[str, str]]:
        """The form's content, and what is wrong before asking the service (dates, hours)."""
        local: dict[str, str] = {}
        values: dict[str, date | None] = {}
        for name in DATES:
            field = self._fields[name].field
            assert isinstance(field, DateField)
            if message := field.error():
                local[name] = message
            values[name] = field.value()
        if values["job_start"] is None and "job_start" not in local:
            local["job_start"] = "La date de début de l'emploi est obligatoire."
        if values["request_date"] is None and "request_date" not in local:
            local["request_date"] = "La date de la demande est obligatoire."
        hours: Decimal | None = None
        if self.weekly_hours.text().strip():
            try:
                hours = parse_hours(self.weekly_hours.text())
            except ValueError as exc:
                local["weekly_hours"] = str(exc)
        job_start, request_date = values["job_start"], values["request_date"]
        if job_start is None or request_date is None:
            return None, local
        contract = self.contract_type.currentData()
        data = CaseInput(
            beneficiary_id=self._data.beneficiary_id,
            job_start=job_start,
            request_date=request_date,
            id=self._data.id,
            version_id=self._data.version_id,
            employer_name=self.employer_name.text(),
            employer_address=self.employer_address.text(),
            job_title=self.job_title.text(),
            contract_type=contract,
            trial_end=values["trial_end"],
            contract_end=None if contract == ContractType.CDI.value else values["contract_end"],
            weekly_hours=hours,
            aids=self.aid_requests(),
            notes=self.notes.toPlainText(),
        )
        return data, local

    def _state(self) -> tuple[Any, ...]:
        fields = (*fields_state(self._fields.values()), self.weekly_hours.text())
        return fields, self.aids.state()

    # --- where the messages go -----------------------------------------------------------
    def _place_error(self, name: str, message: str | None) -> None:
        if name in self._fields:
            self._fields[name].set_error(message)
        else:
            self.aids.place_error(name, message)

    def _order(self) -> list[str]:
        return list(self._fields) + self.aids.error_names()

    def _field_widget(self, name: str) -> QWidget | None:
        if name in self._fields:
            return self._fields[name].field
        return self.aids.widget_of(name)
