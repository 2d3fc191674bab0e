"""Who else has the base open: joining, beating, leaving, going stale, and what is refused
while other stations are there (restoring a backup, upgrading the schema)."""

from __future__ import annotations

import sqlite3
import time
from datetime import timedelta

import pytest

from app.cli import main
from app.services import backups, clock, presence
from app.services.actor import Actor
from app.services.backups import BackupKind
from app.services.presence import Heartbeat, OthersConnected
from app.services.schema import open_sqlite
from tests.clock import MOMENT, pause

OTHER = Actor(login="m.dupont", workstation="POSTE-2", name="Marie Dupont")


@pytest.fixture
def later():
    """Move the application's clock forward by some seconds (back to MOMENT after)."""

    def move(seconds: int) -> None:
        clock.pin(MOMENT + timedelta(seconds=seconds))

    yield move
    clock.pin(MOMENT)


def test_a_station_sees_the_others_until_they_leave(db, actor):
    presence.join(db, actor, "mine")
    presence.join(db, OTHER, "theirs")
    [station] = presence.others(db, "mine")
    assert (station.workstation, station.user_name) == ("POSTE-2", "Marie Dupont")
    assert station.label.startswith("POSTE-2 (Marie Dupont, depuis ")
    assert [s.workstation for s in presence.others(db, "theirs")] == ["POSTE-TEST"]
    presence.leave(db, "theirs")
    assert presence.others(db, "mine") == []


def test_a_station_that_stopped_beating_goes_stale(db, actor, later):
    presence.join(db, actor, "mine")
    presence.join(db, OTHER, "theirs")
    later(presence.STALE_S - 10)
    presence.beat(db, actor, "mine")
    assert [s.token for s in presence.others(db, "mine")] == ["theirs"]
    later(presence.STALE_S + 1)  # POSTE-2 crashed: no beat since it joined
    assert presence.others(db, "mine") == []
    assert [s.token for s in presence.others(db, "theirs")] == ["mine"]  # beat 11 s ago


def test_a_beat_whose_row_went_away_joins_again(db, actor):
    presence.beat(db, actor, "mine")  # e.g. the base was restored under the station
    assert [s.token for s in presence.others(db)] == ["mine"]


def test_joining_forgets_stations_gone_for_a_day(db, actor, later):
    presence.join(db, OTHER, "old")
    later(presence.FORGOTTEN_S + 60)
    presence.join(db, actor, "mine")
    assert db.rows("SELECT token FROM station_presence") == [("mine",)]


def test_heartbeat_thread_joins_reports_and_leaves(db, actor):
    presence.join(db, OTHER, "theirs")
    heartbeat = Heartbeat(db, actor, period_s=0.05)
    heartbeat.start()
    deadline = time.monotonic() + 5
    while heartbeat.others is None and time.monotonic() < deadline:
        pause(0.01)
    assert [s.workstation for s in heartbeat.others] == ["POSTE-2"]
    assert heartbeat.token in {row[0] for row in db.rows("SELECT token FROM station_presence")}
    heartbeat.stop()
    assert db.rows("SELECT token FROM station_presence") == [("theirs",)]


def test_no_heartbeat_on_a_read_only_or_damaged_base(db, actor):
    db.read_only = True  # as opened from a read-only share
    Heartbeat(db, actor).start()
    db.read_only, db.damage = False, "page 12: invalid"
    Heartbeat(db, actor).start()
    assert db.rows("SELECT count(*) FROM station_presence") == [(0,)]


def test_others_on_file_reads_a_closed_base_and_an_older_one(db, db_path, actor, tmp_path):
    presence.join(db, OTHER, "theirs")
    assert [s.workstation for s in presence.others_on_file(db_path)] == ["POSTE-2"]
    assert presence.others_on_file(db_path, "theirs") == []
    old = tmp_path / "old.sqlite"
    sqlite3.connect(old).execute("CREATE TABLE alembic_version (version_num TEXT)").close()
    assert presence.others_on_file(old) == []  # before the presence table: nobody to show


def test_restore_is_refused_while_another_station_has_the_base_open(db, db_path, capsys):
    backup = backups.make_backup(db_path, BackupKind.MANUAL)
    presence.join(db, OTHER, "theirs")
    with pytest.raises(OthersConnected) as refused:
        backups.restore_backup(db_path, backup)
    assert "La restauration est impossible" in refused.value.message
    assert "POSTE-2 (Marie Dupont" in refused.value.message
    assert main(["restore", "--db", str(db_path), "--from", str(backup)]) != 0
    assert "POSTE-2" in capsys.readouterr().err
    assert backups.list_backups(db_path) == [backups.list_backups(db_path)[0]]  # no safety copy
    presence.leave(db, "theirs")
    assert main(["restore", "--db", str(db_path), "--from", str(backup)]) == 0


def test_upgrade_is_refused_while_another_station_has_the_base_open(db, db_path):
    presence.join(db, OTHER, "theirs")
    db.dispose()
    conn = sqlite3.connect(db_path)
    with conn:  # as if this version were newer than the base (a later migration to run)
        conn.execute("UPDATE alembic_version SET version_num = '0005'")
    conn.close()
    with pytest.raises(OthersConnected) as refused:
        open_sqlite(db_path)
    assert refused.value.message.startswith("La mise à jour de la base est impossible")
    assert [s.workstation for s in refused.value.stations] == ["POSTE-2"]
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0005",)
    conn.close()
