"""Retention: who is old enough to be anonymised and why (from real events), the purge in
one transaction after a backup, what is erased and kept, the letters' policy, the command,
and a purge killed half-way."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli import main
from app.models import (
    AccessLog,
    AuditEvent,
    Base,
    Beneficiary,
    Case,
    Decision,
    Document,
    HouseholdMember,
    Instalment,
    User,
)
from app.models.enums import DocumentKind
from app.services import documents, retention, workflow
from app.services.actor import actor_from_user
from app.services.backups import BackupKind, list_backups
from app.services.beneficiaries import load_beneficiary, save_beneficiary
from app.services.errors import NotAllowed
from app.services.schema import open_sqlite
from app.services.settings import load_settings, save_settings
from tests.clock import TODAY, years_before
from tests.factories import granted_case, make_case, make_person, make_users

ROOT = Path(__file__).resolve().parent.parent
MOTIVATION = "Les conditions de ressources ne sont pas remplies à la date de la demande."


def backdate(db_path: Path, day: date) -> None:
    """Every change and creation recorded so far happened on ``day`` (they were written at
    the machine's time; the cases' own dates are of 2018)."""
    stamp = datetime.combine(day, time(10, 0)).strftime("%Y-%m-%d %H:%M:%S.000000")
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE audit_event SET at = ?", (stamp,))
    conn.execute("UPDATE beneficiary SET created_at = ?", (stamp,))
    conn.commit()
    conn.close()


@pytest.fixture
def scene(db, db_path):
    """Old Hélène (refused in 2018), old Paul (no case), old Zoé (case still granted), and,
    after the backdating, Marc (created today)."""
    referent, validator = make_users(db)
    helene = make_person(db, referent)
    refused = make_case(db, referent, helene)
    workflow.submit(db, referent, refused, on=date(2018, 3, 10))
    workflow.refuse(db, validator, refused, MOTIVATION, on=date(2018, 3, 20))
    documents.produce_document(db, validator, refused, DocumentKind.REFUSAL_LETTER)
    paul = make_person(db, referent, number="7654321", first_name="Paul", last_name="Durand")
    zoe = make_person(db, referent, number="1111111", first_name="Zoé", last_name="Bégué")
    granted_case(db, referent, validator, zoe, on=date(2018, 3, 20))
    backdate(db_path, years_before(TODAY, 3))
    marc = make_person(db, referent, number="2222222", first_name="Marc", last_name="Neuf")
    with db.write() as s:
        admin = User(first_name="Ada", last_name="Admin", os_login="ada", is_admin=True)
        s.add(admin)
    return {
        "admin": actor_from_user(admin, "POSTE-ADM"),
        "referent": referent,
        "helene": helene,
        "paul": paul,
        "zoe": zoe,
        "marc": marc,
        "refused": refused,
    }


# --- what is erased and kept ------------------------------------------------------------
def test_every_column_of_a_personal_table_is_classified():
    """A new column of a personal table must say whether the purge keeps or erases it."""
    allowed = {
        retention.KEPT,
        retention.ERASED,
        retention.YEAR_KEPT,
        retention.RECOMPUTED,
        retention.REDACTED,
    }
    personal = {
        name
        for name, table in Base.metadata.tables.items()
        if {"beneficiary_id", "case_id"} & set(table.columns.keys())
    } | {"beneficiary"}
    personal -= {"access_log"}  # ids, codes and field names only: never purged (module doc)
    assert personal <= set(retention.CLASSIFICATION), "a personal table is not classified"
    for name, classes in retention.CLASSIFICATION.items():
        columns = set(Base.metadata.tables[name].columns.keys())
        assert columns - set(classes) == set(), f"{name}: columns not classified"
        assert set(classes) - columns == set(), f"{name}: classified columns that do not exist"
        assert set(classes.values()) <= allowed


# --- the dry run ----------------------------------------------------------------------------
def test_dry_run_lists_the_old_and_says_why(db, scene):
    plan = retention.plan_purge(db, scene["admin"])
    by_id = {c.id: c for c in plan.candidates}
    assert set(by_id) == {scene["helene"], scene["paul"]}
    assert plan.kept_open == 1  # Zoé: her case is still granted
    day = years_before(TODAY, 3)
    assert by_id[scene["paul"]].last_contact == day
    assert by_id[scene["helene"]].last_contact == day  # the change, later than the 2018 refusal
    assert by_id[scene["paul"]].event == "created"
    assert plan.documents == 1 and plan.letters == "keep"
    text = retention.report_text(plan, done=False)
    assert "LEFÈVRE Hélène" in text and "DURAND Paul" in text and "Bégué" not in text
    assert "Courriers archivés des personnes anonymisées : conservés" in text
    with db.read() as s:
        assert s.scalar(select(Beneficiary).where(Beneficiary.id == scene["paul"])).last_name == (
            "Durand"
        )


def test_last_contact_is_a_real_event_not_updated_at(db, db_path, scene):
    conn = sqlite3.connect(db_path)  # a technical rewrite of the rows: not a contact
    conn.execute("UPDATE beneficiary SET updated_at = '2099-01-01 00:00:00.000000'")
    conn.commit()
    conn.close()
    assert len(retention.plan_purge(db, scene["admin"]).candidates) == 2
    person = load_beneficiary(db, scene["paul"], scene["referent"])
    person.phone = "0601020304"
    save_beneficiary(db, scene["referent"], person)  # a change today: a contact
    ids = {c.id for c in retention.plan_purge(db, scene["admin"]).candidates}
    assert ids == {scene["helene"]}


def test_only_administrators_purge(db, scene):
    with pytest.raises(NotAllowed):
        retention.plan_purge(db, scene["referent"])
    with pytest.raises(NotAllowed):
        retention.purge(db, scene["referent"])


# --- the purge --------------------------------------------------------------------------------
def test_purge_erases_what_identifies_and_keeps_the_rest(db, db_path, scene):
    with db.read() as s:
        decision_before = s.scalars(select(Decision).where(Decision.case_id == scene["refused"]))
        number = next(iter(decision_before)).number
        letter = s.scalars(select(Document)).one()
    result = retention.purge(db, scene["admin"])
    assert {c.id for c in result.plan.candidates} == {scene["helene"], scene["paul"]}
    assert result.backup is not None and result.backup.exists()
    assert [b.kind for b in list_backups(db_path)] == [BackupKind.PURGE]
    with db.read() as s:
        helene = s.get(Beneficiary, scene["helene"])
        assert (helene.last_name, helene.first_name, helene.address_line1) == ("ANONYME", "", "")
        assert helene.allocataire_number is None and helene.iban == "" and helene.phone == ""
        assert helene.birth_date == date(helene.birth_date.year, 1, 1)
        assert helene.anonymised_at is not None and helene.search_text == ""
        assert helene.paying_body == "CAF" and helene.orientation == "social"
        assert not s.scalars(
            select(HouseholdMember).where(HouseholdMember.beneficiary_id == helene.id)
        ).all()
        case = s.get(Case, scene["refused"])
        assert case.state == "refused" and case.employer_name == "" and case.job_title
        decision = s.scalars(select(Decision).where(Decision.case_id == case.id)).one()
        assert (decision.number, decision.kind, decision.motivation) == (number, "refusal", "")
        assert decision.decided_on == date(2018, 3, 20)
        amounts = s.scalars(select(Instalment.amount_cents).where(Instalment.case_id == case.id))
        assert list(amounts) == []  # a refusal has no instalment; the aid lines stay
        assert s.get(Beneficiary, scene["zoe"]).last_name == "Bégué"
        assert s.get(Beneficiary, scene["marc"]).last_name == "Neuf"
        events = s.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id)).all()
        assert events and all(e.summary == "" for e in events)
        created = s.scalars(
            select(AuditEvent).where(AuditEvent.entity_id == str(helene.id))
        ).first()
        after = json.loads(created.after)
        assert after["last_name"] is None and after["paying_body"] == "CAF"
        purges = s.scalars(select(AccessLog).where(AccessLog.action == "purge")).all()
        assert {p.beneficiary_id for p in purges} == {scene["helene"], scene["paul"]}
        assert s.get(Document, letter.id) is not None
    assert (db.documents_dir / letter.path).exists()  # kept: the default
    assert retention.plan_purge(db, scene["admin"]).candidates == []  # done once
    text = retention.report_text(result.plan, done=True, backup=result.backup)
    assert str(scene["helene"]) in text and "LEFÈVRE" not in text


def test_letters_deleted_when_the_setting_says_so(db, scene):
    save_settings(db, scene["admin"], replace(load_settings(db), anonymised_letters="delete"))
    with db.read() as s:
        letter = s.scalars(select(Document)).one()
    assert (db.documents_dir / letter.path).exists()
    result = retention.purge(db, scene["admin"])
    assert result.deleted_files == [letter.path]
    assert not (db.documents_dir / letter.path).exists()
    assert "supprimés" in retention.report_text(result.plan, done=True)


def test_purge_refuses_when_the_list_changed_since_the_dry_run(db, scene):
    with pytest.raises(retention.PurgeError, match="relancez la simulation"):
        retention.purge(db, scene["admin"], expected=5)
    with db.read() as s:
        assert s.get(Beneficiary, scene["paul"]).anonymised_at is None


# --- the command ------------------------------------------------------------------------------
def test_command_dry_run_then_purge(db, db_path, scene, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("app.services.actor.os_login", lambda: "ada")
    db.dispose()
    report = tmp_path / "simulation.txt"
    assert main(["purge", "--db", str(db_path), "--dry-run", "--report", str(report)]) == 0
    assert "2 personne(s) à anonymiser" in capsys.readouterr().out
    assert "DURAND Paul" in report.read_text(encoding="utf-8")
    assert main(["purge", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "2 personne(s) anonymisée(s)" in out and "Sauvegarde" in out
    kept = list((db_path.parent / "purges").glob("*-purge-*.txt"))
    assert len(kept) == 1 and "ANONYME" not in kept[0].read_text(encoding="utf-8")


def test_command_refuses_a_non_administrator_in_french(db, db_path, scene, capsys, monkeypatch):
    monkeypatch.setattr("app.services.actor.os_login", lambda: "nbenali")
    db.dispose()
    assert main(["purge", "--db", str(db_path), "--dry-run"]) == 2
    assert "Seul un administrateur" in capsys.readouterr().err


KILLED_PURGE = """
import os, signal, sys
sys.path.insert(0, sys.argv[2])
import app.services.actor as actor
actor.os_login = lambda: "ada"
from app.services import retention
real = retention._redact_audit
calls = []
def killing(*args, **kwargs):
    real(*args, **kwargs)
    calls.append(1)
    if len(calls) == 2:  # half-way: the first people are anonymised, not the others
        os.kill(os.getpid(), signal.SIGKILL)
retention._redact_audit = killing
retention.CHUNK = 10
from app.cli import main
main(["purge", "--db", sys.argv[1]])
"""


def test_a_purge_killed_half_way_leaves_the_base_as_before(db, db_path, scene):
    referent = scene["referent"]
    for n in range(30):
        make_person(db, referent, number=str(3_000_000 + n), first_name=f"P{n}", last_name="Vieux")
    backdate(db_path, years_before(TODAY, 3))
    db.dispose()
    run = subprocess.run(
        [sys.executable, "-c", KILLED_PURGE, str(db_path), str(ROOT)],
        check=False,
        capture_output=True,
        text=True,
    )
    assert run.returncode == -9, run.stderr
    db = open_sqlite(db_path)  # the hot journal is rolled back
    try:
        with db.read() as s:
            anonymised = s.scalars(
                select(Beneficiary.id).where(Beneficiary.anonymised_at.is_not(None))
            ).all()
            names = set(s.scalars(select(Beneficiary.last_name)))
            purges = s.scalars(select(AccessLog).where(AccessLog.action == "purge")).all()
        assert anonymised == [] and "ANONYME" not in names and purges == []
        assert len(retention.plan_purge(db, scene["admin"]).candidates) == 33
        result = retention.purge(db, scene["admin"])  # run again: all of them
        assert len(result.plan.candidates) == 33
    finally:
        db.dispose()
