"""The transition dialogs on their own: each calls its service, stays open with the French
message when the service refuses, and returns True once done."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from sqlalchemy import select

from app.models import Envelope
from app.models.enums import CaseState
from app.services import workflow
from app.services.case_view import load_case
from app.services.errors import DatabaseUnavailable
from app.ui import case_widgets
from app.ui import decision_dialogs as dd
from tests.factories import granted_case, make_case, make_person, make_users

pytestmark = pytest.mark.usefixtures("fake_dialogs")


@pytest.fixture
def people(db):
    referent, validator = make_users(db)
    person = make_person(db, referent)
    return referent, validator, person


def drive(monkeypatch, qtbot, action):
    """Replace the modal seam by ``action(dialog)``, which fills and clicks."""
    seen: list[QDialog] = []

    def fake_exec(dialog: QDialog) -> bool:
        seen.append(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        action(dialog)
        return dialog.result() == QDialog.DialogCode.Accepted

    monkeypatch.setattr(case_widgets, "exec_dialog", fake_exec)
    return seen


def click_confirm(qtbot, dialog) -> None:
    assert dialog.confirm_button.isEnabled()
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)


def test_submit_start_and_resume(qtbot, db, people, monkeypatch, shoot):
    referent, validator, person = people
    case_id = make_case(db, referent, person, job_start=date(2018, 6, 4))

    def submit(dialog):
        assert isinstance(dialog, dd.SubmitDialog)
        assert "1\u202f350,00\u00a0€ demandés" in dialog.intro.text()
        click_confirm(qtbot, dialog)

    drive(monkeypatch, qtbot, submit)
    assert dd.confirm_submit(None, db, referent, case_id)  # detail read by the function
    workflow.grant(db, validator, case_id, on=date(2018, 3, 20))
    assert load_case(db, case_id, referent).state is CaseState.GRANTED

    def start(dialog):
        assert isinstance(dialog, dd.StartDialog)
        assert "L'emploi commence le 04/06/2018" in dialog.intro.text()
        dialog.on_field.setValue(date(2018, 5, 2))
        click_confirm(qtbot, dialog)  # refused: the job has not started
        assert dialog.isVisible()
        assert "L'emploi ne commence que le 04/06/2018." in dialog.error_text()
        dialog.on_field.setValue(date(2018, 6, 5))
        shoot(dialog, "decision_start")
        click_confirm(qtbot, dialog)

    drive(monkeypatch, qtbot, start)
    assert dd.confirm_start(None, db, referent, case_id)
    assert load_case(db, case_id, referent).state is CaseState.IN_PROGRESS

    workflow.suspend(db, referent, case_id, "Congé", on=date(2018, 7, 1))

    def resume(dialog):
        assert isinstance(dialog, dd.ResumeDialog)
        assert dialog.on_field is None  # nothing to date
        shoot(dialog, "decision_resume")
        click_confirm(qtbot, dialog)

    drive(monkeypatch, qtbot, resume)
    assert dd.confirm_resume(None, db, referent, case_id)
    assert load_case(db, case_id, referent).state is CaseState.IN_PROGRESS


def test_suspension_needs_a_reason(qtbot, db, people, monkeypatch, shoot):
    referent, validator, person = people
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))

    def suspend(dialog):
        assert isinstance(dialog, dd.SuspensionDialog)
        assert not dialog.confirm_button.isEnabled()
        dialog.reason.setText("Arrêt temporaire de l'activité du magasin")
        dialog.on_field.setValue(date(2018, 5, 14))
        shoot(dialog, "decision_suspension")
        click_confirm(qtbot, dialog)

    drive(monkeypatch, qtbot, suspend)
    assert dd.ask_suspension(None, db, referent, case_id)
    detail = load_case(db, case_id, referent)
    assert detail.state is CaseState.SUSPENDED
    assert "Arrêt temporaire" in detail.history[0].summary


def test_completion_after_the_six_months(qtbot, db, people, monkeypatch, shoot):
    referent, validator, person = people
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))

    def complete(dialog):
        assert isinstance(dialog, dd.CompletionDialog)
        assert "s'achèvent le 04/09/2018" in dialog.intro.text()
        assert not dialog.confirm_button.isEnabled()  # the situation must be chosen
        dialog.employed.setChecked(True)
        dialog.on_field.setValue(date(2018, 8, 1))
        click_confirm(qtbot, dialog)
        assert dialog.isVisible()
        assert "s'achèvent le 04/09/2018" in dialog.error_text()
        dialog.on_field.setValue(date(2018, 9, 5))
        shoot(dialog, "decision_completion")
        click_confirm(qtbot, dialog)

    drive(monkeypatch, qtbot, complete)
    assert dd.ask_completion(None, db, referent, case_id)
    detail = load_case(db, case_id, referent)
    assert detail.state is CaseState.COMPLETED
    assert detail.employed_at_exit is True and detail.end_date == date(2018, 9, 5)


def test_cancel_returns_false(qtbot, db, people, monkeypatch):
    referent, validator, person = people
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    drive(monkeypatch, qtbot, lambda dialog: dialog.reject())
    assert not dd.ask_suspension(None, db, referent, case_id)
    assert load_case(db, case_id, referent).state is CaseState.IN_PROGRESS


def test_refusal_not_allowed_for_a_referent_is_said(qtbot, db, people, monkeypatch):
    referent, _, person = people
    case_id = make_case(db, referent, person)
    workflow.submit(db, referent, case_id)

    def refuse(dialog):
        dialog.motivation.setPlainText("Conditions non remplies : orientation emploi au départ.")
        click_confirm(qtbot, dialog)
        assert dialog.isVisible()
        assert "Seule une personne habilitée à valider" in dialog.error_text()
        dialog.reject()

    drive(monkeypatch, qtbot, refuse)
    assert not dd.ask_refusal(None, db, referent, case_id)


def test_unavailable_database_offers_retry(qtbot, db, people, monkeypatch, fake_dialogs):
    referent, validator, person = people
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    real = workflow.suspend
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise DatabaseUnavailable("La base est verrouillée par un autre poste.")
        return real(*args, **kwargs)

    monkeypatch.setattr(workflow, "suspend", flaky)
    fake_dialogs.retry_answers.append(True)

    def suspend(dialog):
        dialog.reason.setText("Congé")
        click_confirm(qtbot, dialog)

    drive(monkeypatch, qtbot, suspend)
    assert dd.ask_suspension(None, db, referent, case_id)
    assert fake_dialogs.retries == ["La base est verrouillée par un autre poste."]
    assert len(calls) == 2


def test_grant_warns_when_an_envelope_is_short(qtbot, db, people, shoot):
    referent, validator, person = people
    case_id = make_case(db, referent, person, job_start=date(2018, 11, 5))
    workflow.submit(db, referent, case_id)
    with db.write() as s:  # a 2018 envelope far too small
        envelope = s.scalars(select(Envelope).where(Envelope.year == 2018)).one()
        envelope.amount_cents = 20_000
    detail = load_case(db, case_id, validator)
    dialog = dd.GrantDialog(
        None, db, validator, case_id, detail, title="Accorder le Pack sortie", intro="…"
    )
    qtbot.addWidget(dialog)
    dialog.on_field.setValue(date(2018, 11, 20))
    dialog.refresh_preview()
    assert not dialog.preview.fits
    assert dialog.width() == dialog.dialog_width  # QWidget.width() is not shadowed
    assert not dialog.confirm_button.isEnabled()
    text = dialog.fit_label.text()
    assert "L'enveloppe 2018 ne suffit pas : il reste 200,00\u00a0€" in text
    assert dialog.envelope_model.rowCount() == 2  # 2018 and 2019
    dialog.resize(720, 640)
    dialog.show()
    shoot(dialog, "decision_grant_short")


def test_messages_go_to_the_form_summary_and_a_refusal_goes_when_the_input_changes(
    qtbot, db, people, monkeypatch, shoot
):
    referent, validator, person = people
    case_id = make_case(db, referent, person, job_start=date(2018, 6, 4))
    workflow.submit(db, referent, case_id)
    workflow.grant(db, validator, case_id, on=date(2018, 3, 20))

    def start(dialog):
        summary = dialog.form_errors.summary_label
        dialog.on_field.clear()
        click_confirm(qtbot, dialog)  # a field's message: beside it, linked from the summary
        assert dialog.form_errors.messages == {"on": "Indiquez la date."}
        assert 'href="on"' in summary.text() and not dialog.form_errors.summary.isHidden()
        qtbot.waitUntil(lambda: dialog.on_field.lineEdit().hasFocus())
        dialog.on_field.setValue(date(2018, 5, 2))
        assert dialog.error_text() == ""  # the date was edited: its message went
        click_confirm(qtbot, dialog)  # the service refuses: its message, without a link
        assert dialog.error_text() == "L'emploi ne commence que le 04/06/2018."
        assert "ne commence que le 04/06/2018." in summary.text()
        assert "href" not in summary.text()
        shoot(dialog, "decision_start_refused")
        dialog.on_field.setValue(date(2018, 6, 5))  # the input changed: the refusal is stale
        assert dialog.form_errors.summary.isHidden() and dialog.error_text() == ""
        dialog.reject()

    drive(monkeypatch, qtbot, start)
    assert not dd.confirm_start(None, db, referent, case_id)
