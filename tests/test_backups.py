"""Backups beside the base, restoring one, and the two states a base can be found in at open:
damaged pages (opened read-only) and WAL mode switched on by another tool."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from app.cli import main
from app.services import backups, sqlite_file
from app.services.backups import BackupKind
from app.services.errors import DatabaseRefused, DatabaseUnavailable
from app.services.schema import head_revision, open_sqlite
from app.services.sqlite_file import WalMode, is_wal
from tests.clock import TODAY, working_day

PAGE = 4096


def audit_rows(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM audit_event").fetchone()[0]
    finally:
        conn.close()


def add_audit_rows(path: Path, count: int) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO audit_event (id, at, user_login, workstation, action, entity, "
            "entity_id, summary, before, after) VALUES (?, '2026-01-01', 'x', '', 'x', 'x', '', "
            "?, '', '')",
            [(i.to_bytes(16, "big"), "y" * 300) for i in range(count)],
        )
    conn.close()


def damage(path: Path) -> None:
    """Overwrite a page in the middle of the file with garbage (the header stays valid)."""
    data = bytearray(path.read_bytes())
    page = len(data) // PAGE // 2
    data[page * PAGE : (page + 1) * PAGE] = b"\x07" * PAGE
    path.write_bytes(bytes(data))


@pytest.fixture
def base(db_path: Path) -> Path:
    open_sqlite(db_path, create=True).dispose()
    add_audit_rows(db_path, 400)  # a few dozen pages, so that one can be damaged
    return db_path


def test_backup_is_a_checked_copy_named_by_moment_kind_and_revision(base):
    target = backups.make_backup(base, BackupKind.MANUAL)
    assert target.parent == base.parent / "pack-sortie-sauvegardes"
    assert "-manuelle-rev" + head_revision() in target.name
    assert audit_rows(target) == audit_rows(base)
    [found] = backups.list_backups(base)
    assert (found.path, found.kind, found.revision) == (target, BackupKind.MANUAL, head_revision())
    assert not list(target.parent.glob("*.partiel"))


def test_daily_backup_once_a_day_and_seven_days_kept(base):
    for offset in range(9, 0, -1):
        with working_day(TODAY - timedelta(days=offset)):
            assert backups.daily_backup(base) is not None
            assert backups.daily_backup(base) is None  # the same day: already made
    daily = [b for b in backups.list_backups(base) if b.kind is BackupKind.DAILY]
    assert len(daily) == backups.KEPT[BackupKind.DAILY] == 7
    assert daily[0].taken_at.date() == TODAY - timedelta(days=1)
    assert daily[-1].taken_at.date() == TODAY - timedelta(days=7)


def test_rotation_keeps_other_kinds(base):
    manual = backups.make_backup(base, BackupKind.MANUAL)
    for offset in range(9, 0, -1):
        with working_day(TODAY - timedelta(days=offset)):
            backups.daily_backup(base)
    assert manual.exists()


def test_restore_brings_back_the_content_and_keeps_a_safety_copy(base):
    saved = backups.make_backup(base, BackupKind.MANUAL)
    before = audit_rows(base)
    add_audit_rows_after(base)
    safety = backups.restore_backup(base, saved)
    assert audit_rows(base) == before
    assert audit_rows(safety) == before + 10  # what was there before the restore is kept
    assert "avant-restauration" in safety.name
    open_sqlite(base).dispose()  # a sound Pack Sortie base again


def add_audit_rows_after(path: Path) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO audit_event (id, at, user_login, workstation, action, entity, "
            "entity_id, summary, before, after) VALUES (?, '2026-02-01', 'x', '', 'x', 'x', '', "
            "'later', '', '')",
            [(b"later" + i.to_bytes(11, "big"),) for i in range(10)],
        )
    conn.close()


def test_restore_refuses_a_foreign_or_damaged_source_and_a_foreign_target(base, tmp_path):
    original = base.read_bytes()
    text = tmp_path / "notes.sqlite"
    text.write_text("pas une base")
    with pytest.raises(DatabaseRefused):
        backups.restore_backup(base, text)
    broken = backups.make_backup(base, BackupKind.MANUAL)
    damage(broken)
    with pytest.raises(DatabaseRefused, match="elle-même endommagée"):
        backups.restore_backup(base, broken)
    assert base.read_bytes() == original
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    good = backups.make_backup(base, BackupKind.MANUAL)
    before = other.read_bytes()
    with pytest.raises(DatabaseRefused, match="pas une base Pack Sortie"):
        backups.restore_backup(other, good)
    assert other.read_bytes() == before


def test_damaged_base_opens_read_only_and_refuses_writes(base):
    saved = backups.make_backup(base, BackupKind.MANUAL)
    damage(base)
    db = open_sqlite(base)
    try:
        assert db.read_only and db.damage
        with pytest.raises(DatabaseRefused, match="endommagée"), db.write():
            pass
    finally:
        db.dispose()
    safety = backups.restore_backup(base, saved)  # a damaged base can be restored
    assert safety.exists()
    db = open_sqlite(base)
    assert not db.damage and not db.read_only
    db.dispose()


def test_cli_on_a_damaged_base(base, tmp_path, capsys):
    saved = backups.make_backup(base, BackupKind.MANUAL)
    damage(base)
    out = tmp_path / "export.json"
    assert main(["export-cases", "--db", str(base), "--out", str(out)]) == 1
    assert "endommagée" in capsys.readouterr().err
    assert not out.exists()
    assert main(["check", "--db", str(base)]) == 1
    assert main(["restore", "--db", str(base), "--from", str(saved)]) == 0
    assert main(["check", "--db", str(base)]) == 0


def test_cli_backup_and_list(base, capsys):
    assert main(["backup", "--db", str(base)]) == 0
    written = Path(capsys.readouterr().out.strip())
    assert written.exists()
    assert main(["backup", "--db", str(base), "--list"]) == 0
    assert str(written) in capsys.readouterr().out
    empty = base.with_name("vide.sqlite")
    empty.write_bytes(b"")
    assert main(["backup", "--db", str(empty)]) == 2
    assert empty.read_bytes() == b""


def switch_to_wal(path: Path) -> None:
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    conn.close()


def test_wal_base_is_explained_then_switched_back_on_request(base):
    switch_to_wal(base)
    with pytest.raises(WalMode, match="WAL"):
        open_sqlite(base)
    assert is_wal(base)
    db = open_sqlite(base, switch_journal=True)
    db.dispose()
    assert not is_wal(base)


def test_wal_base_is_not_switched_while_another_tool_has_it_open(base):
    switch_to_wal(base)
    other = sqlite3.connect(base)
    other.execute("SELECT count(*) FROM audit_event").fetchone()
    try:
        with pytest.raises(DatabaseUnavailable, match="encore ouverte"):
            open_sqlite(base, switch_journal=True)
        assert is_wal(base)
    finally:
        other.close()


def test_check_reports_wal_and_fixes_it_on_request(base, capsys):
    switch_to_wal(base)
    assert main(["check", "--db", str(base)]) == 1
    assert "WAL" in capsys.readouterr().out
    assert main(["check", "--db", str(base), "--fix-journal"]) == 0
    assert not is_wal(base)


def test_an_unchanged_sound_base_is_checked_once_and_a_changed_one_again(base, monkeypatch):
    checked: list[Path] = []
    real = sqlite_file.quick_check

    def counting(path: Path, budget_s: float) -> list[str] | None:
        checked.append(path)
        return real(path, budget_s)

    monkeypatch.setattr(sqlite_file, "quick_check", counting)
    open_sqlite(base).dispose()
    open_sqlite(base).dispose()  # the same bytes: not read again
    assert checked == [base]
    damage(base)  # the bytes change: checked again, and found damaged
    db = open_sqlite(base)
    try:
        assert db.damage and len(checked) == 2
    finally:
        db.dispose()
    db = open_sqlite(base)  # a damaged base is never remembered as sound
    db.dispose()
    assert len(checked) == 3
