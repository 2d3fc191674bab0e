"""Start-up: the window shows its list before the ORM loads; the rest follows the paint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


def test_the_list_is_painted_before_the_orm_loads_which_follows(populated_db, tmp_path):
    populated_db.dispose()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PACK_SORTIE_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(populated_db.path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
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
