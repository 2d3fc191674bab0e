"""The meeting dialog: a meeting saved from typed fields, the health reminder and the
health-word warning, validation messages, editing and read-only opening."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from app.models.enums import MeetingKind, MeetingMode
from app.services.case_view import load_case
from app.services.meetings import HEALTH_REMINDER, MeetingInput, Obstacle, save_meeting
from app.ui.meeting_dialog import MeetingDialog
from tests.factories import granted_case, make_person, make_users
from tests.ui.user_input import key_text


@pytest.fixture
def case(db):
    referent, validator = make_users(db)
    person = make_person(db, referent)
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    return referent, validator, case_id


def open_dialog(qtbot, db, actor, case_id, meeting=None, **kwargs) -> MeetingDialog:
    dialog = MeetingDialog(db, actor, case_id, meeting, today=date(2018, 4, 12), **kwargs)
    qtbot.addWidget(dialog, before_close_func=lambda w: w.hide())
    dialog.resize(760, 760)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def fill(qtbot, dialog: MeetingDialog, notes: str) -> None:
    dialog.mode.setCurrentIndex(dialog.mode.findData(MeetingMode.WORKPLACE.value))
    key_text(qtbot, dialog.participants, "Mme Lefèvre, Mme Benali, M. Martin (employeur)")
    dialog.obstacle_boxes[Obstacle.TRANSPORT].setChecked(True)
    dialog.obstacle_boxes[Obstacle.SCHEDULE].setChecked(True)
    key_text(qtbot, dialog.job_situation, "Poste tenu, horaires du matin.")
    key_text(qtbot, dialog.notes, notes)
    key_text(qtbot, dialog.next_steps, "Demander une carte de transport.")
    dialog.next_meeting_on.lineEdit().clear()
    qtbot.keyClicks(dialog.next_meeting_on.lineEdit(), "03/05/2018")


def test_a_meeting_is_saved(qtbot, db, case, fake_dialogs, shoot):
    referent, _, case_id = case
    dialog = open_dialog(qtbot, db, referent, case_id)
    assert dialog.windowTitle() == "Nouvel entretien de suivi"
    assert dialog.held_on.text() == "12/04/2018"
    assert dialog.reminder.text() == f"<b>{HEALTH_REMINDER}</b>"
    assert dialog.reminder.isVisible()
    fill(qtbot, dialog, "Trajet de 50 minutes en bus ; l'employeur propose un covoiturage.")
    shoot(dialog, "meeting_dialog")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert fake_dialogs.questions == []  # nothing that looks like health data
    (meeting,) = load_case(db, case_id, referent).meetings
    assert meeting.id == dialog.saved_id
    assert meeting.mode is MeetingMode.WORKPLACE and meeting.kind is MeetingKind.FOLLOW_UP
    assert meeting.obstacles == ("transport", "horaires")
    assert meeting.next_meeting_on == date(2018, 5, 3)
    assert meeting.participants == "Mme Lefèvre, Mme Benali, M. Martin (employeur)"


def test_health_words_ask_to_rewrite_first(qtbot, db, case, fake_dialogs):
    referent, _, case_id = case
    dialog = open_dialog(qtbot, db, referent, case_id)
    fill(qtbot, dialog, "Absente deux jours : rendez-vous chez le médecin, traitement en cours.")
    fake_dialogs.yes_no_answers.append(True)  # "go back and rewrite"
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.saved_id is None
    (question,) = fake_dialogs.questions
    assert "« médecin », « traitement »" in question
    assert load_case(db, case_id, referent).meetings == []
    assert dialog.notes.hasFocus()
    # Rewritten: saved without a question.
    dialog.notes.setPlainText("Absente deux jours, justifiés auprès de l'employeur.")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert len(fake_dialogs.questions) == 1


def test_health_words_may_be_kept(qtbot, db, case, fake_dialogs):
    referent, _, case_id = case
    dialog = open_dialog(qtbot, db, referent, case_id)
    fill(qtbot, dialog, "Traitement du dossier de transport par la mairie.")
    fake_dialogs.yes_no_answers.append(False)  # "save as it is"
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert len(load_case(db, case_id, referent).meetings) == 1


def test_errors_are_shown_next_to_the_fields(qtbot, db, case, fake_dialogs, shoot):
    referent, _, case_id = case
    dialog = open_dialog(qtbot, db, referent, case_id)
    dialog.next_meeting_on.setValue(date(2018, 4, 1))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog._fields["next_meeting_on"].error == "Le prochain entretien doit suivre celui-ci."
    assert "Le compte rendu est vide" in dialog._fields["notes"].error
    shoot(dialog, "meeting_dialog_errors")
    dialog.held_on.clear()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog._fields["held_on"].error == "Indiquez la date de l'entretien."


def test_edit_and_read_only(qtbot, db, case, fake_dialogs):
    referent, validator, case_id = case
    save_meeting(
        db,
        referent,
        MeetingInput(case_id, date(2018, 4, 3), obstacles=["budget"], notes="Point budget."),
        today=date(2018, 4, 3),
    )
    (meeting,) = load_case(db, case_id, referent).meetings
    dialog = open_dialog(qtbot, db, referent, case_id, meeting)
    assert dialog.windowTitle() == "Entretien de suivi du 03/04/2018"
    assert dialog.obstacle_boxes[Obstacle.BUDGET].isChecked()
    assert dialog.notes.toPlainText() == "Point budget."
    dialog.kind.setCurrentIndex(dialog.kind.findData(MeetingKind.REVIEW_6M.value))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    (saved,) = load_case(db, case_id, referent).meetings
    assert saved.kind is MeetingKind.REVIEW_6M and saved.version_id > meeting.version_id

    viewer = open_dialog(qtbot, db, referent, case_id, saved, read_only=True)
    assert not viewer.save_button.isVisible()
    assert viewer.notes.isReadOnly()
    assert not viewer.obstacle_boxes[Obstacle.BUDGET].isEnabled()
    assert viewer.cancel_button.text() == "Fermer"


def test_unsaved_text_asks_before_closing(qtbot, db, case, fake_dialogs):
    referent, _, case_id = case
    dialog = open_dialog(qtbot, db, referent, case_id)
    key_text(qtbot, dialog.notes, "Début de compte rendu")
    fake_dialogs.yes_no_answers.append(False)
    dialog.reject()
    assert dialog.isVisible()
    assert "Fermer sans enregistrer" in fake_dialogs.questions[0]


@pytest.mark.parametrize("answer", ["keep", "reload", "cancel"])
def test_a_meeting_saved_on_another_station_meanwhile(
    qtbot, db, case, fake_dialogs, monkeypatch, answer
):
    from dataclasses import replace

    from app.services.meetings import meeting_input_of
    from app.ui import edit_conflict_dialog

    referent, _, case_id = case
    save_meeting(
        db,
        referent,
        MeetingInput(case_id, date(2018, 4, 3), participants="Mme L.", notes="Point budget."),
        today=date(2018, 4, 3),
    )
    (meeting,) = load_case(db, case_id, referent).meetings
    dialog = open_dialog(qtbot, db, referent, case_id, meeting)
    with db.read() as s:
        from app.models import Meeting

        other = meeting_input_of(s.get(Meeting, meeting.id))
    save_meeting(db, referent, replace(other, participants="Mme L., M. R."), today=date(2018, 4, 5))
    dialog.notes.setPlainText("Point budget et transport.")
    seen = []

    def ask(_parent, exc, changes):
        seen.append([(c.label, c.theirs, c.mine) for c in changes])
        return answer

    monkeypatch.setattr(edit_conflict_dialog, "ask_conflict_choice", ask)
    dialog.save()
    assert seen == [
        [
            ("Participants", "Mme L., M. R.", "Mme L."),
            ("Notes", "Point budget.", "Point budget et transport."),
        ]
    ]
    (stored,) = load_case(db, case_id, referent).meetings
    if answer == "keep":
        assert dialog.saved_id == meeting.id
        assert (stored.participants, stored.notes) == (
            "Mme L., M. R.",
            "Point budget et transport.",
        )
    else:
        assert dialog.saved_id is None and dialog.isVisible()
        assert (stored.participants, stored.notes) == ("Mme L., M. R.", "Point budget.")
        shown = "Point budget." if answer == "reload" else "Point budget et transport."
        assert dialog.notes.toPlainText() == shown


def test_health_words_are_the_settings_list(qtbot, db, case, fake_dialogs, actor):
    from dataclasses import replace

    from app.services.settings import load_settings, save_settings

    save_settings(db, actor, replace(load_settings(db), health_words="kiné*\narrêt de travail"))
    referent, _, case_id = case
    dialog = open_dialog(qtbot, db, referent, case_id)
    fill(qtbot, dialog, "Séances de kinésithérapie le mardi, employeur prévenu.")
    fake_dialogs.yes_no_answers.append(True)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    (question,) = fake_dialogs.questions
    assert "« kinésithérapie »" in question and dialog.saved_id is None


def test_the_summary_links_each_message_and_says_a_refusal(
    qtbot, db, case, fake_dialogs, monkeypatch
):
    from app.services.errors import ConflictError
    from app.ui import meeting_dialog

    referent, _, case_id = case
    dialog = open_dialog(qtbot, db, referent, case_id)
    dialog.next_meeting_on.setValue(date(2018, 4, 1))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    text = dialog.form_errors.summary_label.text()
    assert text.index("Le prochain entretien doit suivre") < text.index("Le compte rendu est vide")
    assert 'href="next_meeting_on"' in text and 'href="notes"' in text
    qtbot.waitUntil(lambda: dialog.next_meeting_on.lineEdit().hasFocus())
    dialog.form_errors.focus("obstacles")  # the obstacles' link: their first box
    qtbot.waitUntil(lambda: dialog.obstacle_boxes[Obstacle.TRANSPORT].hasFocus())

    def refused(*_args, **_kwargs):
        raise ConflictError("Ce dossier a été modifié sur un autre poste.")

    monkeypatch.setattr(meeting_dialog, "save_meeting", refused)
    dialog.next_meeting_on.clear()
    dialog.notes.setPlainText("Point sur les horaires.")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert fake_dialogs.retries == []  # a conflict is not retried as is
    assert dialog.error_text() == "Ce dossier a été modifié sur un autre poste."
    assert dialog._fields["notes"].error == "" and dialog.isVisible()
