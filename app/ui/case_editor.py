"""The case draft: the job, the aid asked for (one row per component of the scale in force at
the job start), and the conditions checked live.

The scale is re-read whenever the job start changes (through
:func:`app.services.cases.preview_eligibility`, which also returns the verdict shown in the
eligibility panel, debounced). Amounts cannot be typed above the scale; the service checks
everything again on save and its messages are shown next to each field and in a summary.
The form itself (fields, aids rows, data in and out) is :class:`app.ui.case_fields.CaseFields`;
this module loads the draft, keeps the preview and the checks live, and saves.
"""

from __future__ import annotations

import html
import logging
import uuid
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QLineEdit, QWidget

from app.services import beneficiaries, clock, workflow
from app.services.actor import Actor
from app.services.case_view import load_case
from app.services.cases import CaseInput, load_case_input, preview_eligibility, save_draft
from app.services.edit_conflicts import CASE_FIELDS, EditConflict, field_changes, merge
from app.services.errors import UserFacingError, ValidationError
from app.services.scale import ScaleRules
from app.services.schedule import aid_errors
from app.services.storage import Database
from app.services.text import format_cents, format_date
from app.services.validation import format_iban
from app.ui import dialogs, edit_conflict_dialog
from app.ui.case_aids import ComponentRow
from app.ui.case_fields import CaseFields, parse_hours
from app.ui.date_field import DateField
from app.ui.form_calls import call_service
from app.ui.widgets import fit_to_screen

__all__ = ["CaseEditor", "ComponentRow", "parse_hours"]

log = logging.getLogger(__name__)

PREVIEW_DELAY_MS = 350
JOB_START_MISSING = "Saisissez la date de début de l'emploi pour vérifier les conditions."
EMPLOYER_MISSING = "Le nom de l'employeur est obligatoire."


class CaseEditor(CaseFields):
    """Create a draft for a beneficiary (``beneficiary_id``) or edit one (``case_id``).

    After ``exec()`` returns Accepted, ``saved_id`` is the case's id and ``submitted`` says
    whether it was also submitted. A draft saved before a refused submission still closes
    as Accepted. If the draft could not be loaded, ``loaded`` is False (the user was told)
    and ``exec()`` returns Rejected at once."""

    def __init__(
        self,
        db: Database,
        actor: Actor,
        *,
        beneficiary_id: uuid.UUID | None = None,
        case_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if (beneficiary_id is None) == (case_id is None):
            raise ValueError("CaseEditor needs a beneficiary_id (new case) or a case_id (edit).")
        self.setObjectName("caseEditor")
        self._db = db
        self._actor = actor
        self.saved_id: uuid.UUID | None = None
        self.submitted = False
        self._keep_mine = False
        self._scale: ScaleRules | None = None
        self._reference = ""
        self._person = ""

        data = self._fetch(beneficiary_id, case_id)
        self.loaded = data is not None
        self._data = data or CaseInput(
            beneficiary_id=beneficiary_id or uuid.uuid4(),
            job_start=clock.today(),
            request_date=clock.today(),
        )
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.refresh_preview)
        self._build(self._db.read_only)
        self._connect()
        self._populate(self._data, new=case_id is None)
        if self.loaded:
            self.refresh_preview()
        self._initial_state = self._state()
        self._update_title()
        fit_to_screen(self, 1180, 820)
        self.employer_name.setFocus(Qt.FocusReason.OtherFocusReason)

    def _connect(self) -> None:
        """The live behaviour: the preview follows the dates, each field is checked as it is
        left, the totals follow the aids; the buttons and Ctrl+S."""
        for field in (self.job_start, self.request_date):
            field.textChanged.connect(lambda _t: self._preview_timer.start())
            # Leaving the field: the scale and the verdict follow at once.
            field.editingFinished.connect(self.refresh_preview)
        checked: list[tuple[str, QLineEdit | DateField]] = [
            ("employer_name", self.employer_name),
            ("trial_end", self.trial_end),
            ("contract_end", self.contract_end),
            ("request_date", self.request_date),
            ("job_start", self.job_start),
        ]
        for name, edit in checked:
            edit.editingFinished.connect(lambda n=name: self._live_check(n))
        self.weekly_hours.editingFinished.connect(lambda: self._live_check("weekly_hours"))
        self.aids.changed.connect(self._on_aids_changed)
        self.aids.ibanLeft.connect(self._on_iban_left)
        self.save_button.clicked.connect(lambda: self.save())
        self.submit_button.clicked.connect(lambda: self.save(submit=True))
        QShortcut(QKeySequence.StandardKey.Save, self).activated.connect(self._save_shortcut)

    # --- loading -------------------------------------------------------------------------
    def _fetch(
        self, beneficiary_id: uuid.UUID | None, case_id: uuid.UUID | None
    ) -> CaseInput | None:
        def read() -> tuple[CaseInput, str, str]:
            """The form's data, the case reference and the person's name (off the GUI thread)."""
            if case_id is not None:
                detail = load_case(self._db, case_id, self._actor, log_access=False)
                return load_case_input(self._db, case_id), detail.reference, detail.person_name
            assert beneficiary_id is not None
            person = beneficiaries.load_beneficiary(self._db, beneficiary_id, self._actor)
            name = f"{person.last_name.upper()} {person.first_name}".strip()
            today = clock.today()
            new = CaseInput(beneficiary_id=beneficiary_id, job_start=today, request_date=today)
            return new, self._reference, name

        ok, loaded = call_service(self.parentWidget(), read)
        if not ok or loaded is None:
            return None
        data, self._reference, self._person = loaded
        return data

    def exec(self) -> int:
        if not self.loaded:
            return int(QDialog.DialogCode.Rejected)
        return super().exec()

    def is_dirty(self) -> bool:
        return self._state() != self._initial_state

    def _update_title(self) -> None:
        if self._data.id is None:
            self.setWindowTitle(f"Nouveau dossier Pack sortie — {self._person}")
            self.person_label.setText(
                f"<b>Nouvelle demande</b> pour <b>{html.escape(self._person)}</b>"
            )
        else:
            reference = self._reference or "brouillon"
            self.setWindowTitle(f"Dossier {reference} — {self._person}")
            self.person_label.setText(
                f"<b>{html.escape(reference)}</b> (brouillon) — <b>{html.escape(self._person)}</b>"
            )

    # --- live behaviour ------------------------------------------------------------------
    def _on_aids_changed(self, rules_too: bool = False) -> None:
        """Totals at once (no database); the rules (childcare) after the usual delay."""
        if rules_too:
            self._preview_timer.start()
        if self._scale is None:
            self.total_label.setText("")
            return
        requests = self.aid_requests()
        total = sum(r.total_cents for r in requests)
        self.total_label.setText(
            f"Total : {format_cents(total)} sur {format_cents(self._scale.max_total_cents)} "
            "autorisés"
        )
        errors = aid_errors(requests, self._scale)
        over = errors.get("total")
        self.total_label.setStyleSheet("color: #b3261e;" if over else "")
        self.form_errors.set("total", over)
        if requests:
            self.form_errors.set("components", None)

    def _on_iban_left(self, row: ComponentRow) -> None:
        text = row.third_iban.text()
        if text.strip() and format_iban(text) != text:
            row.third_iban.setText(format_iban(text))  # groups of four, easier to compare
        self.form_errors.set(f"component.{row.component.value}.payee", row.check_iban())

    def _preview_input(self) -> CaseInput:
        data, _ = self.collect()
        if data is not None:
            return data
        return CaseInput(
            beneficiary_id=self._data.beneficiary_id,
            job_start=self.job_start.value() or clock.today(),
            request_date=self.request_date.value() or clock.today(),
            id=self._data.id,
            aids=self.aid_requests(),
        )

    def refresh_preview(self) -> None:
        """Re-read the scale in force at the job start and judge the draft as it stands."""
        self._preview_timer.stop()
        data = self._preview_input()
        try:
            scale, eligibility = preview_eligibility(self._db, data)
        except UserFacingError as exc:
            self.eligibility_panel.set_message(exc.message)
            return
        except Exception:
            log.exception("Eligibility preview failed")
            self.eligibility_panel.set_message(
                "Les conditions n'ont pas pu être vérifiées pour l'instant."
            )
            return
        if self._scale is None or self._scale.id != scale.id or not self._rows:
            self._apply_scale(scale)
        when = (
            "en vigueur au début de l'emploi"
            if self.job_start.value() is not None
            else "en vigueur aujourd'hui (saisissez le début de l'emploi)"
        )
        self.scale_note.setText(
            f"Barème du {format_date(scale.effective_from)}, {when} : les montants et les "
            "durées peuvent être réduits, jamais dépassés."
        )
        if self.job_start.value() is None or self.request_date.value() is None:
            self.eligibility_panel.set_message(JOB_START_MISSING, scale.describe())
        else:
            self.eligibility_panel.set_eligibility(eligibility, scale.describe())

    def _apply_scale(self, scale: ScaleRules) -> None:
        self._scale = scale
        self.aids.rebuild(scale)
        self._fix_tab_order()
        if self._pending_aids is not None:
            self.aids.set_requests(self._pending_aids)
            self._pending_aids = None
        self._on_aids_changed()

    def _live_check(self, name: str) -> None:
        """As the user leaves a field: date formats and order, hours, mandatory employer."""
        if not self.isVisible():
            return
        data, local = self.collect()
        message = local.get(name)
        if message is None and data is not None:
            if name == "trial_end" and data.trial_end and data.trial_end < data.job_start:
                message = "La fin de la période d'essai précède le début de l'emploi."
            elif (
                name == "contract_end" and data.contract_end and data.contract_end < data.job_start
            ):
                message = "La fin du contrat précède le début de l'emploi."
            elif name == "request_date" and data.request_date > clock.today():
                message = "La date de la demande est dans le futur."
        if name == "employer_name":
            message = (
                EMPLOYER_MISSING
                if self.form_errors.save_attempted and not self.employer_name.text().strip()
                else None
            )
        if name == "job_start" and not self.form_errors.save_attempted and self.job_start.isEmpty():
            message = None
        self.form_errors.set(name, message)

    # --- errors --------------------------------------------------------------------------
    def show_errors(self, errors: dict[str, str]) -> None:
        self.aids.clear_row_errors()
        self.form_errors.show(errors)

    def error_text(self) -> str:
        """Every message currently shown (fields, rows, banner), for tests."""
        parts = list(self.form_errors.messages.values())
        if not self.banner.isHidden():
            parts.append(self.banner.text())
        return "\n".join(parts)

    def _show_refusal(self, exc: UserFacingError) -> None:
        self.banner.setText(exc.message)
        self.banner.setVisible(True)

    # --- actions -------------------------------------------------------------------------
    def _save_shortcut(self) -> None:
        if self.save_button.isEnabled():
            self.save()

    def _call[T](self, action: Callable[[], T]) -> tuple[bool, T | None]:
        """Run a service call: retry on an unavailable database, show the rest in French."""
        return call_service(
            self,
            action,
            [
                (ValidationError, lambda exc: self.show_errors(exc.errors)),
                (EditConflict, self._on_conflict),
                (UserFacingError, self._show_refusal),  # NotAllowed, ConflictError
            ],
        )

    def save(self, submit: bool = False) -> bool:
        """Enregistrer (and, with ``submit``, soumettre): close on success."""
        self.form_errors.save_attempted = True
        self.banner.setVisible(False)
        if self._preview_timer.isActive():  # the rows must follow the job start's scale
            self.refresh_preview()
        data, local = self.collect()
        if local or data is None:
            if data is not None:
                self.show_errors({**self._service_errors(data), **local})
            else:
                self.show_errors(local)
            return False
        ok, saved = self._call(lambda: save_draft(self._db, self._actor, data))
        if not ok and self._keep_mine:  # « Garder ma saisie » after a conflict: save again
            self._keep_mine = False
            return self.save(submit)
        if not ok or saved is None:
            return False
        log.info("Case draft %s saved", saved)
        self.saved_id = saved
        self._after_save(saved)
        if submit:
            ok, _ = self._call(lambda: workflow.submit(self._db, self._actor, saved))
            if not ok:
                return False
            self.submitted = True
        self.show_errors({})
        self.form_errors.clear()
        self._initial_state = self._state()
        self.accept()
        return True

    def _on_conflict(self, exc: EditConflict) -> None:
        """Another station saved this draft meanwhile: show what differs, then reload it,
        keep this entry over it, or go back to the editor (nothing saved)."""
        mine, _local = self.collect()
        if mine is None:
            self._show_refusal(exc)
            return
        changes = field_changes(self._data, exc.current, mine, CASE_FIELDS)
        log.warning("Edit conflict on case %s: %d fields differ", self._data.id, len(changes))
        choice = edit_conflict_dialog.ask_conflict_choice(self, exc, changes)
        if choice == edit_conflict_dialog.RELOAD:
            self._data = exc.current
            self._populate(exc.current, new=False)
            self.refresh_preview()
            self._initial_state = self._state()
        elif choice == edit_conflict_dialog.KEEP:
            merged = merge(self._data, exc.current, mine, CASE_FIELDS)
            self._data = exc.current  # the version the next save is checked against
            self._populate(merged, new=False)
            self.refresh_preview()
            self._keep_mine = True

    def _service_errors(self, data: CaseInput) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not data.employer_name.strip():
            errors["employer_name"] = EMPLOYER_MISSING
        if self._scale is not None:
            errors.update(aid_errors(data.aids, self._scale))
        return errors

    def _after_save(self, saved: uuid.UUID) -> None:
        """From now on the dialog edits the saved draft (a second save updates it)."""
        try:
            fresh = load_case_input(self._db, saved)
            detail = load_case(self._db, saved, self._actor, log_access=False)
        except UserFacingError:
            self._data.id = saved
            self._data.version_id = None
            return
        self._data.id, self._data.version_id = fresh.id, fresh.version_id
        self._reference = detail.reference
        self._update_title()

    def reject(self) -> None:
        """Annuler, Échap or closing: confirm before losing changes. A draft already saved
        (its submission refused) closes as Accepted so the lists show it."""
        if (
            self.isVisible()
            and self.loaded
            and self.is_dirty()
            and not dialogs.ask_yes_no(
                self,
                "Fermer sans enregistrer ? Les modifications saisies seront perdues.",
                "Modifications non enregistrées",
            )
        ):
            return
        if self.saved_id is not None:
            self.accept()
            return
        super().reject()
