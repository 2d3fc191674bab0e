"""The beneficiary's file: create, edit, conflicts, validation messages, household, NIR."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QApplication,
    QCalendarWidget,
    QDialog,
    QLabel,
    QLineEdit,
    QPushButton,
)

from app.models import Institution, Office, User
from app.services import beneficiaries
from app.services.beneficiaries import (
    BeneficiaryInput,
    HouseholdInput,
    load_beneficiary,
    save_beneficiary,
)
from app.services.beneficiary_search import (
    BeneficiaryFilter,
    count_beneficiaries,
    list_beneficiaries,
)
from app.services.errors import ConflictError, DatabaseUnavailable
from app.ui import edit_conflict_dialog
from app.ui.beneficiary_dialog import HEALTH_REMINDER, BeneficiaryDialog
from app.ui.date_field import DateField
from tests.ui.user_input import key_text, show_active

GOOD_IBAN = "FR7630006000011234567890189"
GOOD_NIR = "255081416802538"


@pytest.fixture
def office_and_referent(db):
    with db.write() as s:
        dep = Institution(name="Département de l'Essonne", kind="departement")
        s.add(dep)
        s.flush()
        office = Office(institution_id=dep.id, name="MDS Évry-Courcouronnes", territory="Centre")
        s.add(office)
        s.flush()
        user = User(
            first_name="Claire", last_name="Fournier", office_id=office.id, institution_id=dep.id
        )
        s.add(user)
        s.flush()
        return office.id, user.id


def make_beneficiary(db, actor, **values) -> uuid.UUID:
    data = BeneficiaryInput(last_name="Dupont", first_name="Léa", commune="Massy")
    for name, value in values.items():
        setattr(data, name, value)
    return save_beneficiary(db, actor, data)


def open_dialog(qtbot, db, actor, beneficiary_id=None, **kwargs) -> BeneficiaryDialog:
    dialog = BeneficiaryDialog(db, actor, beneficiary_id, **kwargs)
    return show_active(qtbot, dialog, 1040, 760)


def type_into(qtbot, widget, text: str) -> None:
    """Replace a field's text by typing, then leave the field (live checks run)."""
    target = widget.lineEdit() if isinstance(widget, DateField) else widget
    target.clear()
    key_text(qtbot, target, text)
    target.editingFinished.emit()


def select_data(combo, value) -> None:
    index = combo.findData(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)


def click_save(qtbot, dialog) -> None:
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)


# --- create and edit ------------------------------------------------------------------------
def test_create_flow_writes_a_beneficiary(
    qtbot, db, actor, office_and_referent, fake_dialogs, shoot
):
    office_id, referent_id = office_and_referent
    dialog = open_dialog(qtbot, db, actor)
    assert dialog.windowTitle() == "Nouveau bénéficiaire"

    select_data(dialog.civility, "MME")
    type_into(qtbot, dialog.last_name, "Dupont")
    type_into(qtbot, dialog.first_name, "Léa")
    type_into(qtbot, dialog.birth_date, "12031985")
    type_into(qtbot, dialog.address_line1, "12 rue des Lilas")
    type_into(qtbot, dialog.postcode, "91000")
    type_into(qtbot, dialog.commune, "Évry-Courcouronnes")
    type_into(qtbot, dialog.phone, "06 12 34 56 78")
    type_into(qtbot, dialog.allocataire_number, "1234567")
    type_into(qtbot, dialog.iban, GOOD_IBAN.lower())
    type_into(qtbot, dialog.rsa_open_since, "01/06/2023")
    select_data(dialog.orientation, "social")
    type_into(qtbot, dialog.orientation_date, "15/06/2023")
    dialog.global_support.setChecked(True)
    select_data(dialog.support_contract, "CE")
    select_data(dialog.referent, str(referent_id))
    select_data(dialog.office, str(office_id))
    key_text(qtbot, dialog.notes, "Reprise d'emploi en CDD, entretien prévu.")

    # Dates completed and IBAN grouped by 4 as the user leaves the fields.
    assert dialog.birth_date.text() == "12/03/1985"
    assert dialog.iban.text() == "FR76 3000 6000 0112 3456 7890 189"
    shoot(dialog, "beneficiary_dialog_new")

    click_save(qtbot, dialog)

    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.saved_id is not None
    assert fake_dialogs.errors == [] and fake_dialogs.warnings == []
    assert count_beneficiaries(db, BeneficiaryFilter()) == 1
    row = list_beneficiaries(db, BeneficiaryFilter())[0]
    assert row.id == dialog.saved_id
    assert row.name == "DUPONT Léa"
    assert row.commune == "Évry-Courcouronnes"
    saved = load_beneficiary(db, dialog.saved_id, actor)
    assert saved.civility == "MME"
    assert saved.birth_date == date(1985, 3, 12)
    assert saved.iban == GOOD_IBAN
    assert saved.rsa_open_since == date(2023, 6, 1)
    assert (saved.orientation, saved.orientation_date) == ("social", date(2023, 6, 15))
    assert saved.global_support is True
    assert saved.support_contract == "CE"
    assert (saved.referent_id, saved.office_id) == (referent_id, office_id)
    assert saved.notes == "Reprise d'emploi en CDD, entretien prévu."


def test_edit_flow_changes_the_commune(qtbot, db, actor, fake_dialogs, shoot):
    bid = make_beneficiary(db, actor, iban=GOOD_IBAN, birth_date=date(1980, 5, 4))
    dialog = open_dialog(qtbot, db, actor, bid)
    assert dialog.windowTitle() == "Fiche de DUPONT Léa"
    assert dialog.iban.text() == "FR76 3000 6000 0112 3456 7890 189"
    assert dialog.birth_date.text() == "04/05/1980"
    assert not dialog.is_dirty()
    shoot(dialog, "beneficiary_dialog_edit")

    type_into(qtbot, dialog.commune, "Corbeil-Essonnes")
    assert dialog.is_dirty()
    click_save(qtbot, dialog)

    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.saved_id == bid
    saved = load_beneficiary(db, bid, actor)
    assert saved.commune == "Corbeil-Essonnes"
    assert saved.version_id > 1
    assert saved.birth_date == date(1980, 5, 4)


def test_a_conflict_without_details_is_shown(qtbot, db, actor, monkeypatch, fake_dialogs):
    bid = make_beneficiary(db, actor)
    dialog = open_dialog(qtbot, db, actor, bid)
    type_into(qtbot, dialog.commune, "Grigny")

    def conflicting(*_args, **_kwargs):
        raise ConflictError("Ce bénéficiaire a été modifié sur un autre poste.")

    monkeypatch.setattr(beneficiaries, "save_beneficiary", conflicting)
    click_save(qtbot, dialog)
    assert dialog.isVisible() and dialog.saved_id is None
    assert "autre poste" in fake_dialogs.errors[-1].message
    assert dialog.commune.text() == "Grigny"


@pytest.fixture
def other_station_saved(db, actor):
    """A file open in the dialog, then saved on another station (phone and commune)."""
    bid = make_beneficiary(db, actor)

    def save_elsewhere() -> None:
        other = load_beneficiary(db, bid, actor)
        other.commune, other.phone = "Étampes", "01 60 00 00 00"
        save_beneficiary(db, replace(actor, login="m.dupont"), other)

    return bid, save_elsewhere


def conflict_answer(monkeypatch, answer: str) -> list:
    seen: list = []

    def ask(_parent, exc, changes):
        seen.append((exc, changes))
        return answer

    monkeypatch.setattr(edit_conflict_dialog, "ask_conflict_choice", ask)
    return seen


def test_conflict_shows_what_differs_and_cancel_keeps_the_input(
    qtbot, db, actor, monkeypatch, fake_dialogs, other_station_saved
):
    bid, save_elsewhere = other_station_saved
    dialog = open_dialog(qtbot, db, actor, bid)
    save_elsewhere()
    type_into(qtbot, dialog.commune, "Grigny")
    seen = conflict_answer(monkeypatch, edit_conflict_dialog.CANCEL)
    click_save(qtbot, dialog)

    [(exc, changes)] = seen
    assert exc.message.startswith("Ce bénéficiaire a été modifié par m.dupont sur un autre poste")
    assert [(c.label, c.theirs, c.mine, c.by_them, c.by_me) for c in changes] == [
        ("Commune", "Étampes", "Grigny", True, True),
        ("Téléphone", "01 60 00 00 00", "—", True, False),
    ]
    assert dialog.isVisible() and dialog.saved_id is None
    assert dialog.commune.text() == "Grigny"  # the user's input is still there
    assert load_beneficiary(db, bid, actor).commune == "Étampes"  # nothing overwritten


def test_conflict_reload_shows_the_stored_version(
    qtbot, db, actor, monkeypatch, fake_dialogs, other_station_saved
):
    bid, save_elsewhere = other_station_saved
    dialog = open_dialog(qtbot, db, actor, bid)
    save_elsewhere()
    type_into(qtbot, dialog.commune, "Grigny")
    conflict_answer(monkeypatch, edit_conflict_dialog.RELOAD)
    click_save(qtbot, dialog)
    assert dialog.isVisible() and not dialog.is_dirty()
    assert (dialog.commune.text(), dialog.phone.text()) == ("Étampes", "01 60 00 00 00")


def test_conflict_keep_puts_my_changes_over_theirs(
    qtbot, db, actor, monkeypatch, fake_dialogs, other_station_saved
):
    bid, save_elsewhere = other_station_saved
    dialog = open_dialog(qtbot, db, actor, bid)
    save_elsewhere()
    type_into(qtbot, dialog.commune, "Grigny")
    conflict_answer(monkeypatch, edit_conflict_dialog.KEEP)
    click_save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = load_beneficiary(db, bid, actor)
    assert (saved.commune, saved.phone) == ("Grigny", "01 60 00 00 00")  # theirs kept


def test_conflict_dialog_lists_the_fields(qtbot, shoot):
    from app.services.edit_conflicts import EditConflict, FieldChange

    exc = EditConflict("Ce bénéficiaire", None, "m.dupont", None)
    changes = [FieldChange("commune", "Commune", "Étampes", "Grigny", True, True)]
    dialog = edit_conflict_dialog.EditConflictDialog(exc, changes)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.table.rowCount() == 1
    assert [dialog.table.item(0, c).text() for c in range(3)] == ["Commune", "Étampes", "Grigny"]
    assert dialog.table.item(0, 1).font().bold()
    shoot(dialog, "edit_conflict")
    dialog.findChild(QPushButton, "keepButton").click()
    assert dialog.choice == edit_conflict_dialog.KEEP


# --- validation -----------------------------------------------------------------------------
def test_invalid_input_shows_french_messages_and_writes_nothing(
    qtbot, db, actor, fake_dialogs, shoot
):
    dialog = open_dialog(qtbot, db, actor)
    type_into(qtbot, dialog.first_name, "Léa")
    type_into(qtbot, dialog.birth_date, "31/02/2024")
    type_into(qtbot, dialog.iban, "FR76 3000 6000 0112 3456 7890 188")
    click_save(qtbot, dialog)

    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.isVisible()
    assert count_beneficiaries(db, BeneficiaryFilter()) == 0
    errors = dialog.form_errors.messages
    assert errors["last_name"] == "Le nom est obligatoire."
    assert errors["birth_date"] == "La date « 31/02/2024 » n'existe pas dans le calendrier."
    assert "clé" in errors["iban"]
    # Each message under its field...
    for name in ("last_name", "birth_date", "iban"):
        holder = dialog._fields[name]
        assert holder.error_label.isVisible()
        assert holder.error == errors[name]
    assert dialog.last_name.property("invalid") is True
    # ... and in the summary at the top, the first bad field focused.
    summary = dialog.findChild(QLabel, "errorSummaryText")
    assert summary.isVisible()
    assert "Certaines informations sont à corriger" in summary.text()
    assert "Le nom est obligatoire." in summary.text()
    assert "n&#x27;existe pas dans le calendrier" in summary.text()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.last_name)
    shoot(dialog, "beneficiary_dialog_errors")

    # Corrected: the messages go away and the file is saved.
    type_into(qtbot, dialog.last_name, "Dupont")
    assert not dialog._fields["last_name"].error_label.isVisible()
    type_into(qtbot, dialog.birth_date, "28/02/1984")
    type_into(qtbot, dialog.iban, GOOD_IBAN)
    click_save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert count_beneficiaries(db, BeneficiaryFilter()) == 1


def test_live_checks_when_leaving_a_field(qtbot, db, actor):
    dialog = open_dialog(qtbot, db, actor)
    type_into(qtbot, dialog.postcode, "910")
    assert dialog._fields["postcode"].error == "Le code postal compte 5 chiffres."
    type_into(qtbot, dialog.allocataire_number, "12345")
    assert dialog._fields["allocataire_number"].error == (
        "Le numéro allocataire CAF compte 7 chiffres."
    )
    type_into(qtbot, dialog.iban, "FR76 3000 6000 0112 3456 7890 18")
    assert dialog._fields["iban"].error == "Un IBAN FR compte 27 caractères (ici 26)."
    # Required fields are not nagged about before the first Enregistrer.
    type_into(qtbot, dialog.last_name, "")
    assert dialog._fields["last_name"].error == ""
    # No summary before a save attempt.
    assert not dialog.findChild(QLabel, "errorSummaryText").isVisible()
    # Fixed: the message disappears; MSA numbers follow their own rule.
    type_into(qtbot, dialog.postcode, "91000")
    assert dialog._fields["postcode"].error == ""
    select_data(dialog.paying_body, "MSA")
    assert dialog._fields["allocataire_number"].error == ""


def test_service_validation_error_shown_next_to_the_field(qtbot, db, actor):
    make_beneficiary(db, actor, allocataire_number="1234567")
    dialog = open_dialog(qtbot, db, actor)
    type_into(qtbot, dialog.last_name, "Martin")
    type_into(qtbot, dialog.first_name, "Paul")
    type_into(qtbot, dialog.allocataire_number, "1234567")
    click_save(qtbot, dialog)
    assert dialog.isVisible()
    assert "déjà attribué" in dialog._fields["allocataire_number"].error
    assert count_beneficiaries(db, BeneficiaryFilter()) == 1


def test_database_unavailable_offers_retry(qtbot, db, actor, monkeypatch, fake_dialogs):
    real_save = beneficiaries.save_beneficiary
    attempts = []

    def flaky(*args, **kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise DatabaseUnavailable("La base de données est occupée par un autre poste.")
        return real_save(*args, **kwargs)

    monkeypatch.setattr(beneficiaries, "save_beneficiary", flaky)
    fake_dialogs.retry_answers = [True]
    dialog = open_dialog(qtbot, db, actor)
    type_into(qtbot, dialog.last_name, "Dupont")
    type_into(qtbot, dialog.first_name, "Léa")
    click_save(qtbot, dialog)
    assert fake_dialogs.retries == ["La base de données est occupée par un autre poste."]
    assert len(attempts) == 2
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert count_beneficiaries(db, BeneficiaryFilter()) == 1


def test_database_unavailable_given_up_keeps_the_dialog_open(
    qtbot, db, actor, monkeypatch, fake_dialogs
):
    def busy(*_args, **_kwargs):
        raise DatabaseUnavailable("La base de données est occupée par un autre poste.")

    monkeypatch.setattr(beneficiaries, "save_beneficiary", busy)
    dialog = open_dialog(qtbot, db, actor)
    type_into(qtbot, dialog.last_name, "Dupont")
    type_into(qtbot, dialog.first_name, "Léa")
    click_save(qtbot, dialog)
    assert len(fake_dialogs.retries) == 1
    assert dialog.isVisible() and dialog.last_name.text() == "Dupont"


def test_unexpected_error_is_shown_not_raised(qtbot, db, actor, monkeypatch, fake_dialogs):
    def bug(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(beneficiaries, "save_beneficiary", bug)
    dialog = open_dialog(qtbot, db, actor)
    type_into(qtbot, dialog.last_name, "Dupont")
    type_into(qtbot, dialog.first_name, "Léa")
    click_save(qtbot, dialog)
    assert [type(e) for e in fake_dialogs.errors] == [RuntimeError]
    assert dialog.isVisible()


# --- household ------------------------------------------------------------------------------
def test_household_add_and_remove_are_saved(qtbot, db, actor, shoot):
    dialog = open_dialog(qtbot, db, actor)
    type_into(qtbot, dialog.last_name, "Dupont")
    type_into(qtbot, dialog.first_name, "Léa")
    for _ in range(3):
        qtbot.mouseClick(dialog.add_member_button, Qt.MouseButton.LeftButton)
    rows = dialog._household_rows
    assert len(rows) == 3
    select_data(rows[0].relation, "conjoint")
    type_into(qtbot, rows[0].first_name, "Marc")
    type_into(qtbot, rows[0].last_name, "Dupont")
    type_into(qtbot, rows[1].first_name, "Supprimé")
    type_into(qtbot, rows[2].first_name, "Inès")
    type_into(qtbot, rows[2].last_name, "Dupont")
    type_into(qtbot, rows[2].birth_date, "03/09/2016")
    shoot(dialog, "beneficiary_dialog_household")
    qtbot.mouseClick(rows[1].remove_button, Qt.MouseButton.LeftButton)
    assert len(dialog._household_rows) == 2
    click_save(qtbot, dialog)

    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = load_beneficiary(db, dialog.saved_id, actor)
    members = {(m.relation, m.first_name, m.last_name, m.birth_date) for m in saved.household}
    assert members == {
        ("conjoint", "Marc", "Dupont", None),
        ("enfant", "Inès", "Dupont", date(2016, 9, 3)),
    }


def test_household_member_removed_from_an_existing_file(qtbot, db, actor):
    bid = make_beneficiary(
        db,
        actor,
        household=[
            HouseholdInput("enfant", "Tom", "Dupont", date(2012, 1, 5)),
            HouseholdInput("enfant", "Lou", "Dupont", date(2015, 7, 9)),
        ],
    )
    dialog = open_dialog(qtbot, db, actor, bid)
    assert [r.first_name.text() for r in dialog._household_rows] == ["Tom", "Lou"]
    assert dialog._household_rows[1].birth_date.text() == "09/07/2015"
    qtbot.mouseClick(dialog._household_rows[0].remove_button, Qt.MouseButton.LeftButton)
    assert dialog.is_dirty()
    click_save(qtbot, dialog)
    saved = load_beneficiary(db, bid, actor)
    assert [(m.first_name, m.birth_date) for m in saved.household] == [("Lou", date(2015, 7, 9))]


def test_household_impossible_date_is_flagged_on_its_row(qtbot, db, actor):
    dialog = open_dialog(qtbot, db, actor)
    type_into(qtbot, dialog.last_name, "Dupont")
    type_into(qtbot, dialog.first_name, "Léa")
    qtbot.mouseClick(dialog.add_member_button, Qt.MouseButton.LeftButton)
    row = dialog._household_rows[0]
    type_into(qtbot, row.first_name, "Tom")
    type_into(qtbot, row.birth_date, "30/02/2015")
    assert "n'existe pas" in row.error_label.text()
    click_save(qtbot, dialog)
    assert dialog.isVisible()
    assert row.error_label.text() == (
        "Membre du foyer n° 1 : la date « 30/02/2015 » n'existe pas dans le calendrier."
    )
    assert count_beneficiaries(db, BeneficiaryFilter()) == 0


# --- NIR, notes, keyboard -------------------------------------------------------------------
def test_nir_hidden_unless_enabled(qtbot, db, actor):
    dialog = open_dialog(qtbot, db, actor)
    assert dialog.nir is None
    assert dialog.findChild(QLineEdit, "nir") is None
    assert not any("NIR" in label.text() for label in dialog.findChildren(QLabel))


def test_nir_enabled_is_checked_and_saved(qtbot, db, actor):
    dialog = open_dialog(qtbot, db, actor, nir_enabled=True)
    assert dialog.nir is not None and dialog.nir.isVisible()
    type_into(qtbot, dialog.last_name, "Dupont")
    type_into(qtbot, dialog.first_name, "Léa")
    type_into(qtbot, dialog.nir, "2 55 08 14 168 025 37")
    assert "clé" in dialog._fields["nir"].error
    type_into(qtbot, dialog.nir, "2 55 08 14 168 025 38")
    assert dialog._fields["nir"].error == ""
    click_save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert load_beneficiary(db, dialog.saved_id, actor).nir == GOOD_NIR


def test_notes_carry_the_health_data_reminder(qtbot, db, actor):
    dialog = open_dialog(qtbot, db, actor)
    reminder = dialog.findChild(QLabel, "healthReminder")
    assert reminder.isVisible()
    assert HEALTH_REMINDER in reminder.text()
    assert HEALTH_REMINDER == "Ne saisissez aucune donnée de santé."


def test_escape_with_unsaved_changes_asks_first(qtbot, db, actor, fake_dialogs):
    dialog = open_dialog(qtbot, db, actor)
    type_into(qtbot, dialog.last_name, "Dupont")
    fake_dialogs.yes_no_answers = [False]
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()
    assert "sans enregistrer" in fake_dialogs.questions[0]

    fake_dialogs.yes_no_answers = [True]
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert count_beneficiaries(db, BeneficiaryFilter()) == 0


def test_escape_without_changes_closes_at_once(qtbot, db, actor, fake_dialogs):
    bid = make_beneficiary(db, actor)
    dialog = open_dialog(qtbot, db, actor, bid)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert fake_dialogs.questions == []


def test_ctrl_s_saves(qtbot, db, actor):
    dialog = open_dialog(qtbot, db, actor)
    type_into(qtbot, dialog.last_name, "Dupont")
    type_into(qtbot, dialog.first_name, "Léa")
    dialog.first_name.setFocus()
    qtbot.keyClick(dialog.first_name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert count_beneficiaries(db, BeneficiaryFilter()) == 1


def test_enter_in_a_field_does_not_save(qtbot, db, actor):
    dialog = open_dialog(qtbot, db, actor)
    type_into(qtbot, dialog.last_name, "Dupont")
    type_into(qtbot, dialog.first_name, "Léa")
    qtbot.keyClick(dialog.first_name, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert count_beneficiaries(db, BeneficiaryFilter()) == 0


def test_tab_order_follows_the_form(qtbot, db, actor):
    dialog = open_dialog(qtbot, db, actor)
    # The form opens on its first field.
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.civility)
    expected = [
        dialog.last_name,
        dialog.birth_name,
        dialog.first_name,
        dialog.birth_date.lineEdit(),  # the calendar button is skipped
        dialog.address_line1,
    ]
    for widget in expected:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is widget
    # After the left column, the right one.
    dialog.email.setFocus()
    qtbot.waitUntil(lambda: dialog.email.hasFocus())
    qtbot.keyClick(dialog.email, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.paying_body


def test_inactive_referent_is_kept(qtbot, db, actor, office_and_referent):
    _office_id, referent_id = office_and_referent
    bid = make_beneficiary(db, actor, referent_id=referent_id)
    with db.write() as s:
        s.get(User, referent_id).active = False
    dialog = open_dialog(qtbot, db, actor, bid)
    assert dialog.referent.currentData() == str(referent_id)
    assert dialog.referent.currentText() == "(référent inactif)"
    type_into(qtbot, dialog.commune, "Draveil")
    click_save(qtbot, dialog)
    assert load_beneficiary(db, bid, actor).referent_id == referent_id


def test_missing_beneficiary_is_reported_and_not_shown(qtbot, db, actor, fake_dialogs):
    dialog = BeneficiaryDialog(db, actor, uuid.uuid4())
    qtbot.addWidget(dialog)
    assert not dialog.loaded
    assert fake_dialogs.warnings == ["Ce bénéficiaire n'existe plus."]
    assert dialog.exec() == QDialog.DialogCode.Rejected


def test_load_retries_when_the_database_is_busy(qtbot, db, actor, monkeypatch, fake_dialogs):
    bid = make_beneficiary(db, actor)
    real_load = beneficiaries.load_beneficiary
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise DatabaseUnavailable("La base de données est inaccessible.")
        return real_load(*args, **kwargs)

    monkeypatch.setattr(beneficiaries, "load_beneficiary", flaky)
    fake_dialogs.retry_answers = [True]
    dialog = open_dialog(qtbot, db, actor, bid)
    assert dialog.loaded and dialog.last_name.text() == "Dupont"


# --- the date field -------------------------------------------------------------------------
def test_date_field(qtbot):
    field = DateField()
    qtbot.addWidget(field)
    assert field.value() is None and field.error() is None
    field.setText("31/02/2024")
    assert field.value() is None
    assert field.error() == "La date « 31/02/2024 » n'existe pas dans le calendrier."
    field.setText("2024-13")
    assert field.error() == "La date « 2024-13 » n'est pas au format jj/mm/aaaa."
    field.setText("29022024")
    assert field.value() == date(2024, 2, 29)
    field.lineEdit().editingFinished.emit()
    assert field.text() == "29/02/2024"
    field.setValue(date(1985, 3, 12))
    assert field.text() == "12/03/1985"
    field.setValue(None)
    assert field.text() == "" and field.value() is None
    field.setText("1985-03-12")
    assert field.value() == date(1985, 3, 12)


def test_date_field_calendar(qtbot):
    field = DateField()
    qtbot.addWidget(field)
    field.show()
    field.setText("12/03/1985")
    left = []
    field.editingFinished.connect(lambda: left.append(True))
    qtbot.keyClick(field.lineEdit(), Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    menu = field._menu
    assert menu is not None
    calendar = menu.findChild(QCalendarWidget)
    assert calendar.selectedDate() == QDate(1985, 3, 12)  # opens on the field's date
    assert calendar.firstDayOfWeek() == Qt.DayOfWeek.Monday
    calendar.clicked.emit(QDate(1985, 4, 2))
    assert field.value() == date(1985, 4, 2) and field.text() == "02/04/1985"
    assert left == [True]


def test_summary_links_focus_the_field(qtbot, db, actor):
    dialog = open_dialog(qtbot, db, actor)
    type_into(qtbot, dialog.iban, "FR00")
    click_save(qtbot, dialog)
    summary = dialog.findChild(QLabel, "errorSummaryText")
    assert 'href="iban"' in summary.text()
    summary.linkActivated.emit("iban")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.iban)


def test_tab_goes_through_the_household_then_the_notes(qtbot, db, actor):
    dialog = open_dialog(qtbot, db, actor)
    qtbot.mouseClick(dialog.add_member_button, Qt.MouseButton.LeftButton)
    row = dialog._household_rows[0]
    assert row.relation.currentData() == "enfant"  # a new person is a child by default
    qtbot.waitUntil(lambda: QApplication.focusWidget() is row.relation)
    for widget in (
        row.first_name,
        row.last_name,
        row.birth_date.lineEdit(),
        row.remove_button,
        dialog.add_member_button,
        dialog.notes,
        dialog.save_button,
        dialog.cancel_button,
    ):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is widget


def test_the_iban_is_checked_as_it_is_typed(qtbot, db, actor, fake_dialogs):
    dialog = open_dialog(qtbot, db, actor)
    holder = dialog._fields["iban"]
    dialog.iban.setText("FR76 3000 6000 0112")  # still being typed: nothing said yet
    assert holder.error == ""
    dialog.iban.setText("FR76 3000 6000 0112 3456 7890 188")  # its length: checked at once
    assert "clé de contrôle" in holder.error
    dialog.iban.setText("FR76 3000 6000 0112 3456 7890 189")
    assert holder.error == ""
    dialog.iban.setText("ZZ76 3000")
    assert "« ZZ »" in holder.error
