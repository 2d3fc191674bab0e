"""An import written in short transactions, all or nothing: cancelled or cut off half-way,
it is undone; a person changed (or a number created) on another station meanwhile makes
that line a rejected one instead of a silent overwrite."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from app.models import ImportRun, ImportUndo
from app.services import clock
from app.services.importer import ImportCancelled, import_file
from app.services.importer import writing as import_apply
from tests.clock import MOMENT
from tests.test_import import by_number, counts, many_lines, seed, write


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(import_apply, "APPLY_CHUNK", 100)
    monkeypatch.setattr(import_apply, "PAUSE_S", 0)


def runs(db) -> tuple[list[str], int]:
    """The runs' statuses (sorted: runs of one moment have no order), and the undo rows."""
    with db.read() as s:
        statuses = sorted(r.status for r in s.scalars(select(ImportRun)))
        return statuses, s.scalar(select(func.count()).select_from(ImportUndo))


def test_an_import_is_written_in_chunks_and_leaves_no_undo_rows(db, actor, tmp_path):
    report = import_file(db, actor, many_lines(tmp_path, 450))
    assert report.created == 450 and counts(db)[0] == 450
    assert runs(db) == (["done"], 0)


def test_cancel_half_way_through_the_writing_undoes_it(db, actor, tmp_path, monkeypatch):
    seed(db, actor)
    before = counts(db)[0]
    original = import_apply._write_chunk
    written: list[int] = []

    def write_chunk(s, run_id, plan, chunk):
        original(s, run_id, plan, chunk)
        written.append(chunk.count)

    monkeypatch.setattr(import_apply, "_write_chunk", write_chunk)
    with pytest.raises(ImportCancelled):  # the user cancels once a chunk is in the base
        import_file(db, actor, many_lines(tmp_path, 450), cancelled=lambda: bool(written))
    assert written and sum(written) < 450
    assert counts(db)[0] == before
    assert runs(db) == (["undone"], 0)


def test_an_import_cut_off_by_a_crash_is_undone_by_the_next_one(db, actor, tmp_path, monkeypatch):
    seed(db, actor)
    path = write(tmp_path, "N° allocataire;Nom;Prénom;Commune", "1234567;Lefèvre;Hélène;Massy")
    original = import_apply._write_chunk
    written: list[int] = []

    def crash_after_first_chunk(*args):
        if written:
            raise KeyboardInterrupt  # the process dies: nothing runs after this
        written.append(1)
        return original(*args)

    monkeypatch.setattr(import_apply, "_write_chunk", crash_after_first_chunk)
    monkeypatch.setattr(import_apply, "undo_run", lambda db, run_id: None)  # no time to undo
    with pytest.raises(KeyboardInterrupt):
        import_file(db, actor, many_lines(tmp_path, 250))
    monkeypatch.undo()
    assert counts(db)[0] == 101  # the first chunk is in the base
    assert runs(db)[0] == ["applying"]
    import_file(db, actor, path)  # too soon: the run may still be going on another station
    assert counts(db)[0] == 101
    clock.pin(MOMENT + timedelta(seconds=import_apply.ABANDONED_S + 5))
    try:
        report = import_file(db, actor, path)
    finally:
        clock.pin(MOMENT)
    assert report.unchanged == 1
    assert counts(db)[0] == 1 and by_number(db)["1234567"].commune == "Massy"
    assert runs(db) == (["done", "done", "undone"], 0)
    with db.read() as s:  # the one undone is the import cut off by the crash
        assert s.scalar(select(ImportRun.status).where(ImportRun.file_name == "gros.csv")) == (
            "undone"
        )


def test_a_person_changed_on_another_station_meanwhile_is_not_overwritten(
    db, db_path, actor, tmp_path, monkeypatch
):
    seed(db, actor)
    path = write(
        tmp_path,
        "N° allocataire;Nom;Prénom;Commune",
        "1234567;Lefèvre;Hélène;Massy",
        "7654321;Bégué;Marc;Évry",
    )
    original = import_apply._bind

    def other_station_saves_first(*args):  # after the lines are planned, before the writing
        conn = sqlite3.connect(db_path)
        with conn:
            conn.execute(
                "UPDATE beneficiary SET commune = 'Grigny', version_id = version_id + 1 "
                "WHERE allocataire_number = '1234567'"
            )
            conn.execute(
                "INSERT INTO beneficiary (id, version_id, created_at, created_by, updated_at, "
                "updated_by, civility, last_name, birth_name, first_name, address_line1, "
                "address_line2, postcode, commune, phone, email, paying_body, "
                "allocataire_number, iban, bic, global_support, notes, search_text, "
                "sort_name, commune_key) VALUES ('0123456789abcdef0123456789abcdef', 1, "
                "'2026-01-01', 'x', '2026-01-01', 'x', '', 'Autre', '', 'Marc', '', '', '', "
                "'', '', '', 'CAF', '7654321', '', '', 0, '', '', '', '')"
            )
        conn.close()
        return original(*args)

    monkeypatch.setattr(import_apply, "_bind", other_station_saves_first)
    report = import_file(db, actor, path)
    assert (report.created, report.updated) == (0, 0)
    reasons = {r.line_number: r.reason for r in report.rejected}
    assert "modifié sur un autre poste pendant l'import" in reasons[2]
    assert "créé sur un autre poste pendant l'import" in reasons[3]
    people = by_number(db)
    assert people["1234567"].commune == "Grigny" and people["7654321"].last_name == "Autre"


def test_undo_restores_updated_people_and_keeps_those_changed_since(
    db, actor, tmp_path, monkeypatch
):
    seed(db, actor)
    path = write(
        tmp_path,
        "N° allocataire;Nom;Prénom;Commune",
        "1234567;Lefèvre;Hélène;Massy",
        "7654321;Bégué;Marc;Évry",
        "7654322;Roux;Léa;Évry",
    )
    original_apply, original_undo = import_apply.apply, import_apply.undo_run

    def fail_at_the_end(db_, actor_, plan, *, finish, **kw):
        def fail(s, writes):
            raise RuntimeError("power cut")

        return original_apply(db_, actor_, plan, finish=fail, **kw)

    def someone_edits_marc_first(db_, run_id):
        with db_.write() as s:  # another station, between the import's chunks and its undo
            s.execute(
                text(
                    "UPDATE beneficiary SET commune = 'Massy', version_id = version_id + 1 "
                    "WHERE allocataire_number = '7654321'"
                )
            )
        original_undo(db_, run_id)

    monkeypatch.setattr(import_apply, "apply", fail_at_the_end)
    monkeypatch.setattr(import_apply, "undo_run", someone_edits_marc_first)
    with pytest.raises(RuntimeError):
        import_file(db, actor, path)
    people = by_number(db)
    assert set(people) == {"1234567", "7654321"}  # Léa, untouched since, taken back
    assert people["1234567"].commune == "Évry"  # Hélène's update undone
    assert people["1234567"].version_id == 3  # updated, then restored: never reused
    assert people["7654321"].commune == "Massy"  # Marc, changed since, kept as he is
    assert runs(db) == (["undone"], 0)


def test_check_tells_an_unfinished_import(db, db_path, actor, capsys):
    from app.cli import main

    with db.write() as s:
        s.add(
            ImportRun(
                file_name="caf-mars.csv",
                user_login="nbenali",
                workstation="POSTE-3",
                status="applying",
                lines=10,
                started_at=0,
                seen_at=0,
            )
        )
    assert main(["check", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "Import de « caf-mars.csv » (nbenali, poste POSTE-3) en cours ou interrompu" in out
