"""Right of access: everything held on one person, as a readable PDF and JSON beside it."""

from __future__ import annotations

import json
import subprocess
from datetime import date

import pytest

from app.cli import main
from app.models import AccessLog
from app.services import person_export
from app.services.beneficiaries import load_beneficiary
from app.services.case_view import load_case
from app.services.meetings import MeetingInput, save_meeting
from app.services.person_export import PersonNotFound, find_person
from tests.factories import granted_case, make_person, make_users

NOTES = "Prise de poste réussie, horaires compatibles avec la garde de l'enfant."


@pytest.fixture
def held(db):
    referent, validator = make_users(db)
    person = make_person(db, referent)  # with an IBAN
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    save_meeting(db, referent, MeetingInput(case_id, date(2018, 4, 10), notes=NOTES))
    load_case(db, case_id, validator)
    load_beneficiary(db, person, referent)
    detail = load_case(db, case_id, referent)
    return referent, validator, person, case_id, detail


def pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_pdf_and_json_hold_everything(db, held, tmp_path):
    referent, _validator, person, _case_id, detail = held
    pdf, json_path = person_export.export_person(db, referent, person, tmp_path / "acces.pdf")
    assert json_path == tmp_path / "acces.json"
    record = json.loads(json_path.read_text(encoding="utf-8"))
    assert record["identity"]["last_name"] == "Lefèvre"
    assert record["identity"]["iban"] == "FR7630006000011234567890189"  # the person's own
    assert record["household"][0]["relation"] == "Enfant"
    (case,) = record["cases"]
    assert case["reference"] == detail.reference
    assert case["decisions"][0]["kind"] == "Attribution" and "motivation" in case["decisions"][0]
    assert len(case["instalments"]) == 11 and case["meetings"][0]["notes"] == NOTES
    readers = {(a["user"], a["action"]) for a in record["accesses"]}
    assert ("Marc Aubert (maubert)", "Consultation") in readers
    assert ("Nadia Benali (nbenali)", "Création") in readers
    text = pdf_text(pdf)
    for expected in (
        "Droit d'accès aux données personnelles",
        "LEFÈVRE Hélène",
        "Identité",
        "Foyer",
        detail.reference,
        "Attribution",
        "Prise de poste réussie",
        "Courriers archivés",
        "Accès à votre dossier",
        "Marc Aubert (maubert)",
    ):
        assert expected in text, expected
    assert "75,00 €" in text.replace("\u00a0", " ")
    with db.read() as s:
        last = s.query(AccessLog).order_by(AccessLog.id.desc()).first()
    assert last.action == "access_export" and last.beneficiary_id == person


def test_references_that_designate_the_person(db, held):
    _referent, _validator, person, _case_id, detail = held
    assert find_person(db, "1234567") == person
    assert find_person(db, " 123 45 67 ") == person
    assert find_person(db, detail.reference.lower()) == person
    assert find_person(db, detail.decisions[0].number) == person
    assert find_person(db, str(person)) == person
    with pytest.raises(PersonNotFound, match="Aucune personne ne correspond à « 999 »"):
        find_person(db, "999")


def test_command_writes_both_files_and_refuses_an_unknown_reference(
    db, db_path, held, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr("app.services.actor.os_login", lambda: "maubert")
    db.dispose()
    out = tmp_path / "droit-acces.pdf"
    args = ["export-person", "--db", str(db_path), "--out", str(out)]
    assert main([*args, "--beneficiary", held[4].reference]) == 0
    assert out.exists() and out.with_suffix(".json").exists()
    assert "Droit d'accès" in capsys.readouterr().out
    assert main([*args, "--beneficiary", "DOS-0000-99999"]) == 2
    assert "Aucune personne ne correspond à « DOS-0000-99999 »" in capsys.readouterr().err
