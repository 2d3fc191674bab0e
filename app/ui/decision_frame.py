"""The frame of every case transition dialog (submit, grant, refuse, suspend…): the case
line, the intro, the decision date and the dialog's own fields, the error summary and the
buttons. A dialog says what it asks in :meth:`DecisionDialog._build_body` and which service
it calls in :meth:`DecisionDialog.action`; the frame reads the form, calls the service off
the GUI thread and stays open with the French message when the service refuses."""

from __future__ import annotations

import html
import logging
import uuid
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any, ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services import clock
from app.services.actor import Actor
from app.services.case_view import CaseDetail
from app.services.eligibility import RuleStatus
from app.services.storage import Database
from app.ui.case_widgets import ERROR_NOTICE, PRIMARY_BUTTON, WARNING_NOTICE, notice
from app.ui.date_field import DateField
from app.ui.form_errors import FormErrors
from app.ui.form_save import save_from_form
from app.ui.motivation_edit import MotivationEdit
from app.ui.widgets import INVALID_STYLE, SUMMARY_STYLE, ValidatedField

log = logging.getLogger(__name__)


class DecisionDialog(QDialog):
    """The frame of every transition dialog: case line, intro, fields, error summary and the
    buttons. Subclasses fill :meth:`_build_body` and :meth:`action` (the service call), and
    say their title and intro for :func:`app.ui.decision_dialogs` to open them."""

    title: ClassVar[str] = ""
    intro_text: ClassVar[str] = ""  # what the decision implies, shown under the case line
    confirm_text = "Valider"
    date_label: str | None = "Date de la décision"
    dialog_width = 560

    @classmethod
    def intro_for(cls, detail: CaseDetail) -> str:
        """The intro for this case (``intro_text`` unless it depends on the case)."""
        return cls.intro_text

    def __init__(
        self,
        parent: QWidget | None,
        db: Database,
        actor: Actor,
        case_id: uuid.UUID,
        detail: CaseDetail,
        *,
        title: str,
        intro: str,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self._case_id = case_id
        self.detail = detail
        self.today = today or clock.today()
        self.result_value: Any = None
        self._built = False
        self._fields: dict[str, ValidatedField] = {}
        self.form_errors = FormErrors.for_fields(self._fields)
        self.setWindowTitle(f"{title} — {detail.reference}")
        self.setStyleSheet(INVALID_STYLE + SUMMARY_STYLE)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(10)
        case_line = QLabel(
            f"<b>{html.escape(detail.reference)}</b> — {html.escape(detail.person_name)}"
            f" <span style='color:#5f6b76;'>({html.escape(detail.state.label)})</span>"
        )
        case_line.setObjectName("caseLine")
        layout.addWidget(case_line)
        self.intro = QLabel(intro)
        self.intro.setObjectName("intro")
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        layout.addWidget(self.form_errors.summary)

        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setVerticalSpacing(8)
        self.on_field: DateField | None = None
        if self.date_label:
            self.on_field = DateField()
            self.on_field.setValue(self.today)
            self.add_field(self.date_label, "on", self.on_field, stretch=False)
        self.body = QVBoxLayout()
        self.body.setSpacing(8)
        layout.addLayout(self.form)
        layout.addLayout(self.body)
        self._build_body()
        layout.addStretch(1)

        self.confirm_button = QPushButton(self.confirm_text)
        self.confirm_button.setObjectName("confirmButton")
        self.confirm_button.setStyleSheet(PRIMARY_BUTTON)
        self.confirm_button.clicked.connect(self.confirm)
        self.cancel_button = QPushButton("Annuler")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.reject)
        for button in (self.confirm_button, self.cancel_button):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self._built = True
        self.resize(self.dialog_width, self.sizeHint().height())
        if self.on_field is not None:
            self.on_field.textChanged.connect(self._on_date_edited)
        self.update_state()

    def _on_date_edited(self, _text: str) -> None:
        self.form_errors.set("on", None)
        self.update_state()

    # --- building helpers ----------------------------------------------------------------
    def _build_body(self) -> None:
        """Subclasses add their fields to ``self.form`` / ``self.body``."""

    def add_field(self, label: str, name: str, field: QWidget, *, stretch: bool = True) -> QWidget:
        field.setAccessibleName(label.rstrip(" *"))
        holder = ValidatedField(field, stretch=stretch)
        self._fields[name] = holder
        self.form.addRow(label, holder)
        if isinstance(field, MotivationEdit):  # the message goes once the text suffices
            field.changed.connect(lambda: self._clear_when_enough(name, field))
        caption = self.form.labelForField(holder)
        if isinstance(caption, QLabel):
            caption.setBuddy(field)
            if not isinstance(field, (QPlainTextEdit, MotivationEdit)):
                caption.setFixedHeight(field.sizeHint().height())
                caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            else:
                caption.setContentsMargins(0, 4, 0, 0)
        return field

    def _clear_when_enough(self, name: str, motivation: MotivationEdit) -> None:
        if motivation.is_enough():
            self.form_errors.set(name, None)

    # --- state and errors ----------------------------------------------------------------
    def update_state(self) -> None:
        """Enable the confirm button when the form is complete (subclasses extend)."""
        if self._built:  # not while the body is being built
            self.confirm_button.setEnabled(self.can_confirm() and not self._db.read_only)
            # The input changed: what the service said about the previous one is stale.
            self.form_errors.forget_record()

    def can_confirm(self) -> bool:
        return True

    def error_text(self) -> str:
        """What is currently shown as wrong (summary and field messages), for tests."""
        return self.form_errors.text()

    def decision_date(self) -> tuple[date | None, dict[str, str]]:
        if self.on_field is None:
            return self.today, {}
        if message := self.on_field.error():
            return None, {"on": message}
        value = self.on_field.value()
        if value is None:
            return None, {"on": "Indiquez la date."}
        return value, {}

    def local_errors(self) -> dict[str, str]:
        return {}

    # --- the action ----------------------------------------------------------------------
    def action(self, on: date) -> Callable[[], Any]:
        """The service call, with the form's values read now: it runs off the GUI thread."""
        raise NotImplementedError

    def service_call[R](
        self, service: Callable[..., R], *args: Any, **kwargs: Any
    ) -> Callable[[], R]:
        """``service(db, actor, case_id, *args, **kwargs)``, to run later."""
        return partial(service, self._db, self._actor, self._case_id, *args, **kwargs)

    def confirm(self) -> None:
        """Call the service; close on success, otherwise show why and stay open."""
        self.form_errors.clear()
        on, errors = self.decision_date()
        errors.update(self.local_errors())
        if errors or on is None:
            self.form_errors.show(errors)
            return
        done, self.result_value = save_from_form(self, self.form_errors, self.action(on))
        if not done:
            return
        log.info("%s done on case %s", type(self).__name__, self._case_id)
        self.accept()


def eligibility_notice(
    detail: CaseDetail, failed_hint: str, *, to_check: bool = True
) -> QLabel | None:
    """The rules failed (or, with ``to_check``, left to check), or None when all pass."""
    eligibility = detail.eligibility
    if eligibility.status is RuleStatus.FAILED:
        lines = "\n".join(f"• {r.title} : {r.explanation}" for r in eligibility.failed)
        label = notice(f"{eligibility.summary()}\n{lines}\n{failed_hint}", ERROR_NOTICE)
    elif eligibility.status is RuleStatus.TO_CHECK and to_check:
        lines = "\n".join(
            f"• {r.title} : {r.explanation}"
            for r in eligibility.results
            if r.status is RuleStatus.TO_CHECK
        )
        label = notice(f"{eligibility.summary()}\n{lines}", WARNING_NOTICE)
    else:
        return None
    label.setObjectName("eligibilityNotice")
    return label
