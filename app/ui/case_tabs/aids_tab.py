"""The « Aides » tab of a case: the aids asked (one line per component) and the case's
amounts (asked, committed, paid, mandated, planned, suspended, cancelled)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import Component, InstalmentStatus
from app.services.case_view import CaseDetail
from app.services.text import format_cents
from app.ui.case_widgets import (
    CENTER,
    RIGHT,
    Column,
    RecordTableModel,
    make_table,
    muted,
    value_label,
)

AMOUNTS = [
    ("asked", "Total des aides"),
    ("total", "Total engagé"),
    ("paid", "Payé"),
    ("mandated", "Mandaté"),
    ("planned", "Prévu"),
    ("suspended", "Suspendu"),
    ("cancelled", "Annulé"),
]


class AidsTab(QWidget):
    """The aids table at the left, the amounts box at the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(16)
        self.aid_model = RecordTableModel(
            [
                Column("Aide", lambda a: a.component.label),
                Column("Montant mensuel", lambda a: format_cents(a.monthly_cents), RIGHT),
                Column("Mois", lambda a: str(a.months), CENTER),
                Column("Total", lambda a: format_cents(a.total_cents), RIGHT),
                Column("Payé à", lambda a: a.payee),
            ],
            self,
        )
        self.aid_table = make_table(self.aid_model, stretch=4, name="aidTable")
        left = QVBoxLayout()
        left.addWidget(self.aid_table)
        left.addStretch(1)
        layout.addLayout(left, 3)
        layout.addWidget(self._amounts_box(), 1)

    def _amounts_box(self) -> QGroupBox:
        box = QGroupBox("Montants du dossier")
        box.setObjectName("amountsBox")
        self.amount_values: dict[str, QLabel] = {}
        self.amount_captions: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        for row, (key, label) in enumerate(AMOUNTS):
            caption = muted(f"{label} :")
            widget = value_label(name=f"amount_{key}")
            widget.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            self.amount_values[key] = widget
            self.amount_captions[key] = caption
            grid.addWidget(caption, row, 0)
            grid.addWidget(widget, row, 1)
        grid.setColumnStretch(1, 1)
        box_layout = QVBoxLayout(box)
        box_layout.addLayout(grid)
        box_layout.addStretch(1)
        box.setMinimumWidth(260)
        return box

    def show_case(self, d: CaseDetail) -> None:
        order = list(Component)
        aids = sorted(d.aids, key=lambda a: order.index(a.component))
        self.aid_model.set_rows(aids, ids=[a.component for a in aids])
        fit_table(self.aid_table, len(aids))
        money = {
            "asked": sum(a.total_cents for a in d.aids),
            "total": d.total_cents,
            "paid": d.cents_with_status(InstalmentStatus.PAID),
            "mandated": d.cents_with_status(InstalmentStatus.MANDATED),
            "planned": d.cents_with_status(InstalmentStatus.PLANNED, InstalmentStatus.TO_SETTLE),
            "suspended": d.cents_with_status(InstalmentStatus.SUSPENDED),
            "cancelled": d.cents_with_status(InstalmentStatus.CANCELLED),
        }
        scheduled = bool(d.instalments)
        for key, widget in self.amount_values.items():
            widget.setText(format_cents(money[key]))
            caption_visible = key == "asked" or scheduled
            widget.setVisible(caption_visible)
            self.amount_captions[key].setVisible(caption_visible)
        bold = QFont(self.font())
        bold.setBold(True)
        self.amount_values["asked"].setFont(bold)
        self.amount_values["total"].setFont(bold)


def fit_table(table: QTableView, rows: int) -> None:
    """A short table as tall as its rows (no empty grey area under three lines)."""
    header = table.horizontalHeader().sizeHint().height()
    height = header + table.verticalHeader().defaultSectionSize() * max(rows, 1) + 4
    table.setMaximumHeight(height)
    table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
