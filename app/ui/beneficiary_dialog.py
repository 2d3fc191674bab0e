"""The beneficiary's file: identity, contact, RSA rights, orientation, household, notes.

Reading and saving go through app.services.beneficiaries (the read is recorded in the access
log). Input is checked by the service; its messages are shown next to each field and in a
summary at the top, and nothing is written until everything is right. The form itself (its
sections, the data in and out, the checks as a field is left) is
:class:`app.ui.beneficiary_fields.BeneficiaryFields`; this module loads, saves and settles an
edit conflict with another station.
"""

from __future__ import annotations

import logging
import uuid

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QWidget

from app.services import beneficiaries, beneficiary_search
from app.services.actor import Actor
from app.services.beneficiaries import BeneficiaryInput
from app.services.beneficiary_search import Lookups
from app.services.edit_conflicts import BENEFICIARY_FIELDS, EditConflict, field_changes, merge
from app.services.errors import ConflictError, ValidationError
from app.services.storage import Database
from app.ui import dialogs, edit_conflict_dialog
from app.ui.beneficiary_fields import HEALTH_REMINDER, BeneficiaryFields
from app.ui.form_calls import call_service
from app.ui.household_editor import HouseholdRow
from app.ui.widgets import fit_to_screen

__all__ = ["HEALTH_REMINDER", "BeneficiaryDialog", "HouseholdRow"]

log = logging.getLogger(__name__)


class BeneficiaryDialog(BeneficiaryFields):
    """Create (``beneficiary_id`` None) or edit a beneficiary's file.

    After ``exec()`` returns Accepted, ``saved_id`` is the id of the saved beneficiary. If
    the file could not be loaded (database unavailable, person deleted), the user has been
    told, ``loaded`` is False and ``exec()`` returns Rejected at once.
    """

    def __init__(
        self,
        db: Database,
        actor: Actor,
        beneficiary_id: uuid.UUID | None,
        parent: QWidget | None = None,
        *,
        nir_enabled: bool = False,
    ) -> None:
        super().__init__(parent, nir_enabled=nir_enabled)
        self.setObjectName("beneficiaryDialog")
        self._db = db
        self._actor = actor
        self.saved_id: uuid.UUID | None = None

        data = self._fetch(beneficiary_id)
        self.loaded = data is not None
        self._data = data or BeneficiaryInput()

        self._build(self._db.read_only)
        self.save_button.clicked.connect(self.save)
        QShortcut(QKeySequence.StandardKey.Save, self).activated.connect(self._save_shortcut)
        self._populate(self._data)
        self._initial_state = self._state()
        self._update_title()
        fit_to_screen(self, 1040, 760)
        self.civility.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- loading -------------------------------------------------------------------------
    def _fetch(self, beneficiary_id: uuid.UUID | None) -> BeneficiaryInput | None:
        """Lookups and the file's data; None when the user gave up (already told why)."""
        owner = self.parentWidget()

        def gone(exc: ValidationError) -> None:  # e.g. deleted from another workstation
            dialogs.show_warning(owner, "\n".join(exc.errors.values()))

        handlers = [(ValidationError, gone)]
        ok, read = call_service(owner, lambda: self._read(beneficiary_id), handlers)
        if not ok or read is None:
            return None
        self._lookups, data = read
        return data

    def _read(self, beneficiary_id: uuid.UUID | None) -> tuple[Lookups, BeneficiaryInput]:
        lookups = beneficiary_search.lookups(self._db)
        if beneficiary_id is None:
            return lookups, BeneficiaryInput()
        return lookups, beneficiaries.load_beneficiary(self._db, beneficiary_id, self._actor)

    def exec(self) -> int:
        if not self.loaded:
            return int(QDialog.DialogCode.Rejected)
        return super().exec()

    def open(self) -> None:
        if not self.loaded:
            QTimer.singleShot(0, lambda: QDialog.done(self, QDialog.DialogCode.Rejected))
            return
        super().open()

    def is_dirty(self) -> bool:
        return self._state() != self._initial_state

    def _update_title(self) -> None:
        if self._data.id is None:
            self.setWindowTitle("Nouveau bénéficiaire")
        else:
            name = f"{self._data.last_name.upper()} {self._data.first_name}".strip()
            self.setWindowTitle(f"Fiche de {name}")

    # --- actions -------------------------------------------------------------------------
    def _save_shortcut(self) -> None:
        if self.save_button.isEnabled():
            self.save()

    def save(self) -> None:
        """Enregistrer: check, then save through the service; close on success."""
        self.form_errors.save_attempted = True
        data, local = self._collect()
        if local:
            errors = beneficiaries.validate(data, nir_enabled=self._nir_enabled)
            errors.update(local)
            self.show_errors(errors)
            return
        ok, saved = call_service(
            self,
            lambda: beneficiaries.save_beneficiary(
                self._db, self._actor, data, nir_enabled=self._nir_enabled
            ),
            [
                (ValidationError, lambda exc: self.show_errors(exc.errors)),
                (ConflictError, self._on_conflict),
            ],
        )
        if not ok:
            return
        log.info("Beneficiary %s saved", saved)
        self.saved_id = saved
        self.form_errors.clear()
        self._initial_state = self._state()
        self.accept()

    def _on_conflict(self, exc: ConflictError) -> None:
        """Another station saved this file meanwhile: show what differs, then reload it,
        keep this entry over it, or go back to the form (nothing saved)."""
        if self._data.id is None or not isinstance(exc, EditConflict):
            dialogs.show_error(self, exc)
            return
        mine, _local = self._collect()
        lookups = [*self._lookups.referents, *self._lookups.offices]
        names = {key: c.label for c in lookups for key in (c.id, str(c.id))}
        changes = field_changes(self._data, exc.current, mine, BENEFICIARY_FIELDS, names)
        log.warning(
            "Edit conflict on beneficiary %s: %d fields differ", self._data.id, len(changes)
        )
        choice = edit_conflict_dialog.ask_conflict_choice(self, exc, changes)
        if choice == edit_conflict_dialog.RELOAD:
            self._show_version(exc.current)
        elif choice == edit_conflict_dialog.KEEP:
            merged = merge(self._data, exc.current, mine, BENEFICIARY_FIELDS)
            self._data = exc.current  # the version the next save is checked against
            self._populate(merged)
            self.save()

    def _show_version(self, data: BeneficiaryInput) -> None:
        self._data = data
        self._populate(data)
        self.form_errors.clear()
        self._initial_state = self._state()
        self._update_title()

    def reload(self) -> None:
        """Replace the form's content by the saved version of the file."""
        data = self._fetch(self._data.id)
        if data is None:
            return
        self._show_version(data)

    def reject(self) -> None:
        """Annuler, Échap or closing the window: confirm before losing changes."""
        if self.isVisible() and self.loaded and self.saved_id is None and self.is_dirty():
            leave = dialogs.ask_yes_no(
                self,
                "Fermer la fiche sans enregistrer ? Les modifications saisies seront perdues.",
                "Modifications non enregistrées",
            )
            if not leave:
                return
        super().reject()
