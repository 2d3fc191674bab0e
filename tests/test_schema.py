"""Opening databases: create and migrate, refuse foreign/newer/corrupt files untouched."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from alembic import command

from app import SQLITE_APPLICATION_ID
from app.cli import main
from app.models import Base
from app.services.errors import DatabaseRefused, DatabaseUnavailable
from app.services.schema import alembic_config, head_revision, open_sqlite, probe_file


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_database_is_migrated_to_head_and_stamped(db_path):
    db = open_sqlite(db_path, create=True)
    db.dispose()
    probe = probe_file(db_path)
    assert probe.revision == head_revision()
    assert probe.application_id == SQLITE_APPLICATION_ID
    conn = sqlite3.connect(db_path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert set(Base.metadata.tables) <= tables


def test_migrations_match_the_models(db):
    """Autogenerate finds nothing to do: every model change has its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.migrations.env_filters import include_object

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_every_base_is_at_head_with_its_search_index(db):
    from app.services.schema import current_revision

    assert current_revision(db) == head_revision()
    if db.dialect == "postgresql":
        found = "SELECT indexname FROM pg_indexes WHERE indexname = 'ix_beneficiary_search_trgm'"
    else:
        found = "SELECT name FROM sqlite_master WHERE name = 'beneficiary_fts'"
    assert len(db.rows(found)) == 1


def test_missing_file_is_not_created_without_asking(db_path):
    with pytest.raises(DatabaseUnavailable, match="introuvable"):
        open_sqlite(db_path)
    assert not db_path.exists()


def test_text_file_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("Compte rendu de réunion\n" * 20, encoding="utf-8")
    before = digest(path)
    with pytest.raises(DatabaseRefused, match="pas un fichier SQLite"):
        open_sqlite(path)
    assert digest(path) == before


def test_foreign_sqlite_file_is_refused_untouched(tmp_path):
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(DatabaseRefused, match="autre application"):
        open_sqlite(path)
    assert digest(path) == before


def test_sqlite_file_with_another_application_id_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id=1234")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseRefused, match="autre application"):
        open_sqlite(path)


def test_newer_schema_is_refused_untouched(db_path):
    open_sqlite(db_path, create=True).dispose()
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE alembic_version SET version_num='9999_from_the_future'")
    conn.commit()
    conn.close()
    before = digest(db_path)
    with pytest.raises(DatabaseRefused, match="plus récente"):
        open_sqlite(db_path)
    assert digest(db_path) == before


def test_corrupt_file_is_refused_untouched(db_path):
    open_sqlite(db_path, create=True).dispose()
    data = bytearray(db_path.read_bytes())
    data[100:4000] = b"\xff" * 3900  # wreck the schema page, keep the magic header
    db_path.write_bytes(bytes(data))
    before = digest(db_path)
    with pytest.raises(DatabaseRefused):
        open_sqlite(db_path)
    assert digest(db_path) == before


def test_outdated_database_is_backed_up_before_upgrade(db_path, actor):
    db = open_sqlite(db_path, create=True)
    with db.engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    db.dispose()
    assert probe_file(db_path).revision is None
    db = open_sqlite(db_path)
    db.dispose()
    backups = list((db_path.parent / f"{db_path.stem}-sauvegardes").glob("*.sqlite"))
    assert len(backups) == 1
    assert "revnone" in backups[0].name
    assert probe_file(db_path).revision == head_revision()


def test_check_command_exit_codes(db_path, tmp_path, capsys):
    open_sqlite(db_path, create=True).dispose()
    assert main(["check", "--db", str(db_path)]) == 0
    assert "base saine" in capsys.readouterr().out

    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute(
        "INSERT INTO household_member (id, beneficiary_id, relation, first_name, last_name,"
        " version_id, created_at, created_by, updated_at, updated_by) VALUES"
        " ('0123456789abcdef0123456789abcdef', 'ffffffffffffffffffffffffffffffff', 'enfant',"
        " 'X', 'Y', 1, '2026-01-01', '', '2026-01-01', '')"
    )
    conn.commit()
    conn.close()
    assert main(["check", "--db", str(db_path)]) == 1
    assert "orphelines" in capsys.readouterr().out

    other = tmp_path / "x.txt"
    other.write_text("bonjour")
    assert main(["check", "--db", str(other)]) == 2


def test_head_constant_matches_alembic():
    from alembic.script import ScriptDirectory

    from app.migrations.head import HEAD_REVISION

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION


def test_0005_keeps_a_sending_date_only_for_invitations_whose_letter_was_produced(db_path):
    """Before 0005 the delay ran from the day the invitation was recorded; after it, from its
    letter: the recorded day becomes the decision, the latest letter the sending."""
    from datetime import date

    from app.models.enums import DocumentKind
    from app.services import documents, workflow
    from tests.clock import working_day
    from tests.factories import granted_case, make_person, make_users

    db = open_sqlite(db_path, create=True)
    referent, validator = make_users(db)
    GROUNDS = "Absences répétées signalées par l'employeur depuis le mois de mars."
    sent = granted_case(db, referent, validator, make_person(db, referent), on=date(2018, 3, 20))
    other = make_person(db, referent, number="7654321", first_name="Paul", last_name="Durand")
    unsent = granted_case(db, referent, validator, other, on=date(2018, 3, 20))
    for case_id in (sent, unsent):
        workflow.invite_observations(db, validator, case_id, GROUNDS, on=date(2018, 4, 2))
    with working_day(date(2018, 4, 14)):
        documents.produce_document(db, validator, sent, DocumentKind.OBSERVATIONS_NOTICE)
    with db.engine.connect() as conn:
        conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        with conn.begin():
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0004")
    db.dispose()
    conn = sqlite3.connect(db_path)
    conn.execute(  # as 0004 recorded them: sent = recorded on 02/04, deadline 15 days later
        "UPDATE pack_case SET observations_sent_on = '2018-04-02', "
        "observations_deadline = '2018-04-17'"
    )
    conn.execute("UPDATE document SET created_at = '2018-04-14 09:30:00.000000'")
    conn.commit()
    conn.close()
    db = open_sqlite(db_path)
    conn = sqlite3.connect(db_path)
    got = dict(
        (row[0], row[1:])
        for row in conn.execute(
            "SELECT c.id, c.observations_invited_on, u.os_login, c.observations_sent_on, "
            "c.observations_deadline FROM pack_case c "
            "LEFT JOIN app_user u ON u.id = c.observations_invited_by_id"
        )
    )
    conn.close()
    db.dispose()
    assert got[sent.hex] == ("2018-04-02", "maubert", "2018-04-14", "2018-04-29")
    assert got[unsent.hex] == ("2018-04-02", "maubert", None, None)
