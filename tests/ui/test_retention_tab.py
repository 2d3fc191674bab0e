"""Administration › Conservation: the dry run first, then the purge after a confirmation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import Beneficiary, User
from app.services.actor import actor_from_user
from app.ui.admin_dialog import AdminDialog
from app.ui.retention_tab import RetentionTab
from tests.clock import TODAY, years_before
from tests.factories import make_person, make_users
from tests.test_retention import backdate

pytestmark = pytest.mark.usefixtures("fake_dialogs")


@pytest.fixture
def old_people(db, db_path):
    referent, _validator = make_users(db)
    old = [
        make_person(db, referent),
        make_person(db, referent, number="7654321", first_name="Paul", last_name="Durand"),
    ]
    backdate(db_path, years_before(TODAY, 3))
    recent = make_person(db, referent, number="2222222", first_name="Marc", last_name="Neuf")
    with db.write() as s:
        admin = User(first_name="Ada", last_name="Admin", os_login="ada", is_admin=True)
        s.add(admin)
    return actor_from_user(admin, "POSTE-ADM"), old, recent


def test_dry_run_shown_then_purge_confirmed(
    qtbot, qtmodeltester, db, old_people, fake_dialogs, shoot
):
    admin, old, recent = old_people
    tab = RetentionTab(db, admin, editable=True)
    qtbot.addWidget(tab)
    tab.resize(1000, 450)
    tab.show()
    assert not tab.purge_button.isEnabled()  # no purge before the dry run
    tab.simulate()
    qtmodeltester.check(tab.model)
    assert tab.model.rowCount() == 2
    assert {tab.model.index(r, 0).data() for r in range(2)} == {"LEFÈVRE Hélène", "DURAND Paul"}
    assert "2 personne(s) à anonymiser" in tab.summary.text()
    assert tab.purge_button.isEnabled() and "2 personne(s)" in tab.purge_button.text()
    shoot(tab, "retention_tab_dry_run")

    fake_dialogs.yes_no_answers = [False]  # the administrator thinks twice
    tab.run_purge()
    with db.read() as s:
        assert (
            s.scalars(select(Beneficiary).where(Beneficiary.anonymised_at.is_not(None))).all() == []
        )

    fake_dialogs.yes_no_answers = [True]
    tab.run_purge()
    assert "2 personne(s) anonymisée(s)" in fake_dialogs.infos[-1]
    with db.read() as s:
        done = set(s.scalars(select(Beneficiary.id).where(Beneficiary.anonymised_at.is_not(None))))
    assert done == set(old)
    assert tab.model.rowCount() == 0 and not tab.purge_button.isEnabled()  # dry run again


def test_tab_in_the_admin_dialog_only_for_administrators(qtbot, db, old_people):
    admin, _old, _recent = old_people
    dialog = AdminDialog(db, admin)
    qtbot.addWidget(dialog)
    assert isinstance(dialog.retention_tab, RetentionTab)


def test_parametres_edit_the_letters_policy_and_the_health_words(qtbot, db, actor):
    from app.services.settings import load_settings

    dialog = AdminDialog(db, actor)
    qtbot.addWidget(dialog)
    tab = dialog.settings_tab
    assert tab.anonymised_letters.currentData() == "keep"
    assert "malad*" in tab.health_words.toPlainText()
    tab.anonymised_letters.setCurrentIndex(tab.anonymised_letters.findData("delete"))
    tab.health_words.setPlainText("kiné*\narrêt de travail")
    assert tab.save()
    stored = load_settings(db)
    assert stored.anonymised_letters == "delete"
    assert stored.health_words == "kiné*\narrêt de travail"
