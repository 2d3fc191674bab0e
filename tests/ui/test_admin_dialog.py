"""Administration: settings, envelopes and scale versions, through the dialog."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from app.config import app_paths
from app.models.enums import Component, Orientation
from app.services.actor import Actor
from app.services.envelope import envelopes_overview
from app.services.scale import list_scales
from app.services.settings import load_settings, rsa_rate_on
from app.ui import application
from app.ui.admin_dialog import AdminDialog
from app.ui.envelopes_tab import AMOUNT_ERROR, COL_COMMITTED, COL_REMAINING, COL_VOTED
from app.ui.scale_tab import describe_scale
from app.ui.settings_tab import CNIL_WARNING
from tests.factories import granted_case, make_person, make_users

TODAY = date(2026, 5, 12)

pytestmark = pytest.mark.usefixtures("fake_dialogs")


@pytest.fixture
def admin() -> Actor:
    return Actor(login="admin", workstation="POSTE-ADMIN", name="Admin Test", is_admin=True)


def open_dialog(qtbot, db, actor, today=TODAY) -> AdminDialog:
    dialog = AdminDialog(db, actor, today=today)
    qtbot.addWidget(dialog, before_close_func=lambda w: w.hide())
    dialog.resize(1080, 720)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


# --- settings ------------------------------------------------------------------------------


def test_settings_are_shown_and_saved(qtbot, db, admin):
    dialog = open_dialog(qtbot, db, admin)
    tab = dialog.settings_tab
    assert tab.department_name.text() == "Département de l'Essonne"
    assert tab.observations_delay_days.value() == 15
    assert "Télérecours" in tab.appeal_routes.toPlainText()
    assert tab.nir_warning.isHidden()
    tab.department_name.setText("Département de l'Essonne (91)")
    tab.observations_delay_days.setValue(21)
    tab.yearly_target.setValue(180)
    tab.appeal_routes.setPlainText(
        "Recours gracieux…\nTribunal administratif de Versailles, deux mois."
    )
    assert tab.is_dirty()
    tab.save_button.click()
    assert tab.saved_label.text() == "Paramètres enregistrés."
    assert not tab.is_dirty()
    saved = load_settings(db)
    assert saved.department_name == "Département de l'Essonne (91)"
    assert saved.observations_delay_days == 21 and saved.yearly_target == 180
    assert (
        saved.appeal_routes == "Recours gracieux…\nTribunal administratif de Versailles, deux mois."
    )
    assert saved.average_rsa_rates == [["2018-01-01", 50_000]]  # untouched fields are kept


def test_the_average_rsa_is_dated(qtbot, db, admin):
    """A new value is in force from its date; the older one stays for the days before."""
    dialog = open_dialog(qtbot, db, admin)
    rates = dialog.settings_tab.rsa_rates
    assert [rates.values.item(n).text() for n in range(rates.values.count())] == [
        "depuis le 01/01/2018 : 500,00\u00a0€ par mois"
    ]
    rates.effective_from.setValue(date(2025, 4, 1))
    rates.amount.setValue(0)
    assert not rates.add()  # no amount: refused, said in French
    assert "0,01" in rates.error.text() and rates.values.count() == 1
    rates.amount.setValue(520)
    assert rates.add() and rates.error.isHidden()
    rates.effective_from.setValue(None)
    assert not rates.add() and rates.error.text()
    rates.values.setCurrentRow(0)
    rates.remove_selected()
    rates.values.setCurrentRow(0)
    rates.remove_selected()  # the last one is kept
    assert "au moins un" in rates.error.text()
    assert dialog.settings_tab.is_dirty()
    dialog.settings_tab.save_button.click()
    saved = load_settings(db)
    assert saved.average_rsa_rates == [["2025-04-01", 52_000]]
    assert rsa_rate_on(saved, date(2025, 4, 1)) == 52_000


def test_required_texts_and_the_nir_warning(qtbot, db, admin):
    dialog = open_dialog(qtbot, db, admin)
    tab = dialog.settings_tab
    tab.legal_basis.setPlainText("   ")
    tab.save_button.click()
    assert tab.error_label.text() == "La base légale est obligatoire."
    assert tab.legal_basis.property("invalid") is True
    assert load_settings(db).legal_basis.startswith("Délibération")
    tab.nir_enabled.setChecked(True)
    assert not tab.nir_warning.isHidden() and tab.nir_warning.text() == CNIL_WARNING
    assert "CNIL" in CNIL_WARNING


def test_closing_with_unsaved_settings_asks(qtbot, db, admin, fake_dialogs):
    dialog = open_dialog(qtbot, db, admin)
    dialog.settings_tab.yearly_target.setValue(99)
    fake_dialogs.yes_no_answers.append(False)
    dialog.close_button.click()
    assert dialog.isVisible() and fake_dialogs.questions
    fake_dialogs.yes_no_answers.append(True)
    dialog.close_button.click()
    assert not dialog.isVisible()
    assert dialog.result() == QDialog.DialogCode.Rejected


# --- envelopes -----------------------------------------------------------------------------


@pytest.fixture
def committed_2018(db):
    referent, validator = make_users(db)
    person = make_person(db, referent)
    granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    return 135_000


def test_envelopes_table_and_a_new_one(qtbot, qtmodeltester, db, admin, committed_2018):
    dialog = open_dialog(qtbot, db, admin)
    tab = dialog.envelopes_tab
    qtmodeltester.check(tab.model)
    model = tab.model
    assert [model.row(r).year for r in range(model.rowCount())] == [2019, 2018]
    row = model.row_of(2018)
    assert model.index(row, COL_VOTED).data() == "200\u202f000,00\u00a0€"
    assert model.index(row, COL_COMMITTED).data() == "1\u202f350,00\u00a0€"
    assert model.index(row, COL_REMAINING).data() == "198\u202f650,00\u00a0€"
    assert tab.year.value() == 2026 and tab.amount.text() == ""
    tab.amount.setText("250 000,00")
    tab.save_button.click()
    assert tab.error_label.isHidden()
    assert tab.saved_label.text() == "Enveloppe 2026 enregistrée : 250\u202f000,00\u00a0€."
    assert model.row(0).year == 2026 and model.row(0).amount_cents == 25_000_000
    assert tab.table.currentIndex().row() == 0
    assert {e.year: e.amount_cents for e in envelopes_overview(db)}[2026] == 25_000_000


def test_envelope_refusals_are_shown_beside_the_form(qtbot, db, admin, committed_2018):
    dialog = open_dialog(qtbot, db, admin)
    tab = dialog.envelopes_tab
    tab.year.setValue(2018)
    assert tab.amount.text() == "200\u202f000,00"  # the voted amount, ready to change
    tab.amount.setText("0")
    tab.save_button.click()
    assert tab.error_label.text() == "Le montant de l'enveloppe doit être positif."
    assert tab.amount.property("invalid") is True
    tab.amount.setText("1 000")
    tab.save_button.click()
    assert tab.error_label.text() == (
        "L'enveloppe 2018 ne peut pas être inférieure aux aides déjà engagées "
        "(1\u202f350,00\u00a0€)."
    )
    tab.amount.setText("douze mille")
    tab.save_button.click()
    assert tab.error_label.text() == AMOUNT_ERROR
    assert {e.year: e.amount_cents for e in envelopes_overview(db)}[2018] == 20_000_000
    tab.amount.setText("1350")
    tab.save_button.click()
    assert tab.error_label.isHidden() and tab.amount.property("invalid") is False


def test_selecting_a_year_fills_the_form(qtbot, db, admin):
    dialog = open_dialog(qtbot, db, admin)
    tab = dialog.envelopes_tab
    tab.table.select_row(tab.model.row_of(2019))
    assert tab.year.value() == 2019 and tab.amount.text() == "200\u202f000,00"


# --- scale ---------------------------------------------------------------------------------


def test_scale_versions_are_listed_read_only_with_their_description(qtbot, db, admin):
    dialog = open_dialog(qtbot, db, admin)
    tab = dialog.scale_tab
    assert tab.versions.count() == 2
    assert tab.versions.item(1).text() == (
        "01/09/2019 — en vigueur\nExtension aux orientés emploi en accompagnement global"
    )
    text = tab.description.text()
    assert "Transport en commun : 75,00\u00a0€ × 2 mois" in text
    assert "Plafond par personne : 1\u202f350,00\u00a0€ ; durée maximale : 6 mois." in text
    assert "Orientations éligibles : sociale, emploi avec accompagnement global." in text
    tab.versions.setCurrentRow(0)
    assert "Orientations éligibles : sociale." in tab.description.text()
    assert "jamais modifiées" in tab.findChild(type(tab.description), "note").text()


def test_new_version_form_is_prefilled_from_the_latest(qtbot, db, admin):
    dialog = open_dialog(qtbot, db, admin)
    tab = dialog.scale_tab
    assert tab.effective_from.value() == date(2026, 6, 1)  # first day of next month
    line = tab.components[Component.CHILDCARE]
    assert line.included.isChecked() and line.monthly.value() == 150.0
    assert line.months.value() == 6 and line.requires_child
    assert tab.max_total.value() == 1350.0 and tab.max_months.value() == 6
    assert tab.orientations[Orientation.SOCIAL].isChecked()
    assert not tab.orientations[Orientation.EMPLOYMENT].isChecked()
    assert tab.employment_global.isChecked()
    assert tab.child_max_age.value() == 12 and tab.between_packs.value() == 24
    assert tab.sum_label.text() == "Total des aides choisies : 1\u202f350,00\u00a0€"


def test_adding_a_version_from_a_future_date(qtbot, db, admin, fake_dialogs):
    dialog = open_dialog(qtbot, db, admin)
    tab = dialog.scale_tab
    tab.label.setText("Revalorisation 2026")
    tab.components[Component.TRANSPORT].monthly.setValue(86.4)
    tab.components[Component.DAILY_LIFE].included.setChecked(False)
    tab.max_total.setValue(1200)
    fake_dialogs.yes_no_answers.append(True)
    tab.save_button.click()
    assert "ne pourra plus être modifiée" in fake_dialogs.questions[-1]
    assert tab.error_label.isHidden(), tab.error_label.text()
    scales = list_scales(db)
    new = scales[-1]
    assert new.effective_from == date(2026, 6, 1) and new.label == "Revalorisation 2026"
    assert set(new.components) == {Component.TRANSPORT, Component.CHILDCARE}
    assert new.components[Component.TRANSPORT].monthly_cents == 8640
    assert new.components[Component.CHILDCARE].requires_child
    assert new.max_total_cents == 120_000
    assert new.eligible_orientations == frozenset({"social"})
    assert new.employment_with_global_support
    assert tab.versions.count() == 3
    assert tab.versions.item(2).text().startswith("01/06/2026 — à venir")
    assert tab.saved_label.text().startswith("Version du 01/06/2026 ajoutée")
    assert tab.effective_from.value() == date(2026, 7, 1)  # after the one just added


def test_a_past_version_is_refused(qtbot, db, admin, fake_dialogs):
    dialog = open_dialog(qtbot, db, admin)
    tab = dialog.scale_tab
    tab.label.setText("Erreur de date")
    tab.effective_from.setValue(date(2026, 5, 1))
    fake_dialogs.yes_no_answers.append(True)
    tab.save_button.click()
    assert tab.effective_error.text() == (
        "Une nouvelle version ne peut pas s'appliquer au passé : "
        "les dossiers déjà jugés ne changent pas de barème."
    )
    assert tab.effective_from.lineEdit().property("invalid") is True
    assert len(list_scales(db)) == 2


def test_local_checks_before_asking(qtbot, db, admin, fake_dialogs):
    dialog = open_dialog(qtbot, db, admin)
    tab = dialog.scale_tab
    tab.save_button.click()
    assert tab.error_label.text() == "Le libellé de la version est obligatoire."
    tab.label.setText("Sans orientation")
    for check in tab.orientations.values():
        check.setChecked(False)
    tab.save_button.click()
    assert "au moins une orientation" in tab.error_label.text()
    tab.orientations[Orientation.SOCIAL].setChecked(True)
    tab.effective_from.setText("31/02/2026")
    tab.save_button.click()
    assert tab.effective_error.text()
    assert fake_dialogs.questions == [] and len(list_scales(db)) == 2


def test_cancelled_confirmation_adds_nothing(qtbot, db, admin, fake_dialogs):
    dialog = open_dialog(qtbot, db, admin)
    tab = dialog.scale_tab
    tab.label.setText("Pas maintenant")
    fake_dialogs.yes_no_answers.append(False)
    tab.save_button.click()
    assert len(list_scales(db)) == 2 and tab.saved_label.text() == ""


def test_describe_scale_of_a_future_version():
    rules = replace(list_scales_stub(), effective_from=date(2027, 1, 1))
    assert "(à venir)" in describe_scale(rules, TODAY, in_force=False)


def list_scales_stub():
    from app.services.scale import ComponentRule, ScaleRules

    return ScaleRules(
        id=None,
        effective_from=date(2017, 12, 1),
        label="Test",
        legal_basis="",
        max_total_cents=135_000,
        max_months=6,
        eligible_orientations=frozenset({"social"}),
        employment_with_global_support=False,
        request_delay_months=3,
        min_months_between_packs=24,
        child_max_age=12,
        components={
            Component.TRANSPORT: ComponentRule(Component.TRANSPORT, 7500, 2, False),
        },
    )


# --- rights --------------------------------------------------------------------------------


def test_non_admins_cannot_open_it_from_the_menu(qtbot, db):
    referent, validator = make_users(db)
    for actor in (referent, validator):
        win = application.build_main_window(db, actor, paths=app_paths())
        qtbot.addWidget(win)
        assert not win.action_settings.isEnabled()
        assert win.action_settings.toolTip() == "Réservé aux administrateurs"
        win.show_settings()  # even called directly: nothing opens
        assert QApplication.activeModalWidget() is None


def test_admin_opens_it_from_the_menu(qtbot, monkeypatch, db, admin):
    win = application.build_main_window(db, admin, paths=app_paths())
    qtbot.addWidget(win)
    assert win.action_settings.isEnabled()
    shown = []
    monkeypatch.setattr(AdminDialog, "exec", lambda self: shown.append(self) or 0)
    win.action_settings.trigger()
    assert len(shown) == 1 and shown[0].editable


def test_read_only_database_shows_but_cannot_save(qtbot, db, admin):
    db.read_only = True
    dialog = open_dialog(qtbot, db, admin)
    assert not dialog.editable
    for button in (
        dialog.settings_tab.save_button,
        dialog.envelopes_tab.save_button,
        dialog.scale_tab.save_button,
    ):
        assert not button.isEnabled()


# --- screenshots ---------------------------------------------------------------------------


def test_screenshots_of_the_three_tabs(qtbot, db, admin, committed_2018, shoot):
    dialog = open_dialog(qtbot, db, admin)
    dialog.settings_tab.nir_enabled.setChecked(True)
    shoot(dialog, "admin_settings")
    dialog.settings_tab.nir_enabled.setChecked(False)
    dialog.tabs.setCurrentIndex(1)
    dialog.envelopes_tab.year.setValue(2018)
    dialog.envelopes_tab.amount.setText("1 000")
    dialog.envelopes_tab.save_button.click()  # below the 1 350 € already committed
    assert not dialog.envelopes_tab.error_label.isHidden()
    assert {e.year: e.amount_cents for e in envelopes_overview(db)}[2018] == 20_000_000
    shoot(dialog, "admin_envelopes")
    dialog.tabs.setCurrentIndex(2)
    dialog.scale_tab.label.setText("Revalorisation 2026")
    shoot(dialog, "admin_scale")
    dialog.scale_tab.effective_from.setValue(date(2026, 1, 1))
    dialog.scale_tab.effective_from.setFocus(Qt.FocusReason.OtherFocusReason)
    from app.ui import dialogs

    dialogs.ask_yes_no = lambda *a, **k: True  # restored by the fake_dialogs fixture
    versions = len(list_scales(db))
    dialog.scale_tab.save_button.click()  # a date of effect already past: refused
    assert dialog.scale_tab.effective_error.text() and len(list_scales(db)) == versions
    shoot(dialog, "admin_scale_error")


def test_letter_templates_are_edited_without_touching_the_mandatory_mentions(qtbot, db, admin):
    from app.services.letter_text import DEFAULT_TEMPLATES

    dialog = open_dialog(qtbot, db, admin)
    tab = dialog.templates_tab
    tab.kind.setCurrentIndex(tab.kind.findData("refus"))
    assert tab.text.toPlainText() == DEFAULT_TEMPLATES["refus"]
    tab.text.setPlainText("{formule}\n\nNous ne pouvons pas donner suite. {signature_inconnue}")
    assert "{signature_inconnue}" in tab.warning.text()
    assert tab.is_dirty()
    assert tab.save()
    assert load_settings(db).letter_templates == {
        "refus": "{formule}\n\nNous ne pouvons pas donner suite. {signature_inconnue}"
    }
    # Saving the other settings afterwards keeps the templates.
    dialog.settings_tab.yearly_target.setValue(170)
    assert dialog.settings_tab.save()
    assert "refus" in load_settings(db).letter_templates
    tab.reset_current()
    assert tab.save() and load_settings(db).letter_templates == {}


# --- users ---------------------------------------------------------------------------------


def test_users_are_listed_and_one_is_added(qtbot, db, admin, shoot):
    from app.models import Institution, Office
    from app.services.users import list_users

    with db.write() as s:
        inst = Institution(name="CCAS de Grigny", kind="ccas")
        s.add_all([inst, Office(name="Accueil Grigny", institution=inst)])
    dialog = open_dialog(qtbot, db, admin)
    tab = dialog.users_tab
    dialog.tabs.setCurrentWidget(tab)
    assert tab.model.rowCount() == 0
    tab.new_user()
    for name, text in (
        ("first_name", "Inès"),
        ("last_name", "Haddad"),
        ("os_login", "ihaddad"),
        ("capacity", "Conseillère en insertion"),
    ):
        tab.fields[name].setText(text)
    tab.office.setCurrentIndex(tab.office.findText("Accueil Grigny"))
    tab.roles["is_validator"].setChecked(True)
    assert tab.save(), tab.error_label.text()
    assert "Utilisateur enregistré" in tab.saved_label.text()
    [row] = list_users(db)
    assert (row.name, row.institution, row.roles) == (
        "HADDAD Inès",
        "CCAS de Grigny",
        "Référent, Valideur",
    )
    assert tab.model.rowCount() == 1
    assert tab.table.currentIndex().row() == 0
    shoot(dialog, "admin_users")
    tab.fields["os_login"].setText("")
    assert not tab.save()
    assert "identifiant de session" in tab.error_label.text().lower()


def test_users_tab_is_read_only_for_others(qtbot, db):
    dialog = open_dialog(qtbot, db, Actor(login="x", workstation="P", name="X"))
    assert not dialog.users_tab.save_button.isEnabled()
