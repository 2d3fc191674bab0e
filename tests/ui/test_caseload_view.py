"""The « À faire » tab: items of the actor's cases, everyone's for validators, filter, overdue."""

from __future__ import annotations

import sys
import types
from datetime import date

import pytest
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from app.config import app_paths
from app.services import workflow
from app.services.caseload import TodoItem, TodoKind
from app.ui import application
from app.ui.caseload_view import (
    COL_DUE,
    COL_KIND,
    COL_PERSON,
    COL_REFERENCE,
    EMPTY_HINT,
    NO_MATCH_HINT,
    CaseloadView,
    count_summary,
    late_summary,
)
from app.ui.widgets import ERROR_COLOR
from tests.factories import granted_case, make_case, make_person, make_users

TODAY = date(2018, 4, 20)

pytestmark = pytest.mark.usefixtures("fake_dialogs")


@pytest.fixture
def office(db):
    referent, validator = make_users(db)
    helene = make_person(db, referent)
    case_id = granted_case(
        db, referent, validator, helene, on=date(2018, 3, 20), trial_end=date(2018, 5, 4)
    )
    awa = make_person(db, referent, number="7654321", first_name="Awa", last_name="N'Diaye")
    pending = make_case(db, referent, awa, job_start=date(2018, 4, 3))
    workflow.submit(db, referent, pending, on=date(2018, 4, 5))
    return referent, validator, case_id, pending


def make_view(qtbot, db, actor, **kw) -> CaseloadView:
    view = CaseloadView(db, actor, today=TODAY, **kw)
    qtbot.addWidget(view)
    view.resize(1100, 500)
    view.show()
    return view


def rows(view: CaseloadView) -> list[tuple[str, str]]:
    model = view.model
    return [
        (model.index(r, COL_DUE).data(), model.index(r, COL_KIND).data())
        for r in range(model.rowCount())
    ]


def test_summary_counts_each_kind_in_french():
    def item(kind, due):
        return TodoItem(None, "DOS-1", "X", kind, due, "")  # type: ignore[arg-type]

    items = [
        *(item(TodoKind.MEETING, date(2018, 5, 1)) for _ in range(3)),
        *(item(TodoKind.INSTALMENT, date(2018, 4, 1)) for _ in range(2)),
        item(TodoKind.DECISION, date(2018, 5, 2)),
    ]
    assert count_summary(items) == "3 entretiens à planifier · 2 échéances · 1 décision à prendre"
    assert late_summary(items, TODAY) == "dont 2 en retard"
    assert late_summary(items[:3], TODAY) == ""
    assert count_summary([]) == EMPTY_HINT
    every_kind = [item(kind, date(2018, 5, 1)) for kind in TodoKind]
    assert "1 virement rejeté" in count_summary(every_kind)  # every kind has its words


def test_referent_sees_the_items_of_a_granted_case(qtbot, qtmodeltester, db, office):
    referent, _validator, case_id, _pending = office
    view = make_view(qtbot, db, referent)
    qtmodeltester.check(view.model)
    assert view.everyone_check.isHidden()  # a référent sees only their own cases
    shown = rows(view)
    assert ("01/05/2018", "Échéance") in shown
    assert ("04/05/2018", "Fin de période d'essai") in shown
    assert ("19/04/2018 · en retard", "Entretien") in shown  # job start + 45 days, none held
    assert TodoKind.DECISION not in {i.kind for i in view.items}
    assert {view.model.item(r).case_id for r in range(view.model.rowCount())} == {case_id}
    model = view.model
    assert model.index(0, COL_PERSON).data() == "LEFÈVRE Hélène"
    assert model.index(0, COL_REFERENCE).data().startswith("DOS-")
    assert "entretien à planifier" in view.summary_label.text()
    assert "— dont 3 en retard</span>" in view.summary_label.text()


def test_overdue_items_are_red(qtbot, db, office):
    view = make_view(qtbot, db, office[0])
    model = view.model
    for r in range(model.rowCount()):
        index = model.index(r, COL_DUE)
        brush = index.data(Qt.ItemDataRole.ForegroundRole)
        if model.item(r).due < TODAY:
            assert index.data().endswith("· en retard")
            assert brush.color() == QColor(ERROR_COLOR)
        else:
            assert brush is None and "retard" not in index.data()


def test_everyone_checkbox_for_validators(qtbot, db, office):
    _referent, validator, case_id, pending = office
    view = make_view(qtbot, db, validator)
    assert not view.everyone_check.isHidden()
    # No case of their own, but the request waiting for a decision is always listed.
    assert [(i.kind, i.case_id) for i in view.items] == [(TodoKind.DECISION, pending)]
    view.everyone_check.setChecked(True)
    kinds = {i.kind for i in view.items}
    assert TodoKind.DECISION in kinds and TodoKind.INSTALMENT in kinds
    decision = next(i for i in view.items if i.kind is TodoKind.DECISION)
    assert decision.case_id == pending and decision.person == "N'DIAYE Awa"
    assert not view.hint.isVisible()


def test_filter_by_kind(qtbot, db, office):
    view = make_view(qtbot, db, office[0])
    total = view.model.rowCount()
    view.set_kind(TodoKind.INSTALMENT)
    assert 0 < view.model.rowCount() < total
    assert {k for _d, k in rows(view)} == {"Échéance"}
    label = view.kind_combo.currentText()
    assert label == f"Échéance ({view.model.rowCount()})"
    view.set_kind(TodoKind.DECISION)
    assert view.model.rowCount() == 0 and view.hint.text() == NO_MATCH_HINT
    view.set_kind(None)
    assert view.model.rowCount() == total and view.kind_combo.currentText() == "Tous les types"


def test_enter_and_double_click_ask_to_open_the_case(qtbot, db, office):
    referent, _validator, case_id, _pending = office
    view = make_view(qtbot, db, referent)
    asked = []
    view.openCaseRequested.connect(asked.append)
    view.table.setFocus()
    view.table.selectRow(1)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    rect = view.table.visualRect(view.model.index(2, 0))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert asked == [case_id, case_id]


def test_refresh_keeps_the_selected_item(qtbot, db, office):
    view = make_view(qtbot, db, office[0])
    view.table.selectRow(2)
    kept = view.selected_item()
    assert view.refresh()
    assert view.selected_item() == kept


# --- in the main window --------------------------------------------------------------------


class FakeCaseView(QWidget):
    changed = Signal(object)
    openBeneficiaryRequested = Signal(object)

    def __init__(self, db, actor, case_id, parent=None):
        super().__init__(parent)
        self.case_id = case_id
        self.title = "DOS-TEST"
        self.detail = None

    def reload(self):
        pass


def test_ctrl_t_shows_the_caseload_and_a_row_opens_its_case(qtbot, monkeypatch, db, office):
    referent, _validator, case_id, _pending = office
    module = types.ModuleType("app.ui.case_view")
    module.CaseView = FakeCaseView
    monkeypatch.setitem(sys.modules, "app.ui.case_view", module)
    win = application.build_main_window(db, referent, paths=app_paths())
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    qtbot.keyClick(win.beneficiary_list.search, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert win.tabs.currentIndex() == 1
    assert win.caseload_view.table.hasFocus()
    assert win.caseload_view.selected_item() is not None
    win.caseload_view.openCaseRequested.emit(case_id)
    assert win.tabs.count() == 3 and win.tabs.tabText(2) == "DOS-TEST"


# --- screenshot ----------------------------------------------------------------------------


def test_screenshot_of_the_caseload(qtbot, db, office, shoot):
    _referent, validator, _case, _pending = office
    win = application.build_main_window(db, validator, paths=app_paths())
    qtbot.addWidget(win)
    win.caseload_view.today = TODAY
    win.caseload_view.everyone_check.setChecked(True)
    win.resize(1280, 600)
    win.show()
    win.tabs.setCurrentIndex(1)
    win.caseload_view.table.selectRow(1)
    shoot(win, "caseload")
