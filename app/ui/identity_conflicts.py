"""After an import: the lines whose allocataire number is a known person's but whose name,
first name or birth date say someone else. Nothing was written for them; the user ticks
those where the file is right (the same person, identity corrected) and the others stay."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.actor import Actor
from app.services.importer import IdentityConflict, ImportReport, apply_identity_choices
from app.services.storage import Database
from app.ui import dialogs, status

log = logging.getLogger(__name__)


class IdentityConflictsDialog(QDialog):
    def __init__(self, conflicts: list[IdentityConflict], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("identityConflictsDialog")
        self.setWindowTitle("Identités à trancher")
        self.conflicts = conflicts
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"<b>{len(conflicts)} ligne{'s' if len(conflicts) > 1 else ''} du fichier "
            "porte{nt} le numéro allocataire d'une personne déjà connue, mais un autre nom, "
            "prénom ou date de naissance.</b> Rien n'a été modifié pour ces lignes.<br>"
            "Cochez celles où le fichier a raison (c'est la même personne, son identité a été "
            "corrigée) : sa fiche sera mise à jour. Les autres fiches restent telles quelles ; "
            "signalez l'erreur à l'organisme qui a produit le fichier.".replace(
                "{nt}", "nt" if len(conflicts) > 1 else ""
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.list = QListWidget(self)
        self.list.setObjectName("conflictList")
        self.list.setWordWrap(True)
        self.list.setAccessibleName("Identités à trancher")
        for conflict in conflicts:
            item = QListWidgetItem(conflict.text, self.list)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.list.itemChanged.connect(lambda _item: self._update_button())
        layout.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.apply_button = QPushButton("Mettre à jour les fiches cochées", self)
        self.apply_button.setObjectName("applyChoices")
        self.apply_button.clicked.connect(self.accept)
        keep = QPushButton("Laisser les fiches telles quelles", self)
        keep.setObjectName("keepAll")
        keep.setDefault(True)
        keep.clicked.connect(self.reject)
        buttons.addWidget(self.apply_button)
        buttons.addWidget(keep)
        layout.addLayout(buttons)
        self._update_button()
        self.resize(760, 420)

    def chosen(self) -> list[IdentityConflict]:
        return [
            conflict
            for row, conflict in enumerate(self.conflicts)
            if self.list.item(row).checkState() == Qt.CheckState.Checked
        ]

    def _update_button(self) -> None:
        self.apply_button.setEnabled(bool(self.chosen()))


def decide_identity_conflicts(
    parent: QWidget | None, db: Database, actor: Actor, report: ImportReport
) -> list[int]:
    """Ask about each conflict of a real import and apply the confirmed ones; returns the
    lines applied."""
    if report.dry_run or not report.conflicts:
        return []
    dialog = IdentityConflictsDialog(report.conflicts, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.chosen():
        log.info("Identity conflicts of %s left as they are", report.file_name)
        return []
    chosen = dialog.chosen()
    ok, result = status.attempt_db(
        parent, lambda: apply_identity_choices(db, actor, report.file_name, chosen)
    )
    if not ok or result is None:
        return []
    applied, overtaken = result
    plural = "s" if len(applied) > 1 else ""
    text = f"{len(applied)} fiche{plural} mise{plural} à jour."
    if overtaken:
        text += (
            f"\nNon appliquées, car modifiées sur un autre poste entre-temps : lignes "
            f"{', '.join(map(str, overtaken))}. Réimportez le fichier pour les trancher à nouveau."
        )
    dialogs.show_info(parent, text)
    return applied
