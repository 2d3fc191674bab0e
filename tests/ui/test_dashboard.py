"""« Tableau de bord »: built on first show, loaded off the GUI thread, the selectors reload
it, a figure lists its cases and a case opens from there; the annual report's preview."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.services.charts import EMPTY_TEXT
from app.services.evaluation import Figure, Period, ScopeKind
from app.ui import dialogs
from app.ui.case_list_dialog import CaseListDialog
from app.ui.dashboard_tab import DashboardTab
from app.ui.main_window import DASHBOARD_KEY, MainWindow
from tests.clock import TODAY
from tests.factories import granted_case, make_case, make_person, make_users

pytestmark = pytest.mark.usefixtures("fake_dialogs")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def office(db):
    """Two people granted in 2018 (March and May), one request left as a draft."""
    referent, validator = make_users(db)
    first = make_person(db, referent)
    second = make_person(db, referent, number="7654321", last_name="Martin", first_name="Léa")
    third = make_person(db, referent, number="1112223", last_name="Petit", first_name="Jules")
    cases = [
        granted_case(db, referent, validator, first, on=date(2018, 3, 20)),
        granted_case(
            db, referent, validator, second, on=date(2018, 5, 22), job_start=date(2018, 5, 14)
        ),
    ]
    make_case(db, referent, third, job_start=date(2018, 6, 4))
    return validator, cases


def opened_dashboard(qtbot, db, actor) -> tuple[MainWindow, DashboardTab]:
    win = MainWindow(db, actor)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    with qtbot.waitSignal(win.show_dashboard().loaded, timeout=10_000):
        pass
    view = win.tab_content(*DASHBOARD_KEY)
    assert isinstance(view, DashboardTab)
    return win, view


def reload_with(qtbot, view: DashboardTab, change) -> None:
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        change()


def test_the_dashboard_loads_and_the_selectors_reload_it(qtbot, db, office):
    validator, _cases = office
    win, view = opened_dashboard(qtbot, db, validator)
    assert win.tabs.tabText(win.tabs.currentIndex()) == "Tableau de bord"
    assert view.evaluation.period == Period.year(TODAY.year)  # this year by default
    reload_with(qtbot, view, lambda: view.select_year(2018))
    ev = view.evaluation
    assert ev.period.start == date(2018, 1, 1) and ev.people_helped.count == 2
    assert view.cards["people_helped"].value.text() == "2"
    assert view.cards["granted"].value.text() == "2"
    assert "sur un objectif de 150" in view.cards["people_helped"].comment.text()
    assert "estimation" in view.cards["saving"].label.text()
    assert "Année 2018" in view.title_label.text()
    assert "MDS d'Évry" in view.use_label.text()  # the office made requests
    monthly = view.charts["monthly"]
    assert b"mars" in monthly.svg and b"Objectif" in monthly.svg
    # an office: the same figures for it alone
    assert view.office_combo.count() == 2 and view.office_combo.itemText(1) == "MDS d'Évry"
    reload_with(qtbot, view, lambda: view.office_combo.setCurrentIndex(1))
    assert view.evaluation.scope.kind is ScopeKind.OFFICE
    assert "MDS d'Évry" in view.title_label.text()
    reload_with(qtbot, view, lambda: view.select_office(None))
    assert view.evaluation.scope.kind is ScopeKind.DEPARTEMENT
    # any dates: from March to April 2018 holds one grant
    reload_with(qtbot, view, lambda: view.select_period(date(2018, 3, 1), date(2018, 4, 30)))
    assert view.from_field.isVisible() and not view.report_button.isEnabled()
    assert view.evaluation.people_helped.count == 1
    assert "01/03/2018" in view.title_label.text()


def test_reversed_dates_are_said_not_loaded(qtbot, db, office):
    validator, _cases = office
    _win, view = opened_dashboard(qtbot, db, validator)
    view.from_field.setValue(date(2018, 5, 1))
    view.to_field.setValue(date(2018, 3, 1))
    view.period_combo.setCurrentIndex(view.period_combo.count() - 1)
    assert view.error_label.isVisible()
    assert "après sa fin" in view.error_label.text()


def test_a_click_on_a_figure_lists_its_cases_and_one_opens(qtbot, db, office, monkeypatch):
    validator, cases = office
    win, view = opened_dashboard(qtbot, db, validator)
    reload_with(qtbot, view, lambda: view.select_year(2018))
    opened = []
    monkeypatch.setattr(win, "open_case", opened.append)
    view.openCaseRequested.disconnect()
    view.openCaseRequested.connect(win.open_case)
    qtbot.mouseClick(view.cards["granted"], Qt.MouseButton.LeftButton)
    dialog = win.findChild(CaseListDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.model.rowCount() == 2
    assert {dialog.model.row(r).case_id for r in range(2)} == set(cases)
    assert "Accords — année 2018" in dialog.windowTitle()
    dialog.table.setFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    assert opened == [dialog.model.row(0).case_id]
    assert view.cards["waiting"].line.figure is Figure.WAITING


def test_opening_a_case_from_the_list_shows_its_tab(qtbot, db, office):
    validator, cases = office
    win, view = opened_dashboard(qtbot, db, validator)
    reload_with(qtbot, view, lambda: view.select_year(2018))
    dialog = view.show_cases("people_helped")
    dialog.open_row(0)
    assert win.tab_content("case", dialog.model.row(0).case_id) is not None


def test_the_charts_are_painted_not_black(qtbot, db, office, shoot):
    validator, _cases = office
    win, view = opened_dashboard(qtbot, db, validator)
    reload_with(qtbot, view, lambda: view.select_year(2018))
    shoot(win, "dashboard")
    for key, chart in view.charts.items():
        image = chart.grab().toImage()
        assert image.width() > 200 and image.height() > 50, key
        pixels = [
            image.pixelColor(x, y)
            for x in range(0, image.width(), 4)
            for y in range(0, image.height(), 4)
        ]
        dark = sum(p.lightness() < 40 for p in pixels) / len(pixels)
        assert dark < 0.15, f"{key} painted black"
        if EMPTY_TEXT.encode() not in chart.svg:  # no exit yet in 2018: « Aucune donnée »
            assert any(p.saturation() > 50 for p in pixels), f"{key}: no coloured bar"


def test_the_annual_report_opens_in_the_preview(qtbot, db, office, monkeypatch, tmp_path):
    validator, _cases = office
    _win, view = opened_dashboard(qtbot, db, validator)
    reload_with(qtbot, view, lambda: view.select_year(2018))
    monkeypatch.setattr(dialogs, "ask_choice", lambda *a, **k: 1)  # for a hand signature
    preview = view.produce_annual_report()
    assert preview is not None and preview.page_count() >= 2
    assert "Bilan annuel 2018" in preview.windowTitle()
    assert preview.path is not None and preview.path.parent.name == "bilans"
    preview.close()


def test_a_case_change_reloads_an_open_dashboard(qtbot, db, office):
    validator, cases = office
    win, view = opened_dashboard(qtbot, db, validator)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        win._on_case_changed(cases[0])
