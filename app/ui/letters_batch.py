"""« Courriers à produire aujourd'hui » (menu Documents): the decisions of a day without
their letter, produced together, signed electronically or for a hand signature.

The batch runs in a worker thread (:func:`app.ui.workers.run_with_progress`): the window
stays responsive, « Annuler » stops after the letter being produced; each letter is its own
transaction, so a failure is listed with its reason and the others go on.
"""

from __future__ import annotations

import logging
import os
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services import clock, documents
from app.services.actor import Actor
from app.services.documents import BatchResult, PendingLetter
from app.services.errors import UserFacingError
from app.services.storage import Database
from app.services.text import format_date
from app.ui import dialogs, status
from app.ui.case_widgets import (
    INFO_NOTICE,
    OK_NOTICE,
    PRIMARY_BUTTON,
    WARNING_NOTICE,
    muted,
    notice,
    section_title,
)
from app.ui.date_field import DateField
from app.ui.signer_setup import HAND, SignerSession
from app.ui.workers import run_with_progress

log = logging.getLogger(__name__)


def letters(count: int) -> str:
    return f"{count} courrier" + ("s" if count > 1 else "")


class PendingModel(QAbstractTableModel):
    """The letters to produce, each with a check box (all checked at first)."""

    HEADERS = ["", "Dossier", "Bénéficiaire", "Courrier", "Date de la décision"]

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[PendingLetter] = []
        self._checked: list[bool] = []

    def set_rows(self, rows: list[PendingLetter]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._checked = [True] * len(self._rows)
        self.endResetModel()

    def checked_items(self) -> list[PendingLetter]:
        return [r for r, on in zip(self._rows, self._checked, strict=True) if on]

    def set_all(self, checked: bool) -> None:
        self._checked = [checked] * len(self._rows)
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0),
                self.index(len(self._rows) - 1, 0),
                [Qt.ItemDataRole.CheckStateRole],
            )

    def item(self, row: int) -> PendingLetter:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def _text(self, item: PendingLetter, column: int) -> str:
        return [
            "",
            item.reference,
            item.person,
            item.kind.label,
            format_date(item.decided_on),
        ][column]

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.CheckStateRole and column == 0:
            return Qt.CheckState.Checked if self._checked[row] else Qt.CheckState.Unchecked
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole) and column > 0:
            return self._text(self._rows[row], column)
        if role == Qt.ItemDataRole.AccessibleTextRole and column == 0:
            return "Produire" if self._checked[row] else "Ne pas produire"
        return None

    def setData(
        self, index: QModelIndex | QPersistentModelIndex, value: Any, role: int = 0
    ) -> bool:
        if not index.isValid() or index.column() != 0 or role != Qt.ItemDataRole.CheckStateRole:
            return False
        state = value if isinstance(value, Qt.CheckState) else Qt.CheckState(value)
        self._checked[index.row()] = state == Qt.CheckState.Checked
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 0:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None


class LettersBatchDialog(QDialog):
    """See the module docstring. ``result`` holds the last batch's outcome."""

    def __init__(
        self,
        db: Database,
        actor: Actor,
        signer_session: SignerSession,
        parent: QWidget | None = None,
        *,
        day: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("lettersBatchDialog")
        self.setWindowTitle("Courriers à produire")
        self.setMinimumSize(780, 520)
        self._db = db
        self._actor = actor
        self._session = signer_session
        self.day = day or clock.today()
        self.batch_result: BatchResult | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(10)
        top = QHBoxLayout()
        top.setSpacing(8)
        self.title_label = section_title("")
        self.title_label.setObjectName("batchTitle")
        top.addWidget(self.title_label, 1)
        top.addWidget(QLabel("Décisions du :"))
        self.date_field = DateField()
        self.date_field.setObjectName("batchDay")
        self.date_field.setAccessibleName("Jour des décisions")
        self.date_field.setValue(self.day)
        self.date_field.editingFinished.connect(self._on_day_edited)
        top.addWidget(self.date_field)
        self.today_button = QPushButton("Aujourd'hui")
        self.today_button.setObjectName("todayButton")
        self.today_button.setAutoDefault(False)
        self.today_button.clicked.connect(lambda: self.load(clock.today()))
        top.addWidget(self.today_button)
        layout.addLayout(top)

        self.explanation = muted(
            "Décisions et invitations à présenter des observations de ce jour dont le "
            "courrier n'a pas encore été produit. Décochez ceux à produire plus tard."
        )
        layout.addWidget(self.explanation)
        self.model = PendingModel(self)
        self.model.dataChanged.connect(lambda *_a: self._update_counts())
        self.model.modelReset.connect(self._update_counts)
        self.table = QTableView()
        self.table.setObjectName("pendingTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.clicked.connect(self._on_clicked)
        layout.addWidget(self.table, 1)
        self.empty_label = muted("")
        self.empty_label.setObjectName("batchEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.empty_label, 1)  # in the table's place when there is none

        select_row = QHBoxLayout()
        self.all_button = QPushButton("Tout cocher")
        self.all_button.setObjectName("checkAll")
        self.all_button.setAutoDefault(False)
        self.all_button.clicked.connect(lambda: self.model.set_all(True))
        self.none_button = QPushButton("Tout décocher")
        self.none_button.setObjectName("checkNone")
        self.none_button.setAutoDefault(False)
        self.none_button.clicked.connect(lambda: self.model.set_all(False))
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        select_row.addWidget(self.all_button)
        select_row.addWidget(self.none_button)
        select_row.addSpacing(10)
        select_row.addWidget(self.count_label)
        select_row.addStretch(1)
        self.sign_check = QCheckBox("Signer électroniquement")
        self.sign_check.setObjectName("signCheck")
        self.sign_check.setChecked(bool(signer_session.configured_path))
        self.sign_check.setToolTip(
            "Avec le certificat de signature de ce poste ; sinon, les courriers sont à "
            "imprimer et à signer à la main."
        )
        select_row.addWidget(self.sign_check)
        layout.addLayout(select_row)

        self.result_label = notice("", OK_NOTICE)
        self.result_label.setObjectName("batchResult")
        self.result_label.setVisible(False)
        layout.addWidget(self.result_label)
        self.failures_text = QPlainTextEdit()
        self.failures_text.setObjectName("batchFailures")
        self.failures_text.setReadOnly(True)
        self.failures_text.setMaximumHeight(self.failures_text.fontMetrics().lineSpacing() * 5 + 14)
        self.failures_text.setVisible(False)
        layout.addWidget(self.failures_text)

        buttons = QHBoxLayout()
        self.folder_button = QPushButton("Ouvrir le dossier")
        self.folder_button.setObjectName("openFolderButton")
        self.folder_button.setAutoDefault(False)
        self.folder_button.setEnabled(False)
        self.folder_button.setToolTip("Ouvrir le dossier des courriers produits")
        self.folder_button.clicked.connect(self.open_folder)
        self.produce_button = QPushButton("Produire les courriers")
        self.produce_button.setObjectName("produceButton")
        self.produce_button.setDefault(True)
        self.produce_button.setStyleSheet(PRIMARY_BUTTON)
        self.produce_button.clicked.connect(self.produce)
        self.close_button = QPushButton("Fermer")
        self.close_button.setObjectName("closeButton")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.accept)
        buttons.addWidget(self.folder_button)
        buttons.addStretch(1)
        buttons.addWidget(self.produce_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.load(self.day)

    # --- the list ------------------------------------------------------------------------
    def load(self, day: date) -> bool:
        """List the letters of ``day`` still to produce."""
        self.day = day
        if self.date_field.value() != day:
            self.date_field.setValue(day)
        today = day == clock.today()
        self.title_label.setText(
            "Courriers à produire aujourd'hui"
            if today
            else f"Courriers à produire — décisions du {format_date(day)}"
        )

        def pending() -> list[PendingLetter]:
            return documents.letters_to_produce(self._db, day)

        ok, items = status.attempt_db(self, pending)
        self.model.set_rows(items or [])
        self.empty_label.setText(
            f"Aucun courrier à produire pour les décisions du {format_date(day)}."
            if ok
            else "La liste n'a pas pu être lue."
        )
        return ok

    def _on_day_edited(self) -> None:
        value = self.date_field.value()
        if value is not None and value != self.day:
            self.load(value)

    def _on_clicked(self, index: QModelIndex) -> None:
        """A click anywhere on the row toggles it (not only on the small box)."""
        if index.column() == 0:
            return  # the box toggles itself
        box = self.model.index(index.row(), 0)
        checked = self.model.data(box, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
        self.model.setData(
            box,
            Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked,
            Qt.ItemDataRole.CheckStateRole,
        )

    def _update_counts(self) -> None:
        total = self.model.rowCount()
        chosen = len(self.model.checked_items())
        has_rows = total > 0
        self.table.setVisible(has_rows)
        self.empty_label.setVisible(not has_rows)
        for widget in (self.all_button, self.none_button, self.count_label):
            widget.setVisible(has_rows)
        self.count_label.setText(f"{letters(chosen)} à produire sur {total}" if has_rows else "")
        self.produce_button.setText(
            f"Produire {letters(chosen)}" if chosen else "Produire les courriers"
        )
        self.produce_button.setEnabled(chosen > 0 and not self._db.read_only)

    # --- producing -----------------------------------------------------------------------
    def _capacity(self, items: list[PendingLetter]) -> str:
        """The signer's capacity as the letters print it (when the actor is their author)."""
        item = items[0]
        try:
            letter, _pdf, _place = documents.render(
                self._db, item.case_id, item.kind, electronic=True
            )
        except UserFacingError:
            return ""
        return letter.signer_capacity if letter.signer_name == self._actor.name else ""

    def produce(self) -> BatchResult | None:
        items = self.model.checked_items()
        if not items or self._db.read_only:
            return None
        signer = None
        if self.sign_check.isChecked():
            resolved = self._session.resolve(
                self, self._db, self._actor, capacity=self._capacity(items)
            )
            if resolved is None:
                return None
            if resolved == HAND:
                self.sign_check.setChecked(False)
            else:
                signer = resolved

        def job(progress, cancelled) -> BatchResult:
            return documents.produce_batch(
                self._db, self._actor, items, signer=signer, progress=progress, cancelled=cancelled
            )

        try:
            result: BatchResult = run_with_progress(
                self, f"Production de {letters(len(items))}…", job
            )
        except UserFacingError as exc:
            dialogs.show_error(self, exc)
            return None
        self.batch_result = result
        log.info(
            "Batch: %d produced, %d failed, cancelled=%s",
            len(result.produced),
            len(result.failed),
            result.cancelled,
        )
        self._show_result(result, len(items))
        self.load(self.day)
        return result

    def _show_result(self, result: BatchResult, asked: int) -> None:
        produced = len(result.produced)
        parts = []
        if produced:
            s = "s" if produced > 1 else ""
            signed = [p for p in result.produced if p.signed_by]
            how = (
                f", signé{s} électroniquement par {signed[0].signed_by}"
                if signed
                else ", à imprimer et à signer à la main"
            )
            parts.append(f"{letters(produced)} produit{s} et archivé{s}{how}.")
        else:
            parts.append("Aucun courrier produit.")
        if result.failed:
            parts.append(f"{letters(len(result.failed))} en échec (détail ci-dessous).")
        if result.cancelled:
            left = asked - produced - len(result.failed)
            parts.append(
                f"Production interrompue : {letters(left)} non produit{'s' if left > 1 else ''}."
            )
        style = OK_NOTICE
        if result.failed or result.cancelled:
            style = WARNING_NOTICE
        elif not produced:
            style = INFO_NOTICE
        self.result_label.setText(" ".join(parts))
        self.result_label.setStyleSheet(style)
        self.result_label.setVisible(True)
        self.failures_text.setPlainText(
            "\n".join(
                f"• {item.reference} — {item.person} — {item.kind.label} : {reason}"
                for item, reason in result.failed
            )
        )
        self.failures_text.setVisible(bool(result.failed))
        self.folder_button.setEnabled(bool(result.produced))

    def produced_folder(self) -> Path | None:
        """The folder holding every letter of the last batch (their common parent)."""
        if self.batch_result is None or not self.batch_result.produced:
            return None
        folders = {str(p.path.parent) for p in self.batch_result.produced}
        return Path(os.path.commonpath(sorted(folders)))

    def open_folder(self) -> bool:
        folder = self.produced_folder()
        if folder is None:
            return False
        if dialogs.open_folder(self, folder):
            return True
        dialogs.show_warning(self, f"Le dossier n'a pas pu être ouvert :\n{folder}")
        return False
