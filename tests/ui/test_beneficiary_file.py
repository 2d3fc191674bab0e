"""The beneficiary file tab and the navigation between files and cases in the main window."""

from __future__ import annotations

import sys
import types
from datetime import date

import pytest
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QApplication, QCheckBox, QDialog, QWidget

from app.config import app_paths
from app.models.enums import CaseState, Component
from app.services import case_view as case_service
from app.services import workflow
from app.services.beneficiaries import HouseholdInput
from app.services.errors import DatabaseUnavailable
from app.ui import application
from app.ui.beneficiary_file import (
    COL_AMOUNT,
    COL_REFERENCE,
    COL_STATE,
    NO_CASE_HINT,
    BeneficiaryFile,
    age_text,
    ago_text,
    member_text,
)
from tests.factories import granted_case, make_case, make_person, make_users

TODAY = date(2018, 4, 20)

pytestmark = pytest.mark.usefixtures("fake_dialogs")


def fake_module(monkeypatch, name: str, **attrs) -> types.ModuleType:
    """Stand-in for a module written elsewhere (the UI imports it lazily, by name)."""
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    monkeypatch.setitem(sys.modules, name, module)
    return module


class FakeCaseView(QWidget):
    """The case view's contract: (db, actor, case_id, parent), reload(), detail, title."""

    changed = Signal(object)
    openBeneficiaryRequested = Signal(object)
    opened: list = []

    def __init__(self, db, actor, case_id, parent=None):
        super().__init__(parent)
        self.case_id = case_id
        self.detail = case_service.load_case(db, case_id, actor)
        self.title = self.detail.reference
        self.reloads = 0
        FakeCaseView.opened.append(case_id)

    def reload(self):
        self.reloads += 1


@pytest.fixture
def case_view_stand_in(monkeypatch):
    FakeCaseView.opened = []
    fake_module(monkeypatch, "app.ui.case_view", CaseView=FakeCaseView)
    return FakeCaseView


@pytest.fixture
def people(db):
    referent, validator = make_users(db)
    person = make_person(
        db,
        referent,
        phone="06 12 34 56 78",
        notes="Cherche une place en crèche près de la gare.",
        children=(date(2016, 3, 2), date(2012, 9, 14)),
    )
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    return referent, validator, person, case_id


@pytest.fixture
def window(qtbot, db, people):
    referent = people[0]
    win = application.build_main_window(db, referent, paths=app_paths())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def open_file(qtbot, db, actor, person, **kw) -> BeneficiaryFile:
    file = BeneficiaryFile(db, actor, person, today=TODAY, **kw)
    qtbot.addWidget(file)
    file.resize(1100, 700)
    file.show()
    return file


# --- texts ---------------------------------------------------------------------------------


def test_ages_and_household_lines():
    assert age_text(date(2016, 3, 2), date(2018, 4, 20)) == "2 ans"
    assert age_text(date(2017, 4, 21), date(2018, 4, 20)) == "11 mois"
    assert age_text(date(2017, 4, 20), date(2018, 4, 20)) == "1 an"
    assert age_text(None, date(2018, 4, 20)) == ""
    assert ago_text(date(2018, 4, 3), date(2018, 4, 20)) == " (il y a 17 jours)"
    assert ago_text(date(2018, 4, 19), date(2018, 4, 20)) == " (il y a 1 jour)"
    assert ago_text(date(2017, 11, 3), date(2018, 4, 20)) == " (il y a 5 mois)"
    assert ago_text(date(2015, 11, 3), date(2018, 4, 20)) == " (il y a 2 ans)"
    assert ago_text(date(2018, 4, 20), date(2018, 4, 20)) == ""
    child = HouseholdInput("enfant", "Zoé", "Lefèvre", date(2016, 3, 2))
    assert member_text(child, date(2018, 4, 20)) == (
        "Enfant : Zoé Lefèvre, 2 ans (né(e) le 02/03/2016)"
    )


# --- the file ------------------------------------------------------------------------------


def test_file_shows_a_readable_summary(qtbot, db, people):
    referent, _validator, person, _case = people
    file = open_file(qtbot, db, referent, person)
    assert file.loaded and file.title == "LEFÈVRE Hélène"
    assert file.name_label.text() == "Mme Hélène LEFÈVRE"
    assert file.subtitle_label.text() == (
        "Née le 12/04/1985 (33 ans) · CAF 1234567 · Évry-Courcouronnes · Orientation sociale"
    )
    values = {**file.identity.values, **file.contact.values, **file.rights.values}
    values.update(file.support.values)
    assert values["address"].text() == "12 rue Jean Jaurès\n91000 Évry-Courcouronnes"
    assert values["phone"].text() == "06 12 34 56 78"
    assert values["email"].text() == "—"
    assert values["paying_body"].text() == "CAF"
    assert values["rsa_open_since"].text() == "01/05/2016"
    assert values["orientation"].text() == "Sociale"
    assert values["orientation_date"].text() == "10/01/2017"
    assert values["global_support"].text() == "Non"
    assert values["last_contact"].text() == "Aucun entretien enregistré"
    assert file.household_label.text().splitlines() == [
        "Enfant : Zoé Lefèvre, 5 ans (né(e) le 14/09/2012)",
        "Enfant : Zoé Lefèvre, 2 ans (né(e) le 02/03/2016)",
    ]
    assert file.notes_label.text() == "Cherche une place en crèche près de la gare."


def test_file_lists_the_cases_of_the_person(qtbot, qtmodeltester, db, people):
    referent, _validator, person, case_id = people
    draft = make_case(db, referent, person, job_start=date(2018, 4, 9))
    file = open_file(qtbot, db, referent, person)
    qtmodeltester.check(file.case_model)
    model = file.case_model
    assert model.rowCount() == 2
    assert model.case(0).id == draft  # the most recent job first
    assert model.index(1, COL_STATE).data() == CaseState.IN_PROGRESS.label
    assert model.index(1, COL_AMOUNT).data() == "1\u202f350,00\u00a0€"
    assert model.index(1, COL_REFERENCE).data().startswith("DOS-")
    assert not file.case_hint.isVisible()


def test_reading_the_file_is_logged_and_a_failure_offers_a_retry(
    qtbot, monkeypatch, db, people, fake_dialogs
):
    referent, _validator, person, _case = people
    from app.services import beneficiaries

    real = beneficiaries.load_beneficiary
    failures = [DatabaseUnavailable("La base de données est occupée par un autre poste.")]

    def flaky(*args, **kwargs):
        if failures:
            raise failures.pop()
        return real(*args, **kwargs)

    monkeypatch.setattr(beneficiaries, "load_beneficiary", flaky)
    fake_dialogs.retry_answers.append(True)
    file = open_file(qtbot, db, referent, person)
    assert file.loaded
    assert fake_dialogs.retries == ["La base de données est occupée par un autre poste."]


def test_a_person_without_case_shows_a_hint(qtbot, db, people):
    referent = people[0]
    other = make_person(db, referent, number="7654321", first_name="Awa", last_name="N'Diaye")
    file = open_file(qtbot, db, referent, other)
    assert file.case_model.rowCount() == 0
    assert file.case_hint.isVisible() and file.case_hint.text() == NO_CASE_HINT
    assert not file.open_case_button.isEnabled()


def test_enter_and_double_click_ask_to_open_the_case(qtbot, db, people):
    referent, _validator, person, case_id = people
    file = open_file(qtbot, db, referent, person)
    asked = []
    file.openCaseRequested.connect(asked.append)
    table = file.case_table
    table.setFocus()
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    rect = table.visualRect(file.case_model.index(0, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    file.open_case_button.click()
    assert asked == [case_id, case_id, case_id]


def test_last_contact_comes_from_the_latest_meeting(qtbot, db, people):
    from app.services.meetings import MeetingInput, save_meeting

    referent, _validator, person, case_id = people
    save_meeting(
        db,
        referent,
        MeetingInput(
            case_id=case_id,
            held_on=date(2018, 4, 3),
            mode="entretien",
            participants="Mme Lefèvre, Mme Benali",
            obstacles=[],
            job_situation="Poste tenu.",
            notes="Point sur les horaires.",
            next_steps="",
        ),
        today=TODAY,
    )
    file = open_file(qtbot, db, referent, person)
    assert file.support.values["last_contact"].text() == "03/04/2018 (il y a 17 jours)"


# --- in the main window --------------------------------------------------------------------


def test_opening_a_case_from_the_file_opens_one_case_tab(qtbot, window, people, case_view_stand_in):
    _referent, _validator, person, case_id = people
    window.open_beneficiary(person)
    file = window.current_content()
    assert isinstance(file, BeneficiaryFile)
    file.case_table.selectRow(0)
    file.open_selected_case()
    tabs = window.tabs
    assert tabs.count() == 4 and tabs.currentIndex() == 3
    view = window.current_content()
    assert isinstance(view, FakeCaseView) and tabs.tabText(3) == view.title
    assert view.title.startswith("DOS-")
    file.open_selected_case()  # again: the same tab
    assert tabs.count() == 4 and case_view_stand_in.opened == [case_id]
    # From the case, back to the person: the file's tab comes back.
    view.openBeneficiaryRequested.emit(person)
    assert window.current_content() is file


def test_ctrl_w_closes_the_current_tab_but_not_the_permanent_ones(
    qtbot, window, people, case_view_stand_in
):
    _referent, _validator, person, case_id = people
    window.open_beneficiary(person)
    window.open_case(case_id)
    tabs = window.tabs
    assert tabs.count() == 4
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.current_content(), Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert tabs.count() == 3 and window.tab_content("case", case_id) is None
    qtbot.keyClick(window.current_content(), Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert tabs.count() == 2
    tabs.setCurrentIndex(1)
    assert not window.action_close_tab.isEnabled()
    assert not window.close_current_tab() and tabs.count() == 2
    tabs.setCurrentIndex(0)
    assert not window.close_current_tab() and tabs.count() == 2
    window.open_beneficiary(person)  # closed tabs open anew
    assert tabs.count() == 3


def test_ctrl_f_comes_back_to_the_list_search(qtbot, window, people):
    window.open_beneficiary(people[2])
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.current_content(), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 0
    assert window.beneficiary_list.search.hasFocus()


def test_new_case_from_the_file_opens_the_editor_then_the_new_case(
    qtbot, monkeypatch, db, window, people, case_view_stand_in
):
    referent, _validator, person, _case = people
    asked = []

    class FakeEditor:
        def __init__(self, db, actor, *, beneficiary_id=None, case_id=None, parent=None):
            asked.append((beneficiary_id, case_id))
            self.saved_id = None

        def exec(self):
            self.saved_id = make_case(db, referent, person, job_start=date(2018, 4, 9))
            return QDialog.DialogCode.Accepted

        def deleteLater(self):
            pass

    fake_module(monkeypatch, "app.ui.case_editor", CaseEditor=FakeEditor)
    window.open_beneficiary(person)
    file = window.current_content()
    file.new_case_button.click()
    assert asked == [(person, None)]
    new_id = case_view_stand_in.opened[-1]
    assert window.current_content().case_id == new_id
    assert file.case_model.rowCount() == 2 and file.case_model.case(0).id == new_id


def test_new_case_action_uses_the_list_selection_and_a_cancel_opens_nothing(
    qtbot, monkeypatch, window, people, case_view_stand_in
):
    _referent, _validator, person, _case = people
    asked = []

    class CancelledEditor:
        def __init__(self, db, actor, *, beneficiary_id=None, case_id=None, parent=None):
            asked.append(beneficiary_id)
            self.saved_id = None

        def exec(self):
            return QDialog.DialogCode.Rejected

        def deleteLater(self):
            pass

    fake_module(monkeypatch, "app.ui.case_editor", CaseEditor=CancelledEditor)
    assert not window.action_new_case.isEnabled()  # nobody selected yet
    window.beneficiary_list.select_id(person)
    assert window.action_new_case.isEnabled()
    window.action_new_case.trigger()
    assert asked == [person] and window.tabs.count() == 2
    assert case_view_stand_in.opened == []


def test_a_changed_case_refreshes_the_list_the_caseload_and_the_file(
    qtbot, monkeypatch, db, window, people, case_view_stand_in
):
    referent, validator, person, case_id = people
    window.beneficiary_list.select_id(person)
    window.open_beneficiary(person)
    file = window.current_content()
    window.open_case(case_id)
    view = window.current_content()
    calls = []
    monkeypatch.setattr(window.beneficiary_list, "refresh", lambda *a, **k: calls.append("list"))
    monkeypatch.setattr(window.caseload_view, "refresh", lambda *a, **k: calls.append("todo"))
    workflow.suspend(db, validator, case_id, "Arrêt maladie de l'enfant gardé.", on=TODAY)
    view.changed.emit(case_id)
    assert calls == ["list", "todo"]
    assert file.case_model.index(0, COL_STATE).data() == CaseState.SUSPENDED.label


def test_nothing_opens_when_the_user_gives_up(qtbot, monkeypatch, window, people, fake_dialogs):
    _referent, _validator, person, case_id = people
    from app.services import beneficiaries

    def busy(*_a, **_k):
        raise DatabaseUnavailable("La base de données est occupée par un autre poste.")

    monkeypatch.setattr(beneficiaries, "load_beneficiary", busy)
    fake_dialogs.retry_answers.append(False)
    window.open_beneficiary(person)
    assert window.tabs.count() == 2 and fake_dialogs.retries

    class MissingCase(FakeCaseView):
        def __init__(self, db, actor, case_id, parent=None):
            QWidget.__init__(self, parent)
            self.loaded = False  # the real view has told the user
            self.detail = None
            self.title = "Dossier introuvable"

    fake_module(monkeypatch, "app.ui.case_view", CaseView=MissingCase)
    window.open_case(case_id)
    assert window.tabs.count() == 2


def test_switching_database_closes_the_open_tabs(tmp_path, window, people, fake_dialogs):
    window.open_beneficiary(people[2])
    assert window.tabs.count() == 3
    fake_dialogs.save_file = str(tmp_path / "autre.sqlite")
    window.action_new_database.trigger()
    assert window.tabs.count() == 2 and window.tab_content("beneficiary", people[2]) is None
    assert window.caseload_view.items == []
    window.db.dispose()


def test_read_only_database_cannot_create_cases(qtbot, db, people):
    referent, _validator, person, _case = people
    db.read_only = True
    win = application.build_main_window(db, referent, paths=app_paths())
    qtbot.addWidget(win)
    win.open_beneficiary(person)
    assert not win.current_content().new_case_button.isEnabled()
    assert not win.action_new_case.isEnabled()


# --- screenshot ----------------------------------------------------------------------------


def test_screenshot_of_a_beneficiary_file(qtbot, db, window, people, case_view_stand_in, shoot):
    from app.services.beneficiaries import load_beneficiary, save_beneficiary
    from app.services.beneficiary_search import lookups
    from app.services.meetings import MeetingInput, save_meeting

    referent, _validator, person, case_id = people
    data = load_beneficiary(db, person, referent)
    data.referent_id = referent.user_id
    data.office_id = lookups(db).offices[0].id
    data.support_contract = "CE"
    data.email = "helene.lefevre@example.org"
    data.household.insert(0, HouseholdInput("conjoint", "Marc", "Lefèvre", date(1983, 6, 2)))
    save_beneficiary(db, referent, data)
    save_meeting(
        db,
        referent,
        MeetingInput(case_id, date(2018, 4, 3), notes="Point sur les horaires."),
        today=TODAY,
    )
    window.resize(1280, 760)
    window.open_beneficiary(person)
    shoot(window, "beneficiary_file")
    QApplication.processEvents()


# --- with the real case editor and case view -----------------------------------------------


def test_real_case_editor_then_real_case_view_in_a_tab(
    qtbot, monkeypatch, db, window, people, shoot
):
    from app.ui.case_editor import CaseEditor
    from app.ui.case_view import CaseView

    _referent, _validator, person, case_id = people

    def fill_and_save(editor):
        editor.employer_name.setText("Mairie d'Évry-Courcouronnes")
        editor.job_start.setValue(date(2018, 4, 9))
        editor.request_date.setValue(date(2018, 4, 10))
        (transport,) = [
            box for box in editor.findChildren(QCheckBox) if box.text() == Component.TRANSPORT.label
        ]
        transport.setChecked(True)  # as a user would tick it
        assert editor.save(), editor.error_text()
        return editor.result()

    monkeypatch.setattr(CaseEditor, "exec", fill_and_save)
    window.resize(1280, 760)
    window.open_beneficiary(person)
    file = window.current_content()
    file.new_case_button.click()
    view = window.current_content()
    assert isinstance(view, CaseView) and view.loaded
    assert view.detail.employer_name == "Mairie d'Évry-Courcouronnes"
    tabs = window.tabs
    assert tabs.tabText(tabs.currentIndex()) == view.detail.reference
    assert view.title in tabs.tabToolTip(tabs.currentIndex())
    assert file.case_model.rowCount() == 2
    window.open_case(case_id)  # the older case, from the list of the file
    assert tabs.count() == 5
    shoot(window, "main_window_tabs")
    # The case view's own link back to the person shows the file's tab again.
    window.current_content().openBeneficiaryRequested.emit(person)
    assert window.current_content() is file


# --- right of access ---------------------------------------------------------------------------


def test_right_of_access_from_the_file_menu(qtbot, db, people, fake_dialogs, tmp_path, shoot):
    referent, _validator, person, _case_id = people
    file = open_file(qtbot, db, referent, person)
    assert file.more_button.menu().actions() == [file.access_action]
    fake_dialogs.save_file = ""
    assert file.export_access() is False  # cancelled: nothing written
    fake_dialogs.save_file = str(tmp_path / "acces.pdf")
    file.access_action.trigger()
    assert (tmp_path / "acces.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "acces.json").exists()
    assert "Droit d'accès enregistré" in fake_dialogs.infos[-1]
    fake_dialogs.save_file = str(tmp_path / "absent" / "acces.pdf")
    assert file.export_access() is False
    assert "Impossible d'écrire" in str(fake_dialogs.errors[-1])
    shoot(file, "beneficiary_file_more_button")
