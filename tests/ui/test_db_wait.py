"""Database calls leave the GUI thread: the window repaints while the share is locked,
the wait can be cancelled (nothing written), and results and errors come back as from a
plain call."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QWidget
from sqlalchemy import func, select

from app.models import Institution
from app.services import storage
from app.services.errors import DatabaseUnavailable
from app.services.lock_wait import WaitCancelled
from app.ui import db_wait
from tests.locks import other_station


class PaintCounter(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0
        self.resize(200, 100)

    def paintEvent(self, event: QPaintEvent) -> None:
        self.paints += 1
        super().paintEvent(event)


def save(db) -> str:
    with db.write() as s:
        s.add(Institution(name="CCAS de Massy", kind="ccas"))
    return "enregistré"


def institutions(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Institution))


@pytest.fixture
def window(qtbot):
    widget = PaintCounter()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_the_result_and_the_errors_come_back_in_the_gui_thread(window):
    gui = threading.get_ident()
    seen: list[int] = []

    def work() -> int:
        seen.append(threading.get_ident())
        return 42

    assert db_wait.run_db(window, work) == 42
    assert seen and seen[0] != gui  # ran in a worker thread
    with pytest.raises(DatabaseUnavailable, match="occupée"):
        db_wait.run_db(window, lambda: (_ for _ in ()).throw(DatabaseUnavailable("occupée")))
    assert db_wait.current_wait_dialog() is None  # a quick call shows no dialog


@pytest.mark.sqlite_only  # SQLite's file lock (tests.locks)
def test_a_locked_share_shows_the_wait_and_annuler_writes_nothing(db, window, monkeypatch):
    monkeypatch.setitem(storage.BUSY_TIMEOUT_MS, "local", 600_000)
    seen: dict[str, object] = {}

    def while_waiting() -> None:
        dialog = db_wait.current_wait_dialog()
        if dialog is None:  # not yet: look again shortly
            window.update()
            QTimer.singleShot(100, while_waiting)
            return
        seen["text"] = dialog.text.text()
        seen["paints"] = window.paints
        dialog.cancel_button.click()
        seen["after_cancel"] = dialog.text.text()

    with other_station(db):
        painted_before = window.paints
        QTimer.singleShot(50, while_waiting)
        with pytest.raises(WaitCancelled, match="rien n'a été enregistré"):
            db_wait.run_db(window, lambda: save(db))
    assert "occupée par un autre poste" in str(seen["text"])
    assert seen["paints"] > painted_before  # the window repainted during the wait
    assert "Annulation" in str(seen["after_cancel"])
    assert db_wait.current_wait_dialog() is None
    assert institutions(db) == 0


@pytest.mark.sqlite_only  # SQLite's file lock (tests.locks)
def test_the_save_goes_through_when_the_other_station_finishes(db, window, monkeypatch):
    monkeypatch.setitem(storage.BUSY_TIMEOUT_MS, "local", 600_000)
    with other_station(db) as blocker:

        def release() -> None:
            if db_wait.current_wait_dialog() is None:
                QTimer.singleShot(100, release)
                return
            blocker.execute("COMMIT")

        QTimer.singleShot(50, release)
        assert db_wait.run_db(window, lambda: save(db)) == "enregistré"
    assert institutions(db) == 1
    assert db_wait.current_wait_dialog() is None


@pytest.mark.sqlite_only  # SQLite's file lock (tests.locks)
def test_escape_on_the_wait_dialog_cancels_too(qtbot, db, window, monkeypatch):
    monkeypatch.setitem(storage.BUSY_TIMEOUT_MS, "local", 600_000)

    def press_escape() -> None:
        dialog = db_wait.current_wait_dialog()
        if dialog is None:
            QTimer.singleShot(100, press_escape)
            return
        dialog.reject()  # what Escape and the title bar's close button do
        assert dialog.isVisible()  # it stays until the worker has stopped

    with other_station(db):
        QTimer.singleShot(50, press_escape)
        with pytest.raises(WaitCancelled):
            db_wait.run_db(window, lambda: save(db))
    assert institutions(db) == 0


RACE = """
import os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication
app = QApplication([])
from app.ui import db_wait
db_wait.DIALOG_AFTER_MS = 0  # the call ends as the first instants run out, again and again
for n in range(2000):
    assert db_wait.run_db(None, lambda: n) == n
print("ok")
"""


def test_a_call_ending_as_the_first_instants_run_out_never_hangs():
    """The worker's thread used to be told to quit through the GUI thread's event loop,
    which no longer ran when the call ended just then: the window froze for good (seen in
    CI). In a child process, so that a hang fails the test instead of the suite."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", RACE], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.strip() == "ok", done.stderr[-2000:]
