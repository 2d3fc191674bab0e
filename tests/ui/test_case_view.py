"""The case screen: header, rules, instalments and timeline, allowed actions per role and
state, selection between timeline and tables, and the decisions driven through their
dialogs (the modal seam replaced by a function that fills the dialog and clicks)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel

from app.models.enums import CaseState, DocumentKind, InstalmentStatus
from app.services import documents, workflow
from app.services.case_view import Action, load_case
from app.services.eligibility import RuleStatus
from app.services.errors import DatabaseUnavailable
from app.services.meetings import MeetingInput, save_meeting
from app.services.text import format_cents
from app.services.workflow import ExitReason
from app.ui import case_view as case_view_module
from app.ui import case_widgets
from app.ui.case_texts import french_changes
from app.ui.case_view import TAB_INSTALMENTS, TAB_MEETINGS, CaseView
from app.ui.decision_dialogs import (
    EarlyEndDialog,
    GrantDialog,
    ObservationsDialog,
    RefusalDialog,
    SubmitDialog,
)
from app.ui.meeting_dialog import MeetingDialog
from tests import clock as session
from tests.clock import working_day
from tests.factories import granted_case, make_case, make_person, make_users
from tests.ui.user_input import key_text

pytestmark = pytest.mark.usefixtures("fake_dialogs")

TODAY = date(2018, 6, 15)


@pytest.fixture
def people(db):
    referent, validator = make_users(db)
    person = make_person(db, referent)
    return referent, validator, person


@pytest.fixture
def in_progress(db, people):
    referent, validator, person = people
    case_id = granted_case(
        db, referent, validator, person, on=date(2018, 3, 20), trial_end=date(2018, 5, 4)
    )
    for held_on, notes in ((date(2018, 3, 28), "Prise de poste."), (date(2018, 5, 2), "Bilan.")):
        save_meeting(
            db,
            referent,
            MeetingInput(
                case_id,
                held_on,
                notes=notes,
                obstacles=["transport"],
                next_meeting_on=date(2018, 6, 5),
            ),
            today=held_on,
        )
    return case_id


def open_view(qtbot, db, actor, case_id, today: date | None = TODAY) -> CaseView:
    view = CaseView(db, actor, case_id, today=today)
    qtbot.addWidget(view)
    view.resize(1200, 920)
    view.show()
    qtbot.waitExposed(view)
    return view


Driver = Callable[[QDialog], bool]


def drive_dialogs(monkeypatch, *drivers: Driver) -> list[QDialog]:
    """Replace the modal seam: each dialog opened is handed to the next driver."""
    queue = list(drivers)
    seen: list[QDialog] = []

    def fake_exec(dialog: QDialog) -> bool:
        seen.append(dialog)
        dialog.show()
        return queue.pop(0)(dialog)

    monkeypatch.setattr(case_widgets, "exec_dialog", fake_exec)
    return seen


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def accepted(dialog: QDialog) -> bool:
    return dialog.result() == QDialog.DialogCode.Accepted


# --- what is shown --------------------------------------------------------------------------
def test_header_rules_instalments_and_timeline(
    qtbot, db, people, in_progress, qtmodeltester, shoot
):
    referent, _, _ = people
    view = open_view(qtbot, db, referent, in_progress)
    assert view.loaded
    assert view.title == "DOS-2018-00001 — LEFÈVRE Hélène"
    assert view.reference_label.text() == "DOS-2018-00001"
    assert view.state_badge.text() == "En cours"
    assert view.person_label.text() == "LEFÈVRE Hélène"
    assert view.birth_label.text() == "12/04/1985 (33 ans)"
    assert view.allocataire_label.text() == "CAF 1234567"
    assert view.orientation_label.text() == "Sociale"
    assert view.referent_label.text() == "Nadia Benali"
    assert "Zoé Lefèvre (enfant, né(e) le 02/03/2016)" in view.household_label.text()
    assert "jusqu'au 04/09/2018" in view.state_notice.text()

    # One line per rule, each with its status.
    lines = {line.code: line.status for line in view.eligibility_panel.lines}
    assert lines == {
        "rsa_open": RuleStatus.PASSED,
        "orientation": RuleStatus.PASSED,
        "request_delay": RuleStatus.PASSED,
        "previous_pack": RuleStatus.PASSED,
        "childcare": RuleStatus.PASSED,
    }
    assert view.eligibility_panel.findChild(QLabel, "ruleIcon_orientation") is not None
    assert "plafond 1\u202f350,00\u00a0€" in view.eligibility_panel.scale_label.text()

    # Instalments: month, aid, amount, status, payee.
    model = view.instalment_model
    qtmodeltester.check(model)
    assert model.rowCount() == 11
    assert [model.text(0, c) for c in range(5)] == [
        "mars 2018",
        "Transport en commun",
        format_cents(7500),
        "Prévue",
        "Hélène Lefèvre (bénéficiaire)",
    ]
    assert view.job_values["employer_name"].text() == "Boulangerie Martin"
    assert view.job_values["trial_end"].text() == "04/05/2018"
    assert view.job_values["six_month_end"].text() == "04/09/2018"
    assert view.amount_values["total"].text() == format_cents(135000)
    assert view.aid_model.rowCount() == 3
    assert view.meeting_model.rowCount() == 2
    assert view.meeting_model.text(0, 0) == "02/05/2018"  # most recent first
    assert view.documents_empty.text() == "Aucun document"
    assert not view.documents_empty.isHidden()
    assert view.document_table.isHidden()
    for model_ in (view.aid_model, view.meeting_model, view.decision_model, view.history_model):
        qtmodeltester.check(model_)

    # The timeline paints the same instalments and meetings.
    shoot(view, "case_view_in_progress")
    painted = [i for i in view.timeline.items if i.kind == "instalment"]
    assert {i.id for i in painted} == {i.id for i in view.detail.instalments}
    assert len([i for i in view.timeline.items if i.kind == "meeting"]) == 2
    view.tabs.setCurrentIndex(TAB_MEETINGS)
    shoot(view, "case_view_meetings_tab")
    view.tabs.setCurrentIndex(TAB_INSTALMENTS)
    shoot(view, "case_view_instalments_tab")
    view.tabs.setCurrentIndex(2)
    shoot(view, "case_view_aids_tab")


def test_history_speaks_french_and_hides_reads(qtbot, db, people, in_progress, shoot):
    referent, _, _ = people
    view = open_view(qtbot, db, referent, in_progress)
    model = view.history_model
    actions = [model.text(r, 3) for r in range(model.rowCount())]
    assert "Attribution" in actions and "Soumission à validation" in actions
    assert "Consultation" not in actions
    grant_row = actions.index("Attribution")
    assert model.text(grant_row, 5) == "État : Soumis → En cours"
    assert "/" in model.text(grant_row, 0) and ":" in model.text(grant_row, 0)
    view.reload()  # the opening itself is in the access log now
    view.show_reads.setChecked(True)
    assert "Consultation" in [model.text(r, 3) for r in range(model.rowCount())]
    view.tabs.setCurrentIndex(7)
    shoot(view, "case_view_history_tab")


def test_french_changes_translates_codes_dates_and_aids():
    text = (
        "reference : None → DOS-2018-00001; beneficiary_id : None → 1234; state : None → draft; "
        "job_start : None → 2018-03-05; contract_type : None → interim; "
        "aids : — → ['transport:7500x2', 'childcare:15000x6']"
    )
    assert french_changes(text) == (
        "Référence : DOS-2018-00001 ; État : Brouillon ; Début de l'emploi : 05/03/2018 ; "
        "Type de contrat : Intérim ; Aides : Transport en commun 75,00\u00a0€ × 2, "
        "Garde d'enfant 150,00\u00a0€ × 6"
    )
    assert french_changes("state : submitted → refused") == "État : Soumis → Refusé"


# --- allowed actions ----------------------------------------------------------------------
def _buttons(view: CaseView) -> list[Action]:
    return list(view.action_buttons)


def test_only_allowed_actions_appear(qtbot, db, people, in_progress, shoot):
    referent, validator, person = people
    draft = make_case(
        db, referent, person, job_start=date(2020, 3, 2), contract_end=date(2020, 12, 31)
    )
    view = open_view(qtbot, db, referent, draft)
    assert set(_buttons(view)) == {Action.EDIT, Action.SUBMIT}
    assert view.action_buttons[Action.SUBMIT].isDefault()  # the next step is highlighted
    assert view.action_buttons[Action.SUBMIT].text() == "Soumettre à validation"
    assert view.instalments_empty.isVisibleTo(view.tabs.widget(TAB_INSTALMENTS))
    assert view.state_badge.text() == "Brouillon"
    shoot(view, "case_view_draft")

    workflow.submit(db, referent, draft)
    view.reload()
    assert _buttons(view) == []
    assert view.findChild(QLabel, "noActions") is not None
    validator_view = open_view(qtbot, db, validator, draft)
    assert set(_buttons(validator_view)) == {Action.GRANT, Action.REFUSE}
    assert validator_view.action_buttons[Action.GRANT].isDefault()

    followed = open_view(qtbot, db, referent, in_progress)
    assert set(_buttons(followed)) == {Action.ADD_MEETING, Action.SUSPEND, Action.COMPLETE}
    assert followed.new_meeting_button.isVisibleTo(followed.tabs.widget(TAB_MEETINGS))
    decided = open_view(qtbot, db, validator, in_progress)
    assert set(_buttons(decided)) == {
        Action.ADD_MEETING,
        Action.SUSPEND,
        Action.COMPLETE,
        Action.INVITE_OBSERVATIONS,
        Action.END_EARLY,
    }
    assert decided.action_buttons[Action.END_EARLY].text() == "Mettre fin avant terme"


def test_read_only_database_offers_no_action(qtbot, db, people, in_progress, monkeypatch):
    referent, _, _ = people
    monkeypatch.setattr(db, "read_only", True)
    view = open_view(qtbot, db, referent, in_progress)
    assert view.action_buttons == {}
    assert "lecture seule" in view.findChild(QLabel, "noActions").text()
    assert not view.run_action(Action.SUSPEND)


# --- timeline and tables -------------------------------------------------------------------
def test_timeline_and_instalment_table_select_each_other(qtbot, db, people, in_progress):
    referent, _, _ = people
    view = open_view(qtbot, db, referent, in_progress)
    view.grab()  # paint: the timeline knows where each item is
    target = [i for i in view.timeline.items if i.kind == "instalment"][4]
    view.tabs.setCurrentIndex(0)
    qtbot.mouseClick(view.timeline, Qt.MouseButton.LeftButton, pos=target.rect.center().toPoint())
    assert view.tabs.currentIndex() == TAB_INSTALMENTS
    row = view.instalment_model.row_of(target.id)
    assert case_widgets.selected_row(view.instalment_table) == row

    selected = []
    original = view.timeline.select
    view.timeline.select = lambda item_id: (selected.append(item_id), original(item_id))
    other = view.instalment_model.id_at(7)
    rect = view.instalment_table.visualRect(view.instalment_model.index(7, 0))
    qtbot.mouseClick(view.instalment_table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert selected[-1] == other

    # A meeting clicked in the timeline is selected in the meetings tab.
    meeting = next(i for i in view.timeline.items if i.kind == "meeting")
    qtbot.mouseClick(view.timeline, Qt.MouseButton.LeftButton, pos=meeting.rect.center().toPoint())
    assert view.tabs.currentIndex() == TAB_MEETINGS
    row = case_widgets.selected_row(view.meeting_table)
    assert view.meeting_model.id_at(row) == meeting.id
    assert "Entretien de suivi du" in view.meeting_text.toPlainText()


def test_double_click_opens_the_meeting_to_edit(qtbot, db, people, in_progress, monkeypatch):
    referent, _, _ = people
    view = open_view(qtbot, db, referent, in_progress)
    view.tabs.setCurrentIndex(TAB_MEETINGS)

    def edit(dialog: MeetingDialog) -> bool:
        assert isinstance(dialog, MeetingDialog)
        assert dialog.held_on.text() == "02/05/2018"
        dialog.next_steps.setPlainText("Rappeler l'employeur.")
        dialog._today = date(2018, 5, 2)
        click(qtbot, dialog.save_button)
        return accepted(dialog)

    seen = drive_dialogs(monkeypatch, edit)
    rect = view.meeting_table.visualRect(view.meeting_model.index(0, 0))
    viewport = view.meeting_table.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())  # as a user does
    with qtbot.waitSignal(view.changed) as blocker:
        qtbot.mouseDClick(
            view.meeting_table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center()
        )
    assert blocker.args == [in_progress], seen
    assert "Rappeler l'employeur." in view.meeting_text.toPlainText()


# --- decisions ---------------------------------------------------------------------------
def test_submit_then_grant_changes_badge_and_emits_changed(qtbot, db, people, monkeypatch, shoot):
    referent, validator, person = people
    case_id = make_case(db, referent, person, job_start=date(2018, 3, 5), trial_end=None)
    view = open_view(qtbot, db, referent, case_id)

    def submit(dialog: SubmitDialog) -> bool:
        assert isinstance(dialog, SubmitDialog)
        shoot(dialog, "decision_submit")
        click(qtbot, dialog.confirm_button)
        return accepted(dialog)

    drive_dialogs(monkeypatch, submit)
    with qtbot.waitSignal(view.changed) as blocker:
        click(qtbot, view.action_buttons[Action.SUBMIT])
    assert blocker.args == [case_id]
    assert view.state_badge.text() == "Soumis"

    validator_view = open_view(qtbot, db, validator, case_id)

    def grant(dialog: GrantDialog) -> bool:
        assert isinstance(dialog, GrantDialog)
        dialog.resize(760, 720)
        # This year has no envelope voted: said clearly, and the grant is impossible.
        assert not dialog.preview.fits
        assert f"Aucune enveloppe n'est votée pour {session.TODAY.year}" in dialog.fit_label.text()
        assert not dialog.confirm_button.isEnabled()
        # Decided today, years after the job start, it would also need a statement.
        assert dialog.statement_box.isVisible()
        assert "Décision tardive" in dialog.checks_label.text()
        shoot(dialog, "decision_grant_no_envelope")
        dialog.on_field.lineEdit().clear()
        qtbot.keyClicks(dialog.on_field.lineEdit(), "20/03/2018")
        dialog.refresh_preview()
        assert dialog.preview.fits
        model = dialog.schedule_model
        assert model.text(0, 0) == "mars 2018"
        assert model.text(model.rowCount() - 1, model.columnCount() - 1) == format_cents(135000)
        assert dialog.envelope_model.text(0, 0) == "2018"
        assert "tient dans l'enveloppe de 2018" in dialog.fit_label.text()
        assert not dialog.statement_box.isVisible()  # decided in time, every rule passed
        shoot(dialog, "decision_grant")
        click(qtbot, dialog.confirm_button)
        return accepted(dialog)

    drive_dialogs(monkeypatch, grant)
    with qtbot.waitSignal(validator_view.changed):
        click(qtbot, validator_view.action_buttons[Action.GRANT])
    assert validator_view.state_badge.text() == "En cours"
    assert validator_view.instalment_model.rowCount() == 11
    assert validator_view.decision_model.text(0, 1) == "Attribution"
    assert validator_view.decision_model.text(0, 2) == "20/03/2018"


def test_refusal_needs_a_motivation(qtbot, db, people, monkeypatch, shoot):
    referent, validator, _ = people
    person = make_person(db, referent, number="7654321", orientation="emploi", last_name="Martin")
    case_id = make_case(db, referent, person, job_start=date(2018, 3, 5))
    workflow.submit(db, referent, case_id)
    view = open_view(qtbot, db, validator, case_id)
    assert view.eligibility_panel.line("orientation").status is RuleStatus.FAILED

    def refuse(dialog: RefusalDialog) -> bool:
        assert isinstance(dialog, RefusalDialog)
        assert not dialog.confirm_button.isEnabled()  # blocked while empty
        assert "30 au moins" in dialog.motivation.counter.text()
        qtbot.keyClicks(dialog.motivation.edit, "Trop tard.")
        assert not dialog.confirm_button.isEnabled()
        # Forced through (as Enter or a script would): the service's French message.
        dialog.confirm()
        assert dialog.isVisible() and "motivation est obligatoire" in dialog.error_text()
        dialog.motivation.edit.clear()
        click(qtbot, dialog.insert_button)
        assert "Orientation au début de l'emploi" in dialog.motivation.text()
        assert dialog.confirm_button.isEnabled()
        shoot(dialog, "decision_refusal")
        click(qtbot, dialog.confirm_button)
        return accepted(dialog)

    drive_dialogs(monkeypatch, refuse)
    with qtbot.waitSignal(view.changed):
        click(qtbot, view.action_buttons[Action.REFUSE])
    assert view.state_badge.text() == "Refusé"
    assert view.action_buttons == {}
    assert view.decision_model.text(0, 1) == "Refus"
    assert "Orientation emploi" in view.decision_text.toPlainText()
    view.tabs.setCurrentIndex(5)
    shoot(view, "case_view_refused")


def test_early_end_after_the_notice_and_its_delay(
    qtbot, db, people, in_progress, monkeypatch, shoot
):
    _, validator, _ = people
    view = open_view(qtbot, db, validator, in_progress)

    def notice(dialog: ObservationsDialog) -> bool:
        assert isinstance(dialog, ObservationsDialog)
        dialog.on_field.setValue(date(2018, 4, 2))
        key_text(
            qtbot,
            dialog.motivation.edit,
            "Absences répétées signalées par l'employeur depuis mars.",
        )
        assert "comptés à partir de l'envoi du courrier" in dialog.deadline_label.text()
        shoot(dialog, "decision_observations")
        click(qtbot, dialog.confirm_button)
        return accepted(dialog)

    drive_dialogs(monkeypatch, notice)
    with qtbot.waitSignal(view.changed):
        click(qtbot, view.action_buttons[Action.INVITE_OBSERVATIONS])
    assert "invitation décidée le 02/04/2018, courrier à envoyer" in view.state_notice.text()

    def too_soon(dialog: EarlyEndDialog) -> bool:
        dialog.reason.setCurrentIndex(dialog.reason.findData(ExitReason.JOB_LOST.value))
        dialog.on_field.setValue(date(2018, 5, 10))
        assert "pas encore été envoyée" in dialog.notice_label.text()
        dialog.reject()
        return False

    drive_dialogs(monkeypatch, too_soon)
    click(qtbot, view.action_buttons[Action.END_EARLY])
    with working_day(date(2018, 4, 2)):  # the letter is produced and sent on 02/04
        documents.produce_document(db, validator, in_progress, DocumentKind.OBSERVATIONS_NOTICE)
    view.reload()
    assert "courrier envoyé le 02/04/2018, délai jusqu'au 17/04/2018 inclus" in (
        view.state_notice.text()
    )

    def end(dialog: EarlyEndDialog) -> bool:
        assert isinstance(dialog, EarlyEndDialog)
        assert not dialog.confirm_button.isEnabled()  # no reason chosen yet
        assert "Sauf lorsque la personne le demande" in dialog.notice_label.text()
        dialog.reason.setCurrentIndex(dialog.reason.findData(ExitReason.JOB_LOST.value))
        dialog.on_field.setValue(date(2018, 4, 10))
        assert "court jusqu'au 17/04/2018 inclus" in dialog.notice_label.text()
        key_text(
            qtbot,
            dialog.motivation.edit,
            "Licenciement en période d'essai le 30/03/2018 ; aucune observation reçue.",
        )
        click(qtbot, dialog.confirm_button)  # the service refuses: the delay runs
        assert dialog.isVisible()
        assert "court jusqu'au 17/04/2018 inclus" in dialog.error_text()
        dialog.on_field.setValue(date(2018, 4, 20))
        assert "le délai a pris fin le 17/04/2018" in dialog.notice_label.text()
        shoot(dialog, "decision_early_end")
        click(qtbot, dialog.confirm_button)
        return accepted(dialog)

    drive_dialogs(monkeypatch, end)
    with qtbot.waitSignal(view.changed):
        click(qtbot, view.action_buttons[Action.END_EARLY])
    assert view.state_badge.text() == "Arrêté avant terme"
    assert "perte de l'emploi" in view.state_notice.text()
    statuses = {i.status for i in view.detail.instalments if i.due_month >= date(2018, 4, 1)}
    assert statuses == {InstalmentStatus.CANCELLED}


def test_suspend_and_resume_from_the_bar(qtbot, db, people, in_progress, monkeypatch):
    referent, _, _ = people
    view = open_view(qtbot, db, referent, in_progress)

    def suspend(dialog) -> bool:
        assert not dialog.confirm_button.isEnabled()
        key_text(qtbot, dialog.reason, "Congé sans solde")
        click(qtbot, dialog.confirm_button)
        return accepted(dialog)

    def resume(dialog) -> bool:
        click(qtbot, dialog.confirm_button)
        return accepted(dialog)

    drive_dialogs(monkeypatch, suspend, resume)
    click(qtbot, view.action_buttons[Action.SUSPEND])
    assert view.state_badge.text() == "Suspendu"
    assert Action.RESUME in view.action_buttons
    click(qtbot, view.action_buttons[Action.RESUME])
    assert view.detail.state is CaseState.IN_PROGRESS


def test_cancelled_dialog_changes_nothing(qtbot, db, people, in_progress, monkeypatch):
    referent, _, _ = people
    view = open_view(qtbot, db, referent, in_progress)
    drive_dialogs(monkeypatch, lambda dialog: False)
    with qtbot.assertNotEmitted(view.changed):
        click(qtbot, view.action_buttons[Action.SUSPEND])
    assert view.state_badge.text() == "En cours"


def test_open_beneficiary_button(qtbot, db, people, in_progress):
    referent, _, person = people
    view = open_view(qtbot, db, referent, in_progress)
    with qtbot.waitSignal(view.openBeneficiaryRequested) as blocker:
        click(qtbot, view.open_person_button)
    assert blocker.args == [person]


def test_unavailable_database_is_retried(qtbot, db, people, in_progress, monkeypatch, fake_dialogs):
    referent, _, _ = people
    view = open_view(qtbot, db, referent, in_progress)
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise DatabaseUnavailable("La base est occupée par un autre poste.")
        return load_case(*args, **kwargs)

    monkeypatch.setattr(case_view_module, "load_case", flaky)
    fake_dialogs.retry_answers.append(True)
    assert view.reload()
    assert fake_dialogs.retries == ["La base est occupée par un autre poste."]
    assert len(calls) == 2


def test_missing_case_is_said(qtbot, db, people, fake_dialogs):
    import uuid

    referent, _, _ = people
    view = CaseView(db, referent, uuid.uuid4())
    qtbot.addWidget(view)
    assert not view.loaded
    assert view.title == "Dossier introuvable"
    assert "n'existe plus" in str(fake_dialogs.errors[0])
    assert view.missing_label.isVisibleTo(view)


def test_edit_opens_the_editor_and_reloads(qtbot, db, people, monkeypatch):
    referent, _, person = people
    case_id = make_case(db, referent, person, job_start=date(2018, 3, 5))
    view = open_view(qtbot, db, referent, case_id)

    def edit(editor) -> bool:
        assert editor.employer_name.text() == "Boulangerie Martin"
        editor.employer_name.setText("Boulangerie Martin & fils")
        click(qtbot, editor.save_button)
        return accepted(editor)

    drive_dialogs(monkeypatch, edit)
    with qtbot.waitSignal(view.changed):
        click(qtbot, view.action_buttons[Action.EDIT])
    assert view.job_values["employer_name"].text() == "Boulangerie Martin & fils"
    assert view.state_badge.text() == "Brouillon"


def test_a_grant_with_facts_to_check_needs_the_validators_statement(
    qtbot, db, people, monkeypatch, shoot
):
    referent, validator, _ = people
    person = make_person(db, referent, number="7654321", last_name="Martin", rsa_open_since=None)
    case_id = make_case(db, referent, person, job_start=date(2018, 3, 5))
    workflow.submit(db, referent, case_id, on=date(2018, 3, 12))
    view = open_view(qtbot, db, validator, case_id)
    assert view.eligibility_panel.line("rsa_open").status is RuleStatus.TO_CHECK

    def grant(dialog: GrantDialog) -> bool:
        dialog.resize(760, 820)
        dialog.on_field.setValue(date(2018, 3, 20))
        dialog.refresh_preview()
        assert dialog.preview.fits and dialog.statement_box.isVisible()
        assert "Droit RSA ouvert au début de l'emploi" in dialog.checks_label.text()
        assert not dialog.confirm_button.isEnabled()
        key_text(
            qtbot,
            dialog.statement.edit,
            "Droit RSA vérifié sur le portail CAF le 19/03/2018 (ouvert depuis 2016).",
        )
        assert dialog.confirm_button.isEnabled()
        shoot(dialog, "decision_grant_statement")
        click(qtbot, dialog.confirm_button)
        return accepted(dialog)

    drive_dialogs(monkeypatch, grant)
    with qtbot.waitSignal(view.changed):
        click(qtbot, view.action_buttons[Action.GRANT])
    assert view.state_badge.text() == "En cours"
    history = " ".join(h.summary for h in view.detail.history)
    assert "le valideur atteste : « Droit RSA vérifié sur le portail CAF" in history
    view.decision_table.selectRow(0)
    assert "Attestation du valideur : Droit RSA vérifié" in view.decision_text.toPlainText()
