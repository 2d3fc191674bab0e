"""« Aides demandées » in the case editor: one row per component of the scale in force (chosen,
monthly amount, months, total, payee and a third party's name and IBAN), the scale's note,
and the total against the cap.

Amounts and durations are bounded by the scale: they may be lowered, never raised. The rows
are rebuilt when the scale changes (the job start moved to another scale's period), keeping
what was typed where it still fits. Errors are keyed ``components``, ``total``,
``component.CODE`` (the row) and ``component.CODE.payee`` (its third party)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import Component, PayeeKind
from app.services.scale import ComponentRule, ScaleRules
from app.services.schedule import AidRequest
from app.services.text import format_cents
from app.services.validation import format_iban, iban_error
from app.ui.case_widgets import muted
from app.ui.form_fields import monospace
from app.ui.widgets import FRENCH, ErrorLabel, clear_layout, combo, set_invalid

CHECK_WIDTH = 190
AMOUNT_WIDTH = 120
MONTHS_WIDTH = 90
TOTAL_WIDTH = 110
PAYEE_WIDTH = 130
HEADERS = ("Aide", "Montant mensuel", "Durée", "Total", "Payé à")


class ComponentRow:
    """The widgets of one component: chosen, monthly amount, months, total, payee.

    ``on_change(rules_too)`` follows every change (``rules_too`` when the choice itself
    changed: the eligibility rules may change with it), ``on_iban_left(row)`` the third
    party's name or IBAN being left."""

    def __init__(
        self,
        rule: ComponentRule,
        on_change: Callable[[bool], None],
        on_iban_left: Callable[[ComponentRow], None],
    ) -> None:
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
        self.payee = combo(PayeeKind.choices(), f"payee_{code}")
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
        self.third_iban.setFont(monospace(self.third_iban))
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
            signal.connect(lambda *_a: on_change(False))
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

    def focus_widgets(self) -> list[QWidget]:
        return [self.check, self.amount, self.months, self.payee, self.third_name, self.third_iban]

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

    def state(self) -> tuple[bool, int, int, str, str, str]:
        return (
            self.check.isChecked(),
            self.monthly_cents(),
            self.months.value(),
            self.payee.currentData(),
            self.third_name.text(),
            self.third_iban.text(),
        )


class AidsBox(QGroupBox):
    """The aids asked for. ``rows`` (never replaced) maps each component of the scale shown
    to its row; ``changed(rules_too)`` and ``ibanLeft(row)`` relay the rows' changes."""

    changed = Signal(bool)
    ibanLeft = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Aides demandées", parent)
        self.rows: dict[Component, ComponentRow] = {}
        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        self.scale_note = muted()
        self.scale_note.setObjectName("scaleNote")
        layout.addWidget(self.scale_note)
        container = QWidget()
        self._grid = QGridLayout(container)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(10)
        self._grid.setVerticalSpacing(3)
        layout.addWidget(container)
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

    def rebuild(self, scale: ScaleRules) -> None:
        """One row per component of ``scale``; what was typed is kept where it still fits."""
        kept = {c: row.request() for c, row in self.rows.items()}
        grid = self._grid
        clear_layout(grid)
        self.rows.clear()
        for col, title in enumerate(HEADERS):
            label = QLabel(f"<b>{title}</b>")
            align = Qt.AlignmentFlag.AlignRight if title == "Total" else Qt.AlignmentFlag.AlignLeft
            grid.addWidget(label, 0, col, alignment=align)
        row_index = 1
        for component, rule in scale.components.items():
            row = ComponentRow(rule, self.changed.emit, self.ibanLeft.emit)
            self.rows[component] = row
            self._place(row, row_index)
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

    def _place(self, row: ComponentRow, at: int) -> None:
        grid = self._grid
        grid.addWidget(row.check, at, 0)
        grid.addWidget(row.amount, at, 1)
        grid.addWidget(row.months, at, 2)
        grid.addWidget(row.total, at, 3)
        grid.addWidget(row.payee, at, 4)
        grid.addWidget(row.hint, at + 1, 0, 1, 5)
        grid.addWidget(row.third, at + 2, 1, 1, 4)
        grid.addWidget(row.payee_error, at + 3, 1, 1, 4)
        grid.addWidget(row.error, at + 4, 0, 1, 5)
        row.hint.setContentsMargins(24, 0, 0, 4)
        for widget in (row.check, row.amount, row.months, row.total, row.payee, row.hint):
            widget.show()  # now, not at the next event loop turn: Tab and clicks reach it

    def set_requests(self, requests: dict[Component, AidRequest]) -> None:
        """The aids of a draft: each row chosen with its request, or not chosen."""
        for component, row in self.rows.items():
            row.set_request(requests.get(component))

    def requests(self) -> list[AidRequest]:
        return [r for row in self.rows.values() if (r := row.request()) is not None]

    def focus_widgets(self) -> list[QWidget]:
        return [widget for row in self.rows.values() for widget in row.focus_widgets()]

    def state(self) -> tuple[tuple[bool, int, int, str, str, str], ...]:
        return tuple(row.state() for row in self.rows.values())

    # --- errors --------------------------------------------------------------------------
    def error_names(self) -> list[str]:
        """The names of this section's messages, in the order of the form."""
        names = ["components"]
        for component in self.rows:
            names += [f"component.{component.value}", f"component.{component.value}.payee"]
        names.append("total")
        return names

    def clear_row_errors(self) -> None:
        for row in self.rows.values():
            row.error.set_message(None)
            row.payee_error.set_message(None)

    def place_error(self, name: str, message: str | None) -> None:
        if name == "components":
            self.components_error.set_message(message)
        elif name == "total":
            self.total_error.set_message(message)
        elif name.startswith("component."):
            parts = name.split(".")
            try:
                component: Component | None = Component(parts[1])
            except ValueError:
                component = None
            row = self.rows.get(component) if component else None
            if row is not None:
                if len(parts) > 2:
                    row.payee_error.set_message(message)
                    set_invalid(row.third_iban, bool(message))
                else:
                    row.error.set_message(message)

    def widget_of(self, name: str) -> QWidget | None:
        if name.startswith("component."):
            parts = name.split(".")
            row = next((r for c, r in self.rows.items() if c.value == parts[1]), None)
            if row is not None:
                return row.third_iban if len(parts) > 2 else row.amount
        if name in ("components", "total") and self.rows:
            return next(iter(self.rows.values())).check
        return None
