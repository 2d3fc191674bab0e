"""Start-up: the window shows its list before the ORM loads; the rest follows the paint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QWidget

from app.ui.caseload_view import CaseloadView
from app.ui.main_window import CASELOAD_TAB, MainWindow
from app.ui.widgets import after_first_paint

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import json, sys
from PySide6.QtCore import QEvent, QObject
from app.ui import application

app = application.create_application([])
window = application.start(sys.argv[1])
seen = {}

class Watch(QObject):
    def eventFilter(self, _obj, event):
        if event.type() == QEvent.Type.Paint and not seen:
            seen["orm"] = "sqlalchemy" in sys.modules
            seen["rows"] = window.beneficiary_list.model.rowCount()
        return False

watch = Watch()
window.installEventFilter(watch)
window.repaint()
while not seen or not all(m in sys.modules for m in application.PRELOADED_SCREENS):
    app.processEvents()
seen["orm_after"] = "sqlalchemy.orm" in sys.modules
print(json.dumps(seen))
"""


def run_child(code: str, db_path: Path, home: Path) -> Any:
    """Run ``code`` in a fresh process (a real start-up) on ``db_path``; the JSON it printed
    last."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PACK_SORTIE_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-c", code, str(db_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_list_is_painted_before_the_orm_loads_which_follows(populated_db, tmp_path):
    populated_db.dispose()
    seen = run_child(CHILD, populated_db.path, tmp_path)
    assert seen == {"orm": False, "rows": 200, "orm_after": True}


def test_after_first_paint_waits_for_the_paint(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    calls = []
    after_first_paint(widget, lambda: calls.append("done"))
    qtbot.wait(20)
    assert calls == []  # not shown, not painted
    widget.show()
    qtbot.waitUntil(lambda: calls == ["done"])
    widget.repaint()
    qtbot.wait(20)
    assert calls == ["done"]  # once


def test_the_todo_screen_is_built_when_first_shown(qtbot, populated_db, actor):
    win = MainWindow(populated_db, actor)
    qtbot.addWidget(win)
    assert win.findChild(CaseloadView) is None
    win.tabs.setCurrentIndex(CASELOAD_TAB)
    view = win.findChild(CaseloadView)
    assert view is not None and view is win.caseload_view
    assert win.tabs.currentWidget().isAncestorOf(view)


def test_the_window_does_not_load_the_dashboard_at_start_up(populated_db, tmp_path):
    populated_db.dispose()
    child = (
        "import json, sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from app.services.actor import current_actor\n"
        "from app.services.schema import open_database\n"
        "from app.ui.main_window import MainWindow\n"
        "db = open_database(sys.argv[1])\n"
        "w = MainWindow(db, current_actor(db)); w.show(); app.processEvents()\n"
        "print(json.dumps([m for m in ('app.ui.dashboard_tab', 'PySide6.QtSvg', "
        "'reportlab.graphics.shapes', 'app.services.evaluation') if m in sys.modules]))\n"
    )
    assert run_child(child, populated_db.path, tmp_path) == []
