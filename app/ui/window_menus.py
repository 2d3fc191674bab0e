"""The pieces the main window's menus, toolbar and status bar are made of.

An action carries its shortcut in its tooltip and works even when the toolbar is hidden; a
menu or a toolbar is written as its groups of actions, a separator between two groups.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QMenu, QMenuBar, QStyle, QToolBar, QWidget

Icon = tuple[QIcon.ThemeIcon, QStyle.StandardPixmap]  # the theme's icon, else Qt's own
Groups = Sequence[Sequence[QAction]]


class PathLabel(QLabel):
    """A label that shortens a long path in the middle instead of widening the window."""

    def minimumSizeHint(self) -> QSize:
        return QSize(60, super().minimumSizeHint().height())

    def paintEvent(self, _event: QPaintEvent) -> None:
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideMiddle, rect.width()
        )
        QPainter(self).drawText(rect, int(self.alignment()), text)


def make_action(
    owner: QWidget,
    text: str,
    slot: Callable[[], object],
    shortcut: QKeySequence | str | None = None,
    icon: Icon | None = None,
    icon_text: str = "",
) -> QAction:
    """An action of ``owner`` calling ``slot``; its tooltip says its shortcut."""
    action = QAction(text, owner)
    action.triggered.connect(lambda _checked=False: slot())
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if icon is not None:
        theme, fallback = icon
        action.setIcon(QIcon.fromTheme(theme, owner.style().standardIcon(fallback)))
    if icon_text:
        action.setIconText(icon_text)
    hint = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    label = icon_text or text.replace("&", "").split("\t")[0]
    action.setToolTip(f"{label} ({hint})" if hint else label)
    owner.addAction(action)  # shortcuts work even when the toolbar is hidden
    return action


def _add_groups(target: QMenu | QToolBar, groups: Groups) -> None:
    for n, group in enumerate(groups):
        if n:
            target.addSeparator()
        target.addActions(list(group))


def fill_menu_bar(bar: QMenuBar, menus: Sequence[tuple[str, Groups]]) -> None:
    """One menu per ``(title, groups)``."""
    for title, groups in menus:
        menu = bar.addMenu(title)
        _add_groups(menu, groups)


def make_toolbar(owner: QWidget, groups: Groups) -> QToolBar:
    """The fixed toolbar (icons with their text beside), which cannot be hidden."""
    toolbar = QToolBar("Barre d'outils", owner)
    toolbar.setObjectName("main_toolbar")
    toolbar.setMovable(False)
    toolbar.setFloatable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.toggleViewAction().setEnabled(False)
    _add_groups(toolbar, groups)
    return toolbar
