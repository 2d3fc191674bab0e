"""A wait for another station's lock can be cancelled, and nothing is then written."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from app.models import Institution
from app.services import storage
from app.services.errors import DatabaseUnavailable
from app.services.lock_wait import WaitCancelled, cancellable
from tests.clock import pause
from tests.locks import other_station

pytestmark = pytest.mark.sqlite_only  # SQLite's file lock; a server's locks are its own


def run_in_thread(work: Callable[[], object]) -> tuple[threading.Thread, dict[str, object]]:
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["result"] = work()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    return thread, outcome


def add_institution(db, name: str = "CCAS de Massy") -> None:
    with db.write() as s:
        s.add(Institution(name=name, kind="ccas"))


def institutions(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Institution))


def test_a_write_waiting_for_the_lock_stops_when_cancelled(db, monkeypatch):
    monkeypatch.setitem(storage.BUSY_TIMEOUT_MS, "local", 600_000)  # would wait 10 minutes
    stop = threading.Event()
    with other_station(db, "IMMEDIATE"):

        def work() -> None:
            with cancellable(stop.is_set):
                add_institution(db)

        thread, outcome = run_in_thread(work)
        pause(0.4)
        assert thread.is_alive()  # waiting for the other station
        stop.set()
        thread.join(30)
        assert not thread.is_alive()  # gave up on the cancel, still holding no lock
    assert isinstance(outcome.get("error"), WaitCancelled)
    assert "rien n'a été enregistré" in str(outcome["error"])
    assert institutions(db) == 0


def test_a_write_goes_through_once_the_other_station_commits(db):
    with other_station(db, "IMMEDIATE") as blocker:

        def work() -> None:
            with cancellable(lambda: False):
                add_institution(db)

        thread, outcome = run_in_thread(work)
        pause(0.4)
        assert thread.is_alive()
        blocker.execute("COMMIT")
        thread.join(30)
    assert outcome == {"result": None}
    assert institutions(db) == 1


def test_a_cancel_after_the_lock_rolls_back_instead_of_committing(db):
    stop = threading.Event()
    with pytest.raises(WaitCancelled), cancellable(stop.is_set), db.write() as s:
        s.add(Institution(name="PLIE Nord Essonne", kind="plie"))
        s.flush()
        stop.set()  # the user pressed Annuler while the write was under way
    assert institutions(db) == 0


def test_the_usual_timeout_still_ends_a_cancellable_wait(db, monkeypatch):
    monkeypatch.setitem(storage.BUSY_TIMEOUT_MS, "local", 300)

    def work() -> None:
        with cancellable(lambda: False):
            add_institution(db)

    with other_station(db, "IMMEDIATE"):
        thread, outcome = run_in_thread(work)
        thread.join(30)
        assert not thread.is_alive()
    assert isinstance(outcome.get("error"), DatabaseUnavailable)
    assert "occupée" in str(outcome["error"])
    add_institution(db)  # the connection is usable again, with its usual timeout
    assert institutions(db) == 1


@pytest.mark.parametrize("reader", ["session", "rows"])
def test_a_read_waiting_for_an_exclusive_lock_stops_when_cancelled(db, reader, monkeypatch):
    monkeypatch.setitem(storage.BUSY_TIMEOUT_MS, "local", 600_000)
    stop = threading.Event()
    read = {
        "session": lambda: institutions(db),
        "rows": lambda: db.rows("SELECT count(*) FROM institution"),
    }[reader]
    with other_station(db, "EXCLUSIVE"):

        def work() -> object:
            with cancellable(stop.is_set):
                return read()

        thread, outcome = run_in_thread(work)
        pause(0.4)
        assert thread.is_alive()
        stop.set()
        thread.join(30)
        assert not thread.is_alive()
    assert isinstance(outcome.get("error"), WaitCancelled)
    assert read() in (0, [(0,)])  # and the next read, outside any wait, works
