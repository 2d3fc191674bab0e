"""« Paiements »: the instalments due, a batch made of them and its file, and the batches
sent to the finance office (export again, confirm the payment, rejected transfers).

Only presents and calls app.services.payments and app.services.payment_export."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services import clock, validation
from app.services import payment_export as export_service
from app.services import payments as payment_service
from app.services.actor import Actor
from app.services.payments import BatchPreview, BatchRow
from app.services.storage import Database
from app.services.text import format_cents, format_date, format_month
from app.ui import dialogs, status
from app.ui.caseload_view import RowTable
from app.ui.date_field import DateField
from app.ui.widgets import RowListModel, fit_to_screen

log = logging.getLogger(__name__)

CSV_FILTER = "Fichiers CSV (*.csv)"
SEPA_FILTER = "Virements SEPA (*.xml)"
PAYEE_HEADERS = ("Bénéficiaire du virement", "Virements", "Montant")
BATCH_HEADERS = ("Lot", "Créé le", "État", "Virements", "Montant", "Payé le")


def parse_month(text: str) -> date | None:
    """« 05/2026 » (or « 2026-05 ») as the month's first day; None when it is not one."""
    try:
        return validation.parse_month(text)
    except ValueError:
        return None


class PayeeModel(RowListModel):
    HEADERS = PAYEE_HEADERS
    _rows: list[tuple[str, int, int]]

    def cells(self, row: tuple[str, int, int]) -> tuple[str, ...]:
        payee, count, cents = row
        return (payee, str(count), format_cents(cents))


class BatchModel(RowListModel):
    HEADERS = BATCH_HEADERS
    _rows: list[BatchRow]

    def cells(self, b: BatchRow) -> tuple[str, ...]:
        return (
            b.number,
            format_date(b.created_on),
            b.status.label,
            str(b.transfers),
            format_cents(b.total_cents),
            format_date(b.confirmed_on) if b.confirmed_on else "",
        )


class ConfirmDialog(QDialog):
    """The day the batch was paid, and the file of rejected transfers if the bank sent one."""

    def __init__(self, number: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Confirmer le paiement du lot {number}")
        self.paid_on = DateField()
        self.paid_on.setValue(clock.today())
        self.rejected_file = QLineEdit()
        self.rejected_file.setPlaceholderText("aucun : tous les virements sont payés")
        browse = QPushButton("Choisir…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.rejected_file, 1)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("Payé le", self.paid_on)
        form.addRow("Virements rejetés (CSV)", row)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def answer(self) -> tuple[date, Path | None] | None:
        paid_on = self.paid_on.value()
        if paid_on is None:
            return None
        text = self.rejected_file.text().strip()
        return paid_on, Path(text) if text else None

    def _browse(self) -> None:
        if chosen := dialogs.ask_open_file(self, "Virements rejetés", CSV_FILTER):
            self.rejected_file.setText(chosen)


def ask_confirmation(parent: QWidget, number: str) -> tuple[date, Path | None] | None:
    """A seam for the tests: (paid on, rejected file) or None when cancelled."""
    dialog = ConfirmDialog(number, parent)
    return dialog.answer() if dialog.exec() == QDialog.DialogCode.Accepted else None


class PaymentsDialog(QDialog):
    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paymentsDialog")
        self.setWindowTitle("Paiements — Pack Sortie")
        self._db = db
        self._actor = actor
        self.preview: BatchPreview | None = None
        editable = (actor.is_finance or actor.is_admin) and not db.read_only

        self.until = QLineEdit(clock.today().strftime("%m/%Y"))
        self.until.setObjectName("until")
        self.until.setMaximumWidth(110)
        self.until.returnPressed.connect(self.refresh_preview)
        show = QPushButton("&Afficher les échéances dues")
        show.clicked.connect(self.refresh_preview)
        self.payees = PayeeModel(self)
        payee_table = RowTable()
        payee_table.setModel(self.payees)
        payee_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.excluded = QLabel()
        self.excluded.setObjectName("excluded")
        self.excluded.setWordWrap(True)
        self.excluded.setStyleSheet("color: #b3261e;")
        self.create_button = QPushButton("&Créer le lot et l'exporter…")
        self.create_button.setObjectName("createBatch")
        self.create_button.setEnabled(False)
        self.create_button.clicked.connect(self.create_batch)
        self._editable = editable

        due = QGroupBox("Échéances dues")
        due_layout = QVBoxLayout(due)
        top = QHBoxLayout()
        top.addWidget(QLabel("Jusqu'au mois de (MM/AAAA)"))
        top.addWidget(self.until)
        top.addWidget(show)
        top.addStretch(1)
        due_layout.addLayout(top)
        due_layout.addWidget(payee_table, 1)
        due_layout.addWidget(self.summary)
        due_layout.addWidget(self.excluded)
        due_layout.addWidget(self.create_button, 0, Qt.AlignmentFlag.AlignRight)

        self.batches = BatchModel(self)
        self.batch_table = RowTable()
        self.batch_table.setObjectName("batchTable")
        self.batch_table.setModel(self.batches)
        self.batch_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.export_button = QPushButton("&Exporter de nouveau…")
        self.export_button.clicked.connect(self.export_selected)
        self.sepa_button = QPushButton("Fichier &SEPA…")
        self.sepa_button.setToolTip("Virements SEPA (pain.001.001.03) depuis le compte payeur")
        self.sepa_button.clicked.connect(self.export_sepa_selected)
        self.confirm_button = QPushButton("C&onfirmer le paiement…")
        self.confirm_button.setObjectName("confirmBatch")
        self.confirm_button.clicked.connect(self.confirm_selected)
        for button in (self.export_button, self.sepa_button, self.confirm_button):
            button.setEnabled(editable)
        sent = QGroupBox("Lots envoyés aux finances")
        sent_layout = QVBoxLayout(sent)
        sent_layout.addWidget(self.batch_table, 1)
        self.ledger = QLabel()
        self.ledger.setObjectName("ledger")
        self.ledger.setWordWrap(True)
        sent_layout.addWidget(self.ledger)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.export_button)
        row.addWidget(self.sepa_button)
        row.addWidget(self.confirm_button)
        sent_layout.addLayout(row)

        layout = QVBoxLayout(self)
        if not editable:
            note = QLabel(
                "Consultation seule : seules les personnes des finances (ou un administrateur) "
                "créent et confirment les lots."
            )
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addWidget(due, 3)
        layout.addWidget(sent, 2)
        close = QPushButton("Fermer")
        close.clicked.connect(self.reject)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
        fit_to_screen(self, 960, 720)
        self.refresh_preview()
        self.refresh_batches()

    # --- due instalments ---------------------------------------------------------------
    def refresh_preview(self) -> bool:
        until = parse_month(self.until.text())
        if until is None:
            self.summary.setText("Mois invalide : écrivez MM/AAAA, par exemple 05/2026.")
            self.create_button.setEnabled(False)
            return False
        ok, preview = status.attempt_db(
            self, lambda: payment_service.preview_batch(self._db, until)
        )
        if not ok or preview is None:
            return False
        self.preview = preview
        self.payees.set_rows(preview.payee_rows())
        parts = [f"{label} : {format_cents(c)}" for label, c in preview.by_component().items()]
        self.summary.setText(
            f"{len(preview.transfers)} virement(s) dus jusqu'à {format_month(until)}, total "
            f"{format_cents(preview.total_cents)}" + (" — " + " ; ".join(parts) if parts else "")
        )
        self.excluded.setText(
            "Écartées (IBAN à corriger sur la fiche) : "
            + " ; ".join(
                f"{e.case_reference} {e.payee_name} ({e.reason})" for e in preview.excluded
            )
            if preview.excluded
            else ""
        )
        self.create_button.setEnabled(self._editable and bool(preview.transfers))
        return True

    def create_batch(self) -> str | None:
        if self.preview is None:
            return None
        until = self.preview.until

        def make() -> payment_service.BatchInfo:
            return payment_service.create_batch(self._db, self._actor, until)

        ok, info = status.attempt_db(self, make)
        if not ok or info is None:
            self.refresh_preview()
            return None
        log.info("Payment batch %s created (%d transfers)", info.number, len(info.transfers))
        self._export(info.number)
        self.refresh_preview()
        self.refresh_batches()
        return info.number

    # --- batches -----------------------------------------------------------------------
    def refresh_batches(self) -> None:
        from app.services.envelope import envelopes_overview

        ok, found = status.attempt_db(
            self, lambda: (payment_service.list_batches(self._db), envelopes_overview(self._db))
        )
        if not ok or found is None:
            return
        rows, envelopes = found
        self.batches.set_rows(rows)
        self.ledger.setText(
            "Enveloppes : "
            + " ; ".join(
                f"{e.year} — votée {format_cents(e.amount_cents or 0)}, engagé "
                f"{format_cents(e.committed_cents)}, mandaté {format_cents(e.mandated_cents)}, "
                f"payé {format_cents(e.paid_cents)}"
                for e in envelopes
                if e.committed_cents or e.amount_cents
            )
        )

    def _selected(self) -> BatchRow | None:
        index = self.batch_table.currentIndex()
        return self.batches.row(index.row()) if index.isValid() else None

    def _export(self, number: str) -> Path | None:
        start = str(Path.home() / f"{number}.csv")
        chosen = dialogs.ask_save_file(self, f"Fichier du lot {number}", CSV_FILTER, start)

        def write() -> Path:
            out = Path(chosen) if chosen else None
            return export_service.export_batch(self._db, self._actor, number, out)

        ok, path = status.attempt_db(self, write)
        if ok and path is not None:
            dialogs.show_info(self, f"Lot {number} exporté :\n{path}")
        return path if ok else None

    def export_selected(self) -> Path | None:
        row = self._selected()
        return self._export(row.number) if row else None

    def export_sepa_selected(self) -> Path | None:
        row = self._selected()
        if row is None:
            return None
        start = str(Path.home() / f"{row.number}.xml")
        chosen = dialogs.ask_save_file(
            self, f"Fichier SEPA du lot {row.number}", SEPA_FILTER, start
        )
        if not chosen:
            return None
        from app.services.payment_sepa import export_sepa

        def write() -> Path:
            return export_sepa(self._db, self._actor, row.number, Path(chosen))

        ok, path = status.attempt_db(self, write)
        if ok and path is not None:
            dialogs.show_info(self, f"Fichier SEPA du lot {row.number} :\n{path}")
        return path if ok else None

    def confirm_selected(self) -> bool:
        row = self._selected()
        if row is None:
            return False
        answer = ask_confirmation(self, row.number)
        if answer is None:
            return False
        paid_on, rejected_file = answer

        def confirm() -> tuple[int, int]:
            rejected = export_service.read_rejections(rejected_file) if rejected_file else []
            return payment_service.confirm_batch(
                self._db, self._actor, row.number, paid_on, rejected
            )

        ok, counts = status.attempt_db(self, confirm)
        if not ok or counts is None:
            return False
        paid, refused = counts
        dialogs.show_info(
            self,
            f"Lot {row.number} : {paid} virement(s) payé(s) le {format_date(paid_on)}"
            + (f", {refused} rejeté(s) à régulariser." if refused else "."),
        )
        self.refresh_batches()
        self.refresh_preview()
        return True
