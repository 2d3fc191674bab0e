"""The screens the main window opens in its tabs: a beneficiary's file, a case, « À faire »
and the « Tableau de bord », and what refreshes them when one of them changes something.

Start-up time: none of these screens is imported before it is first opened; they need the
ORM, the list does not (and only the dashboard needs QtSvg and ReportLab's graphics).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from app.ui import status
from app.ui.window_parts import WindowParts
from app.ui.window_tabs import BENEFICIARY, CASE, CASELOAD_TAB, DASHBOARD_KEY, LIST_TAB

if TYPE_CHECKING:
    from app.ui.caseload_view import CaseloadView


class ScreenActions(WindowParts):
    """The main window's part that opens and refreshes its screens (see module docstring)."""

    # --- beneficiaries ---------------------------------------------------------------------

    def open_selected(self) -> None:
        selected = self.beneficiary_list.selected_id()
        if selected is not None:
            self.open_beneficiary(selected)

    def open_beneficiary(self, beneficiary_id: uuid.UUID) -> None:
        """Show one beneficiary's file in its tab (the tab already open, if any)."""
        key = (BENEFICIARY, beneficiary_id)
        if self.tabs.show_page(key):
            return
        from app.ui.beneficiary_file import BeneficiaryFile

        file = BeneficiaryFile(self.db, self.actor, beneficiary_id, self)
        if not file.loaded:  # the user has been told why
            file.deleteLater()
            return
        file.openCaseRequested.connect(self.open_case)
        file.changed.connect(self._on_beneficiary_changed)
        self.tabs.add_page(key, file, file.title, f"Fiche de {file.name_label.text()}")

    def new_beneficiary(self) -> None:
        """The form for a new person; once saved, the list shows it selected."""
        from app.ui.beneficiary_file import run_beneficiary_dialog

        saved = run_beneficiary_dialog(self, self.db, self.actor, None)
        if saved is not None:
            self.tabs.setCurrentIndex(LIST_TAB)
            self.beneficiary_list.refresh(select=saved)

    def _on_beneficiary_changed(self, beneficiary_id: uuid.UUID) -> None:
        """A file was edited, or a case created from it: the lists and its tab follow."""
        from app.ui.beneficiary_file import BeneficiaryFile

        self.beneficiary_list.refresh()
        self._refresh_caseload()
        file = self.tab_content(BENEFICIARY, beneficiary_id)
        if isinstance(file, BeneficiaryFile):
            self.tabs.retitle(
                (BENEFICIARY, beneficiary_id), file.title, f"Fiche de {file.name_label.text()}"
            )
        self.tabs.reload_cases(beneficiary_id)

    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(LIST_TAB)
        self.beneficiary_list.focus_search()

    # --- cases -----------------------------------------------------------------------------

    def open_case(self, case_id: uuid.UUID) -> None:
        """Show one case in its tab (the tab already open, if any)."""
        key = (CASE, case_id)
        if self.tabs.show_page(key):
            return
        from app.ui.case_view import CaseView

        ok, view = status.attempt(self, lambda: CaseView(self.db, self.actor, case_id, self))
        if not ok or view is None:
            return
        if not getattr(view, "loaded", True):  # the user has been told why
            view.deleteLater()
            return
        view.changed.connect(self._on_case_changed)
        view.openBeneficiaryRequested.connect(self.open_beneficiary)
        self.tabs.add_page(key, view, *self._case_tab_texts(view))

    @staticmethod
    def _case_tab_texts(view: QWidget) -> tuple[str, str]:
        """The tab shows the case reference; its tooltip the view's full title."""
        title = str(getattr(view, "title", ""))
        reference = getattr(getattr(view, "detail", None), "reference", "") or title
        return reference, f"Dossier {title}" if not title.startswith("Dossier") else title

    def _on_case_changed(self, case_id: uuid.UUID) -> None:
        """A case changed (saved, decided, meeting added…): refresh what shows it."""
        from app.ui.beneficiary_file import BeneficiaryFile

        view = self.tab_content(CASE, case_id)
        person: uuid.UUID | None = None
        if view is not None:
            self.tabs.retitle((CASE, case_id), *self._case_tab_texts(view))
            person = getattr(getattr(view, "detail", None), "beneficiary_id", None)
        self.beneficiary_list.refresh()  # keeps the selection and the place in the list
        self._refresh_caseload()
        for key, page in list(self.tabs.pages.items()):
            if key[0] == BENEFICIARY and (person is None or key[1] == person):
                content = page.content
                if isinstance(content, BeneficiaryFile):
                    content.reload_cases()
        self._update_actions()

    def new_case_for_selected(self) -> None:
        """The case editor for the person of the current tab (or selected in the list)."""
        beneficiary_id = self.current_beneficiary_id()
        if beneficiary_id is None or self.db.read_only:
            return
        from app.ui.beneficiary_file import BeneficiaryFile, run_case_editor

        content = self.current_content()
        if isinstance(content, BeneficiaryFile):
            content.new_case()  # refreshes itself, then asks to open the new case
            return
        case_id = run_case_editor(self, self.db, self.actor, beneficiary_id)
        if case_id is None:
            return
        self._on_beneficiary_changed(beneficiary_id)
        file = self.tab_content(BENEFICIARY, beneficiary_id)
        if isinstance(file, BeneficiaryFile):
            file.reload_cases()
        self.open_case(case_id)

    # --- « À faire » and the « Tableau de bord » -------------------------------------------

    @property
    def caseload_view(self) -> CaseloadView:
        """The « À faire » screen, built when first shown."""
        if self._caseload_view is None:
            from app.ui.caseload_view import CaseloadView

            view = CaseloadView(self.db, self.actor, self)
            view.openCaseRequested.connect(self.open_case)
            self._caseload_page.set_content(view)
            self._caseload_view = view
        return self._caseload_view

    def _refresh_caseload(self) -> None:
        """After a change: the « À faire » screen reloads, if it was ever shown; the
        dashboard, if open, reads its figures again (now if shown, else when next shown)."""
        if self._caseload_view is not None:
            self._caseload_view.refresh()
        dashboard = self.tabs.content(DASHBOARD_KEY)
        if dashboard is not None:
            from app.ui.dashboard_tab import DashboardTab  # imported: the tab is open

            if isinstance(dashboard, DashboardTab):
                dashboard.mark_stale()

    def show_caseload(self) -> None:
        fresh = self._caseload_view is None  # then built (and loaded) by the tab change
        self.tabs.setCurrentIndex(CASELOAD_TAB)
        if not fresh:
            self.caseload_view.refresh()
        self.caseload_view.focus_list()

    def show_dashboard(self) -> QWidget:
        """The « Tableau de bord » tab, built on first use (its figures load in a worker)."""
        if self.tabs.show_page(DASHBOARD_KEY):
            return self.tabs.pages[DASHBOARD_KEY].content
        from app.ui.dashboard_tab import DashboardTab

        view = DashboardTab(self.db, self.actor, self)
        view.openCaseRequested.connect(self.open_case)
        self.tabs.add_page(
            DASHBOARD_KEY, view, "Tableau de bord", "Les chiffres du Pack sortie RSA"
        )
        return view
