"""Shared fixtures: an isolated home folder and a fresh migrated database per test."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.services.actor import Actor
from app.services.schema import open_sqlite
from app.services.storage import Database
from tests.clock import MOMENT


@pytest.fixture(scope="session", autouse=True)
def moment() -> datetime:
    """The session's moment (``tests/clock.py``); the application's clock is pinned to it."""
    from app.services import clock

    clock.pin(MOMENT)
    yield MOMENT
    clock.pin(None)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Config, data and logs of the app go into the test's own folder."""
    home = tmp_path / "home"
    monkeypatch.setenv("PACK_SORTIE_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def memory_keyring():
    """Every test gets an empty in-memory keyring instead of the workstation's."""
    import keyring

    from tests.memory_keyring import MemoryKeyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "office" / "pack-sortie.sqlite"


@pytest.fixture
def db(db_path: Path) -> Database:
    database = open_sqlite(db_path, create=True)
    yield database
    database.dispose()


@pytest.fixture
def actor() -> Actor:
    return Actor(
        login="agent.test",
        workstation="POSTE-TEST",
        name="Agent Test",
        is_validator=True,
        is_admin=True,
    )
