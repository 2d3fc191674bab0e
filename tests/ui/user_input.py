"""Acting on a dialog as a user would, for UI tests: showing it as the active window, and
typing text with accents."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget


def show_active[W: QWidget](qtbot: Any, dialog: W, width: int, height: int) -> W:
    """Show ``dialog`` at ``width`` × ``height`` (the offscreen screen is small; a real one
    is not) as the active window. It is hidden before qtbot closes it: no "unsaved changes"
    question at teardown."""
    qtbot.addWidget(dialog, before_close_func=lambda w: w.hide())
    dialog.resize(width, height)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def key_text(qtbot: Any, widget: QWidget, text: str) -> None:
    """Type like a user; accented letters go as key events with their text (QTest's
    keyClicks only knows ASCII keys)."""
    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
        else:
            QTest.sendKeyEvent(
                QTest.KeyAction.Click,
                widget,
                Qt.Key.Key_unknown,
                char,
                Qt.KeyboardModifier.NoModifier,
            )
