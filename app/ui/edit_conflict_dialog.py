"""« Modifié sur un autre poste »: the stored version beside the user's entry, and the choice
(reload it, keep my entry, go back to the form). See app.services.edit_conflicts."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.edit_conflicts import EditConflict, FieldChange

RELOAD, KEEP, CANCEL = "reload", "keep", "cancel"


class EditConflictDialog(QDialog):
    def __init__(
        self, exc: EditConflict, changes: list[FieldChange], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("editConflictDialog")
        self.setWindowTitle("Modifié sur un autre poste")
        self.choice = CANCEL
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"<b>{exc.message}</b><br>Voici ce qui diffère entre la version enregistrée et "
            "votre saisie (en gras : changé des deux côtés)."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(len(changes), 3, self)
        self.table.setObjectName("conflictTable")
        self.table.setHorizontalHeaderLabels(["Champ", "Version enregistrée", "Votre saisie"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        bold = QFont(self.font())
        bold.setBold(True)
        for row, change in enumerate(changes):
            for column, text in enumerate((change.label, change.theirs, change.mine)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if change.by_them and change.by_me:
                    item.setFont(bold)
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        hint = QLabel(
            "« Garder ma saisie » enregistre vos modifications par-dessus la version "
            "enregistrée ; ses autres changements sont gardés. « Recharger » remplace votre "
            "saisie par la version enregistrée."
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for text, choice, name in (
            ("Recharger la version enregistrée", RELOAD, "reloadButton"),
            ("Garder ma saisie", KEEP, "keepButton"),
            ("Annuler", CANCEL, "cancelButton"),
        ):
            button = QPushButton(text, self)
            button.setObjectName(name)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, c=choice: self._choose(c))
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.resize(720, 380)

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept() if choice != CANCEL else self.reject()


def ask_conflict_choice(
    parent: QWidget | None, exc: EditConflict, changes: list[FieldChange]
) -> str:
    """RELOAD, KEEP or CANCEL (a seam the tests replace)."""
    dialog = EditConflictDialog(exc, changes, parent)
    dialog.exec()
    return dialog.choice
