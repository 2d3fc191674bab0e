"""The average RSA paid a month, dated (Paramètres): each value is in force from its date,
so that the évaluation's estimated saving values each day at the rate of that day."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QListWidget, QPushButton, QWidget

from app.services import settings as settings_service
from app.services.settings import OfficeSettings
from app.services.text import format_cents, format_date
from app.ui.date_field import DateField
from app.ui.widgets import ErrorLabel, cents_of, euro_field


class RsaRatesEditor(QWidget):
    """The dated values, oldest first; « Ajouter » puts the amount in force from the date
    given (replacing a value of that date), « Retirer » takes the selected one away. The
    list is saved with the other settings (``rates()``)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rates: list[list] = []
        self.values = QListWidget()
        self.values.setObjectName("rsa_rates")
        rows = self.values.fontMetrics().lineSpacing() * 3 + 10
        self.values.setFixedHeight(rows)
        self.effective_from = DateField()
        self.effective_from.setAccessibleName("Date d'effet du RSA moyen")
        self.amount = euro_field("rsa_rate_amount", 10_000.0, "10 000,00 €")
        self.amount.setAccessibleName("RSA moyen versé par mois")
        self.add_button = QPushButton("Ajouter")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add)
        self.remove_button = QPushButton("Retirer")
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self.remove_selected)
        self.error = ErrorLabel()

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.values, 0, 0, 1, 5)
        grid.addWidget(QLabel("à partir du"), 1, 0)
        grid.addWidget(self.effective_from, 1, 1)
        grid.addWidget(self.amount, 1, 2)
        grid.addWidget(self.add_button, 1, 3)
        grid.addWidget(self.remove_button, 1, 4)
        grid.addWidget(self.error, 2, 0, 1, 5)
        grid.setColumnStretch(5, 1)

    def set_rates(self, rates: list[list]) -> None:
        self._rates = sorted((list(r) for r in rates), key=lambda r: str(r[0]))
        self._show()

    def rates(self) -> list[list]:
        return [list(r) for r in self._rates]

    def add(self) -> bool:
        day = self.effective_from.value()
        cents = cents_of(self.amount)
        if day is None:
            self.error.set_message(
                self.effective_from.error() or "Indiquez la date d'effet (jj/mm/aaaa)."
            )
            return False
        current = OfficeSettings(average_rsa_rates=self._rates)
        candidate = settings_service.with_rsa_rate(current, day, cents).average_rsa_rates
        if msg := settings_service.rsa_rates_error(candidate):
            self.error.set_message(msg)
            return False
        self.error.set_message(None)
        self._rates = candidate
        self._show()
        self.changed.emit()
        return True

    def remove_selected(self) -> None:
        row = self.values.currentRow()
        if row < 0:
            return
        if len(self._rates) == 1:
            self.error.set_message("Gardez au moins un RSA moyen : l'estimation en dépend.")
            return
        del self._rates[row]
        self.error.set_message(None)
        self._show()
        self.changed.emit()

    def _show(self) -> None:
        self.values.clear()
        for raw, cents in self._rates:
            day = date.fromisoformat(str(raw))
            self.values.addItem(f"depuis le {format_date(day)} : {format_cents(cents)} par mois")
