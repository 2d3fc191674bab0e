"""A follow-up meeting (or the 6-month review): date, kind, mode, participants, obstacles
discussed, situation in the job, neutral notes, next steps and the next meeting.

The reminder that health data has no place here stays visible above the notes; before
saving, words that look like health information are listed and the user may go back and
rewrite (never blocked: a word like « traitement » can be administrative).
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import MeetingKind, MeetingMode
from app.services import clock
from app.services.actor import Actor
from app.services.case_view import MeetingView
from app.services.edit_conflicts import MEETING_FIELDS, EditConflict, field_changes, merge
from app.services.errors import DatabaseUnavailable, UserFacingError
from app.services.meetings import (
    HEALTH_REMINDER,
    MeetingInput,
    Obstacle,
    health_words,
    save_meeting,
)
from app.services.settings import load_settings
from app.services.storage import Database
from app.services.text import fold
from app.ui import dialogs, edit_conflict_dialog
from app.ui.date_field import DateField
from app.ui.form_errors import FormErrors
from app.ui.form_fields import dialog_buttons, select_data
from app.ui.form_save import save_from_form
from app.ui.widgets import INVALID_STYLE, SUMMARY_STYLE, ValidatedField, combo

log = logging.getLogger(__name__)

REMINDER_STYLE = (
    "QLabel { background: #eef4fb; border: 1px solid #c5d7ec; border-radius: 4px;"
    " padding: 6px; color: #1d3b5c; }"
)
TEXT_FIELDS = ("participants", "job_situation", "notes", "next_steps")


class _TextBox(QPlainTextEdit):
    def __init__(self, lines: int, placeholder: str = "") -> None:
        super().__init__()
        self.setTabChangesFocus(True)
        self.setPlaceholderText(placeholder)
        self.setMinimumHeight(self.fontMetrics().lineSpacing() * lines + 14)


def as_written(found: list[str], texts: list[str]) -> list[str]:
    """The flagged words as the user typed them (health_words gives them folded)."""
    out: list[str] = []
    for word in found:
        typed = next(
            (t for text in texts for t in re.findall(r"\w+", text) if fold(t) == word), word
        )
        if typed not in out:
            out.append(typed)
    return out


def _health_list(db: Database) -> str | None:
    """The settings' words evoking health (None, the default list, when unreadable)."""
    try:
        return load_settings(db).health_words
    except UserFacingError as exc:
        log.warning("Health words: settings unreadable, default list used: %s", exc)
        return None


def _unavailable(exc: UserFacingError) -> bool:
    """A conflict (edited elsewhere) is not retried as is: the text would overwrite the
    other version. Only a busy or unreachable base is."""
    return isinstance(exc, DatabaseUnavailable)


def health_question(words: list[str]) -> str:
    listed = ", ".join(f"« {w} »" for w in words)
    return (
        f"Le compte rendu contient des mots qui peuvent relever de données de santé : "
        f"{listed}.\n\nCes informations n'ont pas leur place dans le compte rendu (CNIL). "
        "Revenir au texte pour le reformuler ?\n\n"
        "Oui : revenir à la saisie.  Non : enregistrer tel quel."
    )


class MeetingDialog(QDialog):
    """Record a new meeting (``meeting`` None) or edit one. After Accepted, ``saved_id``.

    With ``read_only`` (a user who may not change this case) the fields cannot be edited
    and there is no Enregistrer button."""

    def __init__(
        self,
        db: Database,
        actor: Actor,
        case_id: uuid.UUID,
        meeting: MeetingView | None = None,
        parent: QWidget | None = None,
        *,
        read_only: bool = False,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("meetingDialog")
        self._db = db
        self._actor = actor
        self._case_id = case_id
        self._meeting = meeting
        self._read_only = read_only or db.read_only
        self._today = today
        self.saved_id: uuid.UUID | None = None
        self._fields: dict[str, ValidatedField] = {}
        self.form_errors = FormErrors.for_fields(self._fields)
        self.obstacle_boxes: dict[Obstacle, QCheckBox] = {}
        self.setStyleSheet(INVALID_STYLE + SUMMARY_STYLE)
        self.setWindowTitle(
            "Nouvel entretien de suivi"
            if meeting is None
            else f"{meeting.kind.label} du {meeting.held_on.strftime('%d/%m/%Y')}"
        )
        self._version = meeting.version_id if meeting else None  # the one a save is checked at
        self._health_list = _health_list(db)
        self._build()
        self._populate()
        self._initial = self._state()
        self._loaded = self.collect()[0]  # the form as opened: what an edit conflict compares
        self.resize(760, 760)

    # --- building ------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(14, 12, 14, 12)
        outer.setSpacing(10)
        outer.addWidget(self.form_errors.summary)

        top = QGridLayout()
        top.setHorizontalSpacing(10)
        top.setVerticalSpacing(6)
        self.held_on = self._cell(top, 0, 0, "Date *", "held_on", DateField())
        self.mode = self._cell(top, 0, 2, "Mode", "mode", combo(MeetingMode.choices(), "mode"))
        self.kind = self._cell(top, 1, 0, "Type", "kind", combo(MeetingKind.choices(), "kind"))
        self.next_meeting_on = self._cell(
            top, 1, 2, "Prochain entretien", "next_meeting_on", DateField()
        )
        participants = QLineEdit()
        participants.setPlaceholderText("Par exemple : Mme Lefèvre, son référent, l'employeur")
        self.participants = self._cell(
            top, 2, 0, "Participants", "participants", participants, span=3
        )
        top.setColumnStretch(1, 1)
        top.setColumnStretch(3, 1)
        top.setColumnMinimumWidth(2, 0)
        outer.addLayout(top)

        box = QGroupBox("Freins abordés")
        grid = QGridLayout(box)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(4)
        obstacles = list(Obstacle)
        per_column = (len(obstacles) + 2) // 3
        for index, obstacle in enumerate(obstacles):
            check = QCheckBox(obstacle.label)
            check.setObjectName(f"obstacle_{obstacle.value}")
            self.obstacle_boxes[obstacle] = check
            grid.addWidget(check, index % per_column, index // per_column)
        anchor = QWidget()  # the obstacles' message line; a link to it focuses the first box
        anchor.setFocusProxy(next(iter(self.obstacle_boxes.values())))
        self._fields["obstacles"] = ValidatedField(anchor)
        grid.addWidget(self._fields["obstacles"], per_column, 0, 1, 3)
        outer.addWidget(box)

        texts = QVBoxLayout()
        texts.setSpacing(4)
        self.job_situation = self._text(
            texts,
            "Situation dans l'emploi",
            "job_situation",
            _TextBox(2, "Poste, horaires, relations de travail, ce qui va et ce qui coince."),
        )
        self.reminder = QLabel(f"<b>{HEALTH_REMINDER}</b>")
        self.reminder.setObjectName("healthReminder")
        self.reminder.setWordWrap(True)
        self.reminder.setStyleSheet(REMINDER_STYLE)
        texts.addSpacing(4)
        texts.addWidget(self.reminder)
        self.notes = self._text(
            texts,
            "Compte rendu",
            "notes",
            _TextBox(5, "Faits constatés et échanges, de façon neutre."),
        )
        self.notes.setAccessibleDescription(HEALTH_REMINDER)
        self.next_steps = self._text(
            texts,
            "Suites à donner",
            "next_steps",
            _TextBox(2, "Démarches convenues, qui fait quoi, pour quand."),
        )
        outer.addLayout(texts, 1)

        self.save_button = QPushButton("&Enregistrer")
        self.save_button.setObjectName("saveButton")
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton("Fermer" if self._read_only else "Annuler")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.reject)
        outer.addLayout(
            dialog_buttons(
                "* champ obligatoire  ·  Ctrl+S : enregistrer", self.save_button, self.cancel_button
            )
        )
        self.save_button.setVisible(not self._read_only)
        QShortcut(QKeySequence.StandardKey.Save, self).activated.connect(self._save_shortcut)
        if self._read_only:
            self._lock()

    def _cell[W: QWidget](
        self, grid: QGridLayout, row: int, col: int, label: str, name: str, field: W, span: int = 1
    ) -> W:
        """A caption and its field (error under it) in the header grid."""
        field.setObjectName(name)
        field.setAccessibleName(label.rstrip(" *"))
        stretch = not isinstance(field, DateField)
        holder = ValidatedField(field, stretch=stretch)
        self._fields[name] = holder
        caption = QLabel(label)
        caption.setBuddy(field)
        caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        caption.setFixedHeight(field.sizeHint().height())
        grid.addWidget(caption, row, col, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(holder, row, col + 1, 1, span, Qt.AlignmentFlag.AlignTop)
        if col > 0:
            caption.setContentsMargins(12, 0, 0, 0)
        return field

    def _text(
        self, layout: QVBoxLayout, label: str, name: str, field: QPlainTextEdit
    ) -> QPlainTextEdit:
        field.setObjectName(name)
        field.setAccessibleName(label)
        caption = QLabel(f"<b>{label}</b>")
        caption.setBuddy(field)
        layout.addWidget(caption)
        holder = ValidatedField(field)
        self._fields[name] = holder
        layout.addWidget(holder, 2 if name == "notes" else 1)
        return field

    def _lock(self) -> None:
        for holder in self._fields.values():
            field = holder.field
            if isinstance(field, (QLineEdit, QPlainTextEdit)):
                field.setReadOnly(True)
            elif isinstance(field, DateField):
                field.lineEdit().setReadOnly(True)
                field.setEnabled(False)
            else:
                field.setEnabled(False)
        for check in self.obstacle_boxes.values():
            check.setEnabled(False)

    # --- data ----------------------------------------------------------------------------
    def _populate(self) -> None:
        m = self._meeting
        if m is None:
            self.held_on.setValue(self._today or clock.today())
            return
        self._show_input(
            MeetingInput(
                case_id=self._case_id,
                held_on=m.held_on,
                mode=m.mode.value,
                kind=m.kind.value,
                participants=m.participants,
                obstacles=list(m.obstacles),
                job_situation=m.job_situation,
                notes=m.notes,
                next_steps=m.next_steps,
                next_meeting_on=m.next_meeting_on,
            )
        )

    def _state(self) -> tuple[Any, ...]:
        return (
            self.held_on.text(),
            self.kind.currentData(),
            self.mode.currentData(),
            self.participants.text(),
            tuple(o for o, c in self.obstacle_boxes.items() if c.isChecked()),
            self.job_situation.toPlainText(),
            self.notes.toPlainText(),
            self.next_steps.toPlainText(),
            self.next_meeting_on.text(),
        )

    def is_dirty(self) -> bool:
        return self._state() != self._initial

    def collect(self) -> tuple[MeetingInput | None, dict[str, str]]:
        errors: dict[str, str] = {}
        for name, field in (("held_on", self.held_on), ("next_meeting_on", self.next_meeting_on)):
            if message := field.error():
                errors[name] = message
        held_on = self.held_on.value()
        if held_on is None and "held_on" not in errors:
            errors["held_on"] = "Indiquez la date de l'entretien."
        if errors or held_on is None:
            return None, errors
        m = self._meeting
        return (
            MeetingInput(
                case_id=self._case_id,
                held_on=held_on,
                mode=self.mode.currentData(),
                kind=self.kind.currentData(),
                participants=self.participants.text(),
                obstacles=[o.value for o, c in self.obstacle_boxes.items() if c.isChecked()],
                job_situation=self.job_situation.toPlainText(),
                notes=self.notes.toPlainText(),
                next_steps=self.next_steps.toPlainText(),
                next_meeting_on=self.next_meeting_on.value(),
                id=m.id if m else None,
                version_id=self._version,
            ),
            {},
        )

    # --- errors --------------------------------------------------------------------------
    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message beside its field and in the summary; the first field focused."""
        self.form_errors.show(errors)

    def error_text(self) -> str:
        """What is currently shown as wrong (summary and field messages), for tests."""
        return self.form_errors.text()

    # --- saving --------------------------------------------------------------------------
    def _save_shortcut(self) -> None:
        if self.save_button.isVisible() and self.save_button.isEnabled():
            self.save()

    def save(self) -> None:
        if self._read_only:
            return
        data, errors = self.collect()
        if data is None:
            self.show_errors(errors)
            return
        texts = [getattr(data, name) for name in TEXT_FIELDS]
        words = as_written(health_words(*texts, words=self._health_list), texts)
        if words and dialogs.ask_yes_no(self, health_question(words), "Données de santé"):
            self.form_errors.clear()
            self.notes.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        try:
            done, saved = save_from_form(
                self,
                self.form_errors,
                lambda: save_meeting(self._db, self._actor, data, today=self._today),
                retry_when=_unavailable,
                passed_on=(EditConflict,),
            )
        except EditConflict as exc:
            if self._on_conflict(exc, data):
                self.save()
            return
        if not done:
            return
        log.info("Meeting %s saved on case %s", saved, self._case_id)
        self.saved_id = saved
        self._initial = self._state()
        self.accept()

    def _on_conflict(self, exc: EditConflict, mine: MeetingInput) -> bool:
        """Another station saved this meeting meanwhile: show what differs; True when the
        user keeps their entry (the merged form is then saved again)."""
        original = self._loaded or mine
        changes = field_changes(original, exc.current, mine, MEETING_FIELDS)
        log.warning("Edit conflict on meeting %s: %d fields differ", mine.id, len(changes))
        choice = edit_conflict_dialog.ask_conflict_choice(self, exc, changes)
        if choice == edit_conflict_dialog.CANCEL:
            return False
        shown = exc.current if choice == edit_conflict_dialog.RELOAD else None
        shown = shown or merge(original, exc.current, mine, MEETING_FIELDS)
        self._version = exc.current.version_id
        self._loaded = exc.current
        self._show_input(shown)
        if choice == edit_conflict_dialog.RELOAD:
            self._initial = self._state()
            return False
        return True

    def _show_input(self, data: MeetingInput) -> None:
        self.held_on.setValue(data.held_on)
        select_data(self.kind, data.kind)
        select_data(self.mode, data.mode)
        self.participants.setText(data.participants)
        for obstacle, check in self.obstacle_boxes.items():
            check.setChecked(obstacle.value in data.obstacles)
        self.job_situation.setPlainText(data.job_situation)
        self.notes.setPlainText(data.notes)
        self.next_steps.setPlainText(data.next_steps)
        self.next_meeting_on.setValue(data.next_meeting_on)

    def reject(self) -> None:
        unsaved = not self._read_only and self.saved_id is None and self.is_dirty()
        if (
            self.isVisible()
            and unsaved
            and not dialogs.ask_yes_no(
                self,
                "Fermer sans enregistrer ? Le compte rendu saisi sera perdu.",
                "Compte rendu non enregistré",
            )
        ):
            return
        super().reject()
