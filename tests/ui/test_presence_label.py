"""The status bar's « autres postes connectés », and what the GUI refuses while they are
there: restoring a backup (asked before anything) and upgrading without asking."""

from __future__ import annotations

import pytest

from app.config import app_paths
from app.services import backups, presence
from app.services.actor import Actor
from app.services.backups import BackupKind
from app.services.presence import OthersConnected, Station
from app.services.schema import open_sqlite
from app.ui import application, dialogs, workspace
from app.ui.presence_label import presence_text, presence_tooltip

pytestmark = pytest.mark.usefixtures("fake_dialogs")

OTHER = Actor(login="m.dupont", workstation="POSTE-2", name="Marie Dupont")


def test_presence_texts():
    station = Station("t", "POSTE-2", "m.dupont", "Marie Dupont", 0, 0)
    assert presence_text([]) == "Seul poste connecté"
    assert presence_text([station]) == "1 autre poste connecté"
    assert presence_text([station, station]) == "2 autres postes connectés"
    assert "POSTE-2 (Marie Dupont, depuis" in presence_tooltip([station])


def test_status_bar_shows_the_other_stations_and_leaves_at_close(qtbot, population, actor):
    presence.join(population.db, OTHER, "theirs")
    win = application.build_main_window(population.db, actor, paths=app_paths())
    qtbot.addWidget(win)
    win.show()
    assert not win.presence_label.isVisible()  # no heartbeat before start-up is done
    win.start_presence()
    qtbot.waitUntil(lambda: win.presence_label.heartbeat.others is not None, timeout=5000)
    win.presence_label.refresh()
    assert win.presence_label.isVisible()
    assert win.presence_label.text() == "1 autre poste connecté"
    assert "POSTE-2 (Marie Dupont" in win.presence_label.toolTip()
    token = win.presence_label.token
    assert [s.token for s in presence.others(population.db, "theirs")] == [token]
    win.close()
    assert presence.others(population.db, "theirs") == []


def test_restore_refused_before_any_choice_while_another_station_is_there(
    qtbot, population, actor, fake_dialogs, monkeypatch
):
    path = population.db.path
    backups.make_backup(path, BackupKind.MANUAL)
    presence.join(population.db, OTHER, "theirs")
    population.db.dispose()
    win = application.build_main_window(open_sqlite(path), actor, paths=app_paths())
    qtbot.addWidget(win)
    win.start_presence()
    asked: list[str] = []
    monkeypatch.setattr(dialogs, "ask_choice", lambda *a, **k: asked.append("choice") or 0)
    fake_dialogs.yes_no_answers = [True]
    assert not win.restore_backup()
    assert "La restauration est impossible" in fake_dialogs.retries[-1]
    assert "POSTE-2" in fake_dialogs.retries[-1]
    assert asked == [] and fake_dialogs.questions == []
    win.presence_label.detach()
    win.db.dispose()
    assert len(backups.list_backups(path)) == 1  # no safety copy: nothing was replaced
    assert [s.token for s in presence.others_on_file(path)] == ["theirs"]


def test_upgrade_with_others_connected_asks_first(population, fake_dialogs, monkeypatch):
    path = population.db.path
    population.db.dispose()
    calls: list[dict] = []
    real = workspace.schema.open_database

    def open_database(location, **options):
        calls.append(options)
        if not options.get("despite_others"):
            station = Station("t", "POSTE-2", "m.dupont", "Marie Dupont", 0, 0)
            raise OthersConnected("La mise à jour de la base", [station])
        return real(location, create=options["create"], shared=options["shared"])

    monkeypatch.setattr(workspace.schema, "open_database", open_database)
    fake_dialogs.yes_no_answers = [False]
    assert workspace.open_workspace(None, str(path), remember=False) is None
    assert "Mettre à jour quand même ?" in fake_dialogs.questions[-1]
    assert "POSTE-2" in fake_dialogs.questions[-1]
    fake_dialogs.yes_no_answers = [True]
    opened = workspace.open_workspace(None, str(path), remember=False)
    assert opened is not None and calls[-1]["despite_others"] is True
    opened[0].dispose()
