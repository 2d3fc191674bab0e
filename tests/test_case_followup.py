"""Meetings, the case read model, the « À faire » list and the cases export."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest
from sqlalchemy import select

from app.models import AccessLog, AuditEvent, Beneficiary, Case
from app.services import workflow
from app.services.case_export import export_cases
from app.services.case_view import Action, cases_of_beneficiary, load_case
from app.services.caseload import TodoKind, caseload
from app.services.errors import NotAllowed, ValidationError
from app.services.meetings import MeetingInput, health_words, save_meeting
from tests.factories import granted_case, make_case, make_person, make_users


@pytest.fixture
def granted(db):
    referent, validator = make_users(db)
    person = make_person(db, referent)
    case_id = granted_case(
        db, referent, validator, person, on=date(2018, 3, 20), trial_end=date(2018, 5, 4)
    )
    return referent, validator, person, case_id


def meeting(case_id, **kw) -> MeetingInput:
    base = dict(
        case_id=case_id,
        held_on=date(2018, 4, 3),
        mode="entretien",
        participants="Mme Lefèvre, Mme Benali",
        obstacles=["transport", "garde_enfant"],
        job_situation="Poste tenu, horaires du matin.",
        notes="Trajet de 50 minutes en bus ; recherche d'une place en crèche.",
        next_steps="Contacter la crèche municipale.",
        next_meeting_on=date(2018, 5, 2),
    )
    base.update(kw)
    return MeetingInput(**base)


def test_meeting_is_saved_and_updates_last_contact(db, granted):
    referent, _, person, case_id = granted
    save_meeting(db, referent, meeting(case_id), today=date(2018, 4, 3))
    detail = load_case(db, case_id, referent)
    assert [(m.held_on, m.obstacles) for m in detail.meetings] == [
        (date(2018, 4, 3), ("transport", "garde_enfant"))
    ]
    with db.read() as s:
        assert s.get(Beneficiary, person).last_contact_at == date(2018, 4, 3)


def test_meeting_audit_does_not_copy_the_notes(db, granted):
    referent, _, _, case_id = granted
    save_meeting(db, referent, meeting(case_id), today=date(2018, 4, 3))
    with db.read() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.entity == "meeting")).one()
    assert "crèche" not in event.after
    assert json.loads(event.after)["notes"] == "(texte modifié)"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"held_on": date(2030, 1, 1)}, "held_on"),
        ({"next_meeting_on": date(2018, 4, 1)}, "next_meeting_on"),
        ({"mode": "visio"}, "mode"),
        ({"obstacles": ["sante"]}, "obstacles"),
        ({"notes": "", "job_situation": "", "next_steps": ""}, "notes"),
    ],
)
def test_meeting_validation(db, granted, change, field):
    referent, _, _, case_id = granted
    with pytest.raises(ValidationError) as info:
        save_meeting(db, referent, meeting(case_id, **change), today=date(2018, 4, 3))
    assert field in info.value.errors


def test_only_one_six_month_review(db, granted):
    referent, _, _, case_id = granted
    save_meeting(
        db,
        referent,
        meeting(case_id, kind="bilan_6_mois", held_on=date(2018, 9, 3), next_meeting_on=None),
        today=date(2018, 9, 3),
    )
    with pytest.raises(ValidationError, match="déjà enregistré"):
        save_meeting(
            db,
            referent,
            meeting(case_id, kind="bilan_6_mois", held_on=date(2018, 9, 4), next_meeting_on=None),
            today=date(2018, 9, 4),
        )


def test_no_meeting_on_a_draft(db):
    referent, _ = make_users(db)
    case_id = make_case(db, referent, make_person(db, referent))
    with pytest.raises(NotAllowed):
        save_meeting(db, referent, meeting(case_id), today=date(2018, 4, 3))


def test_health_words_are_flagged():
    assert health_words("Elle est en arrêt maladie, traitement en cours") == [
        "maladie",
        "traitement",
    ]
    assert health_words("Trajet difficile, budget serré") == []


def test_case_detail_and_actions_follow_role_and_state(db, granted):
    referent, validator, person, case_id = granted
    detail = load_case(db, case_id, referent)
    assert detail.reference.startswith("DOS-2018-")
    assert detail.person_name == "LEFÈVRE Hélène"
    assert detail.six_month_end == date(2018, 9, 4)
    assert detail.total_cents == 135000
    assert [d.number for d in detail.decisions] == ["PSR-2018-0001"]
    assert Action.SUSPEND in detail.actions and Action.END_EARLY not in detail.actions
    assert Action.END_EARLY in load_case(db, case_id, validator).actions
    assert [h.action for h in detail.history][:3] == ["grant", "submit", "create"]
    assert [c.reference for c in cases_of_beneficiary(db, person)] == [detail.reference]


def test_opening_a_case_is_logged_as_a_read(db, granted):
    referent, _, _, case_id = granted
    load_case(db, case_id, referent)
    with db.read() as s:
        reads = s.scalars(
            select(AccessLog).where(AccessLog.action == "read", AccessLog.case_id == case_id)
        ).all()
        person = s.get(Case, case_id).beneficiary_id
        assert not s.scalars(select(AuditEvent).where(AuditEvent.action == "read")).all()
    assert [(r.user_login, r.workstation, r.beneficiary_id) for r in reads] == [
        ("nbenali", "POSTE-1", person)
    ]


def test_caseload_lists_what_is_due(db, granted):
    referent, validator, person, case_id = granted
    items = caseload(db, referent, today=date(2018, 4, 20))
    kinds = {(i.kind, i.due) for i in items}
    assert (TodoKind.TRIAL_END, date(2018, 5, 4)) in kinds
    assert (TodoKind.INSTALMENT, date(2018, 5, 1)) in kinds
    assert (TodoKind.MEETING, date(2018, 4, 19)) in kinds  # job start + 45 days, none held
    late = caseload(db, referent, today=date(2018, 8, 20))
    assert (TodoKind.REVIEW, date(2018, 9, 4)) in {(i.kind, i.due) for i in late}
    other = make_person(db, referent, number="7654321", first_name="Awa", last_name="N'Diaye")
    pending = make_case(db, referent, other)
    workflow.submit(db, referent, pending, on=date(2018, 4, 2))
    assert TodoKind.DECISION in {
        i.kind for i in caseload(db, validator, date(2018, 4, 20), everyone=True)
    }
    assert TodoKind.DECISION not in {i.kind for i in caseload(db, referent, date(2018, 4, 20))}


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_cases(db, granted, tmp_path, fmt):
    referent, validator, person, case_id = granted
    out = tmp_path / f"cases.{fmt}"
    assert export_cases(db, out, fmt) == 1
    if fmt == "json":
        case = json.loads(out.read_text(encoding="utf-8"))["cases"][0]
        assert case["beneficiary_id"] == str(person)
        assert case["scale_version"]["effective_from"] == "2017-12-01"
        assert case["total_cents"] == 135000
        assert {c["component"] for c in case["components"]} == {
            "transport",
            "daily_life",
            "childcare",
        }
        assert case["instalments"][0] == {
            "month": "2018-03",
            "component": "childcare",
            "amount_cents": 15000,
            "status": "planned",
            "envelope_year": 2018,
            "payee_kind": "beneficiary",
            "payee": "Hélène Lefèvre",
        }
        assert case["decisions"][0]["number"] == "PSR-2018-0001"
    else:
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
        assert rows[0]["decision_kind"] == "grant"
        assert rows[0]["total_cents"] == "135000"
        assert rows[0]["instalments"].count("|") == 10


def test_previews_for_the_editor_and_the_validator(db):
    from app.services.cases import grant_preview, load_case_input, preview_eligibility

    referent, _ = make_users(db)
    person = make_person(db, referent, orientation="emploi")
    case_id = make_case(db, referent, person)
    data = load_case_input(db, case_id)
    assert data.employer_name == "Boulangerie Martin" and len(data.aids) == 3
    scale, result = preview_eligibility(db, data)
    assert scale.effective_from == date(2017, 12, 1)
    assert result.status.value == "failed"
    preview = grant_preview(db, case_id, on=date(2018, 3, 20))
    assert sum(i.amount_cents for i in preview.schedule) == 135000
    assert preview.needs == {2018: 135000} and preview.fits
    assert preview.envelopes[0].remaining_cents == 20_000_000


def test_export_cases_command(db, db_path, granted, tmp_path, capsys):
    from app.cli import main

    out = tmp_path / "dossiers.csv"
    assert main(["export-cases", "--db", str(db_path), "--format", "csv", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].startswith("reference;")
    assert main(["export-cases", "--db", str(db_path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert len(printed["cases"]) == 1


def test_meeting_texts_take_several_lines_but_no_control_characters(db, granted):
    referent, _, _, case_id = granted
    notes = "Trajet de 50 minutes en bus.\nRecherche d'une place en crèche.\r\n\tÀ suivre."
    save_meeting(db, referent, meeting(case_id, notes=notes), today=date(2018, 4, 3))
    assert load_case(db, case_id, referent).meetings[0].notes.strip() == notes.strip()
    bad = meeting(
        case_id,
        held_on=date(2018, 4, 4),
        participants="Mme Lefèvre,\nMme Benali",
        notes="Trajet \x1b[2Jen bus.",
        next_steps="x" * 5_001,
    )
    with pytest.raises(ValidationError) as info:
        save_meeting(db, referent, bad, today=date(2018, 4, 4))
    errors = info.value.errors
    assert "« Participants » tient sur une seule ligne" in errors["participants"]
    assert "« Compte rendu » contient un caractère invisible" in errors["notes"]
    assert errors["next_steps"] == (
        "Le champ « Suites à donner » dépasse 5\u202f000 caractères (ici 5\u202f001)."
    )


def test_health_words_come_from_the_settings_list():
    words = "arrêt de travail\nkiné*\n\n"
    assert health_words("Arrêt de travail ; séances de kinésithérapie", words=words) == [
        "arret de travail",
        "kinesitherapie",
    ]
    assert health_words("Elle est malade", words=words) == []  # not in this list
    assert health_words("Elle est malade") == ["malade"]  # the default list
