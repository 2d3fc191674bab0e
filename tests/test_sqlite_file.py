"""A station killed in the middle of a save: the base is recovered, never called damaged;
an empty file is never turned into a base behind the user's back."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.services import schema
from app.services.errors import DatabaseRefused, DatabaseUnavailable
from app.services.integrity import check_database
from app.services.schema import open_sqlite
from app.services.sqlite_file import has_journal, journal_of

KILLED_WRITER = """
import os, signal, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA cache_size=2")  # pages spill into the base before the commit
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE setting SET value = '\\"changed\\"'")
conn.executemany(
    "INSERT INTO audit_event (id, at, user_login, workstation, action, entity, entity_id, "
    "summary, before, after) VALUES (?, '2026-01-01', 'x', '', 'x', 'x', '', ?, '', '')",
    [(os.urandom(16), "y" * 400) for _ in range(3000)],
)
os.kill(os.getpid(), signal.SIGKILL)
"""


def counts(path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        return (
            conn.execute("SELECT count(*) FROM audit_event").fetchone()[0],
            conn.execute("SELECT count(*) FROM setting").fetchone()[0],
        )
    finally:
        conn.close()


@pytest.fixture
def interrupted(db_path: Path) -> tuple[Path, tuple[int, int]]:
    open_sqlite(db_path, create=True).dispose()
    before = counts(db_path)
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(db_path)], check=False)
    assert has_journal(db_path), "the killed writer left its journal"
    return db_path, before


def test_an_interrupted_save_is_rolled_back_at_open_and_logged(interrupted, caplog):
    path, before = interrupted
    with caplog.at_level(logging.WARNING, logger="app.services.sqlite_file"):
        db = open_sqlite(path)
    db.dispose()
    assert not has_journal(path)
    assert counts(path) == before
    assert "Interrupted save" in caplog.text and "rolled back" in caplog.text


def test_check_recovers_instead_of_calling_the_base_damaged(interrupted, capsys):
    path, before = interrupted
    assert main(["check", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "base saine" in out and "endommagé" not in out
    assert counts(path) == before


def test_without_the_right_to_write_the_user_is_told_not_to_delete_the_journal(
    interrupted, monkeypatch
):
    path, _ = interrupted
    monkeypatch.setattr(schema, "_writable", lambda _path: False)
    with pytest.raises(DatabaseUnavailable) as refused:
        open_sqlite(path)
    message = refused.value.message
    assert "n'est pas endommagée" in message and journal_of(path).name in message
    assert has_journal(path)  # left for a station that may write
    report = check_database(path)
    assert report.exit_code == 3 and "endommagé" not in report.as_text().replace(
        "n'est pas endommagée", ""
    )


@pytest.mark.parametrize("command", ["export-cases", "import-beneficiaries", "letter"])
def test_an_empty_file_is_refused_not_turned_into_a_base(db_path, tmp_path, command, capsys):
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"")
    args = {
        "export-cases": ["export-cases", "--db", str(db_path), "--out", str(tmp_path / "x.json")],
        "import-beneficiaries": ["import-beneficiaries", "--db", str(db_path), "none.csv"],
        "letter": [
            "letter",
            "--db",
            str(db_path),
            "--case",
            "DOS-1",
            "--kind",
            "attribution",
            "--out",
            str(tmp_path / "x.pdf"),
        ],  # fmt: skip
    }[command]
    assert main(args) != 0
    assert "fichier vide" in capsys.readouterr().err
    assert db_path.read_bytes() == b""
    with pytest.raises(DatabaseRefused, match="fichier vide"):
        open_sqlite(db_path)
    open_sqlite(db_path, create=True).dispose()  # the first-run assistant and demo may
    assert db_path.stat().st_size > 0


def test_a_journal_whose_header_is_still_zero_is_no_interrupted_save(db_path, caplog):
    open_sqlite(db_path, create=True).dispose()
    journal_of(db_path).write_bytes(b"\0" * 512)  # a writer killed before changing the base
    assert not has_journal(db_path)
    caplog.set_level(logging.WARNING)
    open_sqlite(db_path).dispose()
    assert "rolled back" not in caplog.text.lower()
