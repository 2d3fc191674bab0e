"""The case draft: the job, the aid asked for (one row per component of the scale in force at
the job start), and the conditions checked live.

The scale is re-read whenever the job start changes (through
:func:`app.services.cases.preview_eligibility`, which also returns the verdict shown in the
eligibility panel, debounced). Amounts cannot be typed above the scale; the service checks
everything again on save and its messages are shown next to each field and in a summary.
"""

from __future__ import annotations

import html
import logging
import uuid
from datetime import date
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QRegularExpression, Qt, QTimer
from PySide6.QtGui import QKeySequence, QRegularExpressionValidator, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
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
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import Component, ContractType, PayeeKind
from app.services import beneficiaries, clock, workflow
from app.services.actor import Actor
from app.services.case_view import load_case
from app.services.cases import CaseInput, load_case_input, preview_eligibility, save_draft
from app.services.edit_conflicts import CASE_FIELDS, EditConflict, field_changes, merge
from app.services.errors import DatabaseUnavailable, UserFacingError, ValidationError
from app.services.scale import ComponentRule, ScaleRules
from app.services.schedule import AidRequest, aid_errors
from app.services.storage import Database
from app.services.text import format_cents, format_date
from app.services.validation import format_iban, iban_error
from app.ui import db_wait, dialogs, edit_conflict_dialog
from app.ui.case_widgets import ERROR_NOTICE, EligibilityPanel, muted, notice
from app.ui.form_errors import FormErrors
from app.ui.widgets import (
    FRENCH,
    INVALID_STYLE,
    SUMMARY_STYLE,
    DateField,
    ErrorLabel,
    ValidatedField,
    fit_to_screen,
    set_invalid,
)

log = logging.getLogger(__name__)

PREVIEW_DELAY_MS = 350
CHECK_WIDTH = 190
AMOUNT_WIDTH = 120
MONTHS_WIDTH = 90
TOTAL_WIDTH = 110
PAYEE_WIDTH = 130
JOB_START_MISSING = "Saisissez la date de début de l'emploi pour vérifier les conditions."


def _monospace(widget: QWidget):
    font = widget.font()
    font.setFamilies(["Consolas", "DejaVu Sans Mono", "Courier New", "monospace"])
    return font


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


class ComponentRow:
    """The widgets of one component: chosen, monthly amount, months, total, payee."""

    def __init__(self, rule: ComponentRule, on_change, on_iban_left) -> None:
        code = rule.component.value
        self.component = rule.component
        self.rule = rule
        self.check = QCheckBox(rule.component.label)
        self.check.setObjectName(f"check_{code}")
        self.check.setMinimumWidth(CHECK_WIDTH)
        self.amount = QDoubleSpinBox()
        self.amount.setObjectName(f"amount_{code}")
        self.amount.setLocale(FRENCH)
        self.amount.setDecimals(2)
        self.amount.setSuffix(" €")
        self.amount.setSingleStep(5)
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.amount.setFixedWidth(AMOUNT_WIDTH)
        self.amount.setAccessibleName(f"{rule.component.label} : montant mensuel")
        self.months = QSpinBox()
        self.months.setObjectName(f"months_{code}")
        self.months.setSuffix(" mois")
        self.months.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.months.setFixedWidth(MONTHS_WIDTH)
        self.months.setAccessibleName(f"{rule.component.label} : nombre de mois")
        self.total = QLabel()
        self.total.setObjectName(f"total_{code}")
        self.total.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.total.setFixedWidth(TOTAL_WIDTH)
        self.payee = QComboBox()
        self.payee.setObjectName(f"payee_{code}")
        for value, label in PayeeKind.choices():
            self.payee.addItem(label, value)
        self.payee.setFixedWidth(PAYEE_WIDTH)
        self.payee.setAccessibleName(f"{rule.component.label} : payé à")
        self.hint = muted()
        self.hint.setObjectName(f"hint_{code}")
        self.third_name = QLineEdit()
        self.third_name.setObjectName(f"third_name_{code}")
        self.third_name.setMaxLength(200)
        self.third_name.setPlaceholderText("Nom du tiers (crèche, transporteur…)")
        self.third_name.setAccessibleName(f"{rule.component.label} : nom du tiers payé")
        self.third_iban = QLineEdit()
        self.third_iban.setObjectName(f"third_iban_{code}")
        self.third_iban.setMaxLength(42)
        self.third_iban.setPlaceholderText("IBAN du tiers : FR76 …")
        self.third_iban.setFont(_monospace(self.third_iban))
        self.third_iban.setAccessibleName(f"{rule.component.label} : IBAN du tiers")
        self.third = QWidget()
        third_layout = QHBoxLayout(self.third)
        third_layout.setContentsMargins(0, 0, 0, 0)
        third_layout.setSpacing(6)
        third_layout.addWidget(QLabel("Tiers :"))
        third_layout.addWidget(self.third_name, 2)
        third_layout.addSpacing(6)
        third_layout.addWidget(QLabel("IBAN :"))
        third_layout.addWidget(self.third_iban, 3)
        self.error = ErrorLabel()
        self.error.setObjectName(f"error_{code}")
        self.payee_error = ErrorLabel()
        self.payee_error.setObjectName(f"payee_error_{code}")
        self.set_rule(rule)
        self.amount.setValue(rule.monthly_cents / 100)
        self.months.setValue(rule.months)
        for signal in (
            self.check.toggled,
            self.amount.valueChanged,
            self.months.valueChanged,
            self.payee.currentIndexChanged,
        ):
            signal.connect(lambda *_a: self.refresh())
            signal.connect(lambda *_a: on_change())
        self.check.toggled.connect(lambda *_a: on_change(True))
        self.third_iban.editingFinished.connect(lambda: on_iban_left(self))
        self.third_name.editingFinished.connect(lambda: on_iban_left(self))
        self.third_iban.textChanged.connect(lambda _t: self._recheck_iban())
        self.refresh()

    def set_rule(self, rule: ComponentRule) -> None:
        """Bounds of the scale: an amount or duration may be lowered, never raised."""
        self.rule = rule
        self.amount.setRange(0, rule.monthly_cents / 100)
        self.months.setRange(1, rule.months)
        self.hint.setText(
            f"Barème : {format_cents(rule.monthly_cents)} × {rule.months} mois au plus"
            + (" ; enfant à faire garder" if rule.requires_child else "")
        )

    def widgets(self) -> list[QWidget]:
        return [
            self.check,
            self.amount,
            self.months,
            self.total,
            self.payee,
            self.hint,
            self.third,
            self.error,
            self.payee_error,
        ]

    def refresh(self) -> None:
        chosen = self.check.isChecked()
        for widget in (self.amount, self.months, self.payee):
            widget.setEnabled(chosen)
        self.total.setText(format_cents(self.total_cents()) if chosen else "—")
        third = self.is_third_party()
        self.third.setVisible(third)
        if not third:
            self.payee_error.set_message(None)
            set_invalid(self.third_iban, False)

    def monthly_cents(self) -> int:
        return round(self.amount.value() * 100)

    def total_cents(self) -> int:
        return self.monthly_cents() * self.months.value()

    def request(self) -> AidRequest | None:
        if not self.check.isChecked():
            return None
        third = self.payee.currentData() == PayeeKind.THIRD_PARTY.value
        return AidRequest(
            self.component,
            self.monthly_cents(),
            self.months.value(),
            PayeeKind(self.payee.currentData()),
            self.third_name.text() if third else "",
            self.third_iban.text() if third else "",
        )

    def set_request(self, req: AidRequest | None) -> None:
        self.check.setChecked(req is not None)
        if req is None:
            return
        self.amount.setValue(req.monthly_cents / 100)
        self.months.setValue(req.months)
        index = self.payee.findData(req.payee_kind.value)
        self.payee.setCurrentIndex(max(index, 0))
        self.third_name.setText(req.payee_name)
        self.third_iban.setText(format_iban(req.payee_iban) if req.payee_iban else "")
        self.refresh()

    def is_third_party(self) -> bool:
        return self.check.isChecked() and self.payee.currentData() == PayeeKind.THIRD_PARTY.value

    def check_iban(self) -> str | None:
        """The live check of the third party's IBAN (empty: nothing said yet)."""
        if not self.is_third_party():
            return None
        text = self.third_iban.text()
        if not text.strip():
            return None
        message = iban_error(text)
        return f"{self.component.label} : {message}" if message else None

    def _recheck_iban(self) -> None:
        # While an error is shown, clear it as soon as the IBAN becomes right.
        if self.payee_error.text() and iban_error(self.third_iban.text()) is None:
            self.payee_error.set_message(None)
            set_invalid(self.third_iban, False)

    def state(self) -> tuple:
        return (
            self.check.isChecked(),
            self.monthly_cents(),
            self.months.value(),
            self.payee.currentData(),
            self.third_name.text(),
            self.third_iban.text(),
        )


class CaseEditor(QDialog):
    """Create a draft for a beneficiary (``beneficiary_id``) or edit one (``case_id``).

    After ``exec()`` returns Accepted, ``saved_id`` is the case's id and ``submitted`` says
    whether it was also submitted. A draft saved before a refused submission still closes
    as Accepted. If the draft could not be loaded, ``loaded`` is False (the user was told)
    and ``exec()`` returns Rejected at once."""

    def __init__(
        self,
        db: Database,
        actor: Actor,
        *,
        beneficiary_id: uuid.UUID | None = None,
        case_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if (beneficiary_id is None) == (case_id is None):
            raise ValueError("CaseEditor needs a beneficiary_id (new case) or a case_id (edit).")
        self.setObjectName("caseEditor")
        self._db = db
        self._actor = actor
        self.saved_id: uuid.UUID | None = None
        self.submitted = False
        self._fields: dict[str, ValidatedField] = {}
        self.form_errors = FormErrors(
            order=self._order,
            place=self._place_error,
            widget_of=self._field_widget,
            scroll=lambda: self._scroll,
        )
        self._keep_mine = False
        self._rows: dict[Component, ComponentRow] = {}
        self._scale: ScaleRules | None = None
        self._reference = ""
        self._person = ""

        data = self._fetch(beneficiary_id, case_id)
        self.loaded = data is not None
        self._data = data or CaseInput(
            beneficiary_id=beneficiary_id or uuid.uuid4(),
            job_start=clock.today(),
            request_date=clock.today(),
        )
        self.setStyleSheet(INVALID_STYLE + SUMMARY_STYLE)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.refresh_preview)
        self._build()
        self._populate(self._data, new=case_id is None)
        if self.loaded:
            self.refresh_preview()
        self._initial_state = self._state()
        self._update_title()
        fit_to_screen(self, 1180, 820)
        self.employer_name.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- loading -------------------------------------------------------------------------
    def _fetch(
        self, beneficiary_id: uuid.UUID | None, case_id: uuid.UUID | None
    ) -> CaseInput | None:
        owner = self.parentWidget()

        def read() -> tuple[CaseInput, str, str]:
            """The form's data, the case reference and the person's name (off the GUI thread)."""
            if case_id is not None:
                detail = load_case(self._db, case_id, self._actor, log_access=False)
                return load_case_input(self._db, case_id), detail.reference, detail.person_name
            assert beneficiary_id is not None
            person = beneficiaries.load_beneficiary(self._db, beneficiary_id, self._actor)
            name = f"{person.last_name.upper()} {person.first_name}".strip()
            today = clock.today()
            new = CaseInput(beneficiary_id=beneficiary_id, job_start=today, request_date=today)
            return new, self._reference, name

        while True:
            try:
                data, self._reference, self._person = db_wait.run_db(owner, read)
            except DatabaseUnavailable as exc:
                if dialogs.ask_retry(owner, exc.message):
                    continue
                return None
            except UserFacingError as exc:
                dialogs.show_error(owner, exc)
                return None
            except Exception as exc:
                dialogs.show_error(owner, exc)
                return None
            return data

    def exec(self) -> int:
        if not self.loaded:
            return int(QDialog.DialogCode.Rejected)
        return super().exec()

    # --- building ------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 12, 12, 12)
        outer.setSpacing(8)
        self.person_label = QLabel()
        self.person_label.setObjectName("personLine")
        outer.addWidget(self.person_label)

        self._summary, self._summary_label = (
            self.form_errors.summary,
            self.form_errors.summary_label,
        )
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
        self._scroll = QScrollArea()
        self._scroll.setWidget(content)
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        conditions = QGroupBox("Conditions d'attribution")
        conditions_layout = QVBoxLayout(conditions)
        self.eligibility_panel = EligibilityPanel()
        conditions_scroll = QScrollArea()
        conditions_scroll.setWidget(self.eligibility_panel)
        conditions_scroll.setWidgetResizable(True)
        conditions_scroll.setFrameShape(QFrame.Shape.NoFrame)
        conditions_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        conditions_layout.addWidget(conditions_scroll)
        conditions.setMinimumWidth(340)
        conditions.setMaximumWidth(420)

        middle = QHBoxLayout()
        middle.setSpacing(12)
        middle.addWidget(self._scroll, 1)
        middle.addWidget(conditions)
        outer.addLayout(middle, 1)

        buttons = QHBoxLayout()
        hint = QLabel("* champ obligatoire  ·  Ctrl+S : enregistrer  ·  Échap : fermer")
        hint.setStyleSheet("color: palette(placeholder-text);")
        buttons.addWidget(hint)
        buttons.addStretch(1)
        self.save_button = QPushButton("&Enregistrer")
        self.save_button.setObjectName("saveButton")
        self.save_button.setToolTip("Enregistrer le brouillon (Ctrl+S)")
        self.save_button.clicked.connect(lambda: self.save())
        self.submit_button = QPushButton("Enregistrer et &soumettre")
        self.submit_button.setObjectName("submitButton")
        self.submit_button.setToolTip("Enregistrer puis soumettre la demande à validation")
        self.submit_button.clicked.connect(lambda: self.save(submit=True))
        self.cancel_button = QPushButton("Annuler")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.reject)
        for button in (self.save_button, self.submit_button, self.cancel_button):
            button.setAutoDefault(False)
            button.setDefault(False)
            buttons.addWidget(button)
        writable = not self._db.read_only
        self.save_button.setEnabled(writable)
        self.submit_button.setEnabled(writable)
        outer.addLayout(buttons)
        QShortcut(QKeySequence.StandardKey.Save, self).activated.connect(self._save_shortcut)

    def _form(self, title: str) -> tuple[QGroupBox, QFormLayout]:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setVerticalSpacing(6)
        return box, form

    def _add(
        self, form: QFormLayout, label: str, name: str, field: QWidget, *, stretch: bool = True
    ):
        field.setObjectName(name)
        field.setAccessibleName(label.rstrip(" *"))
        holder = ValidatedField(field, stretch=stretch)
        self._fields[name] = holder
        form.addRow(label, holder)
        caption = form.labelForField(holder)
        if isinstance(caption, QLabel):
            caption.setBuddy(field)
            if not isinstance(field, QPlainTextEdit):
                caption.setFixedHeight(field.sizeHint().height())
                caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return field

    @staticmethod
    def _line(max_length: int, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setMaxLength(max_length)
        edit.setPlaceholderText(placeholder)
        return edit

    def _build_job(self) -> QGroupBox:
        box, form = self._form("Emploi")
        self.employer_name = self._add(form, "Employeur *", "employer_name", self._line(200))
        self.employer_address = self._add(
            form, "Adresse de l'employeur", "employer_address", self._line(300)
        )
        self.job_title = self._add(form, "Poste occupé", "job_title", self._line(200))
        contract = QComboBox()
        for value, label in ContractType.choices():
            contract.addItem(label, value)
        self.contract_type = self._add(
            form, "Type de contrat", "contract_type", contract, stretch=False
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
        hours = QLineEdit()
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
        self.weekly_hours = hours
        self._add(form, "Durée hebdomadaire", "weekly_hours", holder)
        hours.setObjectName("weekly_hours_edit")
        hours.setAccessibleName("Durée hebdomadaire")
        self.request_date = self._add(
            form, "Date de la demande *", "request_date", DateField(), stretch=False
        )
        notes = QPlainTextEdit()
        notes.setTabChangesFocus(True)
        notes.setPlaceholderText("Éléments utiles à la décision, de façon factuelle.")
        notes.setFixedHeight(notes.fontMetrics().lineSpacing() * 3 + 14)
        self.notes = self._add(form, "Notes", "notes", notes)

        self.contract_type.currentIndexChanged.connect(self._on_contract_changed)
        for field in (self.job_start, self.request_date):
            field.textChanged.connect(lambda _t: self._preview_timer.start())
            # Leaving the field: the scale and the verdict follow at once.
            field.editingFinished.connect(self.refresh_preview)
        for name in ("employer_name", "trial_end", "contract_end", "request_date", "job_start"):
            widget = self._fields[name].field
            widget.editingFinished.connect(lambda n=name: self._live_check(n))
        self.weekly_hours.editingFinished.connect(lambda: self._live_check("weekly_hours"))
        return box

    def _build_aids(self) -> QGroupBox:
        box = QGroupBox("Aides demandées")
        layout = QVBoxLayout(box)
        layout.setSpacing(6)
        self.scale_note = muted()
        self.scale_note.setObjectName("scaleNote")
        layout.addWidget(self.scale_note)
        self._aids_container = QWidget()
        self._aids_grid = QGridLayout(self._aids_container)
        self._aids_grid.setContentsMargins(0, 0, 0, 0)
        self._aids_grid.setHorizontalSpacing(10)
        self._aids_grid.setVerticalSpacing(3)
        layout.addWidget(self._aids_container)
        self.components_error = ErrorLabel()
        self.components_error.setObjectName("componentsError")
        layout.addWidget(self.components_error)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addWidget(line)
        self.total_label = QLabel()
        self.total_label.setObjectName("totalLabel")
        font = self.total_label.font()
        font.setBold(True)
        self.total_label.setFont(font)
        self.total_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.total_label)
        self.total_error = ErrorLabel()
        self.total_error.setObjectName("totalError")
        self.total_error.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.total_error)
        return box

    def _rebuild_rows(self, scale: ScaleRules) -> None:
        """One row per component of ``scale``; what was typed is kept where it still fits."""
        kept = {c: row.request() for c, row in self._rows.items()}
        grid = self._aids_grid
        while grid.count():
            item = grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self._rows = {}
        headers = ("Aide", "Montant mensuel", "Durée", "Total", "Payé à")
        for col, title in enumerate(headers):
            label = QLabel(f"<b>{title}</b>")
            align = Qt.AlignmentFlag.AlignRight if title == "Total" else Qt.AlignmentFlag.AlignLeft
            grid.addWidget(label, 0, col, alignment=align)
        row_index = 1
        for component, rule in scale.components.items():
            row = ComponentRow(rule, self._on_aids_changed, self._on_iban_left)
            self._rows[component] = row
            grid.addWidget(row.check, row_index, 0)
            grid.addWidget(row.amount, row_index, 1)
            grid.addWidget(row.months, row_index, 2)
            grid.addWidget(row.total, row_index, 3)
            grid.addWidget(row.payee, row_index, 4)
            grid.addWidget(row.hint, row_index + 1, 0, 1, 5)
            grid.addWidget(row.third, row_index + 2, 1, 1, 4)
            grid.addWidget(row.payee_error, row_index + 3, 1, 1, 4)
            grid.addWidget(row.error, row_index + 4, 0, 1, 5)
            row.hint.setContentsMargins(24, 0, 0, 4)
            for widget in (row.check, row.amount, row.months, row.total, row.payee, row.hint):
                widget.show()  # now, not at the next event loop turn: Tab and clicks reach it
            previous = kept.get(component)
            if previous is not None:
                row.set_request(
                    AidRequest(
                        component,
                        min(previous.monthly_cents, rule.monthly_cents),
                        min(previous.months, rule.months),
                        previous.payee_kind,
                        previous.payee_name,
                        previous.payee_iban,
                    )
                )
            row.refresh()
            row_index += 5
        grid.setColumnStretch(5, 1)
        self._fix_tab_order()

    def _fix_tab_order(self) -> None:
        chain: list[QWidget] = []
        for name in (
            "employer_name",
            "employer_address",
            "job_title",
            "contract_type",
            "job_start",
            "trial_end",
            "contract_end",
        ):
            field = self._fields[name].field
            chain.append(field.focusProxy() or field)
        chain += [self.weekly_hours, self.request_date.lineEdit(), self.notes]
        for row in self._rows.values():
            chain += [row.check, row.amount, row.months, row.payee, row.third_name, row.third_iban]
        chain += [self.save_button, self.submit_button, self.cancel_button]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # --- data in and out -----------------------------------------------------------------
    def _populate(self, data: CaseInput, *, new: bool) -> None:
        self.employer_name.setText(data.employer_name)
        self.employer_address.setText(data.employer_address)
        self.job_title.setText(data.job_title)
        index = self.contract_type.findData(data.contract_type)
        self.contract_type.setCurrentIndex(max(index, 0))
        self.job_start.setValue(None if new else data.job_start)
        self.trial_end.setValue(data.trial_end)
        self.contract_end.setValue(data.contract_end)
        self.weekly_hours.setText(
            f"{data.weekly_hours:.2f}".rstrip("0").rstrip(".").replace(".", ",")
            if data.weekly_hours is not None
            else ""
        )
        self.request_date.setValue(data.request_date)
        self.notes.setPlainText(data.notes)
        self._on_contract_changed()
        self._pending_aids = {a.component: a for a in data.aids}

    def _apply_scale(self, scale: ScaleRules) -> None:
        self._scale = scale
        self._rebuild_rows(scale)
        pending = getattr(self, "_pending_aids", None)
        if pending is not None:
            for component, row in self._rows.items():
                row.set_request(pending.get(component))
            self._pending_aids = None
        self._on_aids_changed()

    def aid_requests(self) -> list[AidRequest]:
        return [r for row in self._rows.values() if (r := row.request()) is not None]

    def collect(self) -> tuple[CaseInput | None, dict[str, str]]:
        """The form's content, and what is wrong before asking the service (dates, hours)."""
        local: dict[str, str] = {}
        values: dict[str, date | None] = {}
        for name in ("job_start", "trial_end", "contract_end", "request_date"):
            field: DateField = self._fields[name].field  # type: ignore[assignment]
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

    def _state(self) -> tuple:
        fields = []
        for holder in self._fields.values():
            field = holder.field
            if isinstance(field, QComboBox):
                fields.append(field.currentData())
            elif isinstance(field, QPlainTextEdit):
                fields.append(field.toPlainText())
            elif isinstance(field, (QLineEdit, DateField)):
                fields.append(field.text().strip())
        fields.append(self.weekly_hours.text())
        return tuple(fields), tuple(row.state() for row in self._rows.values())

    def is_dirty(self) -> bool:
        return self._state() != self._initial_state

    def _update_title(self) -> None:
        if self._data.id is None:
            self.setWindowTitle(f"Nouveau dossier Pack sortie — {self._person}")
            self.person_label.setText(
                f"<b>Nouvelle demande</b> pour <b>{html.escape(self._person)}</b>"
            )
        else:
            reference = self._reference or "brouillon"
            self.setWindowTitle(f"Dossier {reference} — {self._person}")
            self.person_label.setText(
                f"<b>{html.escape(reference)}</b> (brouillon) — <b>{html.escape(self._person)}</b>"
            )

    # --- live behaviour ------------------------------------------------------------------
    def _on_contract_changed(self) -> None:
        cdi = self.contract_type.currentData() == ContractType.CDI.value
        if cdi:
            self.contract_end.clear()
            self._fields["contract_end"].set_error(None)
        self.contract_end.setEnabled(not cdi)
        self.contract_end.setToolTip("Un CDI n'a pas de date de fin." if cdi else "")

    def _on_aids_changed(self, rules_too: bool = False) -> None:
        """Totals at once (no database); the rules (childcare) after the usual delay."""
        if rules_too:
            self._preview_timer.start()
        if self._scale is None:
            self.total_label.setText("")
            return
        requests = self.aid_requests()
        total = sum(r.total_cents for r in requests)
        self.total_label.setText(
            f"Total : {format_cents(total)} sur {format_cents(self._scale.max_total_cents)} "
            "autorisés"
        )
        errors = aid_errors(requests, self._scale)
        over = errors.get("total")
        self.total_label.setStyleSheet("color: #b3261e;" if over else "")
        self.form_errors.set("total", over)
        if requests:
            self.form_errors.set("components", None)

    def _on_iban_left(self, row: ComponentRow) -> None:
        text = row.third_iban.text()
        if text.strip() and format_iban(text) != text:
            row.third_iban.setText(format_iban(text))  # groups of four, easier to compare
        self.form_errors.set(f"component.{row.component.value}.payee", row.check_iban())

    def _preview_input(self) -> CaseInput:
        data, _ = self.collect()
        if data is not None:
            return data
        return CaseInput(
            beneficiary_id=self._data.beneficiary_id,
            job_start=self.job_start.value() or clock.today(),
            request_date=self.request_date.value() or clock.today(),
            id=self._data.id,
            aids=self.aid_requests(),
        )

    def refresh_preview(self) -> None:
        """Re-read the scale in force at the job start and judge the draft as it stands."""
        self._preview_timer.stop()
        data = self._preview_input()
        try:
            scale, eligibility = preview_eligibility(self._db, data)
        except UserFacingError as exc:
            self.eligibility_panel.set_message(exc.message)
            return
        except Exception:
            log.exception("Eligibility preview failed")
            self.eligibility_panel.set_message(
                "Les conditions n'ont pas pu être vérifiées pour l'instant."
            )
            return
        if self._scale is None or self._scale.id != scale.id or not self._rows:
            self._apply_scale(scale)
        when = (
            "en vigueur au début de l'emploi"
            if self.job_start.value() is not None
            else "en vigueur aujourd'hui (saisissez le début de l'emploi)"
        )
        self.scale_note.setText(
            f"Barème du {format_date(scale.effective_from)}, {when} : les montants et les "
            "durées peuvent être réduits, jamais dépassés."
        )
        if self.job_start.value() is None or self.request_date.value() is None:
            self.eligibility_panel.set_message(JOB_START_MISSING, scale.describe())
        else:
            self.eligibility_panel.set_eligibility(eligibility, scale.describe())

    def _live_check(self, name: str) -> None:
        """As the user leaves a field: date formats and order, hours, mandatory employer."""
        if not self.isVisible():
            return
        data, local = self.collect()
        message = local.get(name)
        if message is None and data is not None:
            if name == "trial_end" and data.trial_end and data.trial_end < data.job_start:
                message = "La fin de la période d'essai précède le début de l'emploi."
            elif (
                name == "contract_end" and data.contract_end and data.contract_end < data.job_start
            ):
                message = "La fin du contrat précède le début de l'emploi."
            elif name == "request_date" and data.request_date > clock.today():
                message = "La date de la demande est dans le futur."
        if name == "employer_name":
            message = (
                "Le nom de l'employeur est obligatoire."
                if self.form_errors.save_attempted and not self.employer_name.text().strip()
                else None
            )
        if name == "job_start" and not self.form_errors.save_attempted and self.job_start.isEmpty():
            message = None
        self.form_errors.set(name, message)

    # --- errors --------------------------------------------------------------------------
    def _place_error(self, name: str, message: str | None) -> None:
        if name in self._fields:
            self._fields[name].set_error(message)
        elif name == "components":
            self.components_error.set_message(message)
        elif name == "total":
            self.total_error.set_message(message)
        elif name.startswith("component."):
            parts = name.split(".")
            try:
                component = Component(parts[1])
            except ValueError:
                component = None
            row = self._rows.get(component) if component else None
            if row is not None:
                if len(parts) > 2:
                    row.payee_error.set_message(message)
                    set_invalid(row.third_iban, bool(message))
                else:
                    row.error.set_message(message)

    def _order(self) -> list[str]:
        names = list(self._fields)
        names.append("components")
        for component in self._rows:
            names += [f"component.{component.value}", f"component.{component.value}.payee"]
        names.append("total")
        return names

    def show_errors(self, errors: dict[str, str]) -> None:
        for row in self._rows.values():
            row.error.set_message(None)
            row.payee_error.set_message(None)
        self.form_errors.show(errors)

    def error_text(self) -> str:
        """Every message currently shown (fields, rows, banner), for tests."""
        parts = list(self.form_errors.messages.values())
        if not self.banner.isHidden():
            parts.append(self.banner.text())
        return "\n".join(parts)

    def _field_widget(self, name: str) -> QWidget | None:
        if name in self._fields:
            return self._fields[name].field
        if name.startswith("component."):
            parts = name.split(".")
            row = next((r for c, r in self._rows.items() if c.value == parts[1]), None)
            if row is not None:
                return row.third_iban if len(parts) > 2 else row.amount
        if name in ("components", "total") and self._rows:
            return next(iter(self._rows.values())).check
        return None

    # --- actions -------------------------------------------------------------------------
    def _save_shortcut(self) -> None:
        if self.save_button.isEnabled():
            self.save()

    def _call(self, action):
        """Run a service call: retry on an unavailable database, show the rest in French."""
        while True:
            try:
                return True, db_wait.run_db(self, action)
            except ValidationError as exc:
                self.show_errors(exc.errors)
                return False, None
            except DatabaseUnavailable as exc:
                if dialogs.ask_retry(self, exc.message):
                    continue
                return False, None
            except EditConflict as exc:
                self._on_conflict(exc)
                return False, None
            except UserFacingError as exc:  # NotAllowed, ConflictError
                self.banner.setText(exc.message)
                self.banner.setVisible(True)
                return False, None
            except Exception as exc:
                dialogs.show_error(self, exc)
                return False, None

    def save(self, submit: bool = False) -> bool:
        """Enregistrer (and, with ``submit``, soumettre): close on success."""
        self.form_errors.save_attempted = True
        self.banner.setVisible(False)
        if self._preview_timer.isActive():  # the rows must follow the job start's scale
            self.refresh_preview()
        data, local = self.collect()
        if local or data is None:
            if data is not None:
                self.show_errors({**self._service_errors(data), **local})
            else:
                self.show_errors(local)
            return False
        ok, saved = self._call(lambda: save_draft(self._db, self._actor, data))
        if not ok and self._keep_mine:  # « Garder ma saisie » after a conflict: save again
            self._keep_mine = False
            return self.save(submit)
        if not ok:
            return False
        log.info("Case draft %s saved", saved)
        self.saved_id = saved
        self._after_save(saved)
        if submit:
            ok, _ = self._call(lambda: workflow.submit(self._db, self._actor, saved))
            if not ok:
                return False
            self.submitted = True
        self.show_errors({})
        self.form_errors.clear()
        self._initial_state = self._state()
        self.accept()
        return True

    def _on_conflict(self, exc: EditConflict) -> None:
        """Another station saved this draft meanwhile: show what differs, then reload it,
        keep this entry over it, or go back to the editor (nothing saved)."""
        mine, _local = self.collect()
        if mine is None:
            self.banner.setText(exc.message)
            self.banner.setVisible(True)
            return
        changes = field_changes(self._data, exc.current, mine, CASE_FIELDS)
        log.warning("Edit conflict on case %s: %d fields differ", self._data.id, len(changes))
        choice = edit_conflict_dialog.ask_conflict_choice(self, exc, changes)
        if choice == edit_conflict_dialog.RELOAD:
            self._data = exc.current
            self._populate(exc.current, new=False)
            self.refresh_preview()
            self._initial_state = self._state()
        elif choice == edit_conflict_dialog.KEEP:
            merged = merge(self._data, exc.current, mine, CASE_FIELDS)
            self._data = exc.current  # the version the next save is checked against
            self._populate(merged, new=False)
            self.refresh_preview()
            self._keep_mine = True

    def _service_errors(self, data: CaseInput) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not data.employer_name.strip():
            errors["employer_name"] = "Le nom de l'employeur est obligatoire."
        if self._scale is not None:
            errors.update(aid_errors(data.aids, self._scale))
        return errors

    def _after_save(self, saved: uuid.UUID) -> None:
        """From now on the dialog edits the saved draft (a second save updates it)."""
        try:
            fresh = load_case_input(self._db, saved)
            detail = load_case(self._db, saved, self._actor, log_access=False)
        except UserFacingError:
            self._data.id = saved
            self._data.version_id = None
            return
        self._data.id, self._data.version_id = fresh.id, fresh.version_id
        self._reference = detail.reference
        self._update_title()

    def reject(self) -> None:
        """Annuler, Échap or closing: confirm before losing changes. A draft already saved
        (its submission refused) closes as Accepted so the lists show it."""
        if (
            self.isVisible()
            and self.loaded
            and self.is_dirty()
            and not dialogs.ask_yes_no(
                self,
                "Fermer sans enregistrer ? Les modifications saisies seront perdues.",
                "Modifications non enregistrées",
            )
        ):
            return
        if self.saved_id is not None:
            self.accept()
            return
        super().reject()
