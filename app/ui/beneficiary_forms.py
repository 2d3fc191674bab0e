"""The beneficiary form and the case editor run as modal dialogs from a file or the main
window: the id saved, or None when nothing was saved (the user was told why, if it failed).

Both dialogs are imported when first run, not with the window.
"""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import QDialog, QWidget

from app.services import settings as settings_service
from app.services.actor import Actor
from app.services.storage import Database
from app.ui import status


def run_beneficiary_dialog(
    parent: QWidget | None, db: Database, actor: Actor, beneficiary_id: uuid.UUID | None
) -> uuid.UUID | None:
    """The beneficiary form (a new person when ``beneficiary_id`` is None), with the NIR
    field when the département enabled it; the id saved, or None when nothing was saved."""
    from app.ui.beneficiary_dialog import BeneficiaryDialog

    def build() -> BeneficiaryDialog:
        nir = settings_service.load_settings(db).nir_enabled
        return BeneficiaryDialog(db, actor, beneficiary_id, parent, nir_enabled=nir)

    ok, dialog = status.attempt(parent, build)
    if not ok or dialog is None:
        return None
    try:
        if dialog.exec() == QDialog.DialogCode.Accepted:
            return dialog.saved_id or beneficiary_id
        return None
    finally:
        dialog.deleteLater()


def run_case_editor(
    parent: QWidget | None, db: Database, actor: Actor, beneficiary_id: uuid.UUID
) -> uuid.UUID | None:
    """The case editor for a new case of this person; the id of the saved case, or None."""
    from app.ui.case_editor import CaseEditor

    ok, editor = status.attempt(
        parent, lambda: CaseEditor(db, actor, beneficiary_id=beneficiary_id, parent=parent)
    )
    if not ok or editor is None:
        return None
    try:
        if editor.exec() == QDialog.DialogCode.Accepted:
            return editor.saved_id
        return None
    finally:
        editor.deleteLater()
