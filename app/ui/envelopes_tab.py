"""« Enveloppes »: the yearly envelopes voted, with what is committed, mandated and paid;
saved through envelope.set_envelope."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services import envelope as envelope_service
from app.services.actor import Actor
from app.services.envelope import EnvelopeStatus
from app.services.storage import Database
from app.services.text import format_cents, parse_amount_cents
from app.ui import status
from app.ui.admin_forms import (
    SAVED_STYLE,
    beside,
    form_layout,
    note_label,
    save_row,
    spin_box,
)
from app.ui.caseload_view import RowTable
from app.ui.status import attempt_inline
from app.ui.widgets import (
    ERROR_COLOR,
    ErrorLabel,
    RowListModel,
    set_invalid,
)

AMOUNT_ERROR = "Montant invalide : saisissez un montant en euros, par exemple 200 000,00."


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

        self.year = spin_box(2017, 2100, "", "year")
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
        form = form_layout()
        form.addRow("Année", self.year)
        form.addRow("Montant voté", beside(self.amount, "€"))
        box.setLayout(form)
        explanation = note_label(
            "L'engagé comprend toutes les échéances de l'année qui ne sont pas annulées "
            "(prévues, mandatées ou payées). Une enveloppe ne peut pas être inférieure à ce "
            "qui est déjà engagé ; une attribution qui la dépasserait est refusée."
        )
        form_column = QVBoxLayout()
        form_column.addWidget(box)
        form_column.addWidget(explanation)
        form_column.addLayout(save_row(self.save_button, self.saved_label, self.error_label))
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
        ok, rows = status.attempt_db(self, lambda: envelope_service.envelopes_overview(self._db))
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
