"""The main window's tabs: two permanent ones, then one closable tab per opened screen.

« Bénéficiaires » (the list) and « À faire » (the caseload) stay; every later tab (a
beneficiary's file, a case, the « Tableau de bord ») has a key, so that opening the same
screen again shows its tab instead of a second one.
"""

from __future__ import annotations

import uuid
from typing import Protocol, cast

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QTabBar, QTabWidget, QVBoxLayout, QWidget

LIST_TAB, CASELOAD_TAB = 0, 1  # the permanent tabs; every later tab can be closed
BENEFICIARY, CASE, DASHBOARD = "beneficiary", "case", "dashboard"
TabKey = tuple[str, uuid.UUID]
DASHBOARD_KEY: TabKey = (DASHBOARD, uuid.UUID(int=0))  # one dashboard per window


class _Reloadable(Protocol):  # a case view (or a stand-in for it in tests)
    def reload(self) -> object: ...


class TabBar(QTabBar):
    """Tabs tall enough for a capital accent (« À faire ») even without a close button:
    the permanent tabs would otherwise be shorter than the others and clip it."""

    def tabSizeHint(self, index: int) -> QSize:
        size = super().tabSizeHint(index)
        return QSize(size.width(), max(size.height(), self.fontMetrics().height() + 14))


class TabPage(QWidget):
    """One tab: the screen it shows (``content``) with the window's margins around it."""

    def __init__(
        self,
        content: QWidget,
        key: TabKey | None,
        parent: QWidget | None = None,
        *,
        margins: bool = True,
    ) -> None:
        super().__init__(parent)
        self.content = content
        self.key = key
        layout = QVBoxLayout(self)
        if margins:
            layout.setContentsMargins(12, 10, 12, 6)
        else:  # the screen scrolls and keeps its own margins: its scroll bar at the edge
            layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(content)
        self._layout = layout
        self.setFocusProxy(content)

    def set_content(self, content: QWidget) -> None:
        """Show ``content`` instead of the current one (a screen built on first use)."""
        old, self.content = self.content, content
        self._layout.replaceWidget(old, content)
        old.deleteLater()
        self.setFocusProxy(content)


class WindowTabs(QTabWidget):
    """The tab widget of the main window; ``pages`` holds the closable tabs by key."""

    def __init__(self, parent: QWidget, list_page: TabPage, caseload_page: TabPage) -> None:
        super().__init__(parent)
        self.pages: dict[TabKey, TabPage] = {}
        self.setTabBar(TabBar(self))
        self.setObjectName("mainTabs")
        self.setDocumentMode(True)
        self.setTabsClosable(True)
        self.setElideMode(Qt.TextElideMode.ElideRight)
        self.setUsesScrollButtons(True)
        self.addTab(list_page, "Bénéficiaires")
        self.addTab(caseload_page, "À faire")
        self.setTabToolTip(LIST_TAB, "Rechercher un bénéficiaire (Ctrl+F)")
        self.setTabToolTip(CASELOAD_TAB, "Ce qui est à faire sur les dossiers suivis (Ctrl+T)")
        bar = self.tabBar()
        for index in (LIST_TAB, CASELOAD_TAB):  # permanent: no close button
            for side in (QTabBar.ButtonPosition.RightSide, QTabBar.ButtonPosition.LeftSide):
                if bar.tabButton(index, side) is not None:
                    bar.setTabButton(index, side, None)

    def page_at(self, index: int) -> TabPage | None:
        page = self.widget(index)
        return page if isinstance(page, TabPage) else None

    def current_page(self) -> TabPage | None:
        return self.page_at(self.currentIndex())

    def content(self, key: TabKey) -> QWidget | None:
        """The screen of the tab ``key``, if it is open."""
        page = self.pages.get(key)
        return page.content if page is not None else None

    def show_page(self, key: TabKey) -> bool:
        """Bring the tab ``key`` forward; False when it is not open."""
        page = self.pages.get(key)
        if page is None:
            return False
        self.setCurrentWidget(page)
        page.content.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def add_page(self, key: TabKey, content: QWidget, title: str, tooltip: str) -> None:
        page = TabPage(content, key, margins=key[0] != CASE)
        self.pages[key] = page
        index = self.addTab(page, title)
        self.setTabToolTip(index, tooltip)
        self.setCurrentIndex(index)
        content.setFocus(Qt.FocusReason.OtherFocusReason)

    def retitle(self, key: TabKey, title: str, tooltip: str) -> None:
        page = self.pages.get(key)
        if page is not None and title:
            index = self.indexOf(page)
            self.setTabText(index, title)
            self.setTabToolTip(index, tooltip)

    def reload_cases(self, beneficiary_id: uuid.UUID | None = None) -> None:
        """Read again the open cases (only this person's, when given)."""
        for key, page in list(self.pages.items()):
            detail = getattr(page.content, "detail", None)
            if key[0] == CASE and (
                beneficiary_id is None or getattr(detail, "beneficiary_id", None) == beneficiary_id
            ):
                cast(_Reloadable, page.content).reload()

    def close_page(self, index: int) -> bool:
        """Close a closable tab (its screen may refuse: ``maybe_close()`` False)."""
        page = self.page_at(index)
        if index <= CASELOAD_TAB or page is None:
            return False
        may_close = getattr(page.content, "maybe_close", None)
        if callable(may_close) and not may_close():
            return False
        if page.key is not None:
            self.pages.pop(page.key, None)
        self.removeTab(index)
        page.deleteLater()
        return True
