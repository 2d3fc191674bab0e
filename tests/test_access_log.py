"""The access log: structured entries in their own table, written with what they record,
filtered and exported by an administrator; migration 0007 carries the old audit reads over."""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import date, timedelta

import pytest
from alembic import command
from sqlalchemy import select

from app.models import AccessLog, AuditEvent
from app.models.enums import DocumentKind
from app.services import access_log, documents
from app.services.access_log import AccessFilter
from app.services.beneficiaries import load_beneficiary, save_beneficiary
from app.services.case_export import export_cases
from app.services.case_view import load_case
from app.services.errors import NotAllowed, UserFacingError
from app.services.schema import alembic_config, open_sqlite
from tests.clock import TODAY
from tests.factories import granted_case, make_person, make_users


@pytest.fixture
def scene(db):
    referent, validator = make_users(db)
    person = make_person(db, referent)
    other = make_person(db, referent, number="7654321", first_name="Paul", last_name="Durand")
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    return referent, validator, person, other, case_id


def _entries(db) -> list[AccessLog]:
    with db.read() as s:
        return list(s.scalars(select(AccessLog).order_by(AccessLog.id)).all())


def test_reads_changes_letters_and_exports_are_logged_with_the_person(db, scene, tmp_path):
    referent, validator, person, _other, case_id = scene
    before = len(_entries(db))
    load_case(db, case_id, referent)
    data = load_beneficiary(db, person, referent)
    data.phone = "0601020304"
    save_beneficiary(db, referent, data)
    documents.produce_document(db, validator, case_id, DocumentKind.GRANT_LETTER)
    export_cases(db, tmp_path / "dossiers.csv", "csv", actor=validator)
    new = _entries(db)[before:]
    assert [e.action for e in new[:3]] == ["read", "read", "update"]
    assert all(e.beneficiary_id == person for e in new[:3])
    assert new[0].case_id == case_id and new[1].case_id is None
    assert json.loads(new[2].details)["fields"] == ["phone"]
    assert "0601020304" not in new[2].details  # field names, never their values
    assert any(e.case_id == case_id and e.user_login == "maubert" for e in new[3:-1])
    assert new[-1].action == "export"
    assert json.loads(new[-1].details) == {
        "count": 1,
        "entity": "case",
        "file": "dossiers.csv",
        "format": "csv",
    }
    assert all(e.workstation in ("POSTE-1", "POSTE-2") for e in new)


def test_the_log_is_written_with_the_change_or_not_at_all(db, scene):
    referent, _validator, person, _other, _case_id = scene
    data = load_beneficiary(db, person, referent)
    count = len(_entries(db))
    data.version_id -= 1  # another station saved in between: the change is refused
    with pytest.raises(UserFacingError):
        save_beneficiary(db, referent, data)
    assert len(_entries(db)) == count


def test_filters_by_person_user_and_period_and_admins_only(db, scene, actor):
    referent, validator, person, other, case_id = scene
    load_beneficiary(db, other, validator)
    load_case(db, case_id, referent)
    with pytest.raises(NotAllowed):
        access_log.search(db, referent, AccessFilter())
    everyone = access_log.search(db, actor, AccessFilter())
    assert access_log.search(db, actor, AccessFilter(person="DOS-0000-99999")) == []
    reference = next(e.case_reference for e in everyone if e.case_reference)
    of_person = access_log.search(db, actor, AccessFilter(person=reference))
    assert of_person and {e.beneficiary_id for e in of_person} == {person}
    durand = access_log.search(db, actor, AccessFilter(person="durand"))
    assert durand and {e.person for e in durand} == {"DURAND Paul"}
    assert {e.beneficiary_id for e in access_log.search(db, actor, AccessFilter("7654321"))} == {
        other
    }
    by_user = access_log.search(db, actor, AccessFilter(user="maubert"))
    assert by_user and {e.user_login for e in by_user} == {"maubert"}
    assert access_log.search(db, actor, AccessFilter(user="aubert")) == by_user  # the name
    today = access_log.search(db, actor, AccessFilter(since=TODAY, until=TODAY))
    assert len(today) == len(everyone)
    assert access_log.search(db, actor, AccessFilter(until=TODAY - timedelta(days=1))) == []
    with pytest.raises(UserFacingError, match="à l'envers"):
        access_log.search(db, actor, AccessFilter(since=TODAY, until=TODAY - timedelta(days=1)))


def test_csv_export_in_french_without_iban_and_logged(db, scene, actor, tmp_path):
    referent, _validator, person, _other, _case_id = scene
    load_beneficiary(db, person, referent)
    out = tmp_path / "journal.csv"
    count = access_log.export_csv(db, actor, AccessFilter(person="1234567"), out)
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert rows[0] == access_log.CSV_HEADER
    assert len(rows) == count + 1 and count >= 2
    assert rows[1][0] == TODAY.strftime("%d/%m/%Y")
    assert {r[5] for r in rows[1:]} >= {"Consultation", "Création"}
    assert "FR76" not in out.read_text(encoding="utf-8-sig")
    last = _entries(db)[-1]
    assert last.action == "export" and json.loads(last.details)["entity"] == "access_log"


def test_unwritable_export_gets_a_french_message(db, actor, tmp_path):
    with pytest.raises(UserFacingError, match="Impossible d'écrire"):
        access_log.export_csv(db, actor, AccessFilter(), tmp_path / "absent" / "journal.csv")


def test_0007_moves_the_reads_of_the_audit_trail_into_the_log(db_path):
    db = open_sqlite(db_path, create=True)
    referent, validator = make_users(db)
    person = make_person(db, referent)
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    with db.engine.connect() as conn:
        conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        with conn.begin():
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0006")
    db.dispose()
    conn = sqlite3.connect(db_path)
    changes = conn.execute("SELECT count(*) FROM audit_event").fetchone()[0]
    conn.execute(  # a read of 0006, recorded in the audit trail
        "INSERT INTO audit_event (id, at, user_login, workstation, action, entity, entity_id, "
        "case_id, summary, before, after) VALUES ('00000000000000000000000000000001', "
        "'2018-04-02 09:00:00.000000', 'nbenali', 'POSTE-1', 'read', 'case', ?, ?, "
        "'DOS', '', '')",
        (str(case_id), case_id.hex),
    )
    conn.commit()
    conn.close()
    db = open_sqlite(db_path)
    with db.read() as s:
        logged = s.scalars(select(AccessLog).order_by(AccessLog.at)).all()
        left = s.scalars(select(AuditEvent)).all()
    db.dispose()
    assert len(logged) == changes + 1 and len(left) == changes
    assert all(e.action != "read" for e in left)
    assert {e.beneficiary_id for e in logged} == {person}
    assert logged[0].action == "read" and logged[0].case_id == case_id
    created = next(e for e in logged if json.loads(e.details)["entity"] == "beneficiary")
    assert json.loads(created.details) == {"entity": "beneficiary", "entity_id": str(person)}


def test_an_import_is_one_entry_with_its_counts(db, actor, tmp_path):
    from app.services.importer import import_file

    path = tmp_path / "allocataires.csv"
    path.write_text(
        "Nom;Prénom;Date de naissance;N° allocataire\n"
        "Lefèvre;Hélène;12/04/1988;1234567\nBégué;Marc;01/02/1975;7654321\n",
        encoding="utf-8",
    )
    import_file(db, actor, path)
    logged = _entries(db)
    assert [e.action for e in logged] == ["import"]
    details = json.loads(logged[0].details)
    assert details["entity"] == "beneficiary_import" and details["file"] == "allocataires.csv"
    assert details["created"] == 2 and "Lefèvre" not in logged[0].details


def test_no_iban_or_nir_in_clear_in_logs_and_exports(db, actor, tmp_path, caplog):
    """Minimisation: the log lines, the access log and the case exports never carry the IBAN
    or the NIR (the payment transfer file does: its purpose needs it)."""
    import logging
    from dataclasses import replace

    from app.services.settings import load_settings, save_settings

    save_settings(db, actor, replace(load_settings(db), nir_enabled=True))
    referent, validator = make_users(db)
    iban, nir = "FR7630006000011234567890189", "184127645108946"
    with caplog.at_level(logging.DEBUG):
        person = make_person(db, referent, nir=nir)
        data = load_beneficiary(db, person, referent)
        data.phone = "0601020304"
        save_beneficiary(db, referent, data)
        case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
        load_case(db, case_id, validator)
        export_cases(db, tmp_path / "dossiers.csv", "csv", actor=actor)
        export_cases(db, tmp_path / "dossiers.json", "json", actor=actor)
        access_log.export_csv(db, actor, AccessFilter(), tmp_path / "journal.csv")
    with db.read() as s:
        assert s.scalars(select(AuditEvent)).first() is not None
        stored = " ".join(e.details for e in s.scalars(select(AccessLog)))
    written = " ".join(
        (tmp_path / name).read_text(encoding="utf-8-sig")
        for name in ("dossiers.csv", "dossiers.json", "journal.csv")
    )
    for secret in (iban, nir, iban[4:12]):
        assert secret not in caplog.text
        assert secret not in stored
        assert secret not in written


def test_the_fields_a_change_lists_are_named_in_french():
    from app.services.access_log import details_text

    assert details_text({"entity": "case", "fields": ["state", "job_start"]}) == (
        "dossier ; champs : État, Début de l'emploi"
    )
    assert details_text({"entity": "beneficiary", "fields": ["birth_date"]}) == (
        "fiche bénéficiaire ; champs : Date de naissance"
    )
