"""Fichier › Sauvegarder / Restaurer, the damaged-base banner, and the WAL question at open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.config import app_paths
from app.services import backups
from app.services.backups import BackupKind
from app.services.schema import open_sqlite
from app.services.sqlite_file import is_wal
from app.ui import application, dialogs, workspace

pytestmark = pytest.mark.usefixtures("fake_dialogs")


def damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    page = len(data) // 4096 // 2
    data[page * 4096 : (page + 1) * 4096] = b"\x07" * 4096
    path.write_bytes(bytes(data))


def beneficiaries(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM beneficiary").fetchone()[0]
    finally:
        conn.close()


def window_on(qtbot, path: Path, actor):
    win = application.build_main_window(open_sqlite(path), actor, paths=app_paths())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_backup_now_from_the_menu(qtbot, population, actor, fake_dialogs):
    path = population.db.path
    population.db.dispose()
    win = window_on(qtbot, path, actor)
    assert not win.damage_banner.isVisible()
    win.action_backup.trigger()
    [made] = backups.list_backups(path)
    assert made.kind is BackupKind.MANUAL
    assert str(made.path) in fake_dialogs.infos[-1]
    win.db.dispose()


def test_damaged_base_shows_the_banner_and_restores_the_chosen_backup(
    qtbot, population, actor, fake_dialogs, monkeypatch
):
    path = population.db.path
    count = beneficiaries(path)
    population.db.dispose()
    saved = backups.make_backup(path, BackupKind.MANUAL)
    damage(path)
    win = window_on(qtbot, path, actor)
    assert win.db.damage and win.damage_banner.isVisible()
    assert "endommagée" in win.database_label.text()
    assert not win.action_new_beneficiary.isEnabled()

    offered: list[list[str]] = []
    monkeypatch.setattr(
        dialogs, "ask_choice", lambda _p, _text, choices, **k: offered.append(choices) or 0
    )
    fake_dialogs.yes_no_answers = [True]
    win.action_restore.trigger()
    assert offered[0][0] == backups.list_backups(path)[-1].label  # the backup made above
    assert offered[0][-1] == "Autre fichier…"
    assert "va être remplacé" in fake_dialogs.questions[-1]
    assert not fake_dialogs.errors and not fake_dialogs.retries, fake_dialogs.retries
    assert not win.db.damage and not win.damage_banner.isVisible()
    assert win.action_new_beneficiary.isEnabled()
    assert beneficiaries(path) == count
    assert saved.exists() and "restaurée" in fake_dialogs.infos[-1]
    win.db.dispose()


def test_restore_cancelled_changes_nothing(qtbot, population, actor, fake_dialogs):
    path = population.db.path
    population.db.dispose()
    backups.make_backup(path, BackupKind.MANUAL)
    before = path.read_bytes()
    win = window_on(qtbot, path, actor)
    win.action_restore.trigger()  # the fake ask_choice answers "cancel"
    assert path.read_bytes() == before
    win.db.dispose()


def test_wal_base_at_open_asks_then_switches_back(population, fake_dialogs):
    path = population.db.path
    population.db.dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    fake_dialogs.yes_no_answers = [False]
    assert workspace.open_workspace(None, str(path), remember=False) is None
    assert "WAL" in fake_dialogs.questions[-1] and is_wal(path)
    fake_dialogs.yes_no_answers = [True]
    opened = workspace.open_workspace(None, str(path), remember=False)
    assert opened is not None and not is_wal(path)
    opened[0].dispose()
