"""Storage modes, pragmas, locking and concurrency of writes."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading

import pytest
from sqlalchemy import select, text

from app.models import Counter, Institution
from app.services import storage
from app.services.errors import ConflictError, DatabaseUnavailable
from app.services.schema import open_sqlite
from app.services.storage import StorageMode


def pragma(db, name):
    with db.read() as s:
        return s.execute(text(f"PRAGMA {name}")).scalar()


@pytest.mark.sqlite_only
def test_local_mode_pragmas(db):
    assert db.mode is StorageMode.LOCAL
    assert pragma(db, "foreign_keys") == 1
    assert pragma(db, "journal_mode") == "delete"
    assert pragma(db, "synchronous") == 1  # NORMAL


def test_shared_mode_never_uses_wal_and_syncs_fully(db_path):
    db = open_sqlite(db_path, create=True, shared=True)
    try:
        assert db.mode is StorageMode.SHARED
        assert pragma(db, "journal_mode") == "delete"
        assert pragma(db, "synchronous") == 2  # FULL
        assert pragma(db, "busy_timeout") == storage.BUSY_TIMEOUT_MS["shared"]
    finally:
        db.dispose()


def test_unc_paths_are_network_paths(tmp_path):
    assert storage.is_network_path(storage.Path(r"\\serveur\partage\pack.sqlite"))
    assert not storage.is_network_path(tmp_path / "pack.sqlite")


def test_write_rolls_back_entirely_on_error(db):
    with pytest.raises(RuntimeError), db.write() as s:
        s.add(Institution(name="CCAS de Massy", kind="ccas"))
        s.flush()
        raise RuntimeError("boom")
    with db.read() as s:
        assert s.scalars(select(Institution)).all() == []


@pytest.mark.sqlite_only
def test_locked_database_gives_a_retryable_french_message(db, monkeypatch):
    blocker = sqlite3.connect(db.path, timeout=0)
    blocker.isolation_level = None
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with db.engine.connect() as conn:  # make the pool's connection wait briefly
            conn.exec_driver_sql("PRAGMA busy_timeout=100")
        with pytest.raises(DatabaseUnavailable, match="occupée") as info, db.write() as s:
            s.add(Institution(name="PLIE Nord Essonne", kind="plie"))
        assert info.value.retryable
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    with db.write() as s:  # once released, the same action goes through
        s.add(Institution(name="PLIE Nord Essonne", kind="plie"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_share_opens_read_only(db_path):  # pragma: no cover - CI runs as root
    open_sqlite(db_path, create=True).dispose()
    db_path.chmod(stat.S_IRUSR)
    db_path.parent.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        db = open_sqlite(db_path)
        assert db.read_only
        with pytest.raises(DatabaseUnavailable, match="lecture seule"), db.write():
            pass
        db.dispose()
    finally:
        db_path.parent.chmod(stat.S_IRWXU)
        db_path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_read_only_database_refuses_writes_with_a_message(db_path, monkeypatch):
    open_sqlite(db_path, create=True).dispose()
    monkeypatch.setattr("app.services.schema._writable", lambda path: False)
    db = open_sqlite(db_path)
    try:
        assert db.read_only
        with db.read() as s:  # reading still works
            assert s.scalars(select(Institution)).all() == []
        with pytest.raises(DatabaseUnavailable, match="lecture seule"), db.write():
            pass
    finally:
        db.dispose()


def test_optimistic_concurrency_detects_a_lost_update(db):
    with db.write() as s:
        inst = Institution(name="CAF de l'Essonne", kind="caf")
        s.add(inst)
    with db.read() as s:
        stale = s.get(Institution, inst.id)
    with db.write() as s:  # another workstation changes the row
        s.get(Institution, inst.id).address = "2 impasse du Télégraphe, Évry"
    with pytest.raises(ConflictError), db.write() as s:
        mine = s.merge(stale, load=False)
        mine.name = "CAF 91"


def test_read_then_write_is_serialised_between_connections(db_path):
    """BEGIN IMMEDIATE: two writers doing read-modify-write never lose an increment."""
    first = open_sqlite(db_path, create=True)
    second = open_sqlite(db_path)
    with first.write() as s:
        s.add(Counter(name="hits", value=0))

    def bump(database, times):
        for _ in range(times):
            with database.write() as s:
                row = s.get(Counter, "hits")
                value = row.value
                threading.Event().wait(0.001)  # widen the race window
                row.value = value + 1

    threads = [threading.Thread(target=bump, args=(d, 40)) for d in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with first.read() as s:
        assert s.get(Counter, "hits").value == 80
    first.dispose()
    second.dispose()


def test_rows_reads_plain_sql_and_sees_other_stations_commits(db):
    assert db.rows("SELECT count(*) FROM institution") == [(0,)]
    with db.write() as s:
        s.add(Institution(name="CCAS d'Étampes", kind="ccas"))
    assert db.rows("SELECT name FROM institution WHERE kind = :kind", {"kind": "ccas"}) == [
        ("CCAS d'Étampes",)
    ]


def test_rows_never_writes(db):
    with pytest.raises(DatabaseUnavailable, match="lecture seule"):
        db.rows("DELETE FROM institution")


@pytest.mark.sqlite_only
def test_rows_on_a_locked_database_gives_a_retryable_message_then_works(db, monkeypatch):
    monkeypatch.setitem(storage.BUSY_TIMEOUT_MS, "local", 100)
    blocker = sqlite3.connect(db.path, timeout=0)
    blocker.isolation_level = None
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseUnavailable, match="occupée") as info:
            db.rows("SELECT count(*) FROM institution")
        assert info.value.retryable
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert db.rows("SELECT count(*) FROM institution") == [(0,)]


def test_a_server_base_archives_in_the_folder_its_settings_name(db, actor, tmp_path):
    from dataclasses import replace

    from app.services.documents import ArchiveUnavailable, documents_root
    from app.services.settings import load_settings, save_settings

    if db.path is not None:  # SQLite: the documents live beside the file
        assert documents_root(db) == db.path.parent / f"{db.path.stem}-documents"
        return
    save_settings(db, actor, replace(load_settings(db), archive_folder=""))
    with pytest.raises(ArchiveUnavailable, match="Paramètres"):
        documents_root(db)
    shared = tmp_path / "partage"
    save_settings(db, actor, replace(load_settings(db), archive_folder=str(shared)))
    assert documents_root(db) == shared
