"""One dialog per case transition: each shows what the decision implies, asks for what the
service needs (date, motivation, reason…), calls the service and stays open with the French
message when the service refuses. Each ``confirm_*`` / ``ask_*`` function returns True once
the transition is recorded.

The dialogs are run through :func:`app.ui.case_widgets.exec_dialog`, the seam tests replace.
"""

from __future__ import annotations

import html
import logging
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import Component
from app.services import clock, workflow
from app.services.actor import Actor
from app.services.case_view import CaseDetail, load_case
from app.services.cases import GrantPreview, grant_preview
from app.services.eligibility import RuleStatus
from app.services.errors import UserFacingError, ValidationError
from app.services.settings import load_settings
from app.services.storage import Database
from app.services.text import format_cents, format_date
from app.services.validation import motivation_error
from app.services.workflow import MIN_MOTIVATION, ExitReason
from app.ui import case_widgets, db_wait, dialogs, status
from app.ui.case_widgets import (
    ERROR_NOTICE,
    INFO_NOTICE,
    OK_NOTICE,
    PRIMARY_BUTTON,
    RIGHT,
    WARNING_NOTICE,
    Column,
    RecordTableModel,
    make_table,
    month_label,
    notice,
    section_title,
)
from app.ui.widgets import ERROR_COLOR, INVALID_STYLE, DateField, ValidatedField

log = logging.getLogger(__name__)

OVER_COLOUR = QColor(ERROR_COLOR)


def characters(count: int) -> str:
    """French plural: 0 and 1 take the singular."""
    return f"{count} caractère" + ("s" if count > 1 else "")


class MotivationEdit(QWidget):
    """A motivation box with a live counter against the minimum the service requires."""

    changed = Signal()

    def __init__(self, placeholder: str = "", lines: int = 7, parent: QWidget | None = None):
        super().__init__(parent)
        self.edit = QPlainTextEdit()
        self.edit.setObjectName("motivation")
        self.edit.setTabChangesFocus(True)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setMinimumHeight(self.edit.fontMetrics().lineSpacing() * lines + 14)
        self.counter = QLabel()
        self.counter.setObjectName("motivationCounter")
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.counter)
        self.setFocusProxy(self.edit)
        self.edit.textChanged.connect(self._on_changed)
        self._on_changed()

    def text(self) -> str:
        return self.edit.toPlainText()

    def setPlainText(self, text: str) -> None:
        self.edit.setPlainText(text)

    def length(self) -> int:
        return len(self.text().strip())

    def is_enough(self) -> bool:
        return motivation_error(self.text(), MIN_MOTIVATION) is None

    def insert(self, text: str) -> None:
        """Add ``text`` where the cursor is, on its own paragraph."""
        cursor = self.edit.textCursor()
        before = self.text()[: cursor.position()]
        if before and not before.endswith("\n"):
            text = "\n" + text
        cursor.insertText(text)
        self.edit.setTextCursor(cursor)
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_changed(self) -> None:
        n = self.length()
        if n >= MIN_MOTIVATION:
            self.counter.setText(characters(n))
            self.counter.setStyleSheet("color: #2e7d32;")
        else:
            self.counter.setText(f"{characters(n)} — {MIN_MOTIVATION} au moins")
            self.counter.setStyleSheet(f"color: {ERROR_COLOR};")
        self.changed.emit()


class DecisionDialog(QDialog):
    """The frame of every transition dialog: case line, intro, fields, error banner and the
    buttons. Subclasses fill :meth:`_build_body` and :meth:`action` (the service call)."""

    confirm_text = "Valider"
    date_label: str | None = "Date de la décision"
    dialog_width = 560

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
        self._fields: dict[str, ValidatedField] = {}
        self.setWindowTitle(f"{title} — {detail.reference}")
        self.setStyleSheet(INVALID_STYLE)

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

        self.banner = notice("", ERROR_NOTICE)
        self.banner.setObjectName("errorBanner")
        self.banner.setVisible(False)
        layout.addWidget(self.banner)
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
        self.resize(self.dialog_width, self.sizeHint().height())
        if self.on_field is not None:
            self.on_field.textChanged.connect(self._on_date_edited)
        self.update_state()

    def _on_date_edited(self, _text: str) -> None:
        self._fields["on"].set_error(None)
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
            field.changed.connect(lambda: field.is_enough() and holder.set_error(None))
        caption = self.form.labelForField(holder)
        if isinstance(caption, QLabel):
            caption.setBuddy(field)
            if not isinstance(field, (QPlainTextEdit, MotivationEdit)):
                caption.setFixedHeight(field.sizeHint().height())
                caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            else:
                caption.setContentsMargins(0, 4, 0, 0)
        return field

    # --- state and errors ----------------------------------------------------------------
    def update_state(self) -> None:
        """Enable the confirm button when the form is complete (subclasses extend)."""
        if hasattr(self, "confirm_button"):  # not while the body is being built
            self.confirm_button.setEnabled(self.can_confirm() and not self._db.read_only)
            # The input changed: what the service said about the previous one is stale.
            self.show_banner("")

    def can_confirm(self) -> bool:
        return True

    def error_text(self) -> str:
        """What is currently shown as wrong (banner and field messages), for tests."""
        parts = [self.banner.text()] if not self.banner.isHidden() else []
        parts += [h.error for h in self._fields.values() if h.error]
        return "\n".join(p for p in parts if p)

    def show_banner(self, message: str) -> None:
        self.banner.setText(message)
        self.banner.setVisible(bool(message))

    def show_errors(self, errors: dict[str, str]) -> None:
        rest = []
        for name, message in errors.items():
            if name in self._fields:
                self._fields[name].set_error(message)
            else:
                rest.append(message)
        self.show_banner("\n".join(rest))
        first = next((n for n in self._fields if n in errors), None)
        if first is not None:
            self._fields[first].field.setFocus(Qt.FocusReason.OtherFocusReason)

    def clear_errors(self) -> None:
        for holder in self._fields.values():
            holder.set_error(None)
        self.show_banner("")

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

    def confirm(self) -> None:
        """Call the service; close on success, otherwise show why and stay open."""
        self.clear_errors()
        on, errors = self.decision_date()
        errors.update(self.local_errors())
        if errors or on is None:
            self.show_errors(errors)
            return
        while True:
            try:
                self.result_value = db_wait.run_db(self, self.action(on))
            except ValidationError as exc:
                self.show_errors(exc.errors)
                return
            except UserFacingError as exc:
                if exc.retryable and dialogs.ask_retry(self, exc.message):
                    continue
                self.show_banner(exc.message)
                return
            except Exception as exc:
                dialogs.show_error(self, exc)
                return
            break
        log.info("%s done on case %s", type(self).__name__, self._case_id)
        self.accept()


# --- simple confirmations ---------------------------------------------------------------------
def _eligibility_notice(
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


class SubmitDialog(DecisionDialog):
    confirm_text = "Soumettre"
    date_label = "Date de soumission"

    def _build_body(self) -> None:
        label = _eligibility_notice(
            self.detail, "Le valideur devra motiver un refus si rien ne change."
        )
        if label is not None:
            self.body.addWidget(label)

    def action(self, on: date) -> Callable[[], None]:
        return partial(workflow.submit, self._db, self._actor, self._case_id, on=on)


class StartDialog(DecisionDialog):
    confirm_text = "Démarrer le suivi"
    date_label = "Début du suivi"

    def action(self, on: date) -> Callable[[], None]:
        return partial(workflow.start_follow_up, self._db, self._actor, self._case_id, on=on)


class ResumeDialog(DecisionDialog):
    confirm_text = "Reprendre"
    date_label = None

    def action(self, on: date) -> Callable[[], None]:
        return partial(workflow.resume, self._db, self._actor, self._case_id, on=on)


# --- grant -----------------------------------------------------------------------------------
class GrantDialog(DecisionDialog):
    """The schedule month by month, each year's envelope, then the grant."""

    confirm_text = "Accorder"
    dialog_width = 720

    def _build_body(self) -> None:
        self.preview: GrantPreview | None = None
        label = _eligibility_notice(  # rules to check: under « Attestation du valideur »
            self.detail, "Le Pack ne peut pas être accordé : motivez un refus.", to_check=False
        )
        if label is not None:
            self.body.addWidget(label)
        self.body.addWidget(section_title("Échéancier"))
        self.schedule_model = RecordTableModel([])
        self.schedule_table = make_table(self.schedule_model, stretch=0, name="scheduleTable")
        self.body.addWidget(self.schedule_table, 1)
        self.body.addWidget(section_title("Enveloppes annuelles"))
        self.envelope_model = RecordTableModel(
            [
                Column("Année", lambda e: str(e["year"])),
                Column("Enveloppe votée", lambda e: e["amount"], RIGHT),
                Column("Déjà engagé", lambda e: e["committed"], RIGHT),
                Column("Ce dossier", lambda e: e["need"], RIGHT),
                Column(
                    "Reste après décision",
                    lambda e: e["after"],
                    RIGHT,
                    colour=lambda e: OVER_COLOUR if e["short"] else None,
                    bold=lambda e: e["short"],
                ),
            ]
        )
        self.envelope_table = make_table(self.envelope_model, stretch=0, name="envelopeTable")
        self.body.addWidget(self.envelope_table)
        self.fit_label = notice()
        self.fit_label.setObjectName("fitNotice")
        self.body.addWidget(self.fit_label)
        self.statement_box = QWidget()
        box = QVBoxLayout(self.statement_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(section_title("Attestation du valideur"))
        self.checks_label = notice("", WARNING_NOTICE)
        self.checks_label.setObjectName("checksNotice")
        box.addWidget(self.checks_label)
        self.statement = MotivationEdit(
            "Ce que vous avez vérifié et pourquoi le Pack est accordé malgré tout (pièces "
            "vues, date de l'échange avec la CAF…). Ce texte est conservé avec la décision.",
            lines=4,
        )
        self.statement.setObjectName("statement")
        self.statement.setAccessibleName("Attestation du valideur")
        self.statement.changed.connect(self.update_state)
        box.addWidget(self.statement)
        self.statement_box.hide()
        self.body.addWidget(self.statement_box)
        assert self.on_field is not None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.refresh_preview)
        self.on_field.textChanged.connect(lambda _text: self._timer.start())
        self.refresh_preview()

    def done(self, result: int) -> None:
        self._timer.stop()  # a closed dialog asks for no more previews
        super().done(result)

    def refresh_preview(self) -> None:
        assert self.on_field is not None
        on = self.on_field.value()
        if on is None:
            return
        try:
            preview = db_wait.run_db(self, lambda: grant_preview(self._db, self._case_id, on))
        except UserFacingError as exc:
            self.preview = None
            self.fit_label.setText(exc.message)
            self.fit_label.setStyleSheet(ERROR_NOTICE)
            self.update_state()
            return
        self.preview = preview
        self._show_preview(preview)
        self.update_state()

    def _show_preview(self, preview: GrantPreview) -> None:
        components = [c for c in Component if any(i.component is c for i in preview.schedule)]
        months = sorted({i.due_month for i in preview.schedule})
        rows: list[dict[str, Any]] = []
        for month in months:
            row: dict[str, Any] = {"label": month_label(month), "total": 0, "bold": False}
            for c in components:
                cents = sum(
                    i.amount_cents
                    for i in preview.schedule
                    if i.due_month == month and i.component is c
                )
                row[c.value] = cents
                row["total"] += cents
            rows.append(row)
        total_row: dict[str, Any] = {"label": "Total", "bold": True}
        for c in components:
            total_row[c.value] = sum(r[c.value] for r in rows)
        total_row["total"] = sum(r["total"] for r in rows)
        rows.append(total_row)

        def amount(key: str) -> Callable[[dict[str, Any]], str]:
            return lambda r: format_cents(r[key]) if r[key] else "—"

        columns = [Column("Mois", lambda r: r["label"], bold=lambda r: r["bold"])]
        columns += [
            Column(c.label, amount(c.value), RIGHT, bold=lambda r: r["bold"]) for c in components
        ]
        columns.append(Column("Total", amount("total"), RIGHT, bold=lambda r: True))
        old_model = self.schedule_model
        self.schedule_model = RecordTableModel(columns, self)
        self.schedule_model.set_rows(rows, ids=[None] * len(rows))
        self.schedule_table.setModel(self.schedule_model)
        old_model.deleteLater()
        header_view = self.schedule_table.horizontalHeader()
        header_view.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header_view.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        rows_height = self.schedule_table.verticalHeader().defaultSectionSize() * len(rows)
        self.schedule_table.setFixedHeight(
            min(rows_height + header_view.sizeHint().height() + 4, 320)
        )

        envelopes = []
        problems = []
        for env in preview.envelopes:
            need = preview.needs.get(env.year, 0)
            short = env.amount_cents is None or need > env.remaining_cents
            envelopes.append(
                {
                    "year": env.year,
                    "amount": format_cents(env.amount_cents)
                    if env.amount_cents is not None
                    else "Non votée",
                    "committed": format_cents(env.committed_cents),
                    "need": format_cents(need),
                    "after": format_cents(env.remaining_cents - need)
                    if env.amount_cents is not None
                    else "—",
                    "short": short,
                }
            )
            if env.amount_cents is None:
                problems.append(
                    f"Aucune enveloppe n'est votée pour {env.year} : un administrateur doit "
                    "la saisir dans les paramètres."
                )
            elif short:
                problems.append(
                    f"L'enveloppe {env.year} ne suffit pas : il reste "
                    f"{format_cents(max(env.remaining_cents, 0))} pour {format_cents(need)} "
                    "demandés."
                )
        self.envelope_model.set_rows(envelopes, ids=[e["year"] for e in envelopes])
        rows_height = self.envelope_table.verticalHeader().defaultSectionSize() * len(envelopes)
        header = self.envelope_table.horizontalHeader().sizeHint().height()
        self.envelope_table.setFixedHeight(rows_height + header + 4)
        if preview.fits:
            self.fit_label.setText(
                f"Le Pack ({format_cents(total_row['total'])}) tient dans l'enveloppe de "
                + ("chaque année concernée." if len(envelopes) > 1 else f"{envelopes[0]['year']}.")
            )
            self.fit_label.setStyleSheet(OK_NOTICE)
        else:
            self.fit_label.setText(
                "\n".join(problems) + "\nLe Pack ne peut pas être accordé en l'état."
            )
            self.fit_label.setStyleSheet(ERROR_NOTICE)

        checks = preview.checks
        self.statement_box.setVisible(checks.needs_statement)
        if checks.needs_statement:
            self.checks_label.setText(checks.request())
        elif checks.earlier_years and preview.fits:
            self.fit_label.setText(
                self.fit_label.text() + "\nVersement en rappel : " + " ".join(checks.charges())
            )
            self.fit_label.setStyleSheet(WARNING_NOTICE)

    def can_confirm(self) -> bool:
        return (
            self.preview is not None
            and self.preview.fits
            and self.detail.eligibility.status is not RuleStatus.FAILED
            and (not self.preview.checks.needs_statement or self.statement.is_enough())
        )

    def action(self, on: date) -> Callable[[], workflow.DecisionInfo]:
        needed = self.preview is not None and self.preview.checks.needs_statement
        statement = self.statement.text() if needed else ""
        return partial(
            workflow.grant, self._db, self._actor, self._case_id, on=on, statement=statement
        )


# --- refusal, observations, early end ---------------------------------------------------------
class RefusalDialog(DecisionDialog):
    confirm_text = "Refuser"
    dialog_width = 640

    def _build_body(self) -> None:
        self.motivation = MotivationEdit(
            "Exposez les faits et les règles qui fondent le refus : ce texte figurera "
            "dans le courrier."
        )
        self.add_field("Motivation *", "motivation", self.motivation)
        self.motivation.changed.connect(self.update_state)
        failed = self.detail.eligibility.failed
        self.insert_button = QPushButton("Reprendre les conditions non remplies")
        self.insert_button.setObjectName("insertFailedRules")
        self.insert_button.setAutoDefault(False)
        self.insert_button.setEnabled(bool(failed))
        self.insert_button.setToolTip(
            "Insère l'explication de chaque condition non remplie, à compléter."
            if failed
            else "Aucune condition n'est signalée comme non remplie."
        )
        self.insert_button.clicked.connect(self.insert_failed_rules)
        row = QHBoxLayout()
        row.addWidget(self.insert_button)
        row.addStretch(1)
        self.form.addRow("", row)

    def failed_rules_text(self) -> str:
        failed = self.detail.eligibility.failed
        lines = [f"– {r.title} : {r.explanation}" for r in failed]
        return "Le Pack sortie ne peut pas vous être accordé :\n" + "\n".join(lines)

    def insert_failed_rules(self) -> None:
        self.motivation.insert(self.failed_rules_text())

    def can_confirm(self) -> bool:
        return self.motivation.is_enough()

    def action(self, on: date) -> Callable[[], workflow.DecisionInfo]:
        motivation = self.motivation.text()
        return partial(workflow.refuse, self._db, self._actor, self._case_id, motivation, on=on)


class ObservationsDialog(DecisionDialog):
    confirm_text = "Décider l'invitation"
    date_label = "Date de la décision"
    dialog_width = 620

    def _build_body(self) -> None:
        self.delay_days = 15
        ok, settings = status.attempt_db(self.parentWidget(), lambda: load_settings(self._db))
        if ok and settings is not None:
            self.delay_days = settings.observations_delay_days
        self.motivation = MotivationEdit(
            "Les faits qui conduisent à envisager la fin du Pack (ce texte figurera dans "
            "le courrier)."
        )
        self.add_field("Motifs envisagés *", "motivation", self.motivation)
        self.motivation.changed.connect(self.update_state)
        self.deadline_label = notice("", INFO_NOTICE)
        self.deadline_label.setObjectName("deadlineNotice")
        self.body.addWidget(self.deadline_label)
        self._show_deadline()

    def _show_deadline(self) -> None:
        self.deadline_label.setText(
            f"La personne disposera de {self.delay_days} jours pour présenter ses observations, "
            "comptés à partir de l'envoi du courrier : produisez-le ensuite (onglet "
            "Documents). La fin anticipée ne pourra être décidée qu'après ce délai."
        )

    def can_confirm(self) -> bool:
        return self.motivation.is_enough()

    def action(self, on: date) -> Callable[[], None]:
        motivation = self.motivation.text()
        return partial(
            workflow.invite_observations, self._db, self._actor, self._case_id, motivation, on=on
        )


class EarlyEndDialog(DecisionDialog):
    confirm_text = "Mettre fin au Pack"
    dialog_width = 660

    def _build_body(self) -> None:
        self.reason = QComboBox()
        self.reason.setObjectName("reason")
        self.reason.addItem("Choisissez le motif…", None)
        for reason in ExitReason:
            self.reason.addItem(reason.label, reason.value)
        self.add_field("Motif de sortie *", "reason", self.reason)
        self.notice_label = notice()
        self.notice_label.setObjectName("noticeStatus")
        self.form.addRow("", self.notice_label)
        self.motivation = MotivationEdit(
            "Les faits, les observations reçues et les règles qui fondent la décision."
        )
        self.add_field("Motivation *", "motivation", self.motivation)
        self.body.addWidget(
            case_widgets.muted(
                "Les échéances prévues ou suspendues seront annulées ; les échéances déjà "
                "mandatées ou payées restent acquises."
            )
        )
        self.reason.currentIndexChanged.connect(self._refresh_notice)
        self.motivation.changed.connect(self.update_state)
        assert self.on_field is not None
        self.on_field.textChanged.connect(lambda _t: self._refresh_notice())
        self._refresh_notice()

    def selected_reason(self) -> ExitReason | None:
        value = self.reason.currentData()
        return ExitReason(value) if value else None

    def _refresh_notice(self) -> None:
        rule = (
            "Sauf lorsque la personne le demande elle-même, la fin anticipée doit être "
            "précédée d'une invitation à présenter ses observations, et le délai laissé "
            "pour répondre doit être écoulé."
        )
        reason = self.selected_reason()
        d = self.detail
        assert self.on_field is not None
        on = self.on_field.value() or self.today
        obstacle = workflow.observations_obstacle(d, on)
        if reason is None:
            text, style = rule, INFO_NOTICE
        elif not reason.needs_observations:
            text = "Fin à la demande de la personne : aucune invitation préalable n'est requise."
            style = OK_NOTICE
        elif d.observations_invited_on is None:
            text = (
                rule + "\nAucune invitation n'a été décidée pour ce dossier : utilisez d'abord "
                "« Inviter à présenter des observations »."
            )
            style = ERROR_NOTICE
        elif obstacle is not None:
            text = rule + "\n" + obstacle
            if d.observations_deadline is not None and d.observations_sent_on is not None:
                after = d.observations_deadline + timedelta(days=1)
                text += f" La fin anticipée est possible à partir du {format_date(after)}."
            style = WARNING_NOTICE
        else:
            text = (
                "Invitation à présenter des observations envoyée le "
                f"{format_date(d.observations_sent_on)} ; le délai a pris fin le "
                f"{format_date(d.observations_deadline)}."
            )
            style = OK_NOTICE
        self.notice_label.setText(text)
        self.notice_label.setStyleSheet(style)
        self.update_state()

    def can_confirm(self) -> bool:
        return self.selected_reason() is not None and self.motivation.is_enough()

    def action(self, on: date) -> Callable[[], workflow.DecisionInfo]:
        reason = self.selected_reason()
        assert reason is not None
        motivation = self.motivation.text()
        return partial(
            workflow.end_early, self._db, self._actor, self._case_id, reason, motivation, on=on
        )


# --- suspension and completion -----------------------------------------------------------------
class SuspensionDialog(DecisionDialog):
    confirm_text = "Suspendre"
    date_label = "Suspendu à partir du"

    def _build_body(self) -> None:
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText("Par exemple : congé sans solde, arrêt de l'activité…")
        self.add_field("Motif *", "reason", self.reason)
        self.reason.textChanged.connect(lambda _t: self.update_state())
        self.body.addWidget(
            case_widgets.muted(
                "Les échéances prévues sont mises en attente jusqu'à la reprise du suivi."
            )
        )

    def can_confirm(self) -> bool:
        return bool(self.reason.text().strip())

    def action(self, on: date) -> Callable[[], None]:
        reason = self.reason.text()
        return partial(workflow.suspend, self._db, self._actor, self._case_id, reason, on=on)


class CompletionDialog(DecisionDialog):
    confirm_text = "Clore le dossier"
    date_label = "Date de fin"

    def _build_body(self) -> None:
        self.employed = QRadioButton("Toujours en emploi")
        self.employed.setObjectName("employedYes")
        self.not_employed = QRadioButton("N'est plus en emploi")
        self.not_employed.setObjectName("employedNo")
        self._group = QButtonGroup(self)
        self._group.addButton(self.employed)
        self._group.addButton(self.not_employed)
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.employed)
        row.addWidget(self.not_employed)
        row.addStretch(1)
        self.add_field("Situation à la sortie *", "employed", box)
        self._group.buttonToggled.connect(lambda *_a: self.update_state())

    def can_confirm(self) -> bool:
        return self.employed.isChecked() or self.not_employed.isChecked()

    def action(self, on: date) -> Callable[[], workflow.DecisionInfo]:
        employed = self.employed.isChecked()
        return partial(workflow.complete, self._db, self._actor, self._case_id, employed, on=on)


# --- the functions the case view calls ----------------------------------------------------------
def _detail(
    parent: QWidget | None,
    db: Database,
    actor: Actor,
    case_id: uuid.UUID,
    detail: CaseDetail | None,
) -> CaseDetail | None:
    if detail is not None:
        return detail
    ok, loaded = status.attempt_db(parent, lambda: load_case(db, case_id, actor, log_access=False))
    return loaded if ok else None


def _run(
    cls: type[DecisionDialog],
    parent: QWidget | None,
    db: Database,
    actor: Actor,
    case_id: uuid.UUID,
    detail: CaseDetail | None,
    title: str,
    intro: str,
) -> bool:
    loaded = _detail(parent, db, actor, case_id, detail)
    if loaded is None:
        return False
    dialog = cls(parent, db, actor, case_id, loaded, title=title, intro=intro)
    try:
        return case_widgets.exec_dialog(dialog)
    finally:
        dialog.deleteLater()


def submit_intro(detail: CaseDetail) -> str:
    return (
        "Soumettre la demande à validation ? Le dossier ne pourra plus être modifié ; "
        f"une personne habilitée décidera de l'attribution ({format_cents(_asked(detail))} "
        "demandés)."
    )


def _asked(detail: CaseDetail) -> int:
    return sum(a.total_cents for a in detail.aids)


def confirm_submit(
    parent: QWidget | None,
    db: Database,
    actor: Actor,
    case_id: uuid.UUID,
    *,
    detail: CaseDetail | None = None,
) -> bool:
    loaded = _detail(parent, db, actor, case_id, detail)
    if loaded is None:
        return False
    return _run(
        SubmitDialog, parent, db, actor, case_id, loaded, "Soumettre à validation",
        submit_intro(loaded),
    )  # fmt: skip


def confirm_grant(
    parent: QWidget | None,
    db: Database,
    actor: Actor,
    case_id: uuid.UUID,
    *,
    detail: CaseDetail | None = None,
) -> bool:
    return _run(
        GrantDialog, parent, db, actor, case_id, detail, "Accorder le Pack sortie",
        "Vérifiez l'échéancier et l'enveloppe de chaque année avant d'accorder. La "
        "décision sera numérotée et datée ; le courrier d'attribution reprendra cet échéancier.",
    )  # fmt: skip


def ask_refusal(
    parent: QWidget | None,
    db: Database,
    actor: Actor,
    case_id: uuid.UUID,
    *,
    detail: CaseDetail | None = None,
) -> bool:
    return _run(
        RefusalDialog, parent, db, actor, case_id, detail, "Refuser le Pack sortie",
        "Un refus est une décision motivée : exposez les faits et les règles qui le fondent "
        f"({MIN_MOTIVATION} caractères au moins). Le courrier de refus reprendra ce texte.",
    )  # fmt: skip


def ask_observations_notice(
    parent: QWidget | None,
    db: Database,
    actor: Actor,
    case_id: uuid.UUID,
    *,
    detail: CaseDetail | None = None,
) -> bool:
    return _run(
        ObservationsDialog, parent, db, actor, case_id, detail,
        "Inviter à présenter des observations",
        "Avant de mettre fin au Pack avant terme (sauf à sa demande), la personne est "
        "invitée par courrier à présenter ses observations sur les motifs envisagés.",
    )  # fmt: skip


def ask_early_end(
    parent: QWidget | None,
    db: Database,
    actor: Actor,
    case_id: uuid.UUID,
    *,
    detail: CaseDetail | None = None,
) -> bool:
    return _run(
        EarlyEndDialog, parent, db, actor, case_id, detail, "Mettre fin avant terme",
        "La fin anticipée est une décision motivée, notifiée par courrier ; elle annule les "
        "échéances restantes.",
    )  # fmt: skip


def ask_suspension(
    parent: QWidget | None,
    db: Database,
    actor: Actor,
    case_id: uuid.UUID,
    *,
    detail: CaseDetail | None = None,
) -> bool:
    return _run(
        SuspensionDialog, parent, db, actor, case_id, detail, "Suspendre le suivi",
        "Suspendre le dossier met les paiements en attente sans y mettre fin.",
    )  # fmt: skip


def ask_completion(
    parent: QWidget | None,
    db: Database,
    actor: Actor,
    case_id: uuid.UUID,
    *,
    detail: CaseDetail | None = None,
) -> bool:
    loaded = _detail(parent, db, actor, case_id, detail)
    if loaded is None:
        return False
    return _run(
        CompletionDialog, parent, db, actor, case_id, loaded, "Clore le dossier",
        f"Fin du dispositif : les six mois de suivi s'achèvent le "
        f"{format_date(loaded.six_month_end)}. Indiquez la situation de la personne à la sortie.",
    )  # fmt: skip


def confirm_resume(
    parent: QWidget | None,
    db: Database,
    actor: Actor,
    case_id: uuid.UUID,
    *,
    detail: CaseDetail | None = None,
) -> bool:
    return _run(
        ResumeDialog, parent, db, actor, case_id, detail, "Reprendre le suivi",
        "Reprendre le suivi : les échéances suspendues redeviennent prévues et seront "
        "payées au prochain lot.",
    )  # fmt: skip


def confirm_start(
    parent: QWidget | None,
    db: Database,
    actor: Actor,
    case_id: uuid.UUID,
    *,
    detail: CaseDetail | None = None,
) -> bool:
    loaded = _detail(parent, db, actor, case_id, detail)
    if loaded is None:
        return False
    return _run(
        StartDialog, parent, db, actor, case_id, loaded, "Démarrer le suivi",
        f"L'emploi commence le {format_date(loaded.job_start)} : le suivi de six mois "
        "démarre.",
    )  # fmt: skip


__all__ = [
    "CompletionDialog",
    "DecisionDialog",
    "EarlyEndDialog",
    "GrantDialog",
    "MotivationEdit",
    "ObservationsDialog",
    "RefusalDialog",
    "ResumeDialog",
    "StartDialog",
    "SubmitDialog",
    "SuspensionDialog",
    "ask_completion",
    "ask_early_end",
    "ask_observations_notice",
    "ask_refusal",
    "ask_suspension",
    "confirm_grant",
    "confirm_resume",
    "confirm_start",
    "confirm_submit",
]
