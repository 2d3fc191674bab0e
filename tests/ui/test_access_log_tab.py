"""Administration › Journal des accès: filters, the table, the CSV export."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.services.beneficiaries import load_beneficiary
from app.services.case_view import load_case
from app.ui.access_log_tab import AccessLogModel, AccessLogTab
from app.ui.admin_dialog import AdminDialog
from tests.clock import TODAY
from tests.factories import granted_case, make_person, make_users

pytestmark = pytest.mark.usefixtures("fake_dialogs")


@pytest.fixture
def logged(db):
    referent, validator = make_users(db)
    person = make_person(db, referent)
    other = make_person(db, referent, number="7654321", first_name="Paul", last_name="Durand")
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    load_case(db, case_id, referent)
    load_beneficiary(db, other, validator)
    return referent, validator, person, other


def test_filters_and_export(qtbot, qtmodeltester, db, actor, logged, fake_dialogs, tmp_path, shoot):
    tab = AccessLogTab(db, actor)
    qtbot.addWidget(tab)
    tab.resize(1100, 500)
    tab.show()
    qtmodeltester.check(tab.model)
    everything = tab.model.rowCount()
    assert everything >= 6
    actions = {tab.model.index(r, 3).data() for r in range(everything)}
    assert {"Consultation", "Création", "Attribution"} <= actions
    shoot(tab, "access_log_tab")

    tab.person.setText("durand")
    tab.refresh()
    people = {tab.model.index(r, 4).data() for r in range(tab.model.rowCount())}
    assert people == {"DURAND Paul"}

    tab.person.setText("")
    tab.user.setCurrentText("maubert")
    tab.refresh()
    users = {tab.model.index(r, 1).data() for r in range(tab.model.rowCount())}
    assert users == {"Marc Aubert (maubert)"}

    tab.user.setCurrentText("Tous les utilisateurs")
    tab.since._edit.setText((TODAY + timedelta(days=1)).strftime("%d/%m/%Y"))
    tab.refresh()
    assert tab.model.rowCount() == 0 and tab.count.text() == "0 entrée(s)"
    tab.since._edit.setText("31/02/2026")
    tab.refresh()
    assert not tab.error.isHidden() and "Date de début" in tab.error.text()

    tab.since._edit.setText("")
    fake_dialogs.save_file = str(tmp_path / "journal.csv")
    tab.export()
    assert (tmp_path / "journal.csv").read_text(encoding="utf-8-sig").startswith("Date;Heure")
    assert fake_dialogs.infos and "exportée(s)" in fake_dialogs.infos[-1]
    assert tab.model.index(0, 3).data() == "Export"  # the export is in the log, at the top


def test_the_tab_is_the_administrators_only(qtbot, db, actor, logged):
    referent = logged[0]
    dialog = AdminDialog(db, referent)
    qtbot.addWidget(dialog)
    assert not hasattr(dialog, "access_log_tab")
    dialog = AdminDialog(db, actor)
    qtbot.addWidget(dialog)
    assert isinstance(dialog.access_log_tab.model, AccessLogModel)
    titles = [dialog.tabs.tabText(n) for n in range(dialog.tabs.count())]
    assert "&Journal des accès" in titles
