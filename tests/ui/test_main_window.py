"""The main window, the list screen and the start-up path, driven through the GUI."""

from __future__ import annotations

import json
import os
import sys
import types
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QTranslator
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox

from app import __version__
from app.config import WorkstationConfig, app_paths, load_config, save_config
from app.models import Setting
from app.models.enums import CaseState
from app.services import beneficiary_search as svc
from app.services import workflow
from app.services.beneficiary_search import NO_CASE
from app.services.demo_day import DEMO_DATE_KEY, demo_date
from app.services.errors import DatabaseRefused, DatabaseUnavailable
from app.services.schema import open_sqlite
from app.services.storage import StorageMode
from app.ui import application, status, workspace
from app.ui.beneficiary_list import EMPTY_DATABASE_HINT, NAME_MIN_WIDTH, NO_MATCH_HINT
from app.ui.beneficiary_table_model import COL_COMMUNE, COL_NAME
from app.ui.main_window import MainWindow
from tests.clock import TODAY, years_before

SHOTS = Path(os.environ.get("PACK_SORTIE_SHOTS", "/tmp/shots"))

pytestmark = pytest.mark.usefixtures("fake_dialogs")


@pytest.fixture
def window(qtbot, population, actor):
    win = application.build_main_window(population.db, actor, paths=app_paths())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def fake_module(monkeypatch, name: str, **attrs) -> types.ModuleType:
    """Stand-in for a module written elsewhere (the UI imports it lazily, by name)."""
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    monkeypatch.setitem(sys.modules, name, module)
    return module


def first_names(win: MainWindow, count: int = 3) -> list[str]:
    model = win.beneficiary_list.model
    return [model.index(r, COL_NAME).data() for r in range(min(count, model.rowCount()))]


def click_header(qtbot, win: MainWindow, column: int) -> None:
    header = win.beneficiary_list.table.horizontalHeader()
    x = header.sectionViewportPosition(column) + 12
    qtbot.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
    )


# --- texts ---------------------------------------------------------------------------------


def test_count_texts():
    assert status.count_text(30_000) == "30\u202f000 bénéficiaires"
    assert status.count_text(1) == "1 bénéficiaire"
    assert status.count_text(2) == "2 bénéficiaires"
    assert status.count_text(0) == "Aucun bénéficiaire"


def test_database_texts_for_a_read_only_share():
    share = types.SimpleNamespace(
        path=Path("//serveur/pack/base.sqlite"),
        location="\\\\serveur\\pack\\base.sqlite",
        mode=StorageMode.SHARED,
        read_only=True,
        damage="",
    )
    assert status.database_text(share) == (
        "Base partagée : \\\\serveur\\pack\\base.sqlite — lecture seule"
    )
    assert status.mode_text(share) == "Base partagée, lecture seule"
    share.damage = "database disk image is malformed"
    assert status.mode_text(share) == "Base partagée, endommagée, lecture seule"


def test_title_and_status_bar(window, population):
    assert window.windowTitle() == "Pack Sortie — pack-sortie.sqlite"
    assert window.count_label.text() == "300 bénéficiaires"
    assert window.database_label.text() == f"Base locale : {population.db.location}"
    assert window.user_label.text() == "Utilisateur : Agent Test"
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == [
        "&Fichier",
        "&Bénéficiaires",
        "Do&ssiers",
        "Docu&ments",
        "Admi&nistration",
        "&Aide",
    ]
    tabs = window.tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["Bénéficiaires", "À faire"]
    assert tabs.currentIndex() == 0 and not window.action_close_tab.isEnabled()


def test_read_only_database_disables_writing(qtbot, population, actor):
    population.db.read_only = True
    win = application.build_main_window(population.db, actor, paths=app_paths())
    qtbot.addWidget(win)
    assert win.database_label.text().endswith(" — lecture seule")
    assert not win.action_new_beneficiary.isEnabled()
    assert not win.action_import.isEnabled()


# --- search and filters --------------------------------------------------------------------


def test_search_as_you_type_ignores_accents_and_case(qtbot, window):
    qtbot.keyClicks(window.beneficiary_list.search, "helene")
    qtbot.waitUntil(lambda: window.beneficiary_list.model.total == 1)
    assert first_names(window) == ["LEFÈVRE Hélène"]
    assert window.count_label.text() == "1 bénéficiaire"


def test_search_by_allocataire_number_and_commune(window, population):
    blist = window.beneficiary_list
    blist.set_search_text("7654321")
    assert first_names(window) == ["BÉGUÉ Zoé"]
    blist.set_search_text("etampes")
    expected = sum(p.commune == "Étampes" for p in population.people)
    assert blist.model.total == expected > 1
    model = blist.model
    assert {model.index(r, COL_COMMUNE).data() for r in range(model.rowCount())} == {"Étampes"}


def test_search_waits_for_a_pause_then_queries_once(qtbot, monkeypatch, window):
    calls = []
    real = svc.list_beneficiaries
    monkeypatch.setattr(svc, "list_beneficiaries", lambda *a, **k: calls.append(1) or real(*a, **k))
    qtbot.keyClicks(window.beneficiary_list.search, "lefevre")
    assert calls == []  # nothing per keystroke while typing
    qtbot.waitUntil(lambda: window.beneficiary_list.model.total == 1)
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("combo", "value", "matches"),
    [
        ("orientation_combo", "social", lambda p, pop: p.orientation == "social"),
        (
            "institution_combo",
            "CCAS de Massy",
            lambda p, pop: p.institution == "CCAS de Massy",
        ),
        (
            "office_combo",
            "MDS Corbeil-Essonnes",
            lambda p, pop: p.office == "MDS Corbeil-Essonnes",
        ),
        ("referent_combo", "FOURNIER Claire", lambda p, pop: p.referent == "FOURNIER Claire"),
        ("case_combo", CaseState.IN_PROGRESS.value, lambda p, pop: p.case_state == "in_progress"),
        ("case_combo", NO_CASE, lambda p, pop: p.case_state is None),
    ],
)
def test_each_filter_narrows_the_list(window, population, combo, value, matches):
    blist = window.beneficiary_list
    box = getattr(blist, combo)
    assert box.itemText(0) == "Tous"
    data = {
        "institution_combo": population.institutions,
        "office_combo": population.offices,
        "referent_combo": population.referents,
    }.get(combo)
    wanted = str(data[value]) if data else value
    box.setCurrentIndex(box.findData(wanted))
    expected = sum(bool(matches(p, population)) for p in population.people)
    assert 0 < blist.model.total == expected < len(population.people)
    assert window.count_label.text() == status.count_text(expected)


def test_filters_combine_with_search_and_reset(window, population):
    blist = window.beneficiary_list
    blist.case_combo.setCurrentIndex(blist.case_combo.findText("Sans dossier"))
    blist.set_search_text("martin")
    expected = sum(p.last_name == "Martin" and p.case_state is None for p in population.people)
    assert blist.model.total == expected
    blist.reset_button.click()
    assert blist.search.text() == "" and blist.case_combo.currentIndex() == 0
    assert blist.model.total == 300


def test_empty_result_shows_a_french_hint(window):
    blist = window.beneficiary_list
    blist.set_search_text("xyzxyz")
    assert blist.model.total == 0
    assert blist.hint.isVisible() and blist.hint.text() == NO_MATCH_HINT
    assert window.count_label.text() == "Aucun bénéficiaire"
    blist.set_search_text("")
    assert not blist.hint.isVisible()


def test_header_click_sorts_in_sql(qtbot, window):
    assert first_names(window, 1) == ["AARON Abel"]
    click_header(qtbot, window, COL_NAME)  # already A→Z: now Z→A
    assert first_names(window, 1) == ["ZYLBERSTEIN Zacharie"]
    click_header(qtbot, window, COL_NAME)
    assert first_names(window, 1) == ["AARON Abel"]
    click_header(qtbot, window, COL_COMMUNE)
    model = window.beneficiary_list.model
    assert model.index(0, COL_COMMUNE).data() == "Athis-Mons"
    click_header(qtbot, window, COL_COMMUNE)
    assert model.index(0, COL_COMMUNE).data() == "Viry-Châtillon"


def test_name_column_takes_the_width_left_but_never_too_little(qtbot, window):
    table = window.beneficiary_list.table
    header = table.horizontalHeader()
    window.resize(1280, 760)
    qtbot.waitUntil(lambda: header.length() == table.viewport().width())
    assert table.columnWidth(COL_NAME) > NAME_MIN_WIDTH
    window.resize(700, 500)
    qtbot.waitUntil(lambda: table.columnWidth(COL_NAME) == NAME_MIN_WIDTH)
    assert header.length() > table.viewport().width()  # scrolls sideways instead


def test_scrolling_down_fetches_the_next_page(qtbot, window):
    table = window.beneficiary_list.table
    assert window.beneficiary_list.model.rowCount() == 200
    table.scrollToBottom()
    qtbot.waitUntil(lambda: window.beneficiary_list.model.rowCount() == 300)


def test_refresh_keeps_the_place_in_a_long_list(qtbot, window):
    blist = window.beneficiary_list
    blist.table.scrollToBottom()
    qtbot.waitUntil(lambda: blist.model.rowCount() == 300)
    target = blist.model.row_id(250)
    blist.select_id(target)
    scroll = blist.table.verticalScrollBar().value()
    blist.refresh()
    assert blist.model.rowCount() == 300
    assert blist.selected_id() == target
    assert blist.table.verticalScrollBar().value() == scroll


# --- keyboard ------------------------------------------------------------------------------


def test_ctrl_f_focuses_and_selects_the_search_box(qtbot, window):
    blist = window.beneficiary_list
    blist.set_search_text("martin")
    blist.table.setFocus()
    window.activateWindow()
    qtbot.waitUntil(lambda: blist.table.hasFocus())
    qtbot.keyClick(blist.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert blist.search.hasFocus()
    assert blist.search.selectedText() == "martin"


def test_down_arrow_from_search_goes_to_the_first_row(qtbot, window):
    blist = window.beneficiary_list
    window.activateWindow()
    blist.search.setFocus()
    qtbot.waitUntil(lambda: blist.search.hasFocus())
    qtbot.keyClick(blist.search, Qt.Key.Key_Down)
    assert blist.table.hasFocus()
    assert blist.selected_id() == blist.model.row_id(0)
    assert window.action_open_beneficiary.isEnabled()


def test_ctrl_n_opens_the_new_beneficiary_dialog_and_selects_the_saved_one(
    qtbot, monkeypatch, window, population
):
    opened = []
    zoe = population.named("Bégué").id

    class FakeDialog:
        def __init__(self, db, actor, beneficiary_id, parent=None, **_options):
            opened.append(beneficiary_id)
            self.saved_id = None

        def exec(self):
            self.saved_id = zoe
            return QDialog.DialogCode.Accepted

        def deleteLater(self):
            pass

    fake_module(monkeypatch, "app.ui.beneficiary_dialog", BeneficiaryDialog=FakeDialog)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(
        window.beneficiary_list.search, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier
    )
    assert opened == [None]
    assert window.beneficiary_list.selected_id() == zoe


def test_enter_and_double_click_open_the_right_beneficiary(qtbot, monkeypatch, population, actor):
    opened: list[uuid.UUID] = []
    monkeypatch.setattr(MainWindow, "open_beneficiary", lambda self, bid: opened.append(bid))
    win = application.build_main_window(population.db, actor, paths=app_paths())
    qtbot.addWidget(win)
    win.show()
    table = win.beneficiary_list.table
    table.setFocus()
    table.selectRow(3)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    expected = win.beneficiary_list.model.row_id(3)
    assert opened == [expected]
    rect = table.visualRect(win.beneficiary_list.model.index(5, COL_NAME))
    # Qt 6's QTest needs the first click of the pair sent on its own.
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened[-1] == win.beneficiary_list.model.row_id(5)
    win.action_open_beneficiary.trigger()
    assert opened[-1] == win.beneficiary_list.model.row_id(5)


def test_open_beneficiary_opens_its_file_tab_once(window, population):
    helene = population.named("Lefèvre").id
    window.open_beneficiary(helene)
    tabs = window.tabs
    assert tabs.count() == 3 and tabs.currentIndex() == 2
    assert tabs.tabText(2) == "LEFÈVRE Hélène"
    assert window.tab_content("beneficiary", helene) is window.current_content()
    window.focus_search()
    assert tabs.currentIndex() == 0
    window.open_beneficiary(helene)  # again: the same tab comes back
    assert tabs.count() == 3 and tabs.currentIndex() == 2


def test_file_edit_uses_the_dialog_and_refreshes_the_list(monkeypatch, window, population):
    helene = population.named("Lefèvre").id
    seen = []

    class FakeDialog:
        def __init__(self, db, actor, beneficiary_id, parent=None, nir_enabled=None):
            seen.append((db, actor, beneficiary_id, nir_enabled))
            self.saved_id = None

        def exec(self):
            self.saved_id = helene
            return QDialog.DialogCode.Accepted

        def deleteLater(self):
            pass

    window.beneficiary_list.select_id(helene)
    window.open_beneficiary(helene)
    fake_module(monkeypatch, "app.ui.beneficiary_dialog", BeneficiaryDialog=FakeDialog)
    refreshed = []
    monkeypatch.setattr(window.beneficiary_list, "refresh", lambda *a, **k: refreshed.append(1))
    window.current_content().edit_button.click()
    assert seen == [(window.db, window.actor, helene, False)]  # NIR entry off by default
    assert refreshed == [1]
    assert window.tabs.tabText(window.tabs.currentIndex()) == "LEFÈVRE Hélène"


# --- errors --------------------------------------------------------------------------------


def test_locked_database_is_offered_a_retry_and_does_not_crash(
    qtbot, monkeypatch, window, fake_dialogs
):
    real = svc.list_beneficiaries
    failures = [DatabaseUnavailable("La base de données est occupée par un autre poste.")]

    def flaky(*args, **kwargs):
        if failures:
            raise failures.pop()
        return real(*args, **kwargs)

    monkeypatch.setattr(svc, "list_beneficiaries", flaky)
    fake_dialogs.retry_answers.append(True)
    window.beneficiary_list.set_search_text("lefevre")
    qtbot.waitUntil(lambda: window.beneficiary_list.model.total == 1)
    assert fake_dialogs.retries == ["La base de données est occupée par un autre poste."]
    assert window.count_label.text() == "1 bénéficiaire"


def test_unexpected_refusal_is_shown_once(qtbot, monkeypatch, window, fake_dialogs):
    def refused(*_a, **_k):
        raise DatabaseRefused("Le fichier de base de données est endommagé.")

    monkeypatch.setattr(svc, "list_beneficiaries", refused)
    window.beneficiary_list.set_search_text("martin")
    qtbot.waitUntil(lambda: bool(fake_dialogs.errors))
    assert isinstance(fake_dialogs.errors[0], DatabaseRefused)
    assert window.isVisible() and fake_dialogs.retries == []


def test_excepthook_shows_a_bug_without_crashing(fake_dialogs):
    try:
        raise ValueError("bug in a slot")
    except ValueError as exc:
        application.excepthook(type(exc), exc, exc.__traceback__)
    assert [type(e) for e in fake_dialogs.errors] == [ValueError]


# --- databases -----------------------------------------------------------------------------


def test_new_local_database_switches_and_is_remembered(tmp_path, window, fake_dialogs):
    old = window.db
    fake_dialogs.save_file = str(tmp_path / "autre" / "nouvelle")
    assert window.action_new_database.isEnabled()
    window.action_new_database.trigger()
    assert window.db is not old
    assert window.windowTitle() == "Pack Sortie — nouvelle.sqlite"
    assert window.count_label.text() == "Aucun bénéficiaire"
    assert window.beneficiary_list.hint.text() == EMPTY_DATABASE_HINT
    assert load_config().database == str(tmp_path / "autre" / "nouvelle.sqlite")
    window.db.dispose()


def test_failed_switch_keeps_the_current_database(tmp_path, window, fake_dialogs, population):
    not_ours = tmp_path / "notes.sqlite"
    not_ours.write_text("pas une base")
    fake_dialogs.open_file = str(not_ours)
    window.action_open_database.trigger()
    assert [type(e) for e in fake_dialogs.errors] == [DatabaseRefused]
    assert window.db is population.db
    assert window.count_label.text() == "300 bénéficiaires"
    assert window.windowTitle() == "Pack Sortie — pack-sortie.sqlite"


def test_demo_database_is_built_then_opened_without_being_remembered(
    monkeypatch, window, fake_dialogs, populate
):
    built = []

    def build_demo(path, *, beneficiaries, seed, replace, progress, cancelled):
        built.append((path, beneficiaries))
        db = open_sqlite(path, create=True)
        populate(db, size=12)
        db.dispose()

    fake_module(monkeypatch, "app.services.demo", build_demo=build_demo)
    fake_dialogs.yes_no_answers.append(True)
    window.action_demo.trigger()
    demo = app_paths().demo_database
    assert built and built[0][0] == demo
    assert window.db.path == demo
    assert window.database_label.text().startswith("Base de démonstration (données fictives)")
    assert window.count_label.text() == "12 bénéficiaires"
    assert load_config().database == ""
    window.db.dispose()


def _demo_built_on(db, day) -> None:
    with db.write() as s:
        s.add(Setting(key=DEMO_DATE_KEY, value=json.dumps(day.isoformat())))


@pytest.mark.parametrize("rebuild", [True, False])
def test_a_demo_that_time_overtook_is_offered_a_rebuild(
    monkeypatch, window, fake_dialogs, populate, rebuild
):
    """A demo built two years ago would show every case as overdue: offer today's demo."""
    demo = app_paths().demo_database
    old = open_sqlite(demo, create=True)
    populate(old, size=5)
    _demo_built_on(old, years_before(TODAY, 2))
    old.dispose()
    built = []

    def build_demo(path, *, beneficiaries, seed, replace, progress, cancelled):
        built.append(path)
        path.unlink()
        db = open_sqlite(path, create=True)
        populate(db, size=12)
        _demo_built_on(db, TODAY)
        db.dispose()

    fake_module(monkeypatch, "app.services.demo", build_demo=build_demo)
    fake_dialogs.yes_no_answers.append(rebuild)
    window.action_demo.trigger()
    (question,) = fake_dialogs.questions
    assert f"préparée au {years_before(TODAY, 2):%d/%m/%Y}" in question
    assert window.db.path == demo
    assert built == ([demo] if rebuild else [])
    assert window.count_label.text() == ("12 bénéficiaires" if rebuild else "5 bénéficiaires")
    assert demo_date(window.db) == (TODAY if rebuild else years_before(TODAY, 2))
    fake_dialogs.questions.clear()
    assert window.offer_demo_rebuild() is False
    assert len(fake_dialogs.questions) == (0 if rebuild else 1)  # a current demo asks nothing
    window.db.dispose()


def test_about_shows_version_database_mode_and_logs(window, fake_dialogs):
    window.action_about.trigger()
    (text,) = fake_dialogs.infos
    assert __version__ in text
    assert window.db.location in text
    assert "Mode : Base locale" in text
    assert str(app_paths().log_dir) in text


def test_window_geometry_is_kept(qtbot, population, actor):
    first = application.build_main_window(population.db, actor, paths=app_paths())
    qtbot.addWidget(first)
    first.show()
    first.resize(760, 540)  # the offscreen screen is 800 × 600
    assert (first.width(), first.height()) == (760, 540)  # also: not wider than a half screen
    first.close()
    second = application.build_main_window(population.db, actor, paths=app_paths())
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (760, 540)


# --- start-up ------------------------------------------------------------------------------


def fake_wizard(monkeypatch, answers: list[tuple[Path, bool] | None]) -> list[int]:
    shown = []

    class FakeWizard:
        def __init__(self, paths, parent=None):
            shown.append(1)
            self.answer = answers.pop(0)

        def exec(self):
            if self.answer is None:
                return QDialog.DialogCode.Rejected
            self.location, self.shared = self.answer
            return QDialog.DialogCode.Accepted

        def deleteLater(self):
            pass

    fake_module(monkeypatch, "app.ui.first_run_wizard", FirstRunWizard=FakeWizard)
    return shown


def test_first_start_uses_the_wizard_and_remembers_the_choice(qtbot, monkeypatch, tmp_path):
    chosen = tmp_path / "bureau" / "pack-sortie.sqlite"
    shown = fake_wizard(monkeypatch, [(chosen, False)])
    win = application.start(None, app_paths())
    assert win is not None
    qtbot.addWidget(win)
    assert shown == [1]
    assert win.db.path == chosen and chosen.exists()
    assert win.isVisible() and win.windowTitle() == "Pack Sortie — pack-sortie.sqlite"
    assert load_config().database == str(chosen)
    assert win.actor.is_admin  # the first user of a new database administers it
    win.db.dispose()


def test_start_opens_the_remembered_database_without_wizard(qtbot, monkeypatch, populated_db):
    save_config(WorkstationConfig(database=populated_db.location, shared=False))
    shown = fake_wizard(monkeypatch, [])
    win = application.start(None, app_paths())
    qtbot.addWidget(win)
    assert shown == [] and win.count_label.text() == "300 bénéficiaires"
    win.db.dispose()


def test_start_brings_case_states_up_to_date_once(qtbot, monkeypatch, populated_db):
    save_config(WorkstationConfig(database=populated_db.location, shared=False))
    calls = []
    monkeypatch.setattr(
        workflow, "refresh_states", lambda db, actor: calls.append((db, actor)) or 2
    )
    win = application.start(None, app_paths())
    qtbot.addWidget(win)
    assert calls == []  # after the first paint: the window shows without waiting for it
    reloads = []
    win.beneficiary_list.model.modelReset.connect(lambda: reloads.append(1))
    qtbot.waitUntil(lambda: calls == [(win.db, win.actor)])
    assert reloads  # two cases moved: the list shows their new state
    qtbot.wait(20)
    assert len(calls) == 1
    win.db.dispose()


def test_a_failed_state_refresh_is_shown_and_the_start_goes_on(
    qtbot, monkeypatch, populated_db, fake_dialogs
):
    save_config(WorkstationConfig(database=populated_db.location, shared=False))

    def busy(db, actor):
        raise DatabaseUnavailable("La base de données est occupée par un autre poste.")

    monkeypatch.setattr(workflow, "refresh_states", busy)
    fake_dialogs.retry_answers.extend([True, False])  # retried once, then given up
    win = application.start(None, app_paths())
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: len(fake_dialogs.retries) == 2)
    assert fake_dialogs.retries == ["La base de données est occupée par un autre poste."] * 2
    assert win.isVisible() and win.count_label.text() == "300 bénéficiaires"
    win.db.dispose()


def test_a_bug_in_the_state_refresh_is_shown_and_the_start_goes_on(
    qtbot, monkeypatch, populated_db, fake_dialogs
):
    save_config(WorkstationConfig(database=populated_db.location, shared=False))
    monkeypatch.setattr(workflow, "refresh_states", lambda db, actor: 1 / 0)
    win = application.start(None, app_paths())
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: bool(fake_dialogs.errors))
    assert [type(e) for e in fake_dialogs.errors] == [ZeroDivisionError]
    assert win.isVisible()
    win.db.dispose()


def test_no_state_refresh_on_a_read_only_database(monkeypatch, population, actor):
    population.db.read_only = True
    calls = []
    monkeypatch.setattr(workflow, "refresh_states", lambda *a: calls.append(a))
    assert workspace.refresh_case_states(None, population.db, actor) == 0
    assert calls == []


def test_missing_remembered_database_offers_another_one(qtbot, monkeypatch, tmp_path, fake_dialogs):
    gone = tmp_path / "partage" / "disparue.sqlite"
    save_config(WorkstationConfig(database=str(gone), shared=True))
    other = tmp_path / "locale.sqlite"
    shown = fake_wizard(monkeypatch, [(other, False)])
    fake_dialogs.yes_no_answers.append(True)  # "choisir une autre base ?"
    win = application.start(None, app_paths())
    qtbot.addWidget(win)
    assert fake_dialogs.retries and "introuvable" in fake_dialogs.retries[0]
    assert not gone.exists()  # a remembered database is never created anew
    assert shown == [1] and win.db.path == other
    win.db.dispose()


def test_user_may_quit_when_no_database_opens(monkeypatch, tmp_path, fake_dialogs):
    fake_wizard(monkeypatch, [None])
    assert application.start(None, app_paths()) is None
    not_ours = tmp_path / "x.sqlite"
    not_ours.write_text("texte")
    fake_dialogs.yes_no_answers.append(False)  # do not choose another: quit
    assert application.start(str(not_ours), app_paths()) is None
    assert [type(e) for e in fake_dialogs.errors] == [DatabaseRefused]


def test_run_gui_installs_the_excepthook_and_quits_when_no_database(monkeypatch):
    app = QApplication.instance()
    names = app.applicationName(), app.organizationName()
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    monkeypatch.setattr(application, "start", lambda location: None)
    try:
        assert application.run_gui(None) == 0
        assert sys.excepthook is application.excepthook
        assert app.applicationName() == "Pack Sortie"
    finally:
        app.setApplicationName(names[0])
        app.setOrganizationName(names[1])
        for translator in app.findChildren(QTranslator):
            app.removeTranslator(translator)
            translator.deleteLater()


def test_qt_standard_buttons_are_in_french(qtbot):
    app = QApplication.instance()
    translator = application.install_translations(app)
    try:
        assert translator is not None
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        qtbot.addWidget(box)
        assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "Annuler"
    finally:
        app.removeTranslator(translator)


# --- screenshot ----------------------------------------------------------------------------


def test_screenshot_of_the_main_window(qtbot, window):
    window.resize(1280, 760)
    window.beneficiary_list.select_id(window.beneficiary_list.model.row_id(2))
    qtbot.wait(50)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SHOTS / "main_window.png"))
    window.beneficiary_list.set_search_text("xyzxyz")
    qtbot.wait(20)
    assert window.grab().save(str(SHOTS / "main_window_empty.png"))


@pytest.mark.parametrize("chosen", [True, False])
def test_the_file_menu_connects_to_the_departement_server(monkeypatch, window, chosen):
    from app.services.server_connection import ServerProfile
    from app.ui import server_dialog

    profile = ServerProfile("srv-dept", "packsortie", "nbenali")
    asked, opened = [], []
    monkeypatch.setattr(
        server_dialog,
        "ask_server_connection",
        lambda parent, config, paths=None: asked.append(parent) or (profile if chosen else None),
    )
    monkeypatch.setattr(window, "switch_database", lambda location: opened.append(location))
    file_menu = window.menuBar().actions()[0].menu()
    assert window.action_server in file_menu.actions()
    assert window.action_server.text() == "&Serveur du département…"
    window.action_server.trigger()
    assert asked == [window]
    assert opened == ([profile.location] if chosen else [])
