"""Shared fixtures: an isolated home folder and a fresh migrated database per test."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.services.actor import Actor
from app.services.schema import open_sqlite
from app.services.settings import load_settings, save_settings
from app.services.storage import Database
from tests.clock import MOMENT

if TYPE_CHECKING:
    from app.services.server_connection import ServerProfile


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


# The backends a database test runs on (PACK_SORTIE_TEST_BACKENDS narrows them for a quick
# run); a test marked ``sqlite_only``, or one reaching for the file (``db_path``), is about
# SQLite itself and runs there only.
BACKENDS = os.environ.get("PACK_SORTIE_TEST_BACKENDS", "sqlite,postgresql").split(",")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: a test of SQLite itself (file, locks)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" not in metafunc.fixturenames:
        return
    sqlite_only = (
        metafunc.definition.get_closest_marker("sqlite_only") is not None
        or "db_path" in metafunc.fixturenames
    )
    backends = ["sqlite"] if sqlite_only else BACKENDS
    if backends != ["sqlite"]:
        metafunc.parametrize("db_backend", backends, scope="function")


@pytest.fixture
def db_backend() -> str:
    return "sqlite"


@pytest.fixture(scope="session")
def pg_base_url() -> Iterator[str]:
    """A PostgreSQL server for the session (``tests/pg_server.py``)."""
    from tests import pg_server

    url = os.environ.get("PACK_SORTIE_TEST_PG_URL")
    if url:
        pg_server.make_template(url)
        yield url
        pg_server.drop_template(url)
        return
    if pg_server.binaries() is None:
        if os.environ.get("PACK_SORTIE_REQUIRE_PG") == "1":
            pytest.fail("PostgreSQL is required (PACK_SORTIE_REQUIRE_PG=1) but not installed")
        pytest.skip("PostgreSQL is not installed on this machine")
    with pg_server.throwaway_cluster() as url:
        pg_server.make_template(url)
        yield url


@pytest.fixture
def db(request: pytest.FixtureRequest, db_backend: str, tmp_path: Path) -> Iterator[Database]:
    """A fresh migrated base: a SQLite file, or a database of its own on the server."""
    if db_backend == "sqlite":
        database = open_sqlite(tmp_path / "office" / "pack-sortie.sqlite", create=True)
        yield database
        database.dispose()
        return
    from app.services.schema import open_server
    from tests.pg_server import fresh_database

    with fresh_database(request.getfixturevalue("pg_base_url")) as url:
        database = open_server(url)
        # Its documents in a shared folder, as the administrator sets it in Paramètres.
        archive = str(tmp_path / "partage-departement" / "documents")
        save_settings(database, ADMIN, replace(load_settings(database), archive_folder=archive))
        yield database
        database.dispose()


ADMIN = Actor(login="admin.test", workstation="POSTE-TEST", name="Admin Test", is_admin=True)


@pytest.fixture
def actor() -> Actor:
    return Actor(
        login="agent.test",
        workstation="POSTE-TEST",
        name="Agent Test",
        is_validator=True,
        is_admin=True,
    )


@pytest.fixture
def server(pg_base_url: str) -> Iterator[ServerProfile]:
    """A profile of a fresh migrated base of the test server (trust authentication)."""
    from app.services.server_connection import ServerProfile
    from tests.pg_server import fresh_database

    with fresh_database(pg_base_url) as url:
        profile = ServerProfile.from_location(url)
        assert profile is not None
        yield profile


@pytest.fixture(autouse=True)
def forget_server_passwords() -> Iterator[None]:
    """The server passwords a test kept for its session are gone for the next test."""
    yield
    module = sys.modules.get("app.services.server_connection")
    if module is not None:
        module._session.clear()
