"""The case editor: a draft from typed fields, the scale's bounds, the cap, a third party's
IBAN, the live eligibility panel, editing and submitting."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app.models.enums import CaseState, Component, PayeeKind
from app.services.case_view import cases_of_beneficiary, load_case
from app.services.cases import load_case_input
from app.services.eligibility import RuleStatus
from app.services.scale import ComponentRule, ScaleRules, add_scale_version
from app.ui.case_editor import CaseEditor
from tests.clock import TODAY
from tests.factories import make_case, make_person, make_users
from tests.ui.user_input import key_text, show_active

pytestmark = pytest.mark.usefixtures("fake_dialogs")

GOOD_IBAN = "FR7630006000011234567890189"
BAD_IBAN = "FR7630006000011234567890188"


def type_date(qtbot, field, text: str) -> None:
    edit = field.lineEdit()
    edit.clear()
    qtbot.keyClicks(edit, text)
    edit.editingFinished.emit()


def type_amount(qtbot, spin, text: str) -> None:
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    spin.interpretText()


@pytest.fixture
def people(db):
    referent, validator = make_users(db)
    person = make_person(db, referent)
    return referent, validator, person


def open_editor(qtbot, db, actor, **kwargs) -> CaseEditor:
    return show_active(qtbot, CaseEditor(db, actor, **kwargs), 1180, 820)


def wait_preview(qtbot, editor: CaseEditor) -> None:
    """Let the debounced preview run."""
    qtbot.waitUntil(lambda: not editor._preview_timer.isActive(), timeout=3000)


def test_create_a_draft_from_typed_fields(qtbot, db, people, shoot):
    referent, _, person = people
    editor = open_editor(qtbot, db, referent, beneficiary_id=person)
    assert editor.windowTitle() == "Nouveau dossier Pack sortie — LEFÈVRE Hélène"
    assert editor.request_date.text() == TODAY.strftime("%d/%m/%Y")
    # One row per component of the scale in force, unchecked at first.
    assert [c.value for c in editor._rows] == ["transport", "daily_life", "childcare"]
    assert "Saisissez la date de début" in editor.eligibility_panel.message.text()

    key_text(qtbot, editor.employer_name, "Boulangerie Martin")
    key_text(qtbot, editor.employer_address, "3 place du Marché, 91000 Évry")
    key_text(qtbot, editor.job_title, "Vendeuse")
    editor.contract_type.setCurrentIndex(editor.contract_type.findData("CDD"))
    assert editor.contract_end.isEnabled()
    type_date(qtbot, editor.job_start, "05032018")
    assert editor.job_start.text() == "05/03/2018"
    type_date(qtbot, editor.trial_end, "04/05/2018")
    type_date(qtbot, editor.contract_end, "04/03/2019")
    qtbot.keyClicks(editor.weekly_hours, "17,5")
    type_date(qtbot, editor.request_date, "12/03/2018")

    transport = editor._rows[Component.TRANSPORT]
    daily = editor._rows[Component.DAILY_LIFE]
    qtbot.mouseClick(
        transport.check, Qt.MouseButton.LeftButton, pos=transport.check.rect().center()
    )
    qtbot.mouseClick(daily.check, Qt.MouseButton.LeftButton, pos=daily.check.rect().center())
    assert transport.amount.value() == 75.0 and transport.months.value() == 2
    type_amount(qtbot, transport.amount, "60,50")
    assert transport.amount.text() == "60,50 €"
    assert transport.total.text() == "121,00\u00a0€"
    assert editor.total_label.text() == ("Total : 421,00\u00a0€ sur 1\u202f350,00\u00a0€ autorisés")
    wait_preview(qtbot, editor)
    statuses = {line.code: line.status for line in editor.eligibility_panel.lines}
    assert statuses["request_delay"] is RuleStatus.PASSED
    assert "childcare" not in statuses  # no childcare asked
    shoot(editor, "case_editor")

    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.result() == QDialog.DialogCode.Accepted
    saved = load_case_input(db, editor.saved_id)
    assert saved.employer_name == "Boulangerie Martin"
    assert saved.employer_address == "3 place du Marché, 91000 Évry"
    assert saved.contract_type == "CDD"
    assert (saved.job_start, saved.trial_end, saved.contract_end) == (
        date(2018, 3, 5),
        date(2018, 5, 4),
        date(2019, 3, 4),
    )
    assert saved.request_date == date(2018, 3, 12)
    assert saved.weekly_hours == Decimal("17.5")
    assert sorted((a.component, a.monthly_cents, a.months) for a in saved.aids) == [
        (Component.DAILY_LIFE, 10000, 3),
        (Component.TRANSPORT, 6050, 2),
    ]
    assert load_case(db, editor.saved_id, referent).state is CaseState.DRAFT


def test_amounts_cannot_exceed_the_scale_and_the_cap_is_explained(qtbot, db, people, actor, shoot):
    referent, _, person = people
    today = TODAY
    add_scale_version(
        db,
        actor,
        ScaleRules(
            id=None,
            effective_from=today,
            label="Barème réduit",
            legal_basis="Délibération de test",
            max_total_cents=100_000,
            max_months=6,
            eligible_orientations=frozenset({"social"}),
            employment_with_global_support=True,
            request_delay_months=3,
            min_months_between_packs=24,
            child_max_age=12,
            components={
                Component.TRANSPORT: ComponentRule(Component.TRANSPORT, 7500, 2, False),
                Component.DAILY_LIFE: ComponentRule(Component.DAILY_LIFE, 10000, 3, False),
                Component.CHILDCARE: ComponentRule(Component.CHILDCARE, 15000, 6, True),
            },
        ),
        today=today,
    )
    editor = open_editor(qtbot, db, referent, beneficiary_id=person)
    key_text(qtbot, editor.employer_name, "Crèche Arc-en-ciel")
    type_date(qtbot, editor.job_start, today.strftime("%d/%m/%Y"))
    editor.refresh_preview()
    rows = editor._rows
    for row in rows.values():
        row.check.setChecked(True)
    transport = rows[Component.TRANSPORT]
    type_amount(qtbot, transport.amount, "200")
    assert transport.amount.value() == 20.0  # the digit that would pass the scale is refused
    transport.amount.setValue(500)
    assert transport.amount.value() == 75.0
    transport.months.setValue(9)
    assert transport.months.value() == 2
    # 1 350 € asked against a cap of 1 000 €: the scale's own message, at once.
    assert "1\u202f000,00\u00a0€ autorisés" in editor.total_label.text()
    assert not editor.total_error.isHidden()
    assert "dépasse le plafond de 1\u202f000,00\u00a0€" in editor.total_error.text()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.isVisible()
    assert "dépasse le plafond" in editor._summary_label.text()
    assert cases_of_beneficiary(db, person) == []
    shoot(editor, "case_editor_cap")
    rows[Component.CHILDCARE].check.setChecked(False)
    assert editor.total_error.isHidden()


def test_third_party_iban_is_checked(qtbot, db, people, shoot):
    referent, _, person = people
    editor = open_editor(qtbot, db, referent, beneficiary_id=person)
    key_text(qtbot, editor.employer_name, "Boulangerie Martin")
    type_date(qtbot, editor.job_start, "05/03/2018")
    type_date(qtbot, editor.request_date, "06/03/2018")
    childcare = editor._rows[Component.CHILDCARE]
    childcare.check.setChecked(True)
    assert not childcare.third.isVisible()
    childcare.payee.setCurrentIndex(childcare.payee.findData(PayeeKind.THIRD_PARTY.value))
    assert childcare.third.isVisible()
    key_text(qtbot, childcare.third_name, "Crèche Les Lutins")
    qtbot.keyClicks(childcare.third_iban, BAD_IBAN)
    childcare.third_iban.editingFinished.emit()
    assert not childcare.payee_error.isHidden()
    assert "Garde d'enfant : L'IBAN est erroné" in childcare.payee_error.text()
    assert childcare.third_iban.property("invalid") is True
    shoot(editor, "case_editor_iban")
    # Saving is refused with the same message.
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.isVisible()
    assert "IBAN est erroné" in editor.error_text()
    # Corrected: the message goes as soon as the IBAN is right.
    childcare.third_iban.clear()
    qtbot.keyClicks(childcare.third_iban, GOOD_IBAN)
    assert childcare.payee_error.isHidden()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.result() == QDialog.DialogCode.Accepted
    (aid,) = load_case_input(db, editor.saved_id).aids
    assert (aid.payee_kind, aid.payee_name, aid.payee_iban) == (
        PayeeKind.THIRD_PARTY,
        "Crèche Les Lutins",
        GOOD_IBAN,
    )


def test_live_panel_shows_the_failed_orientation_rule(qtbot, db, people, shoot):
    referent, _, _ = people
    person = make_person(db, referent, number="7654321", orientation="emploi", last_name="Martin")
    editor = open_editor(qtbot, db, referent, beneficiary_id=person)
    type_date(qtbot, editor.job_start, "02/03/2020")
    type_date(qtbot, editor.request_date, "10/03/2020")
    qtbot.waitUntil(lambda: editor.eligibility_panel.line("orientation") is not None, timeout=3000)
    line = editor.eligibility_panel.line("orientation")
    assert line.status is RuleStatus.FAILED
    assert "sans accompagnement global" in line.explanation
    assert "Barème du 01/09/2019" in editor.scale_note.text()
    # Childcare asked: its rule joins the panel after the usual delay.
    editor._rows[Component.CHILDCARE].check.setChecked(True)
    qtbot.waitUntil(lambda: editor.eligibility_panel.line("childcare") is not None, timeout=3000)
    shoot(editor, "case_editor_failed_rule")


def test_missing_fields_are_shown_next_to_them(qtbot, db, people, shoot):
    referent, _, person = people
    editor = open_editor(qtbot, db, referent, beneficiary_id=person)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.isVisible()
    assert editor._fields["job_start"].error == "La date de début de l'emploi est obligatoire."
    type_date(qtbot, editor.job_start, "05/03/2018")
    type_date(qtbot, editor.request_date, "06/03/2018")
    type_date(qtbot, editor.contract_end, "01/01/2018")  # CDI by default: disabled, ignored
    assert not editor.contract_end.isEnabled()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor._fields["employer_name"].error == "Le nom de l'employeur est obligatoire."
    assert editor.components_error.text() == "Choisissez au moins une aide."
    assert not editor._summary.isHidden()
    shoot(editor, "case_editor_errors")


def test_edit_then_save_and_submit(qtbot, db, people):
    referent, _, person = people
    case_id = make_case(db, referent, person, job_start=date(2018, 3, 5))
    editor = open_editor(qtbot, db, referent, case_id=case_id)
    assert editor.windowTitle() == "Dossier DOS-2018-00001 — LEFÈVRE Hélène"
    assert editor.employer_name.text() == "Boulangerie Martin"
    assert editor.contract_end.text() == "04/03/2019"
    assert all(row.check.isChecked() for row in editor._rows.values())
    editor.contract_type.setCurrentIndex(editor.contract_type.findData("CDI"))
    assert editor.contract_end.text() == "" and not editor.contract_end.isEnabled()
    editor._rows[Component.CHILDCARE].months.setValue(4)
    qtbot.mouseClick(editor.submit_button, Qt.MouseButton.LeftButton)
    assert editor.result() == QDialog.DialogCode.Accepted
    assert editor.submitted and editor.saved_id == case_id
    detail = load_case(db, case_id, referent)
    assert detail.state is CaseState.SUBMITTED
    assert detail.contract_type == "CDI" and detail.contract_end is None
    assert {a.component: a.months for a in detail.aids}[Component.CHILDCARE] == 4


def test_request_in_the_future_is_refused_by_the_service(qtbot, db, people):
    referent, _, person = people
    editor = open_editor(qtbot, db, referent, beneficiary_id=person)
    key_text(qtbot, editor.employer_name, "Boulangerie Martin")
    type_date(qtbot, editor.job_start, "05/03/2018")
    future = TODAY + timedelta(days=10)
    type_date(qtbot, editor.request_date, future.strftime("%d/%m/%Y"))
    assert editor._fields["request_date"].error == "La date de la demande est dans le futur."
    editor._rows[Component.TRANSPORT].check.setChecked(True)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.isVisible()
    assert "dans le futur" in editor.error_text()


@pytest.mark.parametrize("answer", ["keep", "reload"])
def test_a_draft_saved_on_another_station_meanwhile(qtbot, db, people, monkeypatch, answer):
    from app.services.cases import save_draft
    from app.ui import edit_conflict_dialog

    referent, _, person = people
    case_id = make_case(db, referent, person, job_start=date(2018, 3, 5))
    editor = open_editor(qtbot, db, referent, case_id=case_id)
    other = load_case_input(db, case_id)
    other.job_title, other.notes = "Pâtissière", "Vu avec l'employeur."
    save_draft(db, referent, other)  # the same draft, saved on another station
    editor.employer_name.setText("Boulangerie Durand")
    seen = []

    def ask(_parent, exc, changes):
        seen.append((exc.message, [(c.label, c.theirs, c.mine) for c in changes]))
        return answer

    monkeypatch.setattr(edit_conflict_dialog, "ask_conflict_choice", ask)
    saved = editor.save()
    [(message, changes)] = seen
    assert message.startswith("Ce dossier a été modifié par")
    assert ("Employeur", "Boulangerie Martin", "Boulangerie Durand") in changes
    assert [c[1] for c in changes if c[0] == "Poste"] == ["Pâtissière"]
    stored = load_case_input(db, case_id)
    if answer == "keep":
        assert saved and editor.result() == QDialog.DialogCode.Accepted
        assert (stored.employer_name, stored.job_title) == ("Boulangerie Durand", "Pâtissière")
        assert stored.notes == "Vu avec l'employeur."
    else:
        assert not saved and editor.isVisible()
        assert editor.employer_name.text() == "Boulangerie Martin"
        assert (stored.employer_name, stored.job_title) == ("Boulangerie Martin", "Pâtissière")
